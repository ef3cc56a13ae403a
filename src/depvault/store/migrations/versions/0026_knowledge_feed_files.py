"""the fetch state of the NVD, EPSS and KEV feeds

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_feed_files",
        sa.Column("feed", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=255), nullable=True),
        sa.Column("last_modified", sa.String(length=64), nullable=True),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("feed", "name", name=op.f("pk_knowledge_feed_files")),
    )


def downgrade() -> None:
    op.drop_table("knowledge_feed_files")
