"""What each case's flow run has carried out, and the work of its stages.

``case_runs`` learns how many timeline events its run has carried out (``seen_events``)
and a ``generation`` that grows each time the run is replaced (the idempotency key of
its creation); ``stage_work`` holds the result of each stage once, so a replayed stage
returns it instead of acting twice; ``cases.updated_at`` is indexed for the event pump.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("case_runs") as batch:
        batch.add_column(sa.Column("seen_events", sa.Integer))
        batch.add_column(
            sa.Column("generation", sa.Integer, nullable=False, server_default="1")
        )
    op.create_table(
        "stage_work",
        sa.Column("case_ref", sa.String(32), primary_key=True),
        sa.Column("step", sa.String(120), primary_key=True),
        sa.Column("flow_run_id", sa.String(64)),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("done_at", UTC, nullable=False),
    )
    op.create_index("ix_cases_updated_at", "cases", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_cases_updated_at", "cases")
    op.drop_table("stage_work")
    with op.batch_alter_table("case_runs") as batch:
        batch.drop_column("generation")
        batch.drop_column("seen_events")
