"""pending tasks

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 00:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "pending_tasks",
        sa.Column("id", big_id, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("library_id", big_id, nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(length=255), nullable=False),
        sa.Column("assignee", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_by", sa.String(length=320), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_pending_tasks_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_tasks")),
        sa.UniqueConstraint("uuid", name=op.f("uq_pending_tasks_uuid")),
    )
    op.create_index("ix_pending_tasks_org_status", "pending_tasks", ["org_id", "status"])
    op.create_index(op.f("ix_pending_tasks_project_id"), "pending_tasks", ["project_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_tasks_project_id"), table_name="pending_tasks")
    op.drop_index("ix_pending_tasks_org_status", table_name="pending_tasks")
    op.drop_table("pending_tasks")
