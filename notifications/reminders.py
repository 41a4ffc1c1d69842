"""The people's clock: when to remind whom of which deadline, and quiet hours.

Everything here is derived from the deadline table, never from a scheduler's own store:
:func:`plan` takes the deadlines that may need a reminder (open, or missed with nothing
recorded since) and says which reminders fall due in the next hours, and which one
reminder per deadline should already have gone out (a restart, a new deadline that is
already close). The scheduler (``notifications/scheduler.py``) arms jobs from the first
list and queues the second at once; dedupe keys make both safe to repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from cases.outbox import DeadlineDue, Notice, NoticeKind, deadline_key
from cases.settings import Settings, clock_time, reminder_offsets

HORIZON = timedelta(hours=26)
"""How far ahead reminder jobs are armed; an hourly re-plan moves the horizon on."""


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


# ------------------------------------------------------------------------ quiet hours
@dataclass(frozen=True)
class QuietHours:
    """A daily window without mail, in the recipients' zone (22:00-08:00 by default)."""

    start: time
    end: time
    tz: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> QuietHours | None:
        if not settings.quiet_hours:
            return None
        start, _, end = settings.quiet_hours.partition("-")
        window = cls(clock_time(start), clock_time(end), zone(settings.recipient_zone))
        return None if window.start == window.end else window

    def window_around(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """The quiet window containing ``moment`` (aware), or None outside quiet hours."""
        local = moment.astimezone(self.tz)
        day, now = local.date(), local.time()
        if self.start < self.end:  # e.g. 12:00-14:00
            if self.start <= now < self.end:
                return self._at(day, self.start), self._at(day, self.end)
            return None
        if now >= self.start:  # overnight, evening side
            return self._at(day, self.start), self._at(day + timedelta(days=1), self.end)
        if now < self.end:  # overnight, morning side
            return self._at(day - timedelta(days=1), self.start), self._at(day, self.end)
        return None

    def release(self, moment: datetime, due_at: datetime | None) -> datetime:
        """When a mail planned for ``moment`` may go: then, or at the end of the quiet
        window, unless the deadline itself falls inside that same window."""
        window = self.window_around(moment)
        if window is None:
            return moment
        start, end = window
        if due_at is not None and start <= due_at <= end:
            return moment
        return end

    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz)


# --------------------------------------------------------------------------- planning
@dataclass(frozen=True)
class Reminder:
    """One reminder of one deadline: ``occasion`` is ``24h`` (before) or ``overdue-2d``."""

    target: DeadlineDue
    occasion: str
    nominal: datetime
    at: datetime

    @property
    def key(self) -> str:
        """``RF-2026-0001/review#1/remind-2h@20261010T1600Z``: the deadline, the occasion, and
        the due time (a deadline re-dated by ``case rule`` gets its reminders afresh)."""
        t = self.target
        stamp = t.due_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
        return deadline_key(t.ref, t.rule_key, t.round, f"remind-{self.occasion}@{stamp}")

    def notice(self, now: datetime) -> Notice:
        t = self.target
        return Notice(
            self.key,
            NoticeKind.REMINDER,
            now,
            t.ref,
            payload={
                "deadline": t.kind,
                "rule": t.rule_key,
                "round": t.round,
                "due_at": t.due_at.isoformat(),
                "occasion": self.occasion,
                "planned_at": self.nominal.isoformat(),
            },
            next_attempt_at=min(self.at, now),  # due at once: its time has come
        )


def offset_label(offset: timedelta) -> str:
    """24 hours → ``24h``; 90 minutes → ``90m``; 3 days → ``72h``."""
    seconds = int(offset.total_seconds())
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def reminders_for(
    target: DeadlineDue, offsets: list[timedelta], overdue_days: int, quiet: QuietHours | None
) -> list[Reminder]:
    """Every reminder of one deadline, in time order.

    Before the deadline: one per offset, if it falls after the deadline was set (a 24-hour
    supplement deadline gets no "24 hours left" mail the moment it is recorded). At the
    deadline the deadline-missed notice goes out (queued by ``handle_due_deadlines``).
    After it: one a day for ``overdue_days`` days while nothing is recorded.
    """
    found: list[Reminder] = []
    if target.is_open:
        for offset in offsets:
            nominal = target.due_at - offset
            if target.start_at < nominal < target.due_at:
                found.append(_reminder(target, offset_label(offset), nominal, quiet))
    for day in range(1, max(overdue_days, 0) + 1):
        nominal = target.due_at + timedelta(days=day)
        found.append(_reminder(target, f"overdue-{day}d", nominal, quiet))
    return sorted(found, key=lambda r: r.at)


def _reminder(
    target: DeadlineDue, occasion: str, nominal: datetime, quiet: QuietHours | None
) -> Reminder:
    at = quiet.release(nominal, target.due_at) if quiet else nominal
    return Reminder(target, occasion, nominal, at)


@dataclass(frozen=True)
class Plan:
    catch_up: list[Reminder]
    """The latest reminder of each deadline whose time has already come (queue now)."""
    upcoming: list[Reminder]
    """Reminders due within the horizon (arm a job for each)."""


def plan(
    targets: list[DeadlineDue],
    now: datetime,
    settings: Settings,
    horizon: timedelta = HORIZON,
) -> Plan:
    offsets = reminder_offsets(settings.remind_before)
    quiet = QuietHours.from_settings(settings)
    catch_up: list[Reminder] = []
    upcoming: list[Reminder] = []
    for target in targets:
        reminders = reminders_for(target, offsets, settings.remind_overdue_days, quiet)
        # A "2 hours left" that could not go out before the deadline is not sent late.
        past = [r for r in reminders if r.at <= now and (_after_due(r) or now < target.due_at)]
        if past:
            catch_up.append(past[-1])
        upcoming.extend(r for r in reminders if now < r.at <= now + horizon)
    return Plan(catch_up, upcoming)


def _after_due(reminder: Reminder) -> bool:
    return reminder.occasion.startswith("overdue")


def needs_someone_today(target: DeadlineDue, now: datetime, tz: ZoneInfo) -> bool:
    """For the digest: missed with nothing done since, or due before the end of today."""
    if not target.is_open:
        return True
    end_of_day = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(), tz)
    return target.due_at <= end_of_day
