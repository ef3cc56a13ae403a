"""Report file stores: the folder and the database's chunked rows, through one interface."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from depvault.api.app import create_app
from depvault.config import Config, ConfigError
from depvault.jobs.processes import NotifyingRunner
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import head_revision
from depvault.store.jobs.report_files import (
    CHUNK_BYTES,
    DatabaseFiles,
    FolderFiles,
    ReportFiles,
    report_files,
)


@pytest.mark.parametrize("kind", ["local", "database"])
def test_a_file_goes_in_and_out_whole_in_chunks(
    config: Config, database: Database, kind: str
) -> None:
    files = report_files(Config(**{**config.__dict__, "report_storage": kind}), database)
    assert isinstance(files, DatabaseFiles if kind == "database" else FolderFiles)
    content = os.urandom(CHUNK_BYTES * 2 + 12345)
    source = files.work_folder / "render.zip"
    source.write_bytes(content)
    assert not files.exists("a.zip")
    files.put("a.zip", source)
    assert not source.exists()  # consumed
    assert files.exists("a.zip")
    pieces = list(files.chunks("a.zip"))
    assert b"".join(pieces) == content
    assert max(len(piece) for piece in pieces) <= CHUNK_BYTES and len(pieces) == 3
    # a second put (a recovered render) replaces the first whole
    source.write_bytes(b"shorter")
    files.put("a.zip", source)
    assert b"".join(files.chunks("a.zip")) == b"shorter"
    files.delete("a.zip")
    files.delete("a.zip")  # absent: nothing happens
    assert not files.exists("a.zip") and list(files.chunks("a.zip")) == []


def test_the_default_store_follows_the_database(tmp_path: Path) -> None:
    sqlite = create_database(Config(data_dir=tmp_path))
    pg_url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    postgres = create_database(Config(database_url=pg_url))
    cases: list[tuple[Config, Database, type[ReportFiles]]] = [
        (Config(data_dir=tmp_path), sqlite, FolderFiles),
        (Config(data_dir=tmp_path, database_url=pg_url), postgres, DatabaseFiles),
        (Config(database_url=pg_url, reports_dir=tmp_path / "shared"), postgres, FolderFiles),
        (Config(database_url=pg_url, report_storage="local"), postgres, FolderFiles),
        (Config(data_dir=tmp_path, report_storage="database"), sqlite, DatabaseFiles),
    ]
    for config, database, expected in cases:
        assert type(report_files(config, database)) is expected, config
    with pytest.raises(ConfigError, match="DEPVAULT_REPORT_STORAGE='s4': expected one of"):
        Config.from_env({"DEPVAULT_REPORT_STORAGE": "s4"})
    assert Config.from_env({"DEPVAULT_WORKER_PROCESSES": "0"}).worker_processes == 0
    with pytest.raises(ConfigError, match="must be 0 or more"):
        Config.from_env({"DEPVAULT_WORKER_PROCESSES": "-1"})
    with pytest.raises(ConfigError, match="must be positive"):
        Config.from_env({"DEPVAULT_WORKERS": "0"})
    sqlite.dispose()
    postgres.dispose()


def test_health_needs_no_database_and_ready_checks_it(config: Config, tmp_path: Path) -> None:
    unreachable = create_database(
        Config(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    )
    with TestClient(
        create_app(config, unreachable, migrate=False, jobs=NotifyingRunner(None))
    ) as client:
        assert client.get("/health").json()["status"] == "ok"
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
    empty = create_database(Config(data_dir=tmp_path / "never-migrated"))
    with TestClient(app_on(config, empty)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503 and ready.json()["schema"] is None
        assert ready.json()["expectedSchema"]
    migrated = create_database(config)
    with TestClient(
        create_app(config, migrated, migrate=False, jobs=NotifyingRunner(None))
    ) as client:
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["schema"] == head_revision()
    for database in (unreachable, empty, migrated):
        database.dispose()


def app_on(config: Config, database: Database) -> Starlette:
    """The API alone (no workers, so starting it asks the database nothing)."""
    return create_app(config, database, migrate=False, jobs=NotifyingRunner(None))
