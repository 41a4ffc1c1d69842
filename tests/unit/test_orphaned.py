"""When a pending or running flow run counts as orphaned (its process gone), so that a
runner killed at any moment leaves nothing waiting for the 15-minute fallback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from prefect.client.schemas.objects import FlowRun
from prefect.states import Pending, Running

from flows.dispatch import STALE_RUNNING, UNOWNED_GRACE, orphaned

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _run(state_age: timedelta, pid: str | None, running: bool = False) -> FlowRun:
    state = (Running if running else Pending)(timestamp=NOW - state_age)
    return FlowRun(flow_id=uuid4(), state=state, infrastructure_pid=pid)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_claim_whose_runner_died_before_naming_itself_is_orphaned_after_a_minute() -> None:
    assert not orphaned(_run(timedelta(seconds=20), None), NOW)
    assert orphaned(_run(UNOWNED_GRACE + timedelta(seconds=1), None), NOW)


def test_a_run_of_this_machine_is_orphaned_exactly_when_its_process_is_gone() -> None:
    here = socket.gethostname()
    assert not orphaned(_run(timedelta(hours=2), f"{here}:{os.getpid()}", running=True), NOW)
    assert orphaned(_run(timedelta(seconds=1), f"{here}:{_dead_pid()}", running=True), NOW)


def test_a_run_on_another_machine_gets_the_long_grace() -> None:
    elsewhere = "another-host.example:4242"
    assert not orphaned(_run(STALE_RUNNING - timedelta(minutes=1), elsewhere, True), NOW)
    assert orphaned(_run(STALE_RUNNING + timedelta(minutes=1), elsewhere, True), NOW)
