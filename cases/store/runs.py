"""The case → flow-run map and the stage results, in SQL (``case_runs``, ``stage_work``).

Short transactions of their own, outside the use cases' unit of work: they record what
the orchestration did, never a change to a case. Every write is a compare-and-set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, func, insert, or_, select, update

from cases.ports import CaseRun, RunBook
from cases.store import orm
from cases.vocabulary import Stage

RUN_STAGES = (
    Stage.SUBMITTED,
    Stage.SUPPLEMENT_REQUESTED,
    Stage.APPROVED,
    Stage.REJECTED,
    Stage.ESCALATED,
)
"""Stages in which a case without a flow run gets one (from submission until it ends)."""

PASSING = ("starting", "scheduled", "running")
"""Run states that should last seconds; one that lasts minutes needs a look (reconcile)."""


def _query() -> Select[Any]:
    c, r = orm.cases.c, orm.case_runs.c
    return select(
        c.ref,
        c.stage,
        c.event_count,
        c.updated_at,
        r.flow_run_id,
        r.state,
        r.seen_events,
        r.generation,
        r.updated_at.label("run_updated_at"),
        c.created_at,
    ).select_from(orm.cases.outerjoin(orm.case_runs, r.case_ref == c.ref))


def _row(row: Any) -> CaseRun:
    return CaseRun(
        ref=row.ref,
        stage=row.stage,
        event_count=row.event_count,
        updated_at=row.updated_at,
        flow_run_id=row.flow_run_id,
        state=row.state,
        seen_events=row.seen_events,
        generation=row.generation or 0,
        run_updated_at=row.run_updated_at,
        created_at=row.created_at,
    )


class SqlRunBook(RunBook):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _select(self, query: Select[Any]) -> list[CaseRun]:
        with self.engine.connect() as conn:
            return [_row(row) for row in conn.execute(query)]

    def changed_since(self, since: datetime, limit: int = 5000) -> list[CaseRun]:
        c = orm.cases.c
        return self._select(
            _query().where(c.updated_at > since).order_by(c.updated_at).limit(limit)
        )

    def behind(self, limit: int = 5000) -> list[CaseRun]:
        c, r = orm.cases.c, orm.case_runs.c
        no_run = and_(r.case_ref.is_(None), c.stage.in_(RUN_STAGES))
        waiting = and_(r.state == "waiting", c.event_count > func.coalesce(r.seen_events, 0))
        return self._select(_query().where(or_(no_run, waiting)).order_by(c.id).limit(limit))

    def runs(self, refs: Sequence[str]) -> list[CaseRun]:
        found: list[CaseRun] = []
        for start in range(0, len(refs), 500):
            chunk = list(refs[start : start + 500])
            found += self._select(_query().where(orm.cases.c.ref.in_(chunk)))
        return found

    def in_states(self, states: Sequence[str], before: datetime | None = None,
                  limit: int = 5000) -> list[CaseRun]:
        r = orm.case_runs.c
        query = _query().where(r.state.in_(list(states)))
        if before is not None:
            query = query.where(r.updated_at < before)
        return self._select(query.order_by(r.updated_at).limit(limit))

    def claim_start(self, ref: str, generation: int, now: datetime) -> int | None:
        r = orm.case_runs.c
        with self.engine.begin() as conn:
            if generation == 0:
                values = {"case_ref": ref, "state": "starting", "updated_at": now,
                          "generation": 1}
                return 1 if _inserted(conn, orm.case_runs, values) else None
            result = conn.execute(
                update(orm.case_runs)
                .where(r.case_ref == ref, r.generation == generation)
                .values(generation=generation + 1, state="starting", flow_run_id=None,
                        seen_events=None, updated_at=now)
            )
        return generation + 1 if result.rowcount == 1 else None

    def started(self, ref: str, generation: int, flow_run_id: str, deployment: str,
                now: datetime) -> bool:
        r = orm.case_runs.c
        with self.engine.begin() as conn:
            result = conn.execute(
                update(orm.case_runs)
                .where(r.case_ref == ref, r.generation == generation, r.state == "starting")
                .values(flow_run_id=flow_run_id, deployment=deployment, state="scheduled",
                        updated_at=now)
            )
        return result.rowcount == 1

    def adopt(self, ref: str, flow_run_id: str, generation: int | None, now: datetime) -> bool:
        r = orm.case_runs.c
        with self.engine.begin() as conn:
            if generation is None:
                values = {"case_ref": ref, "flow_run_id": flow_run_id, "state": "running",
                          "generation": 1, "updated_at": now}
                if _inserted(conn, orm.case_runs, values):
                    return True
                owner = r.flow_run_id == flow_run_id
            else:
                owner = and_(
                    r.generation == generation,
                    or_(r.flow_run_id.is_(None), r.flow_run_id == flow_run_id),
                )
            result = conn.execute(
                update(orm.case_runs)
                .where(r.case_ref == ref, owner)
                .values(flow_run_id=flow_run_id, state="running", updated_at=now)
            )
        return result.rowcount == 1

    def set_state(self, ref: str, flow_run_id: str, state: str, now: datetime,
                  seen_events: int | None = None, only_from: str | None = None) -> bool:
        r = orm.case_runs.c
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if seen_events is not None:
            values["seen_events"] = seen_events
        query = update(orm.case_runs).where(r.case_ref == ref, r.flow_run_id == flow_run_id)
        if only_from is not None:
            query = query.where(r.state == only_from)
        with self.engine.begin() as conn:
            return conn.execute(query.values(**values)).rowcount == 1

    def stage_result(self, ref: str, step: str) -> dict[str, Any] | None:
        w = orm.stage_work.c
        with self.engine.connect() as conn:
            found: dict[str, Any] | None = conn.execute(
                select(w.result).where(w.case_ref == ref, w.step == step)
            ).scalar()
        return found

    def record_stage(self, ref: str, step: str, flow_run_id: str | None,
                     result: dict[str, Any], now: datetime) -> dict[str, Any]:
        w = orm.stage_work.c
        with self.engine.begin() as conn:
            conn.execute(
                _insert_ignore(conn.dialect.name, orm.stage_work).values(
                    case_ref=ref, step=step, flow_run_id=flow_run_id, result=result,
                    done_at=now,
                )
            )
            kept: dict[str, Any] = conn.execute(
                select(w.result).where(w.case_ref == ref, w.step == step)
            ).scalar_one()
        return kept

    def stage_results(self, ref: str) -> dict[str, dict[str, Any]]:
        w = orm.stage_work.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(w.step, w.result).where(w.case_ref == ref))
            return {step: result for step, result in rows}


def _inserted(conn: Any, table: Any, values: dict[str, Any]) -> bool:
    """INSERT unless the primary key exists; whether a row was inserted (RETURNING: the
    row count of INSERT … ON CONFLICT DO NOTHING is not reliable on every driver)."""
    key = list(table.primary_key.columns)[0]
    statement = _insert_ignore(conn.dialect.name, table).values(**values).returning(key)
    return conn.execute(statement).first() is not None


def _insert_ignore(dialect: str, table: Any) -> Any:
    """INSERT that does nothing when the primary key exists (SQLite and Postgres)."""
    # Imported here: the Postgres dialect loads every Postgres driver (asyncpg, pg8000, …).
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing()
    return insert(table)  # pragma: no cover - only SQLite and Postgres are supported
