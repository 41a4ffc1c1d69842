"""The background service: one per home, started by ``refundflow service start`` (or the TUI).

APScheduler owns time here. Its jobs:

* ``exact``: a date job armed at the next open deadline's due time; it handles every due
  deadline in one batch (``handle_due_deadlines``) and arms itself again;
* ``sweep``: every ``sweep_seconds`` (30 s), the same, as a safety net; it also runs at
  start, so deadlines that passed while the service was stopped are handled at once;
* ``pump``: every ``pump_seconds`` (1 s), one indexed query for cases changed by others
  (the CLI, the TUI, another machine); it re-arms ``exact`` when the next due time moved and
  hands the changed cases to the orchestration, which starts or resumes their flow runs;
* ``report``: every 2 s, supervises the children and rewrites ``service.json``;
* the reminder, digest and outbox jobs of ``notifications.scheduler`` when it exists.

The orchestration (``flows/orchestra.py``: the local Prefect server, the runner, and the
dispatcher that talks to the Prefect API) is optional (``REFUNDFLOW_ORCHESTRATE``):
deadlines are handled in the database whatever state Prefect is in.
"""

from __future__ import annotations

import importlib
import logging
import logging.handlers
import os
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cases.bootstrap import Context, bootstrap
from cases.ports import CaseRun, Clock
from cases.services import Handled, next_due_at
from cases.settings import Settings
from cases.store.runs import SqlRunBook
from flows.deadlines import handle_all_due
from flows.home import HomeLock, ServiceFiles

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from flows.orchestra import Orchestra

log = logging.getLogger("refundflow.service")

LOOKBACK = timedelta(minutes=2)
"""The pump re-reads cases changed this long before its watermark: a transaction that
committed late, or a machine whose clock is a little behind, is still noticed."""

RETRY_AFTER_ERROR = timedelta(seconds=5)


