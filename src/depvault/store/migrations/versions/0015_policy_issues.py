"""policy issues

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 00:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "policy_issues",
        sa.Column("id", big_id, nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("library_id", big_id, nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(length=255), nullable=False),
        sa.Column("advisory_id", big_id, nullable=True),
        sa.Column("violation_type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("external_issues", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_policy_issues_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_issues")),
        sa.UniqueConstraint("uuid", name=op.f("uq_policy_issues_uuid")),
    )
    op.create_index(
        "ix_policy_issues_project_modified",
        "policy_issues",
        ["project_id", "modified_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_policy_issues_project_modified", table_name="policy_issues")
    op.drop_table("policy_issues")
