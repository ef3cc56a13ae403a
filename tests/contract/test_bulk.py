"""Bulk inserts on every backend: rows land as given, and ``skip_existing`` leaves out
exactly the rows whose key exists, by every path PostgreSQL takes (one array per
column, or a staging table)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

import depvault.store.engine.bulk as bulk
from depvault.store.engine.bulk import bulk_insert, insert_rows
from depvault.store.engine.db import Database
from depvault.store.models import NewestRelease


def _stored(database: Database) -> dict[tuple[str, str], tuple[str | None, datetime]]:
    with database.transaction(write=False) as db:
        return {
            (e, n): (v, at)
            for e, n, v, at in db.execute(
                select(
                    NewestRelease.ecosystem,
                    NewestRelease.name,
                    NewestRelease.version,
                    NewestRelease.computed_at,
                )
            )
        }


@pytest.mark.parametrize("unnest_rows", [50_000, 1], ids=["arrays", "staging"])
def test_skip_existing_keeps_what_is_stored_and_adds_the_rest(
    database: Database, monkeypatch: pytest.MonkeyPatch, unnest_rows: int
) -> None:
    monkeypatch.setattr(bulk, "UNNEST_ROWS", unnest_rows)
    first, later = datetime(2026, 1, 1, 12, 0, 0), datetime(2026, 2, 1, 8, 30, 15)
    with database.transaction() as db:
        insert_rows(
            db,
            NewestRelease,
            ("ecosystem", "name", "version", "computed_at"),
            [("npm", "a", "1.0.0", first), ("PyPI", "b", None, first)],
        )
    with database.transaction() as db:
        bulk_insert(
            db,
            NewestRelease,
            [
                {"ecosystem": "npm", "name": "a", "version": "9.9.9", "computed_at": later},
                {"ecosystem": "npm", "name": "c", "version": "2.0.0", "computed_at": later},
                {"ecosystem": "Go", "name": "d", "version": None, "computed_at": later},
            ],
            skip_existing=True,
        )
    assert _stored(database) == {
        ("npm", "a"): ("1.0.0", first),
        ("PyPI", "b"): (None, first),
        ("npm", "c"): ("2.0.0", later),
        ("Go", "d"): (None, later),
    }
