"""Each case row carries its next open deadline and its caseload row (a read model).

``next_due_at``, ``next_kind`` and ``next_provisional`` repeat the earliest open deadline
(ties by id), and ``summary`` the case's row of ``case list --json`` (without
``overdue``), so the caseload is one indexed walk of ``cases`` in due order: the overdue
list at 100,000 cases reads only the rows it prints. The data mapper writes them with
every insert and update of a case; this migration fills them in for existing cases with
the code's own ``CaseSummary``. A later change of that row's shape needs a migration
that fills ``summary`` again.

Revision ID: 0006
Revises: 0005
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from cases.ports import CaseSummary
from cases.vocabulary import Stage

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("next_kind", sa.String(20)))
        batch.add_column(sa.Column("next_provisional", sa.Boolean))
        batch.add_column(sa.Column("summary", sa.Text))
    conn = op.get_bind()
    # On SQLite the index also holds the stored row, so the overdue list reads the index
    # alone, in order (half the time at 100,000 cases). Postgres refuses index entries
    # over ~2.7 kB, which a row with long names can exceed, so there it stays narrow.
    covering = ["summary"] if conn.dialect.name == "sqlite" else []
    op.create_index("ix_cases_next_due", "cases", ["next_due_at", "ref", *covering])
    first: dict[int, tuple[Any, str, Any]] = {}
    for case_id, due, kind, provisional in conn.execute(
        sa.text(
            "SELECT case_id, due_at, kind, provisional FROM deadlines"
            " WHERE status = 'open' ORDER BY case_id, due_at, id"
        )
    ):
        first.setdefault(case_id, (due, kind, provisional))
    rows = []
    for case in conn.execute(
        sa.text(
            "SELECT id, ref, platform, merchant, order_no, product, amount, currency, stage,"
            " rung, assignee, zone FROM cases"
        )
    ):
        due, kind, provisional = first.get(case.id, (None, None, None))
        summary = CaseSummary(
            case.ref, case.platform, case.merchant, case.order_no, case.product,
            str(case.amount), case.currency, Stage(case.stage), case.rung, case.assignee,
            kind, _utc(due), bool(provisional), False, case.zone,
        )
        rows.append({"id": case.id, "due": due, "kind": kind, "provisional": provisional,
                     "summary": summary.stored_json()})
    if rows:
        conn.execute(
            sa.text(
                "UPDATE cases SET next_due_at = :due, next_kind = :kind,"
                " next_provisional = :provisional, summary = :summary WHERE id = :id"
            ),
            rows,
        )


def _utc(value: Any) -> datetime | None:
    """A stored time as an aware datetime (SQLite gives naive UTC text)."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC)


def downgrade() -> None:
    op.drop_index("ix_cases_next_due", "cases")
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): batch mode would copy the table, which the timeline's
        # foreign keys refuse.
        for column in ("summary", "next_provisional", "next_kind", "next_due_at"):
            op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
    else:
        for column in ("summary", "next_provisional", "next_kind", "next_due_at"):
            op.drop_column("cases", column)
