"""Child processes the service starts and keeps alive: the Prefect server and the runner.

Each runs in its own session (its own process group), so stopping one stops everything it
started, and logs to its own file in ``$REFUNDFLOW_HOME/logs``. A child that exits is
started again after a pause that doubles with each quick crash (1 s … 60 s).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("refundflow.service")

BACKOFF_MAX = 60.0
STABLE_AFTER = 60.0
"""A child that ran this long before exiting is restarted after the shortest pause."""


class Child:
    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log_path: Path,
                 cwd: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log_path = log_path
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.started_at: float | None = None
        self.last_exit: int | None = None
        self._backoff = 1.0
        self._restart_at: float | None = None
        self.stopping = False

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    @property
    def alive(self) -> bool:
        return self.pid is not None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=os.name != "nt",
            )
        self.started_at = time.monotonic()
        self._restart_at = None
        log.info("%s started (pid %d)", self.name, self.proc.pid)

    def poll(self) -> None:
        """Restart the child if it exited (after its back-off pause)."""
        if self.stopping or self.proc is None:
            return
        code = self.proc.poll()
        if code is None:
            return
        now = time.monotonic()
        if self._restart_at is None:
            self.last_exit = code
            ran = now - (self.started_at or now)
            self._backoff = 1.0 if ran > STABLE_AFTER else min(self._backoff * 2, BACKOFF_MAX)
            self._restart_at = now + (0.0 if ran > STABLE_AFTER else self._backoff / 2)
            log.warning("%s exited with %s after %.0f s; restarting in %.0f s", self.name, code,
                        ran, self._restart_at - now)
        if now >= self._restart_at:
            self.restarts += 1
            self.start()

    def restart(self, why: str) -> None:
        """Stop a child that is alive but useless (hung) and start it again."""
        log.warning("%s: %s; restarting it", self.name, why)
        self.stop()
        self.stopping = False
        self.restarts += 1
        self.start()

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the child's group, SIGKILL after ``timeout`` seconds."""
        self.stopping = True
        if self.proc is None or self.proc.poll() is not None:
            return
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in %.0f s; killing it", self.name, timeout)
            self._signal(getattr(signal, "SIGKILL", signal.SIGTERM))
            self.proc.wait(5)
        log.info("%s stopped", self.name)

    def _signal(self, sig: int) -> None:
        assert self.proc is not None
        try:
            if os.name != "nt":
                os.killpg(self.proc.pid, sig)
            else:  # pragma: no cover - Windows
                self.proc.send_signal(sig)
        except ProcessLookupError:
            pass

    def health(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "restarts": self.restarts,
            "last_exit": self.last_exit,
            "log": str(self.log_path),
        }
