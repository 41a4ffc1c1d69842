"""Start and resume the cases' flow runs so that each carries out its case's events.

The case database says what happened (the timeline) and how far each case's run got
(``case_runs.seen_events``); Prefect says what state the run is in. :class:`Dispatcher`
brings them together: a submitted case without a run gets one; a suspended run whose case
has new events is resumed with :class:`flows.refund_case.CaseNews`. :meth:`reconcile`
repairs what went wrong meanwhile: a run Prefect lost (its database wiped) is created
again, a crashed run (its process killed) is rescheduled to execute again from the top.
The service, the ``deadline-sweep`` flow and the ``reconcile`` flow all use it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from cases.bootstrap import Context
from cases.ports import CaseRun, RunBook
from cases.services import get_case
from cases.store.runs import PASSING, RUN_STAGES
from cases.vocabulary import Stage
from flows import stages
from flows.home import pid_alive

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.objects import FlowRun

log = logging.getLogger("refundflow.dispatch")

STARTING_GRACE = timedelta(seconds=30)
"""A run being created by another dispatcher gets this long before anyone else tries."""

STALE_RUNNING = timedelta(minutes=15)
"""A run executing this long on another machine is taken to have lost its process."""

UNOWNED_GRACE = timedelta(minutes=1)
"""A run pending this long without naming its process is taken to have lost its claimer."""

FAILED_RETRY = timedelta(minutes=5)
"""A run that failed (its code raised) is started again this long after, not at once."""

CONCURRENCY = 1
"""Runs started or resumed at once: each waits on a few API calls, not on the CPU."""

PENDING_FOR = 600.0
"""Seconds a case stays on the retry list while its run is busy (reconcile takes over)."""


def decide(row: CaseRun, now: datetime) -> str | None:
    """What a case's run needs: ``start``, ``resume`` or nothing."""
    if row.flow_run_id is None:
        if row.state is None:
            return "start" if row.stage in RUN_STAGES else None
        stale = row.run_updated_at is None or now - row.run_updated_at > STARTING_GRACE
        return "start" if row.state == "starting" and stale else None
    if row.state == "waiting" and row.event_count > (row.seen_events or 0):
        return "resume"
    return None


def behind(row: CaseRun) -> bool:
    """Whether the case's run has yet to carry out some of its events (or to exist)."""
    if row.state in PASSING:
        return True
    return row.state == "waiting" and row.event_count > (row.seen_events or 0)


