"""The Prefect side of the service: the local server, the runner, and the dispatcher.

* the server: ``prefect server start`` on 127.0.0.1 and a free port, its SQLite database
  and settings in ``$REFUNDFLOW_HOME/prefect``, analytics off; not started when
  ``PREFECT_API_URL`` names a server someone else runs;
* the runner: ``python -m flows.runner`` (see there), started once the API answers;
* the dispatcher: an asyncio loop on a thread of its own that holds a Prefect client and
  starts or resumes case runs for the cases the service hands it (:meth:`Orchestra.offer`),
  looks again at busy ones every second, and repairs runs (reconcile) at start and every
  five minutes.

Both children are supervised: one that exits is started again (``flows/children.py``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
import urllib.request
from collections.abc import Iterable
from typing import Any

from cases.bootstrap import Context
from cases.ports import CaseRun
from cases.settings import Settings
from cases.store.runs import SqlRunBook
from flows import prefect_env
from flows.children import Child
from flows.home import ServiceFiles

log = logging.getLogger("refundflow.service")

RECONCILE_EVERY = 300.0
FULL_RECONCILE_EVERY = 3600.0
HUNG_AFTER = 120.0
"""Seconds a running local server may leave its API unanswered before it is restarted."""
STARTING_GRACE = 120.0
"""Seconds after the start during which a part waiting for the Prefect API is "starting";
after that, an API that has never answered is a failure (a wrong or unreachable URL)."""


class Orchestra:
    def __init__(self, settings: Settings, ctx: Context, files: ServiceFiles) -> None:
        self.settings = settings
        self.ctx = ctx
        self.files = files
        external = prefect_env.external_api_url()
        if external:
            self.api_url, self.ui_url = external, None
            env = dict(prefect_env.CLIENT)
        else:
            port = settings.prefect_port or prefect_env.free_port()
            files.prefect_home.mkdir(parents=True, exist_ok=True)
            env = prefect_env.local_env(files.prefect_home, port)
            self.api_url, self.ui_url = env["PREFECT_API_URL"], f"http://127.0.0.1:{port}"
        env |= prefect_env.runner_env(settings.runner_poll_seconds)
        # Before anything in this process imports Prefect: it reads its settings once.
        os.environ.update(env)
        child_env = {**os.environ, "REFUNDFLOW_HOME": str(settings.home)}
        if settings.database_url:
            child_env["REFUNDFLOW_DATABASE_URL"] = settings.database_url
        self.server = None if external else Child(
            "server", [sys.executable, "-m", "flows.prefect_server", "start", "--host",
                       "127.0.0.1", "--port", env["PREFECT_SERVER_API_PORT"]],
            child_env, files.logs / "prefect-server.log", files.home,
        )
        self.runner = Child(
            "runner", [sys.executable, "-m", "flows.runner"], child_env,
            files.logs / "runner.log", files.home,
        ) if settings.serve else None
        self.api_ok = False
        self.answered_once = False
        """Whether the API has answered since the start: until then, and for at most
        :data:`STARTING_GRACE`, a part that is not up is starting (a local Prefect server
        takes 10-20 s to answer), not failing."""
        self._started_at = self._answered_at = time.monotonic()
        self.last_error: str | None = None
        self._inbox: list[CaseRun] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._thread_main, name="dispatcher", daemon=True)
        self._report: dict[str, Any] = {}

    # ------------------------------------------------------------------ life cycle
    def start(self) -> None:
        self._started_at = time.monotonic()
        if self.server is not None:
            self.server.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        self._thread.join(timeout=10)
        for child in (self.runner, self.server):
            if child is not None:
                child.stop()

    def supervise(self) -> None:
        """Check the API and keep the children alive (called every 2 s)."""
        self.api_ok = _healthy(self.api_url)
        self.answered_once |= self.api_ok
        now = time.monotonic()
        if self.api_ok or self.server is None or not self.server.alive:
            self._answered_at = now
        elif now - self._answered_at > HUNG_AFTER:
            self.server.restart(f"its API has not answered for {HUNG_AFTER:.0f} s")
            self._answered_at = now
        if self.server is not None:
            self.server.poll()
        if self.runner is not None:
            if self.runner.proc is None:
                if self.api_ok:
                    self.runner.start()
            else:
                self.runner.poll()

    def offer(self, rows: Iterable[CaseRun]) -> None:
        """Hand cases to the dispatcher (from any thread; returns at once)."""
        with self._lock:
            self._inbox.extend(rows)
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def health(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        if self.server is not None:
            parts["server"] = {"ok": self.server.alive and self.api_ok, "url": self.ui_url,
                               **self.server.health()}
        else:
            parts["server"] = {"ok": self.api_ok, "external": True, "url": self.api_url}
        if self.runner is not None:
            parts["runner"] = {"ok": self.runner.alive, "mode": self.settings.runner_mode,
                               "limit": self.settings.runner_limit, **self.runner.health()}
        parts["dispatcher"] = {"ok": self.api_ok and self._thread.is_alive(),
                               "last_error": self.last_error, **self._report}
        if not self.answered_once and time.monotonic() - self._started_at < STARTING_GRACE:
            for part in parts.values():
                if not part["ok"]:
                    part["starting"] = True
        return parts

    # ------------------------------------------------------------------ dispatcher
    def _thread_main(self) -> None:
        try:
            asyncio.run(self._dispatch())
        except Exception as exc:  # pragma: no cover - logged; status shows it
            self.last_error = str(exc)
            log.exception("the dispatcher stopped")

    async def _dispatch(self) -> None:
        from prefect import get_client

        from flows.dispatch import Dispatcher

        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        while not self._stop.is_set() and not await asyncio.to_thread(_healthy, self.api_url):
            await asyncio.sleep(0.5)
        runs = SqlRunBook(self.ctx.engine)
        async with get_client() as client:
            dispatcher = Dispatcher(self.ctx, runs, client, self.settings.prefect_deployment)
            await self._wait_for_deployment(dispatcher)
            last_reconcile = last_full = 0.0
            while not self._stop.is_set():
                try:
                    now = time.monotonic()
                    if now - last_full > FULL_RECONCILE_EVERY:
                        await dispatcher.reconcile(full=True)
                        last_full = last_reconcile = now
                    elif now - last_reconcile > RECONCILE_EVERY:
                        await dispatcher.reconcile()
                        last_reconcile = now
                    with self._lock:
                        rows, self._inbox = self._inbox, []
                    if rows:
                        await dispatcher.tell(rows)
                    await dispatcher.retry_pending()
                    self.last_error = None
                except Exception as exc:
                    self.last_error = str(exc)
                    log.warning("dispatching failed: %s", exc)
                self._report = dispatcher.report()
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=1.0)
                except TimeoutError:
                    pass
                self._wake.clear()

    async def _wait_for_deployment(self, dispatcher: Any) -> None:
        """The runner registers the deployments when it starts; wait until it has."""
        while not self._stop.is_set():
            try:
                await dispatcher.deployment_id()
                return
            except Exception:
                await asyncio.sleep(1.0)


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:  # noqa: S310
            return bool(answer.status == 200)
    except OSError:
        return False
