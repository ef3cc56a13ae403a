"""migration runs: the progress of ``depvault migrate``

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "migration_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_url", sa.String(length=2048), nullable=False),
        sa.Column("source_org_token", sa.String(length=64), nullable=False),
        sa.Column("target_org_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["target_org_id"],
            ["organizations.id"],
            name=op.f("fk_migration_runs_target_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_migration_runs")),
        sa.UniqueConstraint("source_url", "source_org_token", name="uq_migration_runs_source"),
        sqlite_autoincrement=True,  # ids are never handed out twice (migration 0022)
    )
    op.create_table(
        "migration_steps",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("source_key", sa.String(length=512), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["migration_runs.id"],
            name=op.f("fk_migration_steps_run_id_migration_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "kind", "source_key", name=op.f("pk_migration_steps")),
    )


def downgrade() -> None:
    op.drop_table("migration_steps")
    op.drop_table("migration_runs")
