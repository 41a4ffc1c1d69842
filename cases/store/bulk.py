"""New cases written straight through ``sqlite3``'s ``executemany`` (imports on SQLite).

SQLAlchemy's Core insert spends most of an import of 10,000 cases on its per-row
parameter handling: a dict per row, a key lookup and a type processor per value. Here each
column's conversion is chosen once from the table's own column types and a row is one
tuple, so the same values land in the same text SQLAlchemy would write (a test compares
the two paths row by row). Case ids are handed out from ``max(id)``: the import runs
inside the ``BEGIN IMMEDIATE`` transaction the SQLite engine opens, so no other writer can
take one in between. Other databases keep the Core path.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Boolean, Table
from sqlalchemy import Enum as SAEnum

from cases.model import Case
from cases.store import orm
from cases.store.types import Money, UTCDateTime
from cases.store.uow import NEXT_COLUMNS, next_columns

Convert = Callable[[Any], Any]


def _utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime")
    # An import repeats the same moments (its own "now" in every case, event and
    # deadline; shared due times), so their text is remembered. Only for fold 0: Python
    # calls the two readings of an hour repeated at a DST change equal, but with fold 0
    # on both sides, equal aware datetimes are the same instant.
    return _stored(value) if value.fold == 0 else _convert(value)


def _convert(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


_stored = lru_cache(maxsize=8192)(_convert)


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if not value:  # most cases have no rule overrides, tickets or filings yet
        return "{}" if isinstance(value, dict) else "[]"
    return json.dumps(value)


def _enum(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _bool(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def _converter(column: Any) -> Convert | None:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _utc_text
    if isinstance(kind, Money):
        return _money
    if isinstance(kind, JSON):
        return _json
    if isinstance(kind, SAEnum):
        return _enum
    if isinstance(kind, Boolean):
        return _bool
    return None


class _Writer:
    """An ``INSERT`` for one table and the conversions of its columns, made once."""

    def __init__(self, table: Table, fixed: Sequence[str]) -> None:
        keys = [c.key for c in table.columns if c.key != "id" and c.key not in fixed]
        self.keys = keys
        self.converters = [_converter(table.c[key]) for key in keys]
        names = [*fixed, *keys]
        self.sql = (
            f"INSERT INTO {table.name} ({', '.join(names)}) "
            f"VALUES ({', '.join('?' * len(names))})"
        )

    def row(self, item: object, *fixed: Any) -> tuple[Any, ...]:
        state = vars(item)
        values = [state.get(key) for key in self.keys]
        for index, convert in enumerate(self.converters):
            if convert is not None:
                values[index] = convert(values[index])
        return (*fixed, *values)


_CASES = _Writer(orm.cases, ("id", "version", *NEXT_COLUMNS))
_CHILDREN = [
    (_Writer(orm.deadlines, ("case_id",)), "deadlines"),
    (_Writer(orm.events, ("case_id",)), "events"),
    (_Writer(orm.evidence, ("case_id",)), "evidence"),
]


def _next(case: Case) -> tuple[Any, ...]:
    values = next_columns(case)
    return (_utc_text(values["next_due_at"]), values["next_kind"],
            _bool(values["next_provisional"]), values["summary"])


def add_cases(conn: sqlite3.Connection, cases: Sequence[Case]) -> None:
    """Insert ``cases`` with their deadlines, events and evidence, in the open transaction."""
    (last,) = conn.execute("SELECT coalesce(max(id), 0) FROM cases").fetchone()
    ids = range(last + 1, last + 1 + len(cases))
    conn.executemany(
        _CASES.sql,
        [_CASES.row(c, i, 1, *_next(c)) for i, c in zip(ids, cases, strict=True)],
    )
    for writer, attribute in _CHILDREN:
        rows = [
            writer.row(item, case_id)
            for case_id, case in zip(ids, cases, strict=True)
            for item in getattr(case, attribute)
        ]
        if rows:
            conn.executemany(writer.sql, rows)
