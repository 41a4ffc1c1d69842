"""The first schema: cases, their deadlines and their hash-chained timeline.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(32), nullable=False, unique=True),
        sa.Column("platform", sa.String(200), nullable=False),
        sa.Column("merchant", sa.String(200)),
        sa.Column("order_no", sa.String(200), nullable=False),
        sa.Column("product", sa.String(500), nullable=False),
        sa.Column("amount", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("paid_at", UTC, nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("usage", sa.String(64)),
        sa.Column("rule_overrides", sa.JSON, nullable=False),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("rung", sa.String(40)),
        sa.Column("outcome", sa.String(200)),
        sa.Column("refund_no", sa.String(200)),
        sa.Column("tickets", sa.JSON, nullable=False),
        sa.Column("refunded", sa.String(32), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_cases_stage", "cases", ["stage"])
    op.create_index("ix_cases_order", "cases", ["platform", "order_no"])
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("rule_key", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("rung", sa.String(40)),
        sa.Column("start_at", UTC, nullable=False),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("duration", sa.String(64), nullable=False),
        sa.Column("rule_zh", sa.Text, nullable=False),
        sa.Column("rule_en", sa.Text, nullable=False),
        sa.Column("provisional", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("handled_at", UTC),
    )
    op.create_index("ix_deadlines_status_due", "deadlines", ["status", "due_at"])
    op.create_index("ix_deadlines_case", "deadlines", ["case_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column(
            "case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="RESTRICT"), nullable=False
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", UTC, nullable=False),
        sa.Column("recorded_at", UTC, nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("case_id", "seq", name="uq_events_case_seq"),
    )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("deadlines")
    op.drop_table("cases")
