"""matched libraries

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 18:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Starts empty: every library is matched once more by its next analysis.
    op.create_table(
        "matched_libraries",
        sa.Column(
            "library_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("matcher", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["libraries.id"],
            name=op.f("fk_matched_libraries_library_id_libraries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("library_id", name=op.f("pk_matched_libraries")),
    )


def downgrade() -> None:
    op.drop_table("matched_libraries")
