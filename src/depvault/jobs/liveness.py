"""Which worker processes are alive, so that recovery re-queues only the work of dead ones.

Several server processes may share one PostgreSQL database. Each claim (an update item,
a report process) records the claiming process's ``owner`` key; recovery puts a claim
left IN_PROGRESS back in the queue only when its owner is gone. Before this, a process
starting next to a busy one re-queued the busy one's work, which then ran twice.

On PostgreSQL a process proves it is alive by holding a session-level advisory lock on
its key, on a connection of the pool kept for the life of its workers (:class:`Lease`);
the lock goes when the process or its connection dies. Recovery asks for each owner's lock
without waiting: taking it means nobody holds it. SQLite serves one process at a time,
so every owner but the process itself is gone.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from typing import Any

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
        if database.dialect == "postgresql":
            self._connection = database.engine.connect()
            self._connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self.owner})
            self._connection.commit()  # the session lock outlives the transaction

    def release(self) -> None:
        """Give up the key (workers stopped): recovery elsewhere may take over."""
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
    if db.get_bind().dialect.name != "postgresql":
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
