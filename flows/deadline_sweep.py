"""The flow ``deadline-sweep``: handle every due deadline and resume the affected case runs.

Where a background service runs, its exact timer and 30-second sweep do this; a team that
runs only Prefect workers deploys this flow on a one-minute cron (``prefect.yaml``). It
also starts the runs of newly submitted cases and resumes runs whose case changed, so
workers alone carry every case. Running it twice at once is safe: deadlines are handled by
compare-and-set, runs are created with an idempotency key.
"""

from __future__ import annotations

import asyncio

from prefect import flow, get_client, get_run_logger

from flows.context import context, run_book
from flows.deadlines import handle_all_due
from flows.dispatch import Dispatcher


@flow(name="deadline-sweep", persist_result=False)
async def deadline_sweep() -> int:
    """Mark due deadlines missed (escalating), then start or resume the runs that need it."""
    logger = get_run_logger()
    ctx, runs = context(), run_book()
    handled = await asyncio.to_thread(handle_all_due, ctx)
    for item in handled:
        logger.info("%s %s#%d due %s missed%s", item.ref, item.rule_key, item.round,
                    item.due_at.isoformat(),
                    f", escalated to {item.escalated_to}" if item.escalated_to else "")
    rows = await asyncio.to_thread(runs.runs, sorted({h.ref for h in handled}))
    rows += await asyncio.to_thread(runs.behind)
    async with get_client() as client:
        dispatcher = Dispatcher(ctx, runs, client, ctx.settings.prefect_deployment)
        await dispatcher.tell(rows)
    logger.info("%d deadlines handled; runs: %s", len(handled), dict(dispatcher.counts))
    return len(handled)
