"""policies

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_SCOPES = (
    ("global_org_id", "global_orgs", "CASCADE"),
    ("org_id", "organizations", "CASCADE"),
    ("product_id", "products", "CASCADE"),
    ("project_id", "projects", "CASCADE"),
)


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        *(sa.Column(column, sa.Integer(), nullable=True) for column, _, _ in _SCOPES),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("filter", sa.JSON(), nullable=False),
        sa.Column("action", sa.JSON(), nullable=False),
        sa.Column("inclusive", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN global_org_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN org_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN product_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_policies_one_scope"),
        ),
        *(
            sa.ForeignKeyConstraint(
                [column],
                [f"{table}.id"],
                name=op.f(f"fk_policies_{column}_{table}"),
                ondelete=ondelete,
            )
            for column, table, ondelete in _SCOPES
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_policies_owner_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
    )
    for column, _, _ in _SCOPES:
        op.create_index(op.f(f"ix_policies_{column}"), "policies", [column], unique=False)


def downgrade() -> None:
    for column, _, _ in _SCOPES:
        op.drop_index(op.f(f"ix_policies_{column}"), table_name="policies")
    op.drop_table("policies")
