"""Evidence files, team fields (assignee, filings) and per-year reference counters.

Existing cases get an empty filing record and their counter is rebuilt from their refs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("assignee", sa.String(200)))
        batch.add_column(sa.Column("filings", sa.JSON, nullable=False, server_default="{}"))
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("original_name", sa.String(500), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("captured_at", UTC, nullable=False),
        sa.Column("added_at", UTC, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_evidence_case", "evidence", ["case_id"])
    counters = op.create_table(
        "ref_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )
    refs = op.get_bind().execute(sa.text("SELECT ref FROM cases")).scalars().all()
    last: dict[int, int] = {}
    for ref in refs:
        _, year, number = ref.split("-")
        last[int(year)] = max(last.get(int(year), 0), int(number))
    if last:
        op.bulk_insert(counters, [{"year": y, "last": n} for y, n in sorted(last.items())])


def downgrade() -> None:
    op.drop_table("ref_counters")
    op.drop_index("ix_evidence_case", "evidence")
    op.drop_table("evidence")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("filings")
        batch.drop_column("assignee")
