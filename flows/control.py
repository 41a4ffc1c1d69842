"""Start, stop and inspect the background service from another process (CLI, TUI).

Cheap to import and to call: no Prefect, APScheduler or SQLAlchemy here. The service
itself (``flows/service.py``) runs in its own detached process, one per home, and
reports on itself in ``$REFUNDFLOW_HOME/service.json``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.home import ServiceFiles, is_locked, pid_alive

if TYPE_CHECKING:
    from cases.settings import Settings

STALE_AFTER = 20.0
"""Seconds without a heartbeat in service.json after which a running service is unresponsive."""
STARTING_FOR = 60.0
"""Seconds after it took the home during which a service without a heartbeat yet is starting
(it loads Prefect and APScheduler first), not unresponsive."""


def ensure_running(settings: Settings) -> None:
    """Start the service in the background unless it runs; returns within about a second."""
    if not is_locked(ServiceFiles(settings.home).lock):
        start(settings, wait=1.5)


def status(settings: Settings) -> dict[str, Any]:
    """What ``refundflow service status --json`` prints: is it running, where is the Prefect
    API, and the health of each part (scheduler, event pump, Prefect server, runner,
    notifications), each with ``ok``."""
    files = ServiceFiles(settings.home)
    running = is_locked(files.lock)
    report: dict[str, Any] = {
        "running": running,
        "pid": files.read_pid() if running else None,
        "home": str(settings.home),
        "log": str(files.log),
        "prefect_api_url": None,
        "prefect_ui_url": None,
        "parts": {},
    }
    if not running:
        return report
    state = files.read_state()
    if state.get("pid") != report["pid"]:  # nothing written by this run yet
        state = {}
        since = _mtime_age(files.pid)  # the pid file is written as the home is taken
        report["starting"] = since is not None and since < STARTING_FOR
    beat = state.get("heartbeat_at")
    age = _age(beat)
    report.update(
        {
            "started_at": state.get("started_at"),
            "heartbeat_at": beat,
            "responsive": age is not None and age < STALE_AFTER,
            "prefect_api_url": state.get("prefect_api_url"),
            "prefect_ui_url": state.get("prefect_ui_url"),
            "parts": state.get("parts", {}),
        }
    )
    report["ok"] = report["responsive"] and all(
        part.get("ok", False) for part in report["parts"].values()
    )
    return report


def start(settings: Settings, wait: float = 10.0) -> tuple[bool, int | None]:
    """Start ``refundflow service run`` detached; (False, pid) if one already runs.

    Waits up to ``wait`` seconds for the new service to take the home's lock.
    """
    files = ServiceFiles(settings.home)
    if is_locked(files.lock):
        return False, files.read_pid()
    files.logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, REFUNDFLOW_HOME=str(settings.home))
    if settings.database_url:
        env["REFUNDFLOW_DATABASE_URL"] = settings.database_url
    with open(files.logs / "service.out", "ab") as out:
        child = subprocess.Popen(
            service_command(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=settings.home,
            env=env,
            close_fds=True,
            **_detached(),
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and child.poll() is None:
        if is_locked(files.lock) and files.read_pid() == child.pid:
            break
        time.sleep(0.05)
    return True, child.pid


def stop(settings: Settings, timeout: float = 30.0) -> bool:
    """Ask the service to stop (SIGTERM: it stops its children first); False if none ran.

    If it has not stopped after ``timeout`` seconds it and its children are killed.
    """
    files = ServiceFiles(settings.home)
    if not is_locked(files.lock):
        return False
    pid = files.read_pid()
    children = [
        part["pid"] for part in files.read_state().get("parts", {}).values() if part.get("pid")
    ]
    if pid:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and is_locked(files.lock):
        time.sleep(0.1)
    if is_locked(files.lock):
        for member in [*children, pid]:
            if member:
                _signal(member, getattr(signal, "SIGKILL", signal.SIGTERM), group=True)
        while is_locked(files.lock) and pid_alive(pid):
            time.sleep(0.1)
    return True


def service_command() -> list[str]:
    """``refundflow service run`` as installed next to this Python, or the module itself."""
    script = Path(sys.executable).parent / ("refundflow.exe" if os.name == "nt" else "refundflow")
    if script.exists():
        return [str(script), "service", "run"]
    return [sys.executable, "-m", "flows.service"]


def _detached() -> dict[str, Any]:
    if os.name == "nt":  # pragma: no cover - Windows
        flags = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
        return {"creationflags": flags}
    return {"start_new_session": True}


def _signal(pid: int, sig: int, group: bool = False) -> None:
    try:
        if group and os.name != "nt":
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _mtime_age(path: Path) -> float | None:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return None


def _age(stamp: str | None) -> float | None:
    if not stamp:
        return None
    try:
        return (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()
    except ValueError:
        return None
