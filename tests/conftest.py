"""Shared fixtures: a database per backend, the application, and an API client.

Functional tests run once per backend: SQLite always, PostgreSQL when
``DEPVAULT_TEST_POSTGRES_URL`` (default: the local server, user postgres) answers.
``DEPVAULT_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns an unreachable PostgreSQL
into a failure instead of a skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from depvault.admin import Bootstrap, bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.models import Base
from tests.examples_recorder import record
from tests.s3_server import S3, fresh_bucket, moto_server

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
POSTGRES_URL = os.environ.get("DEPVAULT_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
REQUIRE_POSTGRES = os.environ.get("DEPVAULT_REQUIRE_POSTGRES") == "1"


def _postgres_problem() -> str | None:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"PostgreSQL at {make_url(POSTGRES_URL).render_as_string()} unreachable: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of a reachable PostgreSQL server (skip or fail otherwise)."""
    problem = _postgres_problem()
    if problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"{problem} (DEPVAULT_REQUIRE_POSTGRES=1)")
        pytest.skip(problem)
    return POSTGRES_URL


@pytest.fixture(scope="session")
def postgres_database(postgres_server: str, worker_id: str) -> Iterator[str]:
    """A fresh, migrated database for this test session (per xdist worker)."""
    name = f"depvault_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    database = create_database(Config(database_url=url))
    upgrade(database)
    database.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is the slow part)."""
    folder = tmp_path_factory.mktemp("template")
    database = create_database(Config(data_dir=folder))
    upgrade(database)
    database.dispose()
    return folder / "depvault.db"


def _truncate_all(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, one per test process."""
    with moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3(s3_endpoint: str) -> S3:
    """A fresh bucket of the test S3 server."""
    return fresh_bucket(s3_endpoint)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on."""
    return str(request.param)


@pytest.fixture
def config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Config:
    """Settings pointing at an empty, migrated database of the backend (the scheduled
    knowledge-base sync off: tests fetch nothing from the network)."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "depvault.db")
        return Config(data_dir=tmp_path, kb_sync_interval=0)
    url: str = request.getfixturevalue("postgres_database")
    return Config(data_dir=tmp_path, database_url=url, kb_sync_interval=0)


@pytest.fixture
def database(config: Config) -> Iterator[Database]:
    """The backend's database, emptied after the test."""
    database = create_database(config)
    yield database
    if database.dialect == "postgresql":
        _truncate_all(database)
    database.dispose()


@pytest.fixture
def app_client(config: Config, database: Database) -> Iterator[TestClient]:
    """The application behind an in-process HTTP client; background jobs run inline,
    inside the request that queued them, so tests see their outcome at once."""
    app = create_app(config, database, migrate=False, inline_jobs=True)
    with TestClient(app) as client:
        yield client


@dataclass
class Api:
    """Calls the JSON API as a client would: ``api.call("getAllProducts", orgToken=…)``."""

    client: TestClient
    user_key: str
    version: str = "1.3"

    def call(self, request_type: str, *, key: str | None = None, **params: Any) -> Any:
        """POST one request; returns the decoded JSON answer (errors included)."""
        body = {"requestType": request_type, "userKey": key or self.user_key, **params}
        response = self.client.post(f"/api/v{self.version}", json=body)
        assert response.status_code == 200, response.text
        answer = response.json()
        record(body, answer)
        return answer

    def raw(self, request_type: str, **params: Any) -> tuple[str, bytes]:
        """POST one request expecting a file: (content type, body)."""
        body = {"requestType": request_type, "userKey": self.user_key, **params}
        response = self.client.post(f"/api/v{self.version}", json=body)
        assert response.status_code == 200, response.text
        assert not response.headers["content-type"].startswith("application/json"), response.text
        record(body, f"<{response.headers['content-type']}: {len(response.content)} bytes>")
        return response.headers["content-type"], response.content

    def ok(self, request_type: str, **params: Any) -> Any:
        """Like :meth:`call`, failing the test on an error envelope."""
        answer = self.call(request_type, **params)
        assert "errorCode" not in answer, answer
        return answer

    def error(self, request_type: str, **params: Any) -> tuple[int, str]:
        """Like :meth:`call`, expecting an error envelope: (errorCode, errorMessage)."""
        answer = self.call(request_type, **params)
        assert set(answer) == {"errorCode", "errorMessage"}, answer
        return answer["errorCode"], answer["errorMessage"]


@pytest.fixture
def site(database: Database) -> Bootstrap:
    """A bootstrapped store: global organization, organization, administrator key."""
    return bootstrap(database)


@pytest.fixture
def api(app_client: TestClient, site: Bootstrap) -> Api:
    """An API client acting as the bootstrap administrator."""
    return Api(app_client, site.user_key)
