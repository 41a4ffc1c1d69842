"""The outbox table: notices queued in the same transaction as the change they report,
claimed by dispatchers with a compare-and-set and marked when sent."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from cases.outbox import DeadlineDue, Notice, NoticeStatus
from cases.ports import NoticeQueue
from cases.store import orm
from cases.vocabulary import DeadlineStatus, Stage

COLUMNS = [c.key for c in orm.outbox.columns if c.key != "id"]
CHUNK = 500


def to_notice(row: Any) -> Notice:
    return Notice(**{key: row[key] for key in (*COLUMNS, "id")})


def _due(now: datetime) -> Any:
    """Due to be sent: queued and its time has come, or claimed by a dispatcher whose
    lease ran out (it crashed or hung between claiming and marking)."""
    o = orm.outbox.c
    return or_(
        and_(
            o.status == NoticeStatus.QUEUED,
            or_(o.next_attempt_at.is_(None), o.next_attempt_at <= now),
        ),
        and_(o.status == NoticeStatus.SENDING, o.next_attempt_at <= now),
    )


class SqlOutboxRepository(NoticeQueue):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notice: Notice) -> bool:
        values = {key: getattr(notice, key) for key in COLUMNS}
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql  # only here: it loads every PG driver

            statement: Any = postgresql.insert(orm.outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            )
        elif dialect == "sqlite":
            from sqlalchemy.dialects import sqlite

            statement = sqlite.insert(orm.outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            )
        else:  # pragma: no cover - only SQLite and Postgres are supported
            statement = insert(orm.outbox)
        result: Any = self.session.execute(statement.values(**values))
        return bool(result.rowcount)

    def list(self, status: NoticeStatus | None = None, limit: int = 200) -> list[Notice]:
        query = select(orm.outbox).order_by(orm.outbox.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(orm.outbox.c.status == status)
        return [to_notice(row) for row in self.session.execute(query).mappings()]

    # ------------------------------------------------------------------ dispatching
    def claim_due(
        self, now: datetime, lease_until: datetime, limit: int
    ) -> builtins.list[Notice]:
        o = orm.outbox.c
        pick = (
            select(o.id)
            .where(_due(now))
            .order_by(o.id)  # oldest first among those due
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            pick = pick.with_for_update(skip_locked=True)
        ids = list(self.session.scalars(pick))
        if not ids:
            return []
        # The condition is checked again by the UPDATE itself: on Postgres a row another
        # dispatcher claimed meanwhile no longer matches and is skipped (compare-and-set).
        claim = (
            update(orm.outbox)
            .where(o.id.in_(ids), _due(now))
            .values(status=NoticeStatus.SENDING, next_attempt_at=lease_until)
            .returning(*orm.outbox.c)
        )
        rows = self.session.execute(claim).mappings().all()
        return sorted((to_notice(row) for row in rows), key=lambda n: ids.index(n.id or 0))

    def get_notice(self, notice_id: int) -> Notice | None:
        row = (
            self.session.execute(select(orm.outbox).where(orm.outbox.c.id == notice_id))
            .mappings()
            .first()
        )
        return None if row is None else to_notice(row)

    def mark_sent(self, notice_id: int, at: datetime) -> bool:
        o = orm.outbox.c
        result: Any = self.session.execute(
            update(orm.outbox)
            .where(o.id == notice_id, o.status == NoticeStatus.SENDING)
            .values(
                status=NoticeStatus.SENT,
                sent_at=at,
                next_attempt_at=None,
                attempts=o.attempts + 1,
            )
        )
        return bool(result.rowcount)

    def mark_failed(
        self,
        notice_id: int,
        status: NoticeStatus,
        error: str,
        next_attempt_at: datetime | None,
        count_try: bool = True,
    ) -> bool:
        o = orm.outbox.c
        values: dict[str, Any] = {
            "status": status,
            "last_error": error[:2000],
            "next_attempt_at": next_attempt_at,
        }
        if count_try:
            values["attempts"] = o.attempts + 1
        result: Any = self.session.execute(
            update(orm.outbox)
            .where(o.id == notice_id, o.status == NoticeStatus.SENDING)
            .values(**values)
        )
        return bool(result.rowcount)

    def release(self, notice_ids: Sequence[int], at: datetime | None) -> int:
        o = orm.outbox.c
        total = 0
        for start in range(0, len(notice_ids), CHUNK):
            result: Any = self.session.execute(
                update(orm.outbox)
                .where(
                    o.id.in_(list(notice_ids[start : start + CHUNK])),
                    o.status == NoticeStatus.SENDING,
                )
                .values(status=NoticeStatus.QUEUED, next_attempt_at=at)
            )
            total += result.rowcount
        return total

    def hold_queued(self, reason: str) -> int:
        o = orm.outbox.c
        result: Any = self.session.execute(
            update(orm.outbox)
            .where(o.status == NoticeStatus.QUEUED)
            .values(status=NoticeStatus.HELD, last_error=reason)
        )
        return int(result.rowcount)

    def release_held(self, at: datetime) -> int:
        o = orm.outbox.c
        result: Any = self.session.execute(
            update(orm.outbox)
            .where(o.status == NoticeStatus.HELD)
            .values(status=NoticeStatus.QUEUED, next_attempt_at=at)
        )
        return int(result.rowcount)

    def requeue(self, notice_id: int, at: datetime) -> bool:
        o = orm.outbox.c
        result: Any = self.session.execute(
            update(orm.outbox)
            .where(
                o.id == notice_id,
                o.status.in_(
                    [NoticeStatus.FAILED, NoticeStatus.HELD, NoticeStatus.CANCELLED]
                ),
            )
            .values(status=NoticeStatus.QUEUED, next_attempt_at=at, attempts=0)
        )
        return bool(result.rowcount)

    def existing_keys(self, keys: Sequence[str]) -> set[str]:
        found: set[str] = set()
        o = orm.outbox.c
        for start in range(0, len(keys), CHUNK):
            chunk = list(keys[start : start + CHUNK])
            found.update(self.session.scalars(select(o.dedupe_key).where(o.dedupe_key.in_(chunk))))
        return found

    # -------------------------------------------------------------------- reminders
    def deadlines_to_remind(self, missed_since: datetime) -> builtins.list[DeadlineDue]:
        c, d = orm.cases.c, orm.deadlines.c
        waiting = or_(
            d.status == DeadlineStatus.OPEN,
            and_(
                d.status == DeadlineStatus.MISSED,
                d.handled_at >= missed_since,
                # Nothing recorded on the case since the miss: nobody has acted on it yet.
                c.updated_at <= d.handled_at,
                c.stage.notin_([Stage.CLOSED, Stage.ARRIVED]),
            ),
        )
        query = (
            select(
                c.ref,
                d.kind,
                d.rule_key,
                d.round,
                d.start_at,
                d.due_at,
                d.status,
                c.zone,
                d.handled_at,
                d.rung,
                d.rule_zh,
                d.rule_en,
                d.provisional,
                c.platform,
                c.order_no,
                c.product,
            )
            .join(orm.cases, c.id == d.case_id)
            .where(waiting)
            .order_by(d.due_at, d.id)
        )
        return [
            DeadlineDue(
                ref=ref,
                kind=kind.value,
                rule_key=rule_key,
                round=round_,
                start_at=start_at,
                due_at=due_at,
                status=status.value,
                zone=zone,
                handled_at=handled_at,
                rung=rung,
                rule_zh=rule_zh,
                rule_en=rule_en,
                provisional=bool(provisional),
                platform=platform,
                order_no=order_no,
                product=product,
            )
            for (
                ref,
                kind,
                rule_key,
                round_,
                start_at,
                due_at,
                status,
                zone,
                handled_at,
                rung,
                rule_zh,
                rule_en,
                provisional,
                platform,
                order_no,
                product,
            ) in self.session.execute(query).all()
        ]
