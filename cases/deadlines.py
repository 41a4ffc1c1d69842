"""When a period ends, counted the way the Civil Code counts it (arts. 201-203).

Seconds, minutes and hours are elapsed time from the start instant (art. 201, para. 2), so
holidays do not matter. Days and working days are counted on local dates of the case's zone:
the start day is not counted (art. 201), a calendar-day period whose last day is a day off
ends on the next working day (art. 203), and every day-based period ends at 24:00 local of its
last day (art. 203). The result carries its explanation so the user can quote the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cases.durations import Duration, Unit
from cases.i18n import InvalidInput, Text
from cases.workdays import WorkCalendar


@dataclass(frozen=True)
class Due:
    """The end of a period and why; ``due_at`` is the first instant that is too late."""

    due_at: datetime  # aware, in UTC
    provisional: bool  # a counted year (or the last day's) has no official holiday data
    last_day: date | None  # local last day for day-based durations, else None
    moved_from: date | None  # calendar-day period whose last day was a day off: that day
    explanation: Text


def _minute(moment: datetime, zone: ZoneInfo, with_seconds: bool = False) -> str:
    """Local time as 'YYYY-MM-DD HH:MM' (with ':SS' when the period is in seconds)."""
    layout = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    return moment.astimezone(zone).strftime(layout)


def _ensure_aware(start: datetime) -> None:
    if start.tzinfo is None or start.utcoffset() is None:
        raise InvalidInput(
            Text(
                zh="起算时间 {start} 没有时区，无法换算；请注明时区，例如 2026-09-30T18:00+08:00",
                en="the start time {start} has no time zone, so it cannot be placed in time; "
                "give one, e.g. 2026-09-30T18:00+08:00",
            ).format(start=start.isoformat(sep=" "))
        )


def _exact(start: datetime, duration: Duration, seconds: int, zone: ZoneInfo, source: Text) -> Due:
    due_at = start.astimezone(UTC) + timedelta(seconds=seconds)
    precise = duration.unit is Unit.SECONDS
    explanation = Text(
        zh="自 {start} 起 {n}：至 {end} 止（{zone}）。依据：{source}。",
        en="{n} after {start}: ends {end} {zone}. Source: {source}.",
    ).format(
        start=_minute(start, zone, precise),
        n=duration.describe(),
        end=_minute(due_at, zone, precise),
        zone=zone.key,
        source=source,
    )
    return Due(due_at, False, None, None, explanation)


def _unofficial_years(calendar: WorkCalendar, first: date, last: date) -> list[int]:
    return [year for year in range(first.year, last.year + 1) if not calendar.is_official(year)]


def _provisional_clause(years: list[int]) -> Text:
    if not years:
        return Text("", "")
    listed = ", ".join(str(year) for year in years)
    return Text(
        zh="暂定：尚无 {years} 年的官方放假安排，"
        "请把当年国务院办公厅的放假通知加入 holidays.toml。",
        en=" Provisional: no official holiday data for {years} yet; add the year's notice to "
        "holidays.toml.",
    ).format(years=listed if len(years) == 1 else listed.replace(", ", "、"))


def compute_due(
    start: datetime, duration: Duration, zone: ZoneInfo, calendar: WorkCalendar, *, source: Text
) -> Due:
    """The deadline of ``duration`` counted from ``start`` in ``zone``, with its reasons.

    ``source`` says where the duration comes from (law, a guide, the user's rules file) and is
    quoted in the explanation.
    """
    _ensure_aware(start)
    seconds = duration.exact_seconds
    if seconds is not None:
        return _exact(start, duration, seconds, zone, source)

    start_day = start.astimezone(zone).date()
    moved_from: date | None = None
    if duration.unit is Unit.WORKING_DAYS:
        last_day = calendar.working_day_after(start_day, duration.amount)
        # Every counted day depends on the calendar, so every year it touches matters.
        unofficial = _unofficial_years(calendar, start_day + timedelta(days=1), last_day)
    else:
        nominal = start_day + timedelta(days=duration.amount)
        last_day = calendar.next_working_day(nominal)
        if last_day != nominal:
            moved_from = nominal
        # Calendar days are counted without the calendar; only the last day and a move need it.
        unofficial = _unofficial_years(calendar, nominal, last_day)

    due_at = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    if moved_from is None:
        ending = Text(
            zh="最后一日为 {last}，至当日 24:00 止（{zone}；《民法典》第二百零三条）",
            en="the last day is {last}, ending at 24:00 {zone} (Civil Code art. 203)",
        )
    else:
        ending = Text(
            zh="{moved} 是休息日，依《民法典》第二百零三条顺延至下一个工作日 {last}，"
            "至当日 24:00 止（{zone}）",
            en="{moved} is a day off, so the period ends on the next working day, {last} "
            "(Civil Code art. 203), at 24:00 {zone}",
        ).format(moved=moved_from.isoformat())
    explanation = Text(
        zh="自 {start} 起 {n}（起算当日不计入，《民法典》第二百零一条）：{ending}。"
        "{provisional}依据：{source}。",
        en="{n} after {start} (the start day is not counted, Civil Code art. 201): {ending}."
        "{provisional} Source: {source}.",
    ).format(
        start=_minute(start, zone),
        n=duration.describe(),
        ending=ending.format(last=last_day.isoformat(), zone=zone.key),
        provisional=_provisional_clause(unofficial),
        source=source,
    )
    return Due(due_at, bool(unofficial), last_day, moved_from, explanation)
