"""projects analysis due index

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 17:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_projects_analysis_due",
        "projects",
        ["id"],
        unique=False,
        sqlite_where=sa.text("analysis_due"),
        postgresql_where=sa.text("analysis_due"),
    )


def downgrade() -> None:
    op.drop_index("ix_projects_analysis_due", table_name="projects")
