"""Working days in mainland China: the calendar port and its default adapter.

Review, arrival and complaint clocks run in working days, which the State Council fixes each
year (holiday blocks plus weekend make-up days, 调休). ``chinese_calendar`` holds the notices
up to 2026; a user can add a later year's notice in ``$REFUNDFLOW_HOME/holidays.toml``. For any
other year the calendar guesses (Monday-Friday minus the ``holidays`` package's CN holidays, no
make-up days) and says so through ``is_official``, so deadlines there are shown as provisional.

Counting runs for every case of a bulk import, so each year is turned once into a sorted tuple
of working-day ordinals and the n-th working day is found by bisection (microseconds).
"""

from __future__ import annotations

import json
import tomllib
from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import chinese_calendar

from cases.i18n import InvalidInput, Text

_MAX_YEARS_SCANNED = 200
"""A calendar with no working day for this many years is broken; stop instead of looping."""


class WorkCalendar(ABC):
    """Which local dates are working days; the counting helpers work for any calendar."""

    @abstractmethod
    def is_working_day(self, day: date) -> bool: ...

    @abstractmethod
    def is_official(self, year: int) -> bool:
        """True when the State Council's notice for ``year`` is in the data."""

    def working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after ``day`` (``day`` itself is not counted); n >= 1."""
        found = 0
        for offset in range(1, _MAX_YEARS_SCANNED * 366):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                found += 1
                if found == n:
                    return candidate
        raise _no_working_day(day)

    def next_working_day(self, day: date) -> date:
        """``day`` if it is a working day, else the first working day after it."""
        return day if self.is_working_day(day) else self.working_day_after(day, 1)


@dataclass(frozen=True)
class YearOverride:
    """A user-supplied State Council notice for one year: its days off and make-up days."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str = ""


@dataclass(frozen=True)
class _Year:
    working: tuple[int, ...]  # ordinals of the year's working days, ascending
    members: frozenset[int]
    official: bool


def _year_of(working: list[date], official: bool) -> _Year:
    ordinals = tuple(sorted(day.toordinal() for day in working))
    return _Year(ordinals, frozenset(ordinals), official)


def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


@cache
def _library_year(year: int) -> _Year:
    """The year from chinese_calendar if it has the notice, else the unofficial guess."""
    try:
        working = chinese_calendar.get_workdays(date(year, 1, 1), date(year, 12, 31))
    except NotImplementedError:
        import holidays as holidays_package  # lazily: only years without official data

        days_off = holidays_package.country_holidays("CN", years=year)
        guess = [day for day in _days_of(year) if day.weekday() < 5 and day not in days_off]
        return _year_of(guess, official=False)
    return _year_of(list(working), official=True)


def _override_year(year: int, notice: YearOverride) -> _Year:
    working = [
        day
        for day in _days_of(year)
        if (day.weekday() < 5 and day not in notice.holidays) or day in notice.workdays
    ]
    return _year_of(working, official=True)


def _no_working_day(day: date) -> InvalidInput:
    return InvalidInput(
        Text(
            zh="{day} 之后 {years} 年内没有任何工作日，请检查 holidays.toml 中的放假安排",
            en="the calendar has no working day within {years} years after {day}; "
            "check the holidays listed in holidays.toml",
        ).format(day=day.isoformat(), years=_MAX_YEARS_SCANNED)
    )


