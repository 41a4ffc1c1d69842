"""Each case row carries its next open deadline (a read model kept by the mapper).

``next_due_at``, ``next_kind`` and ``next_provisional`` repeat the earliest open deadline
(ties by id) so the caseload is one indexed walk of ``cases`` in due order: the overdue
list at 100,000 cases reads only the rows it prints. The data mapper writes them with
every insert and update of a case; this migration fills them in for existing cases.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("next_kind", sa.String(20)))
        batch.add_column(sa.Column("next_provisional", sa.Boolean))
    op.create_index("ix_cases_next_due", "cases", ["next_due_at", "ref"])
    conn = op.get_bind()
    first: dict[int, tuple[object, object, object]] = {}
    for case_id, due, kind, provisional in conn.execute(
        sa.text(
            "SELECT case_id, due_at, kind, provisional FROM deadlines"
            " WHERE status = 'open' ORDER BY case_id, due_at, id"
        )
    ):
        first.setdefault(case_id, (due, kind, provisional))
    if first:
        conn.execute(
            sa.text(
                "UPDATE cases SET next_due_at = :due, next_kind = :kind,"
                " next_provisional = :provisional WHERE id = :id"
            ),
            [
                {"id": case_id, "due": due, "kind": kind, "provisional": provisional}
                for case_id, (due, kind, provisional) in first.items()
            ],
        )


def downgrade() -> None:
    op.drop_index("ix_cases_next_due", "cases")
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): batch mode would copy the table, which the timeline's
        # foreign keys refuse.
        for column in ("next_provisional", "next_kind", "next_due_at"):
            op.execute(f"ALTER TABLE cases DROP COLUMN {column}")
    else:
        for column in ("next_provisional", "next_kind", "next_due_at"):
            op.drop_column("cases", column)
