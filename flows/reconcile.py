"""The flow ``reconcile``: make Prefect's runs match the case database again.

Nothing depends on Prefect's database surviving: a run it lost is created again, a run
whose process died (a killed runner or worker) is rescheduled and executes again from the
top, and cases whose run fell behind are resumed. The service does the same at start and
every few minutes; a team deploys this flow on a cron (``prefect.yaml``).
"""

from __future__ import annotations

from prefect import flow, get_client, get_run_logger

from flows.context import context, run_book
from flows.dispatch import Dispatcher


@flow(name="reconcile", persist_result=False)
async def reconcile(full: bool = True) -> dict[str, int]:
    """Repair stuck, crashed and lost case runs (``full``: check every run, not only stuck ones)."""
    ctx = context()
    async with get_client() as client:
        dispatcher = Dispatcher(ctx, run_book(), client, ctx.settings.prefect_deployment)
        repaired = await dispatcher.reconcile(full=full)
    get_run_logger().info("reconciled: %s", dict(repaired) or "nothing to repair")
    return dict(repaired)
