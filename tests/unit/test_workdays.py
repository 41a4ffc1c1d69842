"""China's working-day calendar: official years, make-up days, guesses, the user's notices."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays
import pytest

from cases.i18n import InvalidInput
from cases.workdays import ChinaCalendar, WorkCalendar, YearOverride, load_calendar


@pytest.fixture(scope="module")
def calendar() -> ChinaCalendar:
    return ChinaCalendar()


def test_national_day_2026_and_its_make_up_saturday(calendar: ChinaCalendar) -> None:
    assert not any(calendar.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert calendar.is_working_day(date(2026, 10, 10))  # Saturday, make-up day (调休)
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday, make-up day
    assert not calendar.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


def test_seventh_working_day_after_2026_09_28(calendar: ChinaCalendar) -> None:
    assert calendar.working_day_after(date(2026, 9, 28), 7) == date(2026, 10, 13)


def test_next_working_day_skips_the_holiday_block(calendar: ChinaCalendar) -> None:
    assert calendar.next_working_day(date(2026, 10, 3)) == date(2026, 10, 8)
    assert calendar.next_working_day(date(2026, 10, 9)) == date(2026, 10, 9)


def test_years_with_the_notice_are_official(calendar: ChinaCalendar) -> None:
    assert calendar.is_official(2025) and calendar.is_official(2026)
    assert not calendar.is_official(2027)
    assert not calendar.is_official(2003)


def test_a_year_without_data_is_guessed_without_make_up_days(calendar: ChinaCalendar) -> None:
    assert not calendar.is_working_day(date(2027, 10, 1))  # National Day, a Friday
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 1, 4))  # an ordinary Monday
    assert not calendar.is_working_day(date(2027, 2, 14))  # Sunday: no make-up day guessed


def test_counting_crosses_into_a_guessed_year(calendar: ChinaCalendar) -> None:
    # 12-31 (Thu) is the 1st; 2027-01-01 is New Year's Day; then Mon 01-04 and Tue 01-05.
    assert calendar.working_day_after(date(2026, 12, 30), 3) == date(2027, 1, 5)


def test_override_makes_a_year_official_with_its_make_up_days() -> None:
    notice = YearOverride(
        holidays=frozenset({date(2027, 1, 1), date(2027, 2, 8), date(2027, 2, 9)}),
        workdays=frozenset({date(2027, 2, 14)}),
    )
    calendar = ChinaCalendar({2027: notice})
    assert calendar.is_official(2027)
    assert calendar.is_working_day(date(2027, 2, 14))
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.is_working_day(date(2027, 10, 1))  # only what the notice lists is off
    assert not calendar.is_official(2028)


@pytest.mark.parametrize("year", [2025, 2026])
def test_holidays_package_weekday_holidays_are_days_off(calendar: ChinaCalendar, year: int) -> None:
    listed = holidays.country_holidays("CN", years=year)
    weekday_holidays = [day for day in listed if day.weekday() < 5]
    assert len(weekday_holidays) >= 10
    assert [day for day in weekday_holidays if calendar.is_working_day(day)] == []


@pytest.mark.parametrize("year", [2025, 2026])
def test_make_up_days_fall_on_weekends_and_are_working_days(
    calendar: ChinaCalendar, year: int
) -> None:
    make_up = [day for day in chinese_calendar.workdays if day.year == year]
    assert len(make_up) >= 4
    assert [day for day in make_up if day.weekday() < 5] == []
    assert all(calendar.is_working_day(day) for day in make_up)


def test_fast_counting_agrees_with_day_by_day_counting(calendar: ChinaCalendar) -> None:
    for offset in range(0, 3 * 365, 11):
        start = date(2025, 1, 1) + timedelta(days=offset)
        for n in (1, 2, 7, 45):
            slow = WorkCalendar.working_day_after(calendar, start, n)
            assert calendar.working_day_after(start, n) == slow, (start, n)
        assert calendar.next_working_day(start) == WorkCalendar.next_working_day(calendar, start)


def test_counting_45_working_days_takes_microseconds(calendar: ChinaCalendar) -> None:
    calendar.working_day_after(date(2026, 9, 28), 45)  # warm the year cache
    began = time.perf_counter()
    for _ in range(10_000):
        calendar.working_day_after(date(2026, 9, 28), 45)
    per_call = (time.perf_counter() - began) / 10_000
    assert per_call < 50e-6


def test_no_file_means_built_in_data(tmp_path: Path) -> None:
    assert not load_calendar(None).is_official(2027)
    assert not load_calendar(tmp_path / "holidays.toml").is_official(2027)
    assert load_calendar(tmp_path / "holidays.toml").is_official(2026)


def test_file_adds_a_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(
        "[2027]\n"
        'source = "国务院办公厅关于2027年部分节假日安排的通知"\n'
        'holidays = ["2027-01-01", "2027-02-08", 2027-02-09]\n'
        'workdays = ["2027-02-14"]\n',
        encoding="utf-8",
    )
    calendar = load_calendar(path)
    assert calendar.is_official(2027)
    assert calendar.is_working_day(date(2027, 2, 14))
    assert not calendar.is_working_day(date(2027, 2, 9))
    assert calendar.is_working_day(date(2026, 10, 10))  # other years untouched


def _refusal(tmp_path: Path, content: str) -> str:
    path = tmp_path / "holidays.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_calendar(path)
    message = caught.value.render("en")
    assert str(path) in message
    assert str(path) in caught.value.render("zh")
    return message


def test_bad_toml_is_refused(tmp_path: Path) -> None:
    message = _refusal(tmp_path, "[2027\nholidays = [")
    assert "cannot read" in message and "TOML" in message


def test_bad_date_names_table_and_value(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[2027]\nholidays = ["2027-02-30"]\n')
    assert "[2027] holidays" in message and 'cannot read the date "2027-02-30"' in message
    assert "YYYY-MM-DD" in message


def test_unknown_key_names_the_valid_keys(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[2027]\nholidays = []\nworkday = ["2027-02-14"]\n')
    assert '"workday"' in message and "source, holidays and workdays" in message


def test_date_in_the_wrong_year(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[2027]\nholidays = ["2028-01-01"]\n')
    assert "2028-01-01 is not in 2027" in message and "[2028]" in message


def test_table_must_be_a_year(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[next_year]\nholidays = ["2027-01-01"]\n')
    assert '"next_year" is not a year table' in message


def test_missing_holidays_list(tmp_path: Path) -> None:
    message = _refusal(tmp_path, '[2027]\nworkdays = ["2027-02-14"]\n')
    assert "holidays list" in message and "missing" in message
