"""The first screen of the caseload, read with the standard library's ``sqlite3``.

Opening the terminal UI must draw the most urgent cases within a second as a whole process,
and importing SQLAlchemy alone takes a quarter to half of that. So for a SQLite database the
TUI reads its first rows here, with three small indexed queries, while SQLAlchemy and the
rest load in the background; everything after the first screen goes through the unit of
work. The choice of rows is :func:`first_refs`, shared with ``SqlCaseRepository.most_urgent``
so both give exactly the head of ``case_summaries``. Any surprise (no file yet, an older
schema) returns ``None`` and the caller takes the ordinary path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cases.ports import CaseSummary
from cases.store.fastlist import sqlite_path
from cases.vocabulary import DeadlineKind, Stage

__all__ = ["first_refs", "most_urgent_sqlite", "sqlite_path"]

Batch = Callable[[int], Sequence[tuple[Any, Any, str]]]
"""``batch(n)``: the first ``n`` open deadlines by due time, as (case id, due, reference)."""


def first_refs(
    batch: Batch, rest: Callable[[int], list[str]], limit: int, first_batch: int | None = None
) -> list[str]:
    """The references of the ``limit`` most urgent cases, in the caseload's order.

    A case's place is its earliest open deadline, so the cases met first while walking the
    open deadlines by due time come first (ties by reference). Rows tied with the last one
    read may continue past the batch, so they wait for a bigger one. Cases without an open
    deadline follow by reference (``rest(n)`` gives the first ``n`` of them).
    """
    size = first_batch or max(4 * limit, 64)
    while True:
        rows = batch(size)
        complete = len(rows) < size
        first: dict[Any, tuple[Any, str]] = {}
        for case_id, due, ref in rows:
            first.setdefault(case_id, (due, ref))
        ranked = sorted(first.values())
        if not complete:
            last_due = rows[-1][1]
            ranked = [item for item in ranked if item[0] < last_due]
        if complete or len(ranked) >= limit:
            break
        size *= 4
    refs = [ref for _, ref in ranked[:limit]]
    if complete and len(refs) < limit:
        refs += rest(limit - len(refs))
    return refs


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def most_urgent_sqlite(path: Path, now: datetime, limit: int) -> list[CaseSummary] | None:
    """:meth:`CaseRepository.most_urgent` for a SQLite file, read-only, without SQLAlchemy."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        return _read(conn, now, limit)
    except (sqlite3.Error, ValueError, KeyError):
        return None
    finally:
        conn.close()


def _read(conn: sqlite3.Connection, now: datetime, limit: int) -> list[CaseSummary]:
    def batch(size: int) -> list[tuple[Any, Any, str]]:
        return conn.execute(
            "SELECT d.case_id, d.due_at, c.ref FROM deadlines AS d"
            " JOIN cases AS c ON c.id = d.case_id"
            " WHERE d.status = 'open' ORDER BY d.due_at LIMIT ?",
            (size,),
        ).fetchall()

    def rest(size: int) -> list[str]:
        return [
            ref
            for (ref,) in conn.execute(
                "SELECT c.ref FROM cases AS c WHERE NOT EXISTS (SELECT 1 FROM deadlines AS d"
                " WHERE d.case_id = c.id AND d.status = 'open') ORDER BY c.ref LIMIT ?",
                (size,),
            )
        ]

    refs = first_refs(batch, rest, limit)
    if not refs:
        return []
    marks = ",".join("?" * len(refs))
    cases = {
        row[1]: row
        for row in conn.execute(
            "SELECT id, ref, platform, merchant, order_no, product, amount, currency, stage,"
            f" rung, assignee, zone FROM cases WHERE ref IN ({marks})",
            refs,
        )
    }
    ids = [row[0] for row in cases.values()]
    earliest: dict[int, tuple[str, int, str, bool]] = {}
    for case_id, due, deadline_id, kind, provisional, status in conn.execute(
        "SELECT case_id, due_at, id, kind, provisional, status FROM deadlines"
        f" WHERE case_id IN ({','.join('?' * len(ids))})",
        ids,
    ):
        known = earliest.get(case_id)
        if status == "open" and (known is None or (due, deadline_id) < known[:2]):
            earliest[case_id] = (due, deadline_id, kind, bool(provisional))
    found = []
    for ref in refs:
        case_id, _, platform, merchant, order_no, product, amount, currency, stage = cases[
            ref
        ][:9]
        rung, assignee, zone = cases[ref][9:]
        nxt = earliest.get(case_id)
        due = None if nxt is None else _utc(nxt[0])
        found.append(
            CaseSummary(
                ref, platform, merchant, order_no, product, str(amount), currency,
                Stage(stage), rung, assignee,
                None if nxt is None else DeadlineKind(nxt[2]).value, due,
                False if nxt is None else nxt[3], due is not None and due <= now, zone,
            )
        )
    return found
