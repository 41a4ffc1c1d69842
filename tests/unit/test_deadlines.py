"""Deadlines counted as the Civil Code counts them, with the reason in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cases.deadlines import Due, compute_due
from cases.durations import Duration
from cases.i18n import InvalidInput, Text
from cases.workdays import ChinaCalendar, WorkCalendar, YearOverride

SHANGHAI = ZoneInfo("Asia/Shanghai")
SOURCE = Text(zh="维权指南 003", en="seed 003")
CALENDAR = ChinaCalendar()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def due(start: datetime, duration: str, calendar: WorkCalendar = CALENDAR) -> Due:
    return compute_due(start, Duration.parse(duration), SHANGHAI, calendar, source=SOURCE)


def test_three_working_days_over_national_day_end_on_the_make_up_saturday() -> None:
    result = due(local("2026-09-30 18:00"), "3 working days")
    assert result.due_at == local("2026-10-11 00:00")
    assert result.due_at.tzinfo == UTC
    assert result.last_day == date(2026, 10, 10)
    assert result.moved_from is None and not result.provisional
    assert result.explanation.render("en") == (
        "3 working days after 2026-09-30 18:00 (the start day is not counted, Civil Code "
        "art. 201): the last day is 2026-10-10, ending at 24:00 Asia/Shanghai (Civil Code "
        "art. 203). Source: seed 003."
    )
    assert result.explanation.render("zh") == (
        "自 2026-09-30 18:00 起 3个工作日（起算当日不计入，《民法典》第二百零一条）："
        "最后一日为 2026-10-10，至当日 24:00 止（Asia/Shanghai；《民法典》第二百零三条）。"
        "依据：维权指南 003。"
    )


def test_seventh_working_day_after_2026_09_28() -> None:
    result = due(local("2026-09-28 09:00"), "7 working days")
    assert result.last_day == date(2026, 10, 13)
    assert result.due_at == local("2026-10-14 00:00")


def test_start_is_placed_in_the_case_zone_before_counting() -> None:
    # 17:00 UTC on 09-30 is already 01:00 on 10-01 in Shanghai: 10-01 is the uncounted day.
    result = due(datetime(2026, 9, 30, 17, 0, tzinfo=UTC), "1 working day")
    assert result.last_day == date(2026, 10, 8)
    assert "after 2026-10-01 01:00" in result.explanation.render("en")


def test_hours_are_exact_and_ignore_holidays() -> None:
    result = due(local("2026-10-01 10:00"), "24 hours")
    assert result.due_at == local("2026-10-02 10:00")
    assert result.last_day is None and result.moved_from is None and not result.provisional
    assert result.explanation.render("en") == (
        "24 hours after 2026-10-01 10:00: ends 2026-10-02 10:00 Asia/Shanghai. Source: seed 003."
    )
    assert result.explanation.render("zh") == (
        "自 2026-10-01 10:00 起 24小时：至 2026-10-02 10:00 止（Asia/Shanghai）。"
        "依据：维权指南 003。"
    )


def test_seconds_show_seconds() -> None:
    result = due(local("2026-10-01 10:00"), "10 seconds")
    assert result.due_at == local("2026-10-01 10:00:10")
    assert "ends 2026-10-01 10:00:10" in result.explanation.render("en")


def test_calendar_days_ending_on_a_holiday_move_to_the_next_working_day() -> None:
    result = due(local("2026-09-26 15:30"), "7 days")
    assert result.moved_from == date(2026, 10, 3)
    assert result.last_day == date(2026, 10, 8)
    assert result.due_at == local("2026-10-09 00:00")
    english = result.explanation.render("en")
    assert (
        "2026-10-03 is a day off, so the period ends on the next working day, 2026-10-08 "
        "(Civil Code art. 203)"
    ) in english
    assert "start day is not counted" in english
    assert "2026-10-03 是休息日" in result.explanation.render("zh")


def test_calendar_days_ending_on_a_working_day_stay() -> None:
    result = due(local("2026-09-01 12:00"), "7 days")
    assert result.last_day == date(2026, 9, 8) and result.moved_from is None
    assert "day off" not in result.explanation.render("en")


def test_calendar_days_ending_on_a_make_up_saturday_do_not_move() -> None:
    result = due(local("2026-10-03 12:00"), "7 days")
    assert result.last_day == date(2026, 10, 10) and result.moved_from is None


def test_deadline_in_a_year_without_notice_is_provisional_but_dated() -> None:
    result = due(local("2026-12-20 10:00"), "10 working days")
    assert result.provisional
    assert result.last_day == date(2027, 1, 4)
    assert result.due_at == local("2027-01-05 00:00")
    assert (
        "Provisional: no official holiday data for 2027 yet; add the year's notice to "
        "holidays.toml."
    ) in result.explanation.render("en")
    assert "暂定：尚无 2027 年的官方放假安排" in result.explanation.render("zh")


def test_calendar_days_inside_an_official_year_are_not_provisional() -> None:
    assert not due(local("2026-01-10 10:00"), "120 days").provisional
    assert due(local("2026-12-20 10:00"), "30 days").provisional


def test_a_notice_for_2027_makes_it_official_and_uses_its_make_up_days() -> None:
    notice = YearOverride(
        holidays=frozenset(date(2027, 2, d) for d in range(5, 14)),
        workdays=frozenset({date(2027, 2, 14), date(2027, 2, 20)}),
    )
    calendar = ChinaCalendar({2027: notice})
    result = due(local("2027-02-04 09:00"), "1 working day", calendar)
    assert result.last_day == date(2027, 2, 14)  # a Sunday make-up day
    assert not result.provisional
    assert "Provisional" not in result.explanation.render("en")
    guessed = due(local("2027-02-04 09:00"), "1 working day")
    assert guessed.provisional and guessed.last_day != date(2027, 2, 14)


class EveryDay(WorkCalendar):
    """A calendar where every day is a working day, to isolate time-zone arithmetic."""

    def is_working_day(self, day: date) -> bool:
        return True

    def is_official(self, year: int) -> bool:
        return True


def test_day_based_deadline_ends_at_local_midnight_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 28, 12, 0, tzinfo=berlin)
    days = compute_due(start, Duration.parse("1 day"), berlin, EveryDay(), source=SOURCE)
    assert days.due_at == datetime(2026, 3, 30, 0, 0, tzinfo=berlin)
    assert days.due_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    hours = compute_due(start, Duration.parse("24 hours"), berlin, EveryDay(), source=SOURCE)
    assert hours.due_at - start.astimezone(UTC) == timedelta(hours=24)
    assert "ends 2026-03-29 13:00 Europe/Berlin" in hours.explanation.render("en")


def test_naive_start_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        due(datetime(2026, 9, 30, 18, 0), "3 working days")
    assert "has no time zone" in caught.value.render("en")
    assert "+08:00" in caught.value.render("en")
    assert "没有时区" in caught.value.render("zh")


def test_source_is_quoted_as_given() -> None:
    source = Text(zh="{file} 中的 {key}", en="{file} {key}").format(
        file="rules.toml", key='[platforms."卡盟{1}"] review'
    )
    result = compute_due(
        local("2026-09-30 18:00"),
        Duration.parse("3 working days"),
        SHANGHAI,
        CALENDAR,
        source=source,
    )
    assert result.explanation.render("en").endswith(
        'Source: rules.toml [platforms."卡盟{1}"] review.'
    )
    assert result.explanation.render("zh").endswith(
        '依据：rules.toml 中的 [platforms."卡盟{1}"] review。'
    )
