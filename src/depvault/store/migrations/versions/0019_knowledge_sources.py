"""knowledge sources and the knowledge gaps of updates

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_sources",
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("ecosystem", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("newest_modified", sa.DateTime(), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("last_result", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_method", sa.String(length=16), nullable=True),
        sa.Column("last_changed", sa.Integer(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("source", "ecosystem", name=op.f("pk_knowledge_sources")),
    )
    # plain ADD COLUMN on both backends: a batch copy of the table on SQLite would fire
    # the ON DELETE CASCADE of the tables under it
    op.add_column("update_items", sa.Column("knowledge_gaps", sa.String(length=255), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE update_items DROP COLUMN knowledge_gaps")  # SQLite 3.35+
    op.drop_table("knowledge_sources")
