"""The notification outbox and the case → Prefect flow run map.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dedupe_key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("case_ref", sa.String(32)),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", UTC),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("sent_at", UTC),
    )
    op.create_index("ix_outbox_status_next", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_case", "outbox", ["case_ref"])
    op.create_table(
        "case_runs",
        sa.Column("case_ref", sa.String(32), primary_key=True),
        sa.Column("flow_run_id", sa.String(64)),
        sa.Column("deployment", sa.String(200)),
        sa.Column("state", sa.String(32)),
        sa.Column("updated_at", UTC, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("case_runs")
    op.drop_index("ix_outbox_case", "outbox")
    op.drop_index("ix_outbox_status_next", "outbox")
    op.drop_table("outbox")
