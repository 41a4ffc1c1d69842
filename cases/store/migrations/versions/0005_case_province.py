"""The user's province on each case (the police threshold and the small-claims cap).

Nullable: existing cases have none and fall back to ``REFUNDFLOW_PROVINCE`` or the
national figures until one is set with ``refundflow case set REF --province P``.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("province", sa.String(64)))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35+ drops a column in place. Batch mode would copy the table and drop
        # the old one, which the timeline's foreign keys refuse while they are enforced.
        op.execute("ALTER TABLE cases DROP COLUMN province")
    else:
        op.drop_column("cases", "province")
