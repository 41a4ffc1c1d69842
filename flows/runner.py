"""The runner: serves the refund-case, deadline-sweep and reconcile deployments and carries
out their flow runs, at most ``runner_limit`` at a time. The service starts it as a child
(``python -m flows.runner``) and starts it again if it dies.

By default (``runner_mode = inprocess``) a flow run executes as an asyncio task in this
process, through Prefect's own flow engine: still a real flow run with its states, task runs
and logs in the UI, but without the fresh Python process Prefect's stock runner starts for
every run (about 1.8 CPU-s of imports each, two per suspend + resume cycle). A run's
process is this runner: if it is killed, the next runner finds the runs it left pending or
running (``infrastructure_pid`` names this host and process) and schedules them again; they
execute again from the top, which the case flow makes safe. ``runner_mode = subprocess``
uses Prefect's stock runner (``serve``) instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cases.settings import Settings
from flows.dispatch import crash_and_reschedule, orphaned, owner_tag

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.objects import FlowRun
    from prefect.flows import Flow

log = logging.getLogger("refundflow.runner")

RECOVER_EVERY = 30.0
"""Seconds between looks for runs left pending or running by a runner that died."""

GRACE = 10.0
"""Seconds the runner lets its flow runs finish when asked to stop."""


def served_flows() -> list[Flow[Any, Any]]:
    from flows.deadline_sweep import deadline_sweep
    from flows.reconcile import reconcile
    from flows.refund_case import refund_case

    return [refund_case, deadline_sweep, reconcile]


async def register(deployment: str) -> dict[UUID, Flow[Any, Any]]:
    """Create or update the deployments (no work pool: this runner serves them)."""
    found: dict[UUID, Flow[Any, Any]] = {}
    for flow in served_flows():
        runner_deployment = await flow.ato_deployment(name=deployment)  # type: ignore[attr-defined]
        found[await runner_deployment.apply()] = flow
    return found


class InProcessRunner:
    def __init__(self, flows: dict[UUID, Flow[Any, Any]], limit: int, poll: float) -> None:
        self.flows = flows
        self.limit = limit
        self.poll = poll
        self.running: dict[UUID, asyncio.Task[None]] = {}
        self.stopping = asyncio.Event()
        self.owner = owner_tag()

    async def run(self) -> None:
        from prefect import get_client

        async with get_client() as client:
            await self.recover(client)
            recovered = time.monotonic()
            while not self.stopping.is_set():
                try:
                    if time.monotonic() - recovered > RECOVER_EVERY:
                        await self.recover(client)  # also runs a killed runner left claimed
                        recovered = time.monotonic()
                    await self.fill(client)
                except Exception as exc:  # the API is away for a moment: poll again
                    log.warning("polling for flow runs failed: %s", exc)
                waits: list[Any] = [asyncio.ensure_future(self.stopping.wait()),
                                    *self.running.values()]
                _, pending = await asyncio.wait(waits, timeout=self.poll,
                                                return_when=asyncio.FIRST_COMPLETED)
                waits[0].cancel()
            if self.running:
                log.info("letting %d flow runs finish", len(self.running))
                _, late = await asyncio.wait(list(self.running.values()), timeout=GRACE)
                for task in late:
                    task.cancel()

    async def recover(self, client: PrefectClient) -> None:
        """Schedule again the runs a killed runner left pending or running."""
        from prefect.client.schemas.filters import (
            DeploymentFilter,
            DeploymentFilterId,
            FlowRunFilter,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType

        stuck = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
                any_=[StateType.RUNNING, StateType.PENDING]))),
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=list(self.flows))),
        )
        now = datetime.now(UTC)
        for run in stuck:
            if orphaned(run, now):
                await crash_and_reschedule(client, run, "the runner executing it stopped")
                log.warning("flow run %s (%s) lost its runner; scheduled again", run.id,
                            run.name)

    async def fill(self, client: PrefectClient) -> None:
        free = self.limit - len(self.running)
        if free <= 0:
            return
        due = await client.get_scheduled_flow_runs_for_deployments(
            list(self.flows), scheduled_before=datetime.now(UTC) + timedelta(seconds=1),
            limit=free + len(self.running),
        )
        for run in due:
            if run.id in self.running or len(self.running) >= self.limit:
                continue
            if await self.claim(client, run):
                self.running[run.id] = asyncio.create_task(self.execute(run))

    async def claim(self, client: PrefectClient, run: FlowRun) -> bool:
        """Take the run (Pending): another runner on the same deployments gets refused."""
        from prefect.exceptions import Abort
        from prefect.states import Pending
        from prefect.utilities.engine import propose_state

        try:
            state = await propose_state(client, Pending(), flow_run_id=run.id)
        except Abort:
            return False
        if not state.is_pending():
            return False
        await client.update_flow_run(run.id, infrastructure_pid=self.owner)
        return True

    async def execute(self, run: FlowRun) -> None:
        from prefect.exceptions import Abort, Pause
        from prefect.flow_engine import run_flow

        try:
            outcome: Any = run_flow(self.flows[run.deployment_id], flow_run=run)  # type: ignore[index]
            if inspect.isawaitable(outcome):
                await outcome
        except (Pause, Abort):
            pass  # suspended (the usual end of a case run's execution), or taken elsewhere
        except Exception as exc:  # the engine has recorded the failure on the run
            log.info("flow run %s (%s) failed: %s", run.id, run.name, exc)
        finally:
            self.running.pop(run.id, None)


async def run_in_process(settings: Settings) -> None:
    flows = await register(settings.prefect_deployment)
    runner = InProcessRunner(flows, settings.runner_limit, settings.runner_poll_seconds)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, runner.stopping.set)
    log.info("serving %d deployments in process (limit %d)", len(flows), settings.runner_limit)
    await runner.run()


def run_in_subprocesses(settings: Settings) -> None:
    from prefect import serve

    deployments = [flow.to_deployment(name=settings.prefect_deployment)  # type: ignore[attr-defined]
                   for flow in served_flows()]
    serve(*deployments, limit=settings.runner_limit, pause_on_shutdown=False,
          print_starting_message=False)


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if hasattr(signal, "SIGUSR1"):  # kill -USR1 <pid>: every thread's stack to the log
        import faulthandler

        faulthandler.register(signal.SIGUSR1, all_threads=True)
    if settings.runner_mode == "subprocess":
        run_in_subprocesses(settings)
    else:
        asyncio.run(run_in_process(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