class ChinaCalendar(WorkCalendar):
    """Mainland China's working days: user notices, then chinese_calendar, then a guess."""

    def __init__(self, overrides: Mapping[int, YearOverride] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is None:
            notice = self._overrides.get(year)
            cached = _library_year(year) if notice is None else _override_year(year, notice)
            self._years[year] = cached
        return cached

    def is_working_day(self, day: date) -> bool:
        return day.toordinal() in self._year(day.year).members

    def is_official(self, year: int) -> bool:
        return self._year(year).official

    def working_day_after(self, day: date, n: int) -> date:
        ordinal, year, remaining = day.toordinal(), day.year, n
        for _ in range(_MAX_YEARS_SCANNED):
            working = self._year(year).working
            start = bisect_right(working, ordinal)
            if remaining <= len(working) - start:
                return date.fromordinal(working[start + remaining - 1])
            remaining -= len(working) - start
            year += 1
        raise _no_working_day(day)

    def next_working_day(self, day: date) -> date:
        ordinal, year = day.toordinal(), day.year
        for _ in range(_MAX_YEARS_SCANNED):
            working = self._year(year).working
            index = bisect_left(working, ordinal)
            if index < len(working):
                return date.fromordinal(working[index])
            year += 1
        raise _no_working_day(day)


_FIX_HINT = Text(
    zh='每个年份写成一张表，例如 [2027]，其中 holidays = ["2027-01-01", …] 列出放假日，'
    'workdays = ["2027-02-14"] 列出调休上班日，'
    'source = "国务院办公厅关于2027年部分节假日安排的通知"',
    en='Write one table per year, e.g. [2027] with holidays = ["2027-01-01", ...] (days off), '
    'workdays = ["2027-02-14"] (make-up working days) and source = "<the notice\'s title>"',
)


def _shown(value: Any) -> str:
    """A value as it looks in the TOML file, e.g. "2027-02-30" with double quotes."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _bad_file(path: Path, where: str, problem: Text) -> InvalidInput:
    return InvalidInput(
        Text(
            zh="{path} 有误（{where}）：{problem}。{hint}",
            en="{path} is wrong at {where}: {problem}. {hint}",
        ).format(path=str(path), where=where, problem=problem, hint=_FIX_HINT)
    )


def _read_dates(path: Path, year: int, key: str, value: Any) -> frozenset[date]:
    where = f"[{year}] {key}"
    if not isinstance(value, list):
        raise _bad_file(
            path,
            where,
            Text(zh="应为日期列表，而不是 {v}", en="expected a list of dates, not {v}").format(
                v=_shown(value)
            ),
        )
    days: set[date] = set()
    for item in value:
        day: date | None = None
        if isinstance(item, date) and not isinstance(item, datetime):
            day = item
        elif isinstance(item, str) and len(item.strip()) == 10:
            try:
                day = date.fromisoformat(item.strip())
            except ValueError:
                day = None
        if day is None:
            raise _bad_file(
                path,
                where,
                Text(
                    zh='无法识别日期 {v}，请写成 "YYYY-MM-DD"',
                    en='cannot read the date {v}; write it as "YYYY-MM-DD"',
                ).format(v=_shown(item)),
            )
        if day.year != year:
            raise _bad_file(
                path,
                where,
                Text(
                    zh="{d} 不属于 {y} 年，请放到 [{dy}] 表中",
                    en="{d} is not in {y}; put it in the [{dy}] table",
                ).format(d=day.isoformat(), y=year, dy=day.year),
            )
        days.add(day)
    return frozenset(days)


def _read_year(path: Path, name: str, table: Any) -> tuple[int, YearOverride]:
    if not (name.isdigit() and len(name) == 4) or not isinstance(table, dict):
        raise _bad_file(
            path,
            f"[{name}]" if isinstance(table, dict) else name,
            Text(zh="“{n}”不是年份表", en='"{n}" is not a year table').format(n=name),
        )
    year = int(name)
    unknown = sorted(set(table) - {"source", "holidays", "workdays"})
    if unknown:
        raise _bad_file(
            path,
            f"[{year}] {unknown[0]}",
            Text(
                zh="不认识的键“{k}”，只能使用 source、holidays、workdays",
                en='unknown key "{k}"; the keys are source, holidays and workdays',
            ).format(k=unknown[0]),
        )
    if "holidays" not in table:
        raise _bad_file(
            path,
            f"[{year}]",
            Text(zh="缺少 holidays（放假日列表）", en="the holidays list (days off) is missing"),
        )
    source = table.get("source", "")
    if not isinstance(source, str):
        raise _bad_file(
            path,
            f"[{year}] source",
            Text(
                zh="应为通知标题文字，而不是 {v}",
                en="expected the notice's title as text, not {v}",
            ).format(v=_shown(source)),
        )
    days_off = _read_dates(path, year, "holidays", table["holidays"])
    make_up = _read_dates(path, year, "workdays", table.get("workdays", []))
    both = sorted(days_off & make_up)
    if both:
        raise _bad_file(
            path,
            f"[{year}]",
            Text(
                zh="{d} 同时出现在 holidays 和 workdays 中，请只保留一处",
                en="{d} is listed both in holidays and in workdays; keep only one",
            ).format(d=both[0].isoformat()),
        )
    return year, YearOverride(days_off, make_up, source)


def load_calendar(path: Path | None) -> ChinaCalendar:
    """The calendar with the user's notices from ``holidays.toml``; no file, no notices.

    A year in the file is treated as official and replaces chinese_calendar's data for it.
    """
    if path is None or not path.exists():
        return ChinaCalendar()
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
        raise InvalidInput(
            Text(
                zh="无法读取 {path}：{e}。请修正该文件（TOML 格式），"
                "或删除它以只用内置的放假数据。{hint}",
                en="cannot read {path}: {e}. Fix the file (it is TOML) or remove it to use the "
                "built-in holiday data only. {hint}",
            ).format(path=str(path), e=str(error), hint=_FIX_HINT)
        ) from error
    return ChinaCalendar(dict(_read_year(path, name, table) for name, table in data.items()))
