"""The background service on the real clock, without Prefect (``REFUNDFLOW_ORCHESTRATE=false``):
the exact timer, the sweep, the lock, start / stop / status, two services on one database.

Deadlines here last a few seconds (per-case rule overrides), so everything runs in real time;
every wait has a limit, so a broken service fails a test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cases import services
from cases.bootstrap import Context
from cases.model import EventInput
from cases.services import NewCase
from cases.vocabulary import Channel, DeadlineStatus, EventKind, Reason, Stage
from tests.conftest import REFUNDFLOW


def wait_for(what: str, check: Callable[[], Any], timeout: float, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class Service:
    """``refundflow service …`` for one home, run as a user would (real clock)."""

    def __init__(self, home: Path, db_url: str | None = None, **env: str) -> None:
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REFUNDFLOW_")}
        self.env.update(REFUNDFLOW_HOME=str(home), REFUNDFLOW_LANG="en", **env)
        if db_url:
            self.env["REFUNDFLOW_DATABASE_URL"] = db_url

    def __call__(self, *args: str, check: bool = True,
                 timeout: float = 180) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([REFUNDFLOW, *args], capture_output=True, text=True,
                                env=self.env, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"refundflow {' '.join(args)} exited {result.returncode}:\n"
                                 f"{result.stdout}\n{result.stderr}\n{self.log()}")
        return result

    def status(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self("service", "status", "--json").stdout)
        return data

    def log(self) -> str:
        path = self.home / "logs" / "service.log"
        return path.read_text(encoding="utf-8")[-4000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        self("service", "stop", check=False, timeout=60)


@pytest.fixture
def services_started(home: Path, db_url: str) -> Iterator[Callable[..., Service]]:
    """Start services (stopped again at the end of the test, whatever happens)."""
    started: list[Service] = []

    def start(service_home: Path | None = None, **env: str) -> Service:
        env.setdefault("REFUNDFLOW_ORCHESTRATE", "false")
        service = Service(service_home or home, db_url, **env)
        service("service", "start", "--wait", "--timeout", "60")
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


def submitted_case(ctx: Context, order: str, review: str = "3 seconds", **rules: str) -> str:
    """A case submitted now whose review deadline falls due after ``review``."""
    now = datetime.now(UTC)
    new = NewCase(
        platform="115卡盟", order_no=order, product="腾讯视频会员年卡", amount=Decimal("128.00"),
        currency="CNY", channel=Channel.WECHAT, reason=Reason.NOT_AS_DESCRIBED,
        paid_at=now - timedelta(days=2), zone="Asia/Shanghai",
        rule_overrides={"review": review, **rules}, submitted_at=now,
    )
    return services.add_case(ctx, new).ref


def review_of(ctx: Context, ref: str) -> Any:
    case = services.get_case(ctx, ref)
    return next(d for d in case.deadlines if d.rule_key == "review")


def misses(ctx: Context, ref: str) -> list[Any]:
    case = services.get_case(ctx, ref)
    return [e for e in case.events if e.kind == EventKind.DEADLINE_MISSED]


# --------------------------------------------------------------------------- tests
def test_start_status_stop_and_one_service_per_home(
    services_started: Callable[..., Service],
) -> None:
    service = services_started()
    report = service.status()
    assert report["running"] and report["pid"] and report["ok"], report
    assert set(report["parts"]) >= {"scheduler", "pump", "notifications"}
    assert report["prefect_api_url"] is None  # no orchestration asked for
    again = service("service", "start")
    assert "already running" in again.stdout and str(report["pid"]) in again.stdout
    second_run = service("service", "run", check=False, timeout=30)
    assert second_run.returncode == 3 and "already running" in second_run.stderr
    service("service", "stop")
    after = service.status()
    assert not after["running"] and after["pid"] is None
    assert not (service.home / "service.pid").exists()
    assert "not running" in service("service", "stop").stdout


def test_while_the_prefect_api_has_not_answered_yet_the_service_says_starting(
    home: Path, db_url: str,
) -> None:
    from flows.prefect_env import free_port
    from tui.widgets.service import summary

    nobody = f"http://127.0.0.1:{free_port()}/api"  # a Prefect API that does not answer (yet)
    service = Service(home, db_url, REFUNDFLOW_ORCHESTRATE="true", PREFECT_API_URL=nobody)
    service("service", "start")
    try:
        deadline = time.monotonic() + 60
        report = service.status()
        while "server" not in report["parts"] and time.monotonic() < deadline:
            time.sleep(0.5)
            report = service.status()
        server = report["parts"]["server"]
        assert not server["ok"] and server["starting"] and server["url"] == nobody, report
        assert report["parts"]["scheduler"]["ok"], report  # deadlines do not wait for Prefect
        assert summary(report, "en") == "starting the background service…"
        shown = service("service", "status", check=False)
        assert shown.returncode == 4 and "... server" in shown.stdout and "BAD" not in shown.stdout
    finally:
        service.stop()


def test_a_service_that_has_not_written_its_first_heartbeat_is_starting(home: Path) -> None:
    import os

    from cases.settings import Settings
    from flows.control import STARTING_FOR, status
    from flows.home import HomeLock, ServiceFiles
    from tui.widgets.service import summary

    files = ServiceFiles(home)
    lock = HomeLock(files.lock)  # what a service holds from its first instant
    assert lock.acquire()
    try:
        files.pid.write_text(str(os.getpid()))
        files.state.write_text('{"pid": 1, "heartbeat_at": "2020-01-01T00:00:00+00:00"}')
        report = status(Settings(home=home))  # the state left by an earlier run is not this one
        assert report["running"] and report["starting"] and not report["ok"], report
        assert summary(report, "en") == "starting the background service…"
        old = time.time() - STARTING_FOR - 1
        os.utime(files.pid, (old, old))  # a start that never got as far as a heartbeat
        report = status(Settings(home=home))
        assert not report["starting"] and report["responsive"] is False, report
        assert summary(report, "en") == "service: not responding"
    finally:
        lock.release()


def test_doctor_says_what_to_fix(
    home: Path, db_url: str, services_started: Callable[..., Service],
) -> None:
    service = Service(home, db_url)
    first = {c["check"]: c for c in json.loads(service("doctor", "--json", check=False).stdout)}
    assert first["home"]["level"] == first["database"]["level"] == "ok"
    assert first["service"]["level"] == "warn" and "service start" in first["service"]["fix"]
    services_started()
    again = {c["check"]: c for c in json.loads(service("doctor", "--json", check=False).stdout)}
    assert again["service"]["level"] == "ok"
    assert "holidays" in again and again["holidays"]["said"].startswith("official holiday data")


def test_a_deadline_is_handled_within_a_second_of_falling_due(
    real_ctx: Context, services_started: Callable[..., Service],
) -> None:
    services_started()
    ref = submitted_case(real_ctx, "T1", review="4 seconds")
    due = review_of(real_ctx, ref).due_at
    wait_for("the review deadline to be missed", lambda: misses(real_ctx, ref), timeout=30)
    review = review_of(real_ctx, ref)
    assert review.status == DeadlineStatus.MISSED
    assert timedelta(0) <= review.handled_at - due < timedelta(seconds=1)
    case = services.get_case(real_ctx, ref)
    assert case.stage == Stage.ESCALATED and case.rung == "platform_arbitration"
    escalation = [e for e in case.events if e.kind == EventKind.ESCALATED]
    assert len(escalation) == 1 and escalation[0].data["after_missed"] == "review"


def test_a_deadline_met_just_before_it_falls_due_stays_met(
    real_ctx: Context, services_started: Callable[..., Service],
) -> None:
    services_started()
    ref = submitted_case(real_ctx, "T2", review="4 seconds")
    due = review_of(real_ctx, ref).due_at
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds() - 0.3))
    services.record_event(real_ctx, ref, EventInput(EventKind.APPROVED, datetime.now(UTC)))
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 2.0)
    review = review_of(real_ctx, ref)
    assert review.status == DeadlineStatus.MET
    assert misses(real_ctx, ref) == []
    assert services.get_case(real_ctx, ref).stage == Stage.APPROVED


def test_a_deadline_passed_while_stopped_is_handled_once_at_start(
    real_ctx: Context, services_started: Callable[..., Service],
) -> None:
    ref = submitted_case(real_ctx, "T3", review="1 seconds")
    time.sleep(1.5)
    assert misses(real_ctx, ref) == []  # nothing runs yet
    started = datetime.now(UTC)
    services_started()
    wait_for("the overdue deadline to be handled", lambda: misses(real_ctx, ref), timeout=30)
    assert review_of(real_ctx, ref).handled_at - started < timedelta(seconds=30)
    time.sleep(2)
    assert len(misses(real_ctx, ref)) == 1


def test_two_services_on_one_database_handle_each_deadline_once(
    real_ctx: Context, services_started: Callable[..., Service], tmp_path: Path,
) -> None:
    services_started()
    services_started(tmp_path / "second-home")
    refs = [submitted_case(real_ctx, f"T4-{n}", review="3 seconds") for n in range(12)]
    wait_for(
        "every deadline to be handled",
        lambda: all(misses(real_ctx, ref) for ref in refs),
        timeout=45,
    )
    time.sleep(2)
    for ref in refs:
        case = services.get_case(real_ctx, ref)
        kinds = [e.kind for e in case.events]
        assert kinds.count(EventKind.DEADLINE_MISSED) == 1, ref
        assert kinds.count(EventKind.ESCALATED) == 1, ref
    with real_ctx.uow() as uow:
        notices = [n for n in uow.outbox.list(limit=1000) if n.case_ref in refs]
    assert sorted(n.case_ref for n in notices if n.kind == "deadline_missed") == sorted(refs)
