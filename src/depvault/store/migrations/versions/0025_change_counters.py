"""change counters

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 18:45:00.000000

A counter per named piece of shared state (``store/models/counters.py``), so that a
process can cache it and still see another process's change at its next request:

- ``access``: bumped by the store functions that change who a key names or what a
  user may do (the caller and grant cache);
- ``vitals:<org id>``: bumped by triggers on ``projects`` and ``products`` whenever a
  row is added or removed or a column the vitals show changes (the organization's
  cached project vitals). Triggers, not application code: every write path — the API,
  the update workers, the command line, a cascade — bumps it in its own transaction.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_PROJECT_COLUMNS = (
    "name, token, created_at, updated_at, plugin_name, uploaded_by, last_scan_comment, "
    "product_id, org_id"
)
_PRODUCT_COLUMNS = "name, token, org_id"


def _bump(org: str) -> str:
    """The upsert that bumps an organization's vitals counter (SQLite and PostgreSQL)."""
    # ``org`` is one of the trigger's own NEW/OLD columns, never outside input
    return (
        "INSERT INTO change_counters (name, value) VALUES ('vitals:' || "  # noqa: S608
        f"CAST({org} AS VARCHAR), 1) "
        "ON CONFLICT (name) DO UPDATE SET value = change_counters.value + 1"
    )


# (trigger name, table, event, the organizations bumped)
_TRIGGERS = (
    ("vitals_project_insert", "projects", "INSERT", ("NEW.org_id",)),
    ("vitals_project_delete", "projects", "DELETE", ("OLD.org_id",)),
    (
        "vitals_project_update",
        "projects",
        f"UPDATE OF {_PROJECT_COLUMNS}",
        ("OLD.org_id", "NEW.org_id"),
    ),
    ("vitals_product_delete", "products", "DELETE", ("OLD.org_id",)),
    (
        "vitals_product_update",
        "products",
        f"UPDATE OF {_PRODUCT_COLUMNS}",
        ("OLD.org_id", "NEW.org_id"),
    ),
)


def upgrade() -> None:
    op.create_table(
        "change_counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_change_counters")),
    )
    op.execute("INSERT INTO change_counters (name, value) VALUES ('access', 0)")
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, event, orgs in _TRIGGERS:
        bumps = ";\n".join(_bump(org) for org in dict.fromkeys(orgs))
        if postgres:
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{bumps};\nRETURN NULL;\nEND $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW\nBEGIN\n{bumps};\nEND"
            )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table, _, _ in _TRIGGERS:
        op.execute(
            f"DROP TRIGGER IF EXISTS {name} ON {table}"
            if postgres
            else f"DROP TRIGGER IF EXISTS {name}"
        )
        if postgres:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_table("change_counters")
