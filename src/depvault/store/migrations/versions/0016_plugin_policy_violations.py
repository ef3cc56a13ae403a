"""plugin policy violations

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 00:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plugin_policy_violations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("violation_key", sa.String(length=40), nullable=False),
        sa.Column("product_name", sa.String(length=255), nullable=False),
        sa.Column("project_name", sa.String(length=255), nullable=False),
        sa.Column("library", sa.String(length=1024), nullable=False),
        sa.Column("library_version", sa.String(length=255), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(length=255), nullable=False),
        sa.Column("policy_level", sa.String(length=10), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("agent_version", sa.String(length=64), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_plugin_policy_violations_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_policy_violations")),
        sa.UniqueConstraint("org_id", "violation_key", name="uq_plugin_policy_violations_key"),
    )
    op.create_index(
        "ix_plugin_policy_violations_last_seen", "plugin_policy_violations", ["last_seen"]
    )


def downgrade() -> None:
    op.drop_index("ix_plugin_policy_violations_last_seen", table_name="plugin_policy_violations")
    op.drop_table("plugin_policy_violations")