def owner_tag() -> str:
    """What a runner writes as a flow run's ``infrastructure_pid``: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def orphaned(run: FlowRun, now: datetime) -> bool:
    """A pending or running flow run whose executing process is gone."""
    host, _, pid = (run.infrastructure_pid or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not pid_alive(int(pid))
    since = run.state.timestamp if run.state and run.state.timestamp else now
    if not run.infrastructure_pid:
        # Claimed (Pending) by a runner that never wrote who it is: the two are consecutive
        # API calls, so it died in between (a kill -9 right after the claim).
        return now - since > UNOWNED_GRACE
    return now - since > STALE_RUNNING


async def crash_and_reschedule(client: PrefectClient, run: FlowRun, why: str) -> None:
    """Mark a run whose process died as crashed, then schedule it to execute again."""
    from prefect.states import Crashed, Scheduled

    await client.set_flow_run_state(run.id, Crashed(message=why), force=True)
    await client.set_flow_run_state(run.id, Scheduled(), force=True)


class Dispatcher:
    def __init__(self, ctx: Context, runs: RunBook, client: PrefectClient,
                 deployment: str) -> None:
        self.ctx = ctx
        self.runs = runs
        self.client = client
        self.deployment = deployment
        self.counts: Counter[str] = Counter()
        self.pending: dict[str, float] = {}
        self._deployment_id: UUID | None = None

    async def deployment_id(self) -> UUID:
        if self._deployment_id is None:
            found = await self.client.read_deployment_by_name(f"refund-case/{self.deployment}")
            self._deployment_id = found.id
        return self._deployment_id

    # ------------------------------------------------------------------ telling
    async def tell(self, rows: Iterable[CaseRun]) -> None:
        """Start or resume the runs these cases need, from their rows read afresh (a row
        handed over a moment ago may already be out of date)."""
        refs = sorted({row.ref for row in rows})
        if not refs:
            return
        fresh = await asyncio.to_thread(self.runs.runs, refs)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(row: CaseRun) -> None:
            async with gate:
                try:
                    done = await self._tell_one(row)
                except Exception as exc:
                    self.counts["errors"] += 1
                    log.warning("%s: could not start or resume its run: %s", row.ref, exc)
                    done = False
            if done:
                self.pending.pop(row.ref, None)
            else:
                self.pending.setdefault(row.ref, time.monotonic())

        await asyncio.gather(*(one(row) for row in fresh))

    async def retry_pending(self) -> None:
        """Look again at cases whose run was busy or unreachable last time."""
        if not self.pending:
            return
        cutoff = time.monotonic() - PENDING_FOR
        self.pending = {ref: at for ref, at in self.pending.items() if at > cutoff}
        await self.tell(CaseRun(ref, Stage.DRAFT, 0, datetime.min) for ref in self.pending)

    async def _tell_one(self, row: CaseRun) -> bool:
        """True when nothing is left to do for the case for now."""
        now = self.ctx.clock.now()
        action = decide(row, now)
        if action == "start":
            await self.start(row)
            return True
        if action == "resume":
            return await self.resume(row)
        return not (behind(row) and row.state != "waiting")

    async def start(self, row: CaseRun) -> None:
        """Create the case's flow run (run number ``generation``; one per case at a time)."""
        now = self.ctx.clock.now()
        generation: int | None = row.generation
        if row.state != "starting":
            generation = await asyncio.to_thread(
                self.runs.claim_start, row.ref, row.generation, now
            )
            if generation is None:
                return  # another service or worker took it
        assert generation is not None
        run = await self.client.create_flow_run_from_deployment(
            await self.deployment_id(),
            parameters={"case_id": row.ref},
            name=row.ref if generation == 1 else f"{row.ref} ({generation})",
            idempotency_key=stages.idempotency_key(row.ref, generation, self.deployment,
                                                   row.created_at),
        )
        await asyncio.to_thread(self.runs.started, row.ref, generation, str(run.id),
                                f"refund-case/{self.deployment}", now)
        self.counts["started"] += 1
        log.info("%s: flow run %s created", row.ref, run.id)

    async def resume(self, row: CaseRun) -> bool:
        """Resume the case's suspended run with what happened since it last ran."""
        from prefect.client.schemas.responses import SetStateStatus
        from prefect.exceptions import ObjectNotFound

        assert row.flow_run_id is not None
        try:
            run = await self.client.read_flow_run(UUID(row.flow_run_id))
        except ObjectNotFound:
            await self.replace(row, "Prefect no longer knows its run")
            return True
        state = run.state
        if state is None or not state.is_paused():
            if state is not None and state.is_final():
                await self.settle(row, run)
                return True
            return False  # scheduled, pending or running: it will read the database itself
        case = await asyncio.to_thread(get_case, self.ctx, row.ref)
        waited_after = stages.seen_in_key(state.state_details.pause_key)
        if waited_after is not None and waited_after >= case.event_count:
            return True  # suspended after every event already: nothing new to tell
        news = {"event_count": case.event_count,
                "events": stages.news_after(case, row.seen_events or 0)}
        result = await self.client.resume_flow_run(run.id, run_input=news)
        if result.status == SetStateStatus.REJECT:
            # The suspension cannot take input (its schema was never stored: the server
            # failed between the two writes). The run reads the database, not the input:
            # schedule it to execute again all the same.
            log.warning("%s: resume refused (%s); scheduling its run again", row.ref,
                        getattr(result.details, "reason", result.details))
            await self.client.set_flow_run_state(run.id, _scheduled(), force=True)
        elif result.status != SetStateStatus.ACCEPT:
            return False
        await asyncio.to_thread(self.runs.set_state, row.ref, row.flow_run_id, "scheduled",
                                self.ctx.clock.now(), None, "waiting")
        self.counts["resumed"] += 1
        log.info("%s: flow run %s resumed with events %s", row.ref, run.id,
                 [e["seq"] for e in news["events"]])
        return True

    async def settle(self, row: CaseRun, run: FlowRun) -> None:
        """A run that ended: completed with its case, crashed (start it again), or not."""
        from prefect.client.schemas.objects import StateType

        assert run.state is not None and row.flow_run_id is not None
        now = self.ctx.clock.now()
        kind = run.state.type
        if kind == StateType.COMPLETED:
            case = await asyncio.to_thread(get_case, self.ctx, row.ref)
            if stages.is_final(case):
                await asyncio.to_thread(self.runs.set_state, row.ref, row.flow_run_id,
                                        "completed", now)
            else:
                await self.replace(row, "its run ended while the case goes on")
        elif kind == StateType.CRASHED or (
            kind == StateType.FAILED
            and run.state.timestamp is not None
            and now - run.state.timestamp > FAILED_RETRY
        ):
            await self.client.set_flow_run_state(run.id, _scheduled(), force=True)
            await asyncio.to_thread(self.runs.set_state, row.ref, row.flow_run_id,
                                    "scheduled", now)
            self.counts["restarted"] += 1
            log.warning("%s: flow run %s was %s; scheduled again", row.ref, run.id,
                        run.state.name)
        elif kind == StateType.CANCELLED:
            await asyncio.to_thread(self.runs.set_state, row.ref, row.flow_run_id,
                                    "cancelled", now)

    async def replace(self, row: CaseRun, why: str) -> None:
        """Give the case a new run (the next generation) in place of one that is gone."""
        claimed = await asyncio.to_thread(self.runs.claim_start, row.ref, row.generation,
                                          self.ctx.clock.now())
        if claimed is None:
            return
        log.warning("%s: %s; creating a new run", row.ref, why)
        fresh = CaseRun(row.ref, row.stage, row.event_count, row.updated_at, None, "starting",
                        None, claimed, self.ctx.clock.now(), row.created_at)
        await self.start(fresh)
        self.counts["replaced"] += 1

    # ------------------------------------------------------------------ repairing
    async def reconcile(self, full: bool = False) -> Counter[str]:
        """Repair runs stuck in a passing state for a minute; ``full``: check every run
        against Prefect (after a restart, or when Prefect's database may be gone)."""
        now = self.ctx.clock.now()
        before = Counter(self.counts)
        rows = await asyncio.to_thread(self.runs.in_states, PASSING, now - timedelta(minutes=1))
        if full:
            rows += await asyncio.to_thread(self.runs.in_states, ("waiting",))
        for start in range(0, len(rows), 200):
            await self._reconcile_chunk(rows[start : start + 200], now)
        await self.tell(await asyncio.to_thread(self.runs.behind))
        return self.counts - before

    async def _reconcile_chunk(self, rows: list[CaseRun], now: datetime) -> None:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        with_runs = [row for row in rows if row.flow_run_id]
        ids = [UUID(row.flow_run_id) for row in with_runs if row.flow_run_id]
        found = {
            str(run.id): run
            for run in await self.client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)), limit=len(ids)
            )
        } if ids else {}
        for row in rows:
            try:
                await self._reconcile_one(row, found.get(row.flow_run_id or ""), now)
            except Exception as exc:
                self.counts["errors"] += 1
                log.warning("%s: reconcile failed: %s", row.ref, exc)

    async def _reconcile_one(self, row: CaseRun, run: FlowRun | None, now: datetime) -> None:
        if row.flow_run_id is None:
            await self.tell([row])
        elif run is None:
            await self.replace(row, "Prefect no longer knows its run")
        elif run.state is None:
            return
        elif run.state.is_paused():
            if row.state != "waiting":
                await asyncio.to_thread(self.runs.set_state, row.ref, row.flow_run_id,
                                        "waiting", now)
        elif run.state.is_final():
            await self.settle(row, run)
        elif (run.state.is_running() or run.state.is_pending()) and orphaned(run, now):
            await crash_and_reschedule(self.client, run, "its process is gone")
            self.counts["restarted"] += 1
            log.warning("%s: flow run %s lost its process; scheduled again", row.ref, run.id)

    def report(self) -> dict[str, Any]:
        return {**self.counts, "retrying": len(self.pending)}


def _scheduled() -> Any:
    from prefect.states import Scheduled

    return Scheduled()
