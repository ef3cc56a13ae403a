"""Bring a database to the newest schema; run by every process before it serves.

Several processes (the server and its workers) may start at once against one
PostgreSQL database, so the upgrade holds a transaction-scoped advisory lock there;
SQLite serialises writers by itself.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from depvault.store.engine.db import Database

__all__ = ["current_revision", "head_revision", "upgrade"]

MIGRATIONS = Path(__file__).parent.parent / "migrations"  # store/migrations
# An arbitrary constant that names depvault's migration lock among advisory locks.
MIGRATION_LOCK_KEY = 0x6465_7076_6175_6C74 & 0x7FFF_FFFF_FFFF_FFFF


def _alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply every migration not yet applied (up to ``revision``: tests of a migration
    stop before it)."""
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        command.upgrade(_alembic_config(connection), revision)


def head_revision() -> str | None:
    """The newest revision shipped with this version of depvault."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