class Service:
    """The service's jobs and state; :meth:`run` runs it in the foreground until SIGTERM."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.files = ServiceFiles(settings.home)
        self.ctx: Context = bootstrap(settings, clock)
        self.runs = SqlRunBook(self.ctx.engine)
        self.scheduler = _scheduler()
        self.orchestra: Orchestra | None = None
        self.stopping = threading.Event()
        self.started_at = self.ctx.clock.now()
        self._arm_lock = threading.Lock()
        self._armed_for: datetime | None = None
        self._failed = False
        self._watermark = self.started_at - LOOKBACK
        self._recent: dict[tuple[str, int], datetime] = {}
        self._refresh: Callable[[BaseScheduler, Context], None] | None = None
        self.stats: dict[str, Any] = {
            "handled": 0,
            "last_handled_at": None,
            "last_sweep_at": None,
            "last_poll_at": None,
            "errors": 0,
            "last_error": None,
            "notifications": None,
        }

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        """Start the jobs (and the orchestration): the first sweep runs at once."""
        if self.settings.orchestrate:
            from flows.orchestra import Orchestra

            self.orchestra = Orchestra(self.settings, self.ctx, self.files)
            self.orchestra.start()
        self.scheduler.start()
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self.sweep, "interval", seconds=self.settings.sweep_seconds, id="sweep",
            executor="deadlines", next_run_time=now,
        )
        self.scheduler.add_job(
            self.pump, "interval", seconds=self.settings.pump_seconds, id="pump",
        )
        self.scheduler.add_job(self.report, "interval", seconds=2, id="report", next_run_time=now)
        self._install_notifications()

    def shutdown(self) -> None:
        self.scheduler.shutdown(wait=True)
        if self.orchestra is not None:
            self.orchestra.stop()
        self.ctx.engine.dispose()

    def run(self) -> int:
        """Hold the home's lock, run until SIGTERM or Ctrl-C, then stop the children."""
        lock = HomeLock(self.files.lock)
        if not lock.acquire():
            print(f"refundflow service already running (pid {self.files.read_pid()})",
                  file=sys.stderr)
            return 3
        try:
            self.files.pid.write_text(str(os.getpid()))
            _log_to(self.files)
            _stacks_on_sigusr1(self.files)
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stopping.set())
            log.info("service starting (pid %d, home %s)", os.getpid(), self.settings.home)
            self.start()
            self.stopping.wait()
            log.info("service stopping")
            self.shutdown()
            log.info("service stopped")
            return 0
        finally:
            for path in (self.files.pid, self.files.state):
                path.unlink(missing_ok=True)
            lock.release()

    # ------------------------------------------------------------------ deadlines
    def on_timer(self) -> None:
        with self._arm_lock:
            self._armed_for = None  # the date job is spent
        self.handle_due("timer")

    def sweep(self) -> None:
        self.stats["last_sweep_at"] = datetime.now(UTC).isoformat()
        self.handle_due("sweep")
        if self.orchestra is not None:
            self.orchestra.offer(self.runs.behind())

    def handle_due(self, why: str) -> list[Handled]:
        """Handle every due deadline (in batches), tell the runs, arm the timer again."""
        handled: list[Handled] = []
        try:
            handled = handle_all_due(self.ctx)
            self._failed = False
        except Exception as exc:  # the database is away: try again shortly
            self._failed = True
            self._error(f"handling due deadlines ({why})", exc)
        for item in handled:
            late = (item.handled_at - item.due_at).total_seconds()
            log.info(
                "%s: %s %s#%d due %s missed, handled %.2f s after%s", why, item.ref,
                item.rule_key, item.round, item.due_at.isoformat(), late,
                f", escalated to {item.escalated_to}" if item.escalated_to else "",
            )
        if handled:
            self.stats["handled"] += len(handled)
            self.stats["last_handled_at"] = handled[-1].handled_at.isoformat()
            if self.orchestra is not None:
                self.orchestra.offer(self.runs.runs(sorted({h.ref for h in handled})))
        self.rearm()
        return handled

    def rearm(self) -> None:
        """Arm ``exact`` at the next due time (if it moved) and let the reminders follow."""
        try:
            due = next_due_at(self.ctx)
        except Exception as exc:
            self._error("reading the next due time", exc)
            return
        with self._arm_lock:
            if due == self._armed_for and not self._failed:
                return
            now = datetime.now(UTC)
            if due is None:
                if self.scheduler.get_job("exact"):
                    self.scheduler.remove_job("exact")
            else:
                when = max(due, now + RETRY_AFTER_ERROR if self._failed else now)
                self.scheduler.add_job(
                    self.on_timer, "date", run_date=when, id="exact", executor="deadlines",
                    replace_existing=True,
                )
            self._armed_for = due
        if self._refresh is not None:
            # Re-planning the reminders reads every open deadline: a job of its own (pending
            # ones merge into one), so the deadline thread never waits for it.
            self.scheduler.add_job(self._refresh_reminders, id="refresh-reminders",
                                   replace_existing=True)

    def _refresh_reminders(self) -> None:
        assert self._refresh is not None
        try:
            self._refresh(self.scheduler, self.ctx)
        except Exception as exc:
            self._error("refreshing the reminders", exc)

    # ------------------------------------------------------------------ event pump
    def pump(self) -> list[CaseRun]:
        """Notice cases changed by others since the last look (one indexed query)."""
        try:
            rows = self.runs.changed_since(self._watermark - LOOKBACK)
        except Exception as exc:
            self._error("reading changed cases", exc)
            return []
        self.stats["last_poll_at"] = datetime.now(UTC).isoformat()
        fresh = [row for row in rows if (row.ref, row.event_count) not in self._recent]
        if fresh:
            for row in fresh:
                self._recent[(row.ref, row.event_count)] = row.updated_at
            self._watermark = max(self._watermark, max(row.updated_at for row in fresh))
            horizon = self._watermark - LOOKBACK
            self._recent = {key: at for key, at in self._recent.items() if at >= horizon}
            self.rearm()
            if self.orchestra is not None:
                self.orchestra.offer(fresh)
        return fresh

    # ------------------------------------------------------------------ reporting
    def report(self) -> None:
        """Supervise the children and write ``service.json`` (what ``status`` shows)."""
        if self.orchestra is not None:
            self.orchestra.supervise()
        exact = self.scheduler.get_job("exact")
        now = datetime.now(UTC)
        poll = self.stats["last_poll_at"]
        patience = 10 * self.settings.pump_seconds + 5
        pump_ok = poll is not None and (
            now - datetime.fromisoformat(poll)
        ).total_seconds() < patience
        pump: dict[str, Any] = {"ok": pump_ok, "last_poll_at": poll}
        if poll is None and (now - self.started_at).total_seconds() < patience:
            pump["starting"] = True  # its first round is still to come
        parts: dict[str, Any] = {
            "scheduler": {
                "ok": self.scheduler.running and not self._failed,
                "next_due_at": _iso(self._armed_for),
                "exact_timer_at": _iso(exact.next_run_time if exact else None),
                "last_sweep_at": self.stats["last_sweep_at"],
                "sweep_seconds": self.settings.sweep_seconds,
                "handled": self.stats["handled"],
                "last_handled_at": self.stats["last_handled_at"],
            },
            "pump": pump,
            "notifications": {
                "ok": self.stats["notifications"] != "failed",
                "state": self.stats["notifications"] or "not installed",
            },
        }
        if self.orchestra is not None:
            parts.update(self.orchestra.health())
        state = {
            "pid": os.getpid(),
            "started_at": self.started_at.isoformat(),
            "heartbeat_at": now.isoformat(),
            "orchestrate": self.settings.orchestrate,
            "prefect_api_url": self.orchestra.api_url if self.orchestra else None,
            "prefect_ui_url": self.orchestra.ui_url if self.orchestra else None,
            "errors": self.stats["errors"],
            "last_error": self.stats["last_error"],
            "parts": parts,
        }
        try:
            self.files.write_state(state)
        except OSError as exc:
            log.warning("cannot write %s: %s", self.files.state, exc)

    def _install_notifications(self) -> None:
        """Add the reminder, digest and outbox jobs of ``notifications.scheduler`` if present."""
        try:
            module = importlib.import_module("notifications.scheduler")
        except ImportError:
            return
        install = getattr(module, "install", None)
        if install is None:
            return
        try:
            install(self.scheduler, self.ctx)
            self.stats["notifications"] = "installed"
            self._refresh = getattr(module, "refresh", None)
        except Exception as exc:
            self.stats["notifications"] = "failed"
            self._error("installing the reminder jobs", exc)

    def _error(self, what: str, exc: BaseException) -> None:
        self.stats["errors"] += 1
        self.stats["last_error"] = f"{what}: {exc}"
        log.error("%s failed: %s", what, exc, exc_info=not isinstance(exc, OSError))


def _scheduler() -> BaseScheduler:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    return BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(4), "deadlines": ThreadPoolExecutor(1)},
        # Nothing is dropped for being late (APScheduler's default grace is 1 s): a job
        # that could not run on time runs as soon as it can, once.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone=UTC,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _log_to(files: ServiceFiles) -> None:
    files.logs.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        files.log, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("refundflow")
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    if sys.stderr.isatty():
        root.addHandler(logging.StreamHandler())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").addHandler(handler)


def _stacks_on_sigusr1(files: ServiceFiles) -> None:
    """``kill -USR1 <pid>`` writes every thread's stack to ``logs/stacks.log`` (a hang)."""
    if hasattr(signal, "SIGUSR1"):
        import faulthandler

        handle = open(files.logs / "stacks.log", "a")  # noqa: SIM115 - for the process's life
        faulthandler.register(signal.SIGUSR1, file=handle, all_threads=True)


def main(settings: Settings | None = None) -> int:
    return Service(settings or Settings()).run()


if __name__ == "__main__":
    sys.exit(main())
