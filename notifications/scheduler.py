"""Reminders, the morning digest and outbox dispatch as APScheduler jobs (in the service).

The background service calls :func:`install` once on its running scheduler and
:func:`refresh` whenever deadlines change. Nothing here depends on APScheduler's own job
store surviving: the jobs live in a memory store of their own and are derived from the
deadline table, at start and on every re-plan (hourly, and on ``refresh``), because
APScheduler's default misfire grace (one second) silently drops jobs missed while the
process was down. A reminder whose time came while nothing ran is queued at once (only
the latest per deadline); the dedupe key of each reminder makes every re-plan safe.

Each reminder job queues REMINDER notices through a use case, then dispatches. Jobs are
grouped by firing time, so a thousand reminders due together are one job and one
transaction, not a thousand jobs racing for ten worker threads.
"""

from __future__ import annotations

import logging
import threading
import weakref
from datetime import datetime, time, timedelta
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.base import BaseScheduler

from cases.outbox import Notice, NoticeKind
from cases.outbox_services import deadlines_to_remind, queue_notices
from cases.settings import clock_time
from notifications.outbox import Dispatcher
from notifications.reminders import HORIZON, QuietHours, Reminder, needs_someone_today, plan, zone

log = logging.getLogger("refundflow.reminders")

JOBSTORE = "refundflow-notify"
DISPATCH_EVERY = timedelta(seconds=15)
"""How often the outbox is checked (retries, mail queued by other processes)."""
REPLAN_EVERY = timedelta(hours=1)
DIGEST_CATCH_UP = timedelta(hours=6)
"""A digest missed while the service was down is still sent this long after its time."""


