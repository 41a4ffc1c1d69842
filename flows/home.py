"""Where the background service keeps its files in ``$REFUNDFLOW_HOME``, and its lock.

Imports nothing heavy: the TUI and ``refundflow service status`` read these files
without loading Prefect, APScheduler or SQLAlchemy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ServiceFiles:
    """The service's files: one service per home, so they live in the home."""

    home: Path

    @property
    def lock(self) -> Path:
        return self.home / "service.lock"

    @property
    def pid(self) -> Path:
        return self.home / "service.pid"

    @property
    def state(self) -> Path:
        """What the running service reports about itself (rewritten every few seconds)."""
        return self.home / "service.json"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def log(self) -> Path:
        return self.logs / "service.log"

    @property
    def prefect_home(self) -> Path:
        """PREFECT_HOME of the local Prefect server and of the service's clients."""
        return self.home / "prefect"

    def read_state(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.state.read_text(encoding="utf-8"))
            return data
        except (OSError, ValueError):
            return {}

    def write_state(self, data: dict[str, Any]) -> None:
        tmp = self.state.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), "utf-8")
        os.replace(tmp, self.state)

    def read_pid(self) -> int | None:
        try:
            return int(self.pid.read_text().strip())
        except (OSError, ValueError):
            return None


class HomeLock:
    """An exclusive lock on ``service.lock``, held by the service for its whole life.

    The operating system drops it when the process dies, even by ``kill -9``, so a
    stale pid file never blocks a new start.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing drops the lock
            self.fd = None


def is_locked(path: Path) -> bool:
    """Whether some process holds the lock (the service runs)."""
    if not path.exists():
        return False
    probe = HomeLock(path)
    if probe.acquire():
        probe.release()
        return False
    return True


def _try_lock(fd: int) -> bool:
    if os.name == "nt":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
