"""The outbox table: notices queued in the same transaction as the change they report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cases.outbox import Notice, NoticeStatus
from cases.ports import OutboxRepository
from cases.store import orm

COLUMNS = [c.key for c in orm.outbox.columns if c.key != "id"]


def to_notice(row: Any) -> Notice:
    return Notice(**{key: row[key] for key in (*COLUMNS, "id")})


class SqlOutboxRepository(OutboxRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notice: Notice) -> bool:
        values = {key: getattr(notice, key) for key in COLUMNS}
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql.insert(orm.outbox).on_conflict_do_nothing(
                index_elements=["dedupe_key"]
            )
        elif dialect == "sqlite":
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
