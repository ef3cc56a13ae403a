"""Importing the real OSV exports into the knowledge base."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.store.engine.db import Database
from depvault.store.models import Advisory, AdvisoryPackage
from tests.data_files import DATA

DATA = DATA
CRATES = DATA / "osv" / "crates.io-all.zip"
pytestmark = pytest.mark.skipif(not CRATES.exists(), reason=f"OSV data not found at {CRATES}")


def count(database: Database, model: type) -> int:
    with database.transaction(write=False) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_import_is_incremental_by_modified(database: Database, tmp_path: Path):
    first = import_osv(database, read_osv_documents([CRATES]))
    assert (first.read, first.new, first.invalid) == (1206, 1206, 0)
    assert first.withdrawn == 13
    packages = count(database, AdvisoryPackage)
    with zipfile.ZipFile(CRATES) as archive:
        expected_packages = sum(
            len(json.loads(archive.read(n)).get("affected") or []) for n in archive.namelist()
        )
    assert packages == expected_packages
    again = import_osv(database, read_osv_documents([CRATES]))
    assert (again.new, again.updated, again.unchanged) == (0, 0, 1206)
    # one record changes, one folder of JSON is imported beside the zip
    with zipfile.ZipFile(CRATES) as archive:
        name = archive.namelist()[0]
        record = json.loads(archive.read(name))
    record["modified"] = "2099-01-01T00:00:00Z"
    record["summary"] = "changed upstream"
    folder = tmp_path / "osv"
    folder.mkdir()
    (folder / name).write_text(json.dumps(record))
    (folder / "broken.json").write_text("{not json")
    changed = import_osv(database, read_osv_documents([folder]))
    assert (changed.updated, changed.new, changed.invalid) == (1, 0, 1)
    with database.transaction(write=False) as db:
        row = db.scalars(select(Advisory).where(Advisory.key == record["id"])).one()
        assert row.summary == "changed upstream"
    assert count(database, Advisory) == 1206
    assert count(database, AdvisoryPackage) == packages
