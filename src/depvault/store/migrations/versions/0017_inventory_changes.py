"""inventory changes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 00:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "inventory_changes",
        sa.Column("id", big_id, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("write_key", sa.BigInteger(), nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("library_id", big_id, nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_inventory_changes_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_changes")),
    )
    op.create_index(
        "ix_inventory_changes_project_at", "inventory_changes", ["project_id", "at"], unique=False
    )
    op.create_index("ix_inventory_changes_at", "inventory_changes", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_inventory_changes_at", table_name="inventory_changes")
    op.drop_index("ix_inventory_changes_project_at", table_name="inventory_changes")
    op.drop_table("inventory_changes")
