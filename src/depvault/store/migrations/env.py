"""Alembic environment: migrations always run on a connection handed in by
:func:`depvault.store.engine.migrate.upgrade`, never on a URL read from a file."""

from __future__ import annotations

from alembic import context

from depvault.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
