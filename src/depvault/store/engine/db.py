"""Engines and sessions for the two supported databases.

SQLite (embedded default) runs in WAL mode so readers never wait for the one writer,
with foreign keys on (they carry the cascading deletes) and a busy timeout instead of
"database is locked" errors. PostgreSQL is reached through psycopg 3.

Both keep ``DEPVAULT_DB_POOL_SIZE`` connections open and never open more: a request
that finds them all busy waits for one instead of opening (and, after it, closing) an
overflow connection. Under 16 clients SQLAlchemy's default SQLite pool (5 + 10
overflow) opened and closed connections on every request, each with its PRAGMAs and a
cold page cache: a fifth of the server's busy time (issue 15).

A pooled PostgreSQL connection is pinged before use only when it sat idle for
:data:`IDLE_PING_S` or more (a proxy's or firewall's idle timeout is what kills pooled
connections in practice); SQLAlchemy's ``pool_pre_ping`` pinged on every checkout, a
round trip that was a quarter of a small read's time. A connection that dies while
busy (the server restarted) fails its statement; the pool then drops every connection
older than the failure, and the API answers a read-only request again on a fresh one
(``api/dispatch.py``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from depvault.config import Config
from depvault.store.organizations.caller_cache import SESSION_KEY, CallerCache, after_commit

__all__ = [
    "LOCAL_KEY",
    "Database",
    "WriteInReadOnlySession",
    "create_database",
    "cursor_transaction",
]

SQLITE_BUSY_TIMEOUT_MS = 30_000
LOCAL_KEY = "depvault.local"
# How long a request waits for a pooled connection before it fails, in seconds.
POOL_TIMEOUT_S = 60
# A pooled PostgreSQL connection idle this long, in seconds, is pinged before use.
IDLE_PING_S = 10.0
_RETURNED_AT = "depvault.returned_at"
# The execution option of single-statement read sessions (``transaction(per_statement)``).
READS_ONLY = "depvault_reads_only"


class Database:
    """An engine, its session factory and its cache of callers; one per server process."""

    def __init__(self, engine: Engine, key_cache_seconds: float = 10.0) -> None:
        self.engine = engine
        self.callers = CallerCache(ttl=key_cache_seconds)
        # State of this process for this database that the layers above keep (the
        # queued inventories handed to this process's workers, jobs/payload.py);
        # sessions reach it as ``info[LOCAL_KEY]``.
        self.local: dict[str, Any] = {}
        info = {SESSION_KEY: self.callers, LOCAL_KEY: self.local}
        self._readers = sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)
        self._writers = sessionmaker(
            engine.execution_options(begin_immediate=True),
            expire_on_commit=False,
            autoflush=False,
            info=info,
        )
        self._statement_readers = self._readers
        if engine.dialect.name == "postgresql":
            self._statement_readers = sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT", **{READS_ONLY: True}),
                expire_on_commit=False,
                autoflush=False,
                info=info,
            )
            event.listen(engine, "before_cursor_execute", _refuse_writes_in_reads)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, write: bool = True, per_statement: bool = False) -> Iterator[Session]:
        """A session inside one transaction: committed when the block ends normally,
        rolled back when it raises. Every API request runs in exactly one of these.

        ``write`` transactions take SQLite's write lock at BEGIN (``BEGIN IMMEDIATE``):
        a deferred transaction that reads and then writes can fail outright when another
        writer committed in between, whereas an immediate one simply waits its turn.

        ``per_statement`` (a read only): on PostgreSQL each statement is a transaction of
        its own (autocommit), which saves the BEGIN and COMMIT round trips, a fifth of
        a small read; at READ COMMITTED, PostgreSQL's default, each statement sees its
        own snapshot inside a transaction too, so the reads see nothing different. A
        statement that writes is refused there (:class:`WriteInReadOnlySession`); a
        server-side cursor takes a transaction of its own (:func:`cursor_transaction`).
        SQLite ignores it (its BEGIN costs no round trip).
        """
        if write:
            factory = self._writers
        else:
            factory = self._statement_readers if per_statement else self._readers
        with factory() as session, session.begin():
            yield session
        # The cached callers this transaction invalidated go again now that it is
        # committed: a request that read them before the commit may have stored them.
        after_commit(session)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


class WriteInReadOnlySession(RuntimeError):
    """A statement that writes, run in a session of single-statement reads: a request
    type marked as reading that writes would not be atomic there."""


def _refuse_writes_in_reads(
    connection: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    if not connection.get_execution_options().get(READS_ONLY):
        return
    writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
    if writes or not statement.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
        raise WriteInReadOnlySession(f"a read-only session ran: {statement[:60]!r}")


@contextmanager
def cursor_transaction(session: Session) -> Iterator[None]:
    """A transaction around a server-side cursor's life when the session reads one
    statement at a time (PostgreSQL declares such cursors only inside one); nothing
    otherwise."""
    connection = session.connection()
    driver = connection.connection.driver_connection
    if connection.get_execution_options().get(READS_ONLY) and driver is not None:
        with driver.transaction():
            yield
        return
    yield


def create_database(config: Config) -> Database:
    """Build the engine named by the configuration (creating the SQLite folder)."""
    url = make_url(config.effective_database_url)
    if url.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url.database, config.db_pool_size)
        return Database(engine, config.key_cache_seconds)
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        engine = create_engine(
            url,
            pool_size=config.db_pool_size,
            max_overflow=0,
            pool_timeout=POOL_TIMEOUT_S,
            json_deserializer=orjson.loads,
        )
        _ping_when_idle(engine)
        return Database(engine, config.key_cache_seconds)
    raise ValueError(f"unsupported database {url.get_backend_name()!r}: use sqlite or postgresql")


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout when it was returned :data:`IDLE_PING_S`
    ago or more; one found dead is replaced by a new one."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < IDLE_PING_S:
            return  # new, or used a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"idle connection is gone: {error}") from error


def _sqlite_engine(path: str | None, pool_size: int) -> Engine:
    pool: dict[str, Any] = {}
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A file database: a fixed pool, its connections (PRAGMAs run once each, page
        # cache warm) kept for the life of the process. An in-memory one keeps
        # SQLAlchemy's one connection per thread, the only kind that sees its data.
        pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": POOL_TIMEOUT_S}
    engine = create_engine(
        f"sqlite:///{path or ':memory:'}",
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **pool,
        # JSON columns (advisory ranges, versions, fixes) are read by the ten thousand in
        # an analysis: orjson decodes them several times faster than the json module
        json_deserializer=orjson.loads,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; let SQLAlchemy emit it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # 64 MiB of page cache per connection (the default is 2 MiB): bulk inserts into
        # indexed tables (alerts after a knowledge import) were bound by it; 256 MiB made
        # 100k alert inserts 7.6 s → 2.9 s but weighed on every process's memory.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Readers use a plain BEGIN so WAL keeps them free of the writer's lock.
        immediate = connection.get_execution_options().get("begin_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
