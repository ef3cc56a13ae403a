"""One knowledge-base sync at a time, across every process that shares the store.

On PostgreSQL a session-level advisory lock, taken without waiting on a connection kept
for the sync's length, admits one sync among every server process and ``depvault kb
sync``; the lock goes with the connection if the process dies. SQLite serves the
processes of one machine: an exclusive ``flock`` on a file beside the downloads does the
same there (released by the kernel when the process ends).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from depvault.store.engine.db import Database

__all__ = ["SYNC_LOCK_KEY", "sync_lock"]

SYNC_LOCK_KEY = 0x64657076_6B620002  # "depv" "kb" 2: beside knowledge_lock's key 1


@contextmanager
def sync_lock(database: Database, folder: Path) -> Iterator[bool]:
    """Yield True while this process holds the sync lock, False when another holds it
    (nothing waits: the other sync is doing the work)."""
    if database.dialect == "postgresql":
        connection = database.engine.connect()
        try:
            held = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": SYNC_LOCK_KEY}
                ).scalar()
            )
            connection.commit()  # the session lock outlives this transaction
            try:
                yield held
            finally:
                if held:
                    try:
                        connection.execute(
                            text("SELECT pg_advisory_unlock(:k)"), {"k": SYNC_LOCK_KEY}
                        )
                        connection.commit()
                    except SQLAlchemyError:
                        connection.invalidate()  # a broken session: the lock ends with it
        finally:
            connection.close()
        return
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "sync.lock").open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
