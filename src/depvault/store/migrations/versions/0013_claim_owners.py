"""claim owners

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing claims have no owner: recovery treats them as a dead process's, as before.
    op.add_column("update_items", sa.Column("claimed_by", sa.BigInteger(), nullable=True))
    op.add_column("async_processes", sa.Column("claimed_by", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("async_processes") as batch_op:
        batch_op.drop_column("claimed_by")
    with op.batch_alter_table("update_items") as batch_op:
        batch_op.drop_column("claimed_by")
