"""The migrated schema is exactly the models' schema, on every backend."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import make_url

from depvault.admin import bootstrap
from depvault.config import Config
from depvault.domain.timefmt import utcnow
from depvault.store.engine.bulk import bulk_insert
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import current_revision, head_revision, upgrade
from depvault.store.inventories import hierarchy
from depvault.store.models import (
    Alert,
    AlertEvent,
    Base,
    ChangeCounter,
    Library,
    Organization,
    Product,
)
from depvault.store.models.base import id_tables


def test_migrations_reach_head_and_match_the_models(database: Database) -> None:
    upgrade(database)  # idempotent: the database is already at head
    assert current_revision(database) == head_revision()
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


@pytest.fixture
def scratch_database(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Database]:
    """An empty, never migrated database of the backend."""
    if backend == "sqlite":
        database = create_database(Config(data_dir=tmp_path))
        yield database
        database.dispose()
        return
    server: str = request.getfixturevalue("postgres_server")
    name = f"depvault_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    database = create_database(Config(data_dir=tmp_path, database_url=url))
    yield database
    database.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_alerts_and_their_history_survive_dropping_the_catalog_keys(
    scratch_database: Database,
) -> None:
    """Migration 0012 rebuilds ``alerts`` on SQLite, whose old table's implicit delete
    cascades to ``alert_events``: every alert and every history entry must come through."""
    database = scratch_database
    upgrade(database, "0011")
    # bootstrap bumps the access counter of migration 0025: a stand-in table until then
    ChangeCounter.__table__.create(database.engine)
    bootstrap(database)  # the tables written below are the same at 0011 and at head
    now = utcnow()
    with database.transaction() as db:
        org_id = db.scalars(select(Organization.id)).one()
        product = hierarchy.create_product(db, org_id, "P", now)
        project = hierarchy.create_project(db, org_id, product.id, "p", now)
        bulk_insert(
            db,
            Library,
            [
                {
                    "key": f"npm:left-pad@{v}",
                    "key_uuid": str(uuid.uuid4()),
                    "ecosystem": "npm",
                    "name": "left-pad",
                    "version": v,
                    "library_type": "javascript/Node.js",
                    "filename": f"left-pad-{v}.tgz",
                    "references": {},
                    "created_at": now,
                }
                for v in ("1.0.0", "1.1.0")
            ],
        )
        libraries = list(db.scalars(select(Library.id).order_by(Library.id)))
        bulk_insert(
            db,
            Alert,
            [
                {
                    "uuid": str(uuid.uuid4()),
                    "org_id": org_id,
                    "project_id": project.id,
                    "type": "MULTIPLE_LIBRARY_VERSIONS",
                    "library_id": library_id,
                    "advisory_id": None,
                    "level": "MINOR",
                    "status": "Active",
                    "chosen_status": "Active",
                    "description": "2 versions of left-pad are in use: 1.0.0, 1.1.0",
                    "created_at": now,
                    "modified_at": now,
                }
                for library_id in libraries
            ],
        )
        alert_ids = sorted(db.scalars(select(Alert.id)))
        assert len(alert_ids) == 2
        bulk_insert(
            db,
            AlertEvent,
            [
                {"alert_id": i, "at": now, "status": "Ignored", "user_email": None, "comment": "x"}
                for i in alert_ids
            ],
        )
    ChangeCounter.__table__.drop(database.engine)
    upgrade(database)
    assert current_revision(database) == head_revision()
    with database.transaction(write=False) as db:
        assert sorted(db.scalars(select(Alert.id))) == alert_ids
        assert sorted(db.scalars(select(AlertEvent.alert_id))) == alert_ids


def test_no_table_hands_an_id_out_twice(database: Database) -> None:
    """Every table with a database-assigned integer id, on both backends: a row inserted
    after the newest one was deleted gets a new id (SQLite: AUTOINCREMENT, migration
    0022; PostgreSQL: sequences)."""
    tables = id_tables(Base.metadata)
    assert len(tables) >= 25
    with database.engine.connect() as connection:
        if database.dialect == "sqlite":
            query = "SELECT name, sql FROM sqlite_master WHERE type='table'"
            sql = {name: text_ for name, text_ in connection.exec_driver_sql(query)}
            missing = [t.name for t in tables if "AUTOINCREMENT" not in sql[t.name].upper()]
        else:
            missing = [
                t.name
                for t in tables
                if connection.execute(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": t.name}
                ).scalar()
                is None
            ]
    assert missing == []
    # and as a client sees it: the newest row deleted, the next one does not take its id
    bootstrap(database)
    now = utcnow()
    with database.transaction() as db:
        org_id = db.scalars(select(Organization.id)).one()
        first = hierarchy.create_product(db, org_id, "first", now).id
        gone = hierarchy.create_product(db, org_id, "gone", now).id
        db.execute(delete(Product).where(Product.id == gone))
    with database.transaction() as db:
        again = hierarchy.create_product(db, org_id, "again", now).id
    assert again > gone > first
