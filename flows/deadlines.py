"""Handle every due deadline, in batches: what the exact timer, the sweep and the
``deadline-sweep`` flow all do."""

from __future__ import annotations

from datetime import datetime

from cases.services import Deps, Handled, handle_due_deadlines

BATCH = 500
"""Deadlines handled per transaction; a larger backlog takes several batches in a row."""


def handle_all_due(deps: Deps, now: datetime | None = None) -> list[Handled]:
    handled: list[Handled] = []
    while True:
        batch = handle_due_deadlines(deps, now, limit=BATCH)
        handled += batch
        if len(batch) < BATCH:
            return handled
