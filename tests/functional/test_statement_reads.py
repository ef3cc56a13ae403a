"""Read calls on PostgreSQL run one statement at a time (autocommit: no BEGIN and COMMIT
round trips, store/engine/db.py ``per_statement``): what they may and may not do there."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text

from depvault.admin import Bootstrap
from depvault.reports.sources.core import stream_chunks, stream_plain_chunks
from depvault.store.engine.db import Database, WriteInReadOnlySession
from depvault.store.models import ChangeCounter, Organization
from tests.conftest import Api

pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def _autocommit_per_statement(database: Database, call: Any) -> list[bool]:
    """Whether the driver connection was in autocommit mode at each statement ``call``
    ran."""
    seen: list[bool] = []

    def record(connection: Any, *_: Any) -> None:
        seen.append(bool(connection.connection.driver_connection.autocommit))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    return seen


def test_a_read_call_runs_outside_a_transaction_and_a_write_inside_one(
    api: Api, site: Bootstrap, database: Database
) -> None:
    reading = _autocommit_per_statement(
        database, lambda: api.ok("getOrganizationDetails", orgToken=site.org_token)
    )
    assert reading and all(reading)
    writing = _autocommit_per_statement(
        database, lambda: api.ok("createProduct", orgToken=site.org_token, productName="P")
    )
    assert writing and not any(writing)


def test_a_write_in_a_read_session_is_refused_and_nothing_is_written(
    database: Database, site: Bootstrap
) -> None:
    with (
        pytest.raises(WriteInReadOnlySession),
        database.transaction(write=False, per_statement=True) as db,
    ):
        db.execute(insert(ChangeCounter).values(name="never", value=1))
    with database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).where(ChangeCounter.name == "never")) == 0
    with (
        pytest.raises(WriteInReadOnlySession),
        database.transaction(write=False, per_statement=True) as db,
    ):
        db.execute(text("DELETE FROM change_counters"))


def test_server_side_cursors_stream_in_a_read_session(database: Database, site: Bootstrap) -> None:
    """PostgreSQL declares a cursor only inside a transaction: the report streams take
    one of their own in a per-statement session."""
    query = select(Organization.id, Organization.name).order_by(Organization.id)
    with database.transaction(write=False, per_statement=True) as db:
        rows = [tuple(r) for chunk in stream_chunks(db, query) for r in chunk]
        plain = [tuple(r) for chunk in stream_plain_chunks(db, query) for r in chunk]
        # and the session reads on afterwards, one statement at a time again
        assert db.connection().connection.driver_connection.autocommit
        assert db.scalar(select(func.count()).select_from(Organization)) == len(rows)
    assert rows and rows == plain
