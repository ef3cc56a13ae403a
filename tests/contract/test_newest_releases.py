"""The newest-release cache's upsert on every backend: a row is replaced only by a
computation newer than it, and read back only while fresh."""

from __future__ import annotations

from datetime import datetime

from depvault.store.engine.db import Database
from depvault.store.knowledge.newest_releases import read_newest_releases, save_newest_releases

EARLY, LATE, LATER = datetime(2026, 1, 1), datetime(2026, 1, 2), datetime(2026, 1, 3)


def test_a_save_replaces_older_rows_and_keeps_newer_ones(database: Database) -> None:
    with database.transaction() as db:
        save_newest_releases(db, {("npm", "old"): "1.0.0", ("npm", "new"): "5.0.0"}, EARLY)
        save_newest_releases(db, {("npm", "new"): "6.0.0"}, LATER)
    with database.transaction() as db:
        save_newest_releases(
            db, {("npm", "old"): "2.0.0", ("npm", "new"): "5.5.0", ("PyPI", "x"): None}, LATE
        )
    with database.transaction(write=False) as db:
        everything = read_newest_releases(
            db, [("npm", "old"), ("npm", "new"), ("PyPI", "x"), ("Go", "none")], EARLY
        )
        fresh = read_newest_releases(db, [("npm", "old"), ("npm", "new")], LATER)
    assert everything == {("npm", "old"): "2.0.0", ("npm", "new"): "6.0.0", ("PyPI", "x"): None}
    assert fresh == {("npm", "new"): "6.0.0"}
