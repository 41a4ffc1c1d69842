"""The people's clock: reminder times, quiet hours, and what a restart catches up on."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cases.outbox import DeadlineDue
from cases.settings import Settings, reminder_offsets
from notifications.compose import span
from notifications.reminders import QuietHours, needs_someone_today, plan, reminders_for, zone

T = datetime.fromisoformat
SHANGHAI = zone("Asia/Shanghai")


def deadline(due: str, start: str = "2026-10-01T09:00:00+08:00", status: str = "open",
             **changes: Any) -> DeadlineDue:
    values: dict[str, Any] = dict(
        ref="RF-2026-0001", kind="review", rule_key="review", round=1, start_at=T(start),
        due_at=T(due), status=status, zone="Asia/Shanghai",
    )
    values.update(changes)
    return DeadlineDue(**values)


def settings(**changes: Any) -> Settings:
    values: dict[str, Any] = dict(home="/nonexistent", lang="zh")
    values.update(changes)
    return Settings(**values)


QUIET = QuietHours.from_settings(settings())
assert QUIET is not None


def local(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%m-%d %H:%M")


# ------------------------------------------------------------------------ quiet hours
def test_nothing_is_sent_at_night_unless_the_deadline_itself_is_at_night() -> None:
    morning_deadline = T("2026-10-06T09:00:00+08:00")
    # 07:00 for a 09:00 deadline: wait until 08:00.
    assert local(QUIET.release(T("2026-10-06T07:00:00+08:00"), morning_deadline)) == "10-06 08:00"
    # 23:30 the evening before: also 08:00.
    assert local(QUIET.release(T("2026-10-05T23:30:00+08:00"), morning_deadline)) == "10-06 08:00"
    # A deadline at 02:00 is inside the night: its reminder at 00:00 goes at 00:00.
    night_deadline = T("2026-10-06T02:00:00+08:00")
    assert local(QUIET.release(T("2026-10-06T00:00:00+08:00"), night_deadline)) == "10-06 00:00"
    # Daytime is never moved.
    assert local(QUIET.release(T("2026-10-06T14:00:00+08:00"), morning_deadline)) == "10-06 14:00"


def test_quiet_hours_are_counted_in_the_recipients_zone() -> None:
    berlin = QuietHours.from_settings(settings(notify_tz="Europe/Berlin"))
    assert berlin is not None
    # 13:00 in Shanghai is 07:00 in Berlin (summer time): wait until 08:00 Berlin = 14:00 here.
    moved = berlin.release(T("2026-09-15T13:00:00+08:00"), T("2026-09-20T12:00:00+08:00"))
    assert local(moved) == "09-15 14:00"


def test_empty_quiet_hours_mean_none() -> None:
    assert QuietHours.from_settings(settings(quiet_hours="")) is None


# -------------------------------------------------------------------------- reminders
def test_a_deadline_gets_24h_and_2h_reminders_then_daily_ones_while_overdue() -> None:
    target = deadline("2026-10-10T16:00:00+08:00")
    found = reminders_for(target, reminder_offsets("24h, 2h"), 3, QUIET)
    assert [(r.occasion, local(r.at)) for r in found] == [
        ("24h", "10-09 16:00"), ("2h", "10-10 14:00"),
        ("overdue-1d", "10-11 16:00"), ("overdue-2d", "10-12 16:00"),
        ("overdue-3d", "10-13 16:00"),
    ]
    assert found[0].key == "RF-2026-0001/review#1/remind-24h@20261010T0800Z"


def test_a_deadline_ending_at_midnight_is_reminded_at_22_00_and_not_moved() -> None:
    # "2026-10-10 24:00": the 2-hour reminder falls at 22:00, inside the night that holds
    # the deadline, so it goes then; the 24-hour one (00:00 the night before) and the
    # overdue one (the next midnight) fall in other nights and wait for 08:00.
    target = deadline("2026-10-11T00:00:00+08:00")
    found = reminders_for(target, reminder_offsets("24h, 2h"), 1, QUIET)
    assert [(r.occasion, local(r.nominal), local(r.at)) for r in found] == [
        ("24h", "10-10 00:00", "10-10 08:00"), ("2h", "10-10 22:00", "10-10 22:00"),
        ("overdue-1d", "10-12 00:00", "10-12 08:00"),
    ]


def test_no_reminder_falls_before_the_deadline_was_set() -> None:
    # A 24-hour supplement deadline recorded at 09:00: no "24 hours left" at the same moment.
    target = deadline("2026-10-06T09:00:00+08:00", start="2026-10-05T09:00:00+08:00")
    found = reminders_for(target, reminder_offsets("24h, 2h"), 0, QUIET)
    assert [r.occasion for r in found] == ["2h"]


def test_after_a_restart_only_the_latest_missed_reminder_is_caught_up() -> None:
    due_soon = deadline("2026-10-10T16:00:00+08:00")
    now = T("2026-10-10T15:00:00+08:00")  # both the 24 h and the 2 h reminders passed
    result = plan([due_soon], now, settings(remind_overdue_days=2))
    assert [r.occasion for r in result.catch_up] == ["2h"]
    assert [r.occasion for r in result.upcoming] == ["overdue-1d"]


def test_a_before_reminder_is_never_sent_after_its_deadline() -> None:
    passed = deadline("2026-10-10T16:00:00+08:00")  # still open: nothing handled it yet
    now = T("2026-10-10T18:00:00+08:00")
    assert plan([passed], now, settings()).catch_up == []
    later = plan([passed], T("2026-10-12T10:00:00+08:00"), settings())
    assert [r.occasion for r in later.catch_up] == ["overdue-1d"]


def test_the_digest_wants_what_is_due_today_and_what_was_missed() -> None:
    now = T("2026-10-05T08:30:00+08:00")
    assert needs_someone_today(deadline("2026-10-05T23:00:00+08:00"), now, SHANGHAI)
    assert needs_someone_today(deadline("2026-10-06T00:00:00+08:00"), now, SHANGHAI)  # 24:00
    assert not needs_someone_today(deadline("2026-10-06T09:00:00+08:00"), now, SHANGHAI)
    missed = deadline("2026-10-01T00:00:00+08:00", status="missed")
    assert needs_someone_today(missed, now, SHANGHAI)


def test_spans_read_naturally_in_both_languages() -> None:
    assert span(timedelta(hours=2), "zh") == "2 小时"
    assert span(timedelta(days=1, hours=3, minutes=5), "en") == "1 day 3 hours"
    assert span(timedelta(minutes=1), "en") == "1 minute"
    assert span(timedelta(seconds=20), "zh") == "不到 1 分钟"
