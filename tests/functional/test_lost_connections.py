"""Pooled PostgreSQL connections that die: one idle past the ping threshold is replaced
before use, and a read request whose connection dies under it is answered on a fresh
one, while a write is never asked twice (it may have committed)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text

from depvault.admin import Bootstrap, bootstrap
from depvault.api.app import create_app
from depvault.api.dispatch import Dispatcher
from depvault.api.errors import http_status
from depvault.api.request_types import ApiVersion
from depvault.config import Config
from depvault.errors import DatabaseUnavailable
from depvault.store.engine import db as engine_db
from depvault.store.engine.db import Database

# PostgreSQL only: SQLite has no connection to lose
pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def _kill_backends(url: str) -> int:
    """Terminate every other session of the test database (a server restart, as the
    pooled connections see it); how many were ended."""
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    try:
        with admin.connect() as connection:
            return int(
                connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                ).scalar()
                or 0
            )
    finally:
        admin.dispose()


def _pool_pid(database: Database) -> int:
    with database.transaction(write=False) as db:
        return int(db.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_idle_past_the_threshold_is_pinged_and_replaced(
    database: Database, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _pool_pid(database)
    assert _kill_backends(config.effective_database_url) >= 1
    monkeypatch.setattr(engine_db, "IDLE_PING_S", 0.0)  # every pooled connection is idle
    # the checkout pings, finds the connection dead and hands out a new one: the
    # transaction itself never sees the dead one
    assert _pool_pid(database) != before


def test_a_busy_connection_is_not_pinged(database: Database, config: Config) -> None:
    """Within the threshold the checkout costs no round trip: a connection killed a
    moment after use fails the next statement (what a read request then retries)."""
    _pool_pid(database)
    _kill_backends(config.effective_database_url)
    with pytest.raises(Exception) as raised:
        _pool_pid(database)
    assert getattr(raised.value, "connection_invalidated", False)
    _pool_pid(database)  # the pool replaced it


def _answer(dispatcher: Dispatcher, body: dict[str, str]) -> dict[str, Any]:
    answer = dispatcher.dispatch(ApiVersion.V1_3, dict(body))
    assert isinstance(answer, dict)
    return answer


def _served(database: Database, config: Config) -> tuple[Bootstrap, Dispatcher, dict[str, str]]:
    """A bootstrapped store's dispatcher and a read request's body."""
    site = bootstrap(database)
    dispatcher = create_app(config, database, migrate=False, inline_jobs=True).state.dispatcher
    body = {
        "requestType": "getOrganizationDetails",
        "userKey": site.user_key,
        "orgToken": site.org_token,
    }
    return site, dispatcher, body


def test_a_read_request_survives_its_connection_dying(database: Database, config: Config) -> None:
    site, dispatcher, body = _served(database, config)
    assert _answer(dispatcher, body)["orgToken"] == site.org_token
    assert _kill_backends(config.effective_database_url) >= 1
    # the pooled connection is dead and used again at once (no ping): the statement
    # fails, the pool drops it, and the read is answered on a new connection
    assert _answer(dispatcher, body)["orgToken"] == site.org_token


def test_a_write_request_is_not_asked_twice(database: Database, config: Config) -> None:
    site, dispatcher, read = _served(database, config)
    _answer(dispatcher, read)
    assert _kill_backends(config.effective_database_url) >= 1
    write = {
        "requestType": "createProduct",
        "userKey": site.user_key,
        "orgToken": site.org_token,
        "productName": "after the restart",
    }
    with pytest.raises(DatabaseUnavailable) as raised:
        _answer(dispatcher, write)
    assert "whether its change was made" in str(raised.value)
    assert http_status(raised.value) == 503  # clients retry after Retry-After
    # the next one runs on a fresh connection
    assert "productToken" in _answer(dispatcher, write)
