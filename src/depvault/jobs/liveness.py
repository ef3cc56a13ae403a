"""Which worker processes are alive, so that recovery re-queues only the work of dead ones.

Several server processes may share one PostgreSQL database. Each claim (an update item,
a report process) records the claiming process's ``owner`` key; recovery puts a claim
left IN_PROGRESS back in the queue only when its owner is gone. Before this, a process
starting next to a busy one re-queued the busy one's work, which then ran twice.

On PostgreSQL a process proves it is alive by holding a session-level advisory lock on
its key, on a connection of the pool kept for the life of its workers (:class:`Lease`);
the lock goes when the process or its connection dies. Recovery asks for each owner's lock
without waiting: taking it means nobody holds it.

SQLite has no such locks, and its store is one file on one machine, shared by the worker
processes of one ``depvault serve``: there a process holds an exclusive ``flock`` on a
file named by its key in ``<database>.leases/`` beside the database. The kernel drops it
when the process dies, however it dies (SIGKILL included), so the same question —
can I take it without waiting? — tells a dead owner from a live one. An in-memory
database serves one process: there every owner but the process itself is gone.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Collection
from pathlib import Path
from typing import IO, Any

from sqlalchemy import ColumnElement, Connection, false, or_, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from depvault.store.engine.db import Database

__all__ = ["Lease", "claimed_by", "gone"]


class Lease:
    """This process's owner key, held (on PostgreSQL) until :meth:`release`."""

    def __init__(self, database: Database) -> None:
        # 62 random bits: positive as a bigint, and never the fixed keys of the
        # migration or knowledge locks but by a 2^-62 chance
        self.owner = secrets.randbits(62) + 1
        self._connection: Connection | None = None
        self._file: IO[bytes] | None = None
        folder = lease_folder(database.engine.url.database, database.dialect)
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._file = (folder / str(self.owner)).open("wb")
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if database.dialect == "postgresql":
            self._connection = database.engine.connect()
            self._connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self.owner})
            self._connection.commit()  # the session lock outlives the transaction

    def release(self) -> None:
        """Give up the key (workers stopped): recovery elsewhere may take over."""
        if self._file is not None:
            Path(self._file.name).unlink(missing_ok=True)
            self._file.close()  # closing drops the flock
            self._file = None
        if self._connection is not None:
            try:
                # Unlock first: a closed session's locks go only when its server
                # process has exited, a moment after the client hangs up, and
                # recovery right after a release must already see the owner gone.
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.owner})
                self._connection.commit()
            except SQLAlchemyError:
                pass  # a broken connection: its session and lock end with it
            # Closing a pooled connection would only return it to the pool, lock and
            # all: invalidating closes the session itself.
            self._connection.invalidate()
            self._connection.close()
            self._connection = None


def gone(db: Session, owners: Collection[int | None], own: int | None) -> set[int | None]:
    """Of these owner keys, those whose process is gone; never ``own``. A claim without
    an owner (made before owners were recorded) counts as gone."""
    candidates = {owner for owner in owners if owner != own or owner is None}
    bind = db.get_bind()
    folder = lease_folder(bind.engine.url.database, bind.dialect.name)
    if folder is not None:
        return {owner for owner in candidates if owner is None or not _file_held(folder, owner)}
    if bind.dialect.name != "postgresql":
        return candidates
    dead: set[int | None] = set()
    for owner in candidates:
        if owner is None or db.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": owner}):
            dead.add(owner)
    return dead


def claimed_by(column: Any, owners: Collection[int | None]) -> ColumnElement[bool]:
    """``column`` (a claim's owner) is one of ``owners``, None included."""
    keys = [owner for owner in owners if owner is not None]
    return or_(column.in_(keys), column.is_(None) if None in owners else false())


def lease_folder(database: str | None, dialect: str) -> Path | None:
    """Where SQLite processes keep their lease files; None for PostgreSQL and for an
    in-memory database."""
    if dialect != "sqlite" or not database or database == ":memory:":
        return None
    return Path(f"{os.path.abspath(database)}.leases")


def _file_held(folder: Path, owner: int) -> bool:
    """Whether a live process holds the lease file of ``owner``."""
    try:
        handle = (folder / str(owner)).open("rb")
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        # Nobody holds it: a dead process's file, removed so the folder does not grow.
        (folder / str(owner)).unlink(missing_ok=True)
        return False
