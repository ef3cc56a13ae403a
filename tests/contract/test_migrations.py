"""The migrated schema is exactly the models' schema, on every backend."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from depvault.store.db import Database
from depvault.store.migrate import current_revision, head_revision, upgrade
from depvault.store.models import Base


def test_migrations_reach_head_and_match_the_models(database: Database) -> None:
    upgrade(database)  # idempotent: the database is already at head
    assert current_revision(database) == head_revision()
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
