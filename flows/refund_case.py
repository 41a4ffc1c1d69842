"""The flow ``refund_case(case_id)``: one Prefect flow run per case, for the case's whole life.

The background service starts the run when the case is submitted. Each execution carries
out the stage steps the case's timeline calls for (one task each: submit, await review,
supplement, confirm arrival, escalate to a rung) and then suspends, holding no process,
until the service resumes it with :class:`CaseNews` (the events recorded since). A resumed
run executes again from the top: steps already done return their kept result (see
``flows/stages.py``), so a replay is cheap and never acts twice.

Async on purpose: an async flow run costs a fraction of a sync one (no heartbeat thread),
and the service's runner executes many of them in one process.
"""

from __future__ import annotations

import asyncio
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.input.run_input import keyset_from_base_key
from pydantic import BaseModel

from cases.services import get_case
from flows import stages
from flows.context import context, run_book


class NewsItem(BaseModel):
    seq: int
    kind: str
    at: str
    actor: str | None = None


class CaseNews(RunInput):
    """Why a waiting case run is resumed: the case's timeline has grown to ``event_count``
    events; ``events`` are the new ones (recorded by someone, or a deadline missed)."""

    event_count: int
    events: list[NewsItem] = []


async def _carry_out(case_id: str, step: str) -> dict[str, Any]:
    run = FlowRunContext.get()
    run_id = str(run.flow_run.id) if run and run.flow_run else None
    return await asyncio.to_thread(stages.carry_out, context(), run_book(), case_id, step, run_id)


def _stage_task(name: str, doc: str) -> Any:
    async def stage(case_id: str, step: str) -> dict[str, Any]:
        return await _carry_out(case_id, step)

    stage.__name__ = stage.__qualname__ = name
    stage.__doc__ = doc
    # Results live in the case database (stage_work), not in Prefect: no cache keys to
    # hash, no result files; a failed step is tried again twice, then the run fails and
    # the reconcile pass starts it again later.
    return task(name=name.replace("_", "-"), retries=2, retry_delay_seconds=2,
                cache_policy=NO_CACHE, persist_result=False)(stage)


submit = _stage_task("submit", "Prepare the refund application (or the rung's) letter.")
await_review = _stage_task("await_review", "Note the review deadline the stage waits for.")
supplement = _stage_task("supplement", "List the material still missing, due within 24 h.")
confirm_arrival = _stage_task("confirm_arrival", "Note when the money must arrive, or what did.")
escalate = _stage_task("escalate", "Prepare the letter for the rung the case escalated to.")
TASKS = {"submit": submit, "await_review": await_review, "supplement": supplement,
         "confirm_arrival": confirm_arrival, "escalate": escalate}


@flow(name="refund-case", flow_run_name="{case_id}", persist_result=False,
      validate_parameters=False)
async def refund_case(case_id: str) -> str:
    """Carry the case out up to its latest event, then wait (suspended) for the next one."""
    logger = get_run_logger()
    flow_run = FlowRunContext.get().flow_run  # type: ignore[union-attr]
    run_id = str(flow_run.id)
    used = set(flow_run.empirical_policy.pause_keys or ())
    news = await _news_of(last := stages.last_wait_key(used))
    if news is not None:
        logger.info("resumed (%s): %s", last, ", ".join(f"#{e.seq} {e.kind}" for e in news.events))
    ref = case_id.strip().upper()
    runs = run_book()
    case = await asyncio.to_thread(get_case, context(), ref)
    done = await asyncio.to_thread(runs.stage_results, ref)
    generation = stages.generation_of(flow_run.idempotency_key, ref)
    mine = await asyncio.to_thread(runs.adopt, ref, run_id, generation, context().clock.now())
    if not mine:
        logger.warning("%s is carried out by another flow run now; this one stops", ref)
        return "superseded"
    for step in stages.steps_for(case):
        if step.key not in done:
            await TASKS[step.task].with_options(task_run_name=step.key)(ref, step.key)
    seen = case.event_count
    now = context().clock.now()
    if stages.is_final(case):
        await asyncio.to_thread(runs.set_state, ref, run_id, "completed", now, seen)
        return case.stage.value
    key = stages.wait_key(used, seen)
    await asyncio.to_thread(runs.set_state, ref, run_id, "waiting", now, seen)
    await suspend_flow_run(wait_for_input=CaseNews, key=key, timeout=None)
    return "unreachable"  # pragma: no cover - suspending ends this execution


async def _news_of(key: str | None) -> CaseNews | None:
    """The typed input the run was resumed with at ``key`` (None after a restart)."""
    if key is None:
        return None
    try:
        loaded: CaseNews = await CaseNews.aload(keyset_from_base_key(f"suspended-{key}"))
        return loaded
    except Exception:  # no input kept for that key: restarted, not resumed
        return None
