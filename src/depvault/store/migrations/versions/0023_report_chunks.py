"""report chunks

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 05:25:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_chunks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name", "seq", name=op.f("pk_report_chunks")),
    )


def downgrade() -> None:
    op.drop_table("report_chunks")