class _Notifications:
    """What one installation's jobs share: the context, the dispatcher, a re-plan lock."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.dispatcher = Dispatcher(ctx)
        self.planning = threading.Lock()

    def dispatch(self) -> None:
        try:
            report = self.dispatcher.run()
        except Exception:  # a job must never die silently: log it and try next time
            log.exception("dispatching the outbox failed")
            return
        if report.tried or report.held or report.cancelled:
            log.info("outbox: %s", report)

    def remind(self, reminders: list[Reminder]) -> None:
        now = self.ctx.clock.now()
        try:
            queue_notices(self.ctx, [r.notice(now) for r in reminders])
        except Exception:
            log.exception("queuing %d reminders failed", len(reminders))
        self.dispatch()

    def digest(self) -> None:
        try:
            queue_digest(self.ctx)
        except Exception:
            log.exception("queuing the digest failed")
        self.dispatch()


_INSTALLED: weakref.WeakKeyDictionary[BaseScheduler, _Notifications] = (
    weakref.WeakKeyDictionary()
)


def install(scheduler: BaseScheduler, ctx: Any) -> None:
    """Add the dispatch, re-plan and digest jobs and the reminders of every open deadline."""
    state = _Notifications(ctx)
    _INSTALLED[scheduler] = state
    try:
        scheduler.add_jobstore(MemoryJobStore(), JOBSTORE)
    except ValueError:  # installed before on this scheduler: start over
        scheduler.remove_all_jobs(jobstore=JOBSTORE)
    now = ctx.clock.now()
    common: dict[str, Any] = dict(
        jobstore=JOBSTORE, replace_existing=True, coalesce=True, max_instances=1,
        misfire_grace_time=None,
    )
    scheduler.add_job(state.dispatch, "interval", seconds=DISPATCH_EVERY.total_seconds(),
                      id="dispatch", next_run_time=now, **common)
    scheduler.add_job(refresh, "interval", seconds=REPLAN_EVERY.total_seconds(),
                      args=[scheduler, ctx], id="replan", **common)
    settings = ctx.settings
    if settings.digest_at:
        at = clock_time(settings.digest_at)
        scheduler.add_job(state.digest, "cron", hour=at.hour, minute=at.minute,
                          timezone=zone(settings.recipient_zone), id="digest", **common)
    refresh(scheduler, ctx)


def refresh(scheduler: BaseScheduler, ctx: Any) -> None:
    """Re-plan reminders from the deadline table (call after deadlines change)."""
    state = _INSTALLED.get(scheduler)
    if state is None:
        raise RuntimeError("notifications.scheduler.install() must run before refresh()")
    with state.planning:
        now = ctx.clock.now()
        targets = deadlines_to_remind(ctx, ctx.settings.remind_overdue_days)
        planned = plan(targets, now, ctx.settings)
        queued = queue_notices(ctx, [r.notice(now) for r in planned.catch_up])
        queued += _catch_up_digest(ctx, now)
        _arm(scheduler, state, planned.upcoming, targets, now)
    if queued:
        log.info("queued %d reminders whose time had come", queued)
        _dispatch_soon(scheduler, state)


def _arm(scheduler: BaseScheduler, state: _Notifications, upcoming: list[Reminder],
         targets: list[Any], now: datetime) -> None:
    """Replace the reminder jobs with one job per firing time in the plan."""
    groups: dict[str, tuple[datetime, list[Reminder]]] = {}
    for reminder in upcoming:
        at = _whole_second(reminder.at)
        groups.setdefault(f"remind@{at.isoformat()}", (at, []))[1].append(reminder)
    # At a deadline the service's timer queues the deadline-missed notice: send it promptly.
    for target in targets:
        if target.is_open and now < target.due_at <= now + HORIZON:
            at = _whole_second(target.due_at) + timedelta(seconds=2)
            groups.setdefault(f"due@{at.isoformat()}", (at, []))
    for job in scheduler.get_jobs(jobstore=JOBSTORE):
        if job.id.startswith(("remind@", "due@")) and job.id not in groups:
            try:
                job.remove()
            except JobLookupError:  # it just ran
                pass
    for job_id, (at, reminders) in groups.items():
        func, args = (state.remind, [reminders]) if reminders else (state.dispatch, [])
        scheduler.add_job(func, "date", run_date=at, args=args, id=job_id, jobstore=JOBSTORE,
                          replace_existing=True, misfire_grace_time=None, coalesce=True)


def _whole_second(moment: datetime) -> datetime:
    """Rounded up: a job never fires before the moment it stands for."""
    return moment if moment.microsecond == 0 else (
        moment.replace(microsecond=0) + timedelta(seconds=1))


def _dispatch_soon(scheduler: BaseScheduler, state: _Notifications) -> None:
    scheduler.add_job(state.dispatch, id="dispatch-now", jobstore=JOBSTORE,
                      replace_existing=True, misfire_grace_time=None)


def queue_digest(ctx: Any, now: datetime | None = None) -> int:
    """Queue today's digest (once a day, by its key) if any case needs someone today."""
    now = now or ctx.clock.now()
    settings = ctx.settings
    reader = zone(settings.recipient_zone)
    targets = deadlines_to_remind(ctx, settings.remind_overdue_days)
    if not any(needs_someone_today(t, now, reader) for t in targets):
        return 0
    day = now.astimezone(reader).date().isoformat()
    notice = Notice(f"digest/{day}", NoticeKind.DIGEST, now, payload={"date": day})
    return queue_notices(ctx, [notice])


def _catch_up_digest(ctx: Any, now: datetime) -> int:
    """Today's digest, if its time passed while nothing ran (and it is not night yet)."""
    settings = ctx.settings
    if not settings.digest_at:
        return 0
    reader = zone(settings.recipient_zone)
    local = now.astimezone(reader)
    due = datetime.combine(local.date(), clock_time(settings.digest_at), reader)
    if not due <= local < due + DIGEST_CATCH_UP:
        return 0
    quiet = QuietHours.from_settings(settings)
    if quiet and quiet.window_around(now) is not None:
        return 0
    return queue_digest(ctx, now)


def next_digest(settings: Any, now: datetime) -> datetime | None:
    """When the next digest is due (for status displays)."""
    if not settings.digest_at:
        return None
    reader = zone(settings.recipient_zone)
    at: time = clock_time(settings.digest_at)
    local = now.astimezone(reader)
    due = datetime.combine(local.date(), at, reader)
    return due if due > local else due + timedelta(days=1)
