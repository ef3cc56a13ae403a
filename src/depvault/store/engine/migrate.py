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
    if database.dialect == "sqlite":
        _upgrade_sqlite(database, revision)
        return
    with database.engine.begin() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        command.upgrade(_alembic_config(connection), revision)


def _upgrade_sqlite(database: Database, revision: str) -> None:
    """SQLite migrations that rebuild a table (Alembic batch mode: copy, drop, rename)
    run with foreign keys off, as SQLite's ALTER TABLE documentation prescribes: with them
    on, dropping the old table would delete the rows referring to it (ON DELETE CASCADE).
    The pragma only takes effect outside a transaction; the keys are checked before the
    migration commits, and turned back on before the connection returns to the pool."""
    with database.engine.connect() as connection:
        # on the driver's connection: SQLAlchemy's would BEGIN first (``store.db``)
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                command.upgrade(_alembic_config(connection), revision)
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise RuntimeError(f"migration left a dangling foreign key: {tuple(broken)}")
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


def head_revision() -> str | None:
    """The newest revision shipped with this version of depvault."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
