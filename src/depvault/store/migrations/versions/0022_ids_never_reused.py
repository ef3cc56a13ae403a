"""ids never reused: SQLite tables AUTOINCREMENT

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 04:30:00.000000

SQLite gives a new row the largest rowid plus one, so removing the newest policy and
adding another gave the new one the removed one's id, and a client holding that id acted
on the wrong policy. An AUTOINCREMENT table never hands an id out twice; SQLite cannot
add it to a table, so each table with a database-assigned integer id is rebuilt (Alembic
batch mode: create, copy, drop, rename; ``store.migrate`` runs it with foreign keys off,
so dropping the old table does not cascade, and checks them after). The sequences start
at each table's largest id. PostgreSQL's sequences never go back: nothing to do there.
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# The tables with a database-assigned integer id at this revision
# (``store.models.base.id_tables``), parents before children.
TABLES = (
    "advisories",
    "change_log",
    "global_orgs",
    "libraries",
    "users",
    "advisory_packages",
    "organizations",
    "async_processes",
    "custom_attributes",
    "plugin_policy_violations",
    "products",
    "update_requests",
    "user_groups",
    "projects",
    "role_assignments",
    "alerts",
    "custom_attribute_values",
    "inventory_changes",
    "library_locations",
    "pending_tasks",
    "policies",
    "policy_issues",
    "source_files",
    "update_items",
    "alert_events",
)
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        # the copy keeps every id; SQLite then starts the table's sequence at the largest
        with op.batch_alter_table(
            table,
            recreate="always",
            table_kwargs={"sqlite_autoincrement": autoincrement},
            naming_convention=NAMING,
        ):
            pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
