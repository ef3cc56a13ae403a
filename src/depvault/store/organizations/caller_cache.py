"""A small in-process cache of who a user key names and which roles that user holds, so
that a request reads neither from the database every time.

Every API call names its user by key and is judged on that user's roles; reading the
user and the roles were the first two queries of every request (a third of a small
read's busy time, issue 15). The cache holds key digest → caller and user id → the
user's role assignments (direct and through groups, every scope), is bounded (the least
recently used entry goes first), and every entry lives at most ``ttl`` seconds.

Staleness is bounded by the ``access`` change counter (``store/models/counters.py``):

- the store functions that change who a key names or what a user may do — a key
  rotation, a user's removal or deletion, a role, group or membership change, a
  product's deletion (its role assignments go with it) — call :func:`forget_callers`
  on their session. That bumps the counter in the same transaction and drops this
  process's entries at once and again after the commit; a caller or grants read
  before that commit are never stored (the generation check of :meth:`CallerCache.put`);
- every request reads the counter first (one primary-key lookup) and, when it moved,
  this process drops everything it cached: a change committed by **another process**
  (a second server, a worker, ``depvault user rotate-key``) takes effect at that
  process's next request too;
- ``ttl`` (``DEPVAULT_KEY_CACHE_SECONDS``) bounds what the counter cannot see: a row
  changed behind depvault's back.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.scope import Caller
from depvault.store.models.counters import ACCESS, ChangeCounter

__all__ = [
    "SESSION_KEY",
    "CallerCache",
    "HeldGrant",
    "cache_of",
    "forget_callers",
    "read_access_counter",
]

# Where :class:`~depvault.store.engine.db.Database` puts its cache in each session's
# ``info``, and where the invalidations of a transaction wait for its commit.
SESSION_KEY = "depvault.caller_cache"
_PENDING = "depvault.caller_cache.pending"

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class HeldGrant:
    """One role a user holds at one scope; ``org_id`` is the organization the scope is
    in (None for a global organization), so a request can pick the grants bearing on
    its organization without asking the database."""

    level: Level
    scope_id: int
    role: str
    org_id: int | None


class _Expiring(Generic[K, V]):
    """An LRU map whose entries expire; the caller holds the lock."""

    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float]) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self.entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires <= self.clock():
            del self.entries[key]
            return None
        self.entries.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self.entries[key] = (self.clock() + self.ttl, value)
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)


class CallerCache:
    """Key digest → caller and user id → held grants, bounded and expiring; safe to
    share between threads."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._callers: _Expiring[str, Caller] = _Expiring(ttl, max_entries, clock)
        self._grants: _Expiring[int, tuple[HeldGrant, ...]] = _Expiring(ttl, max_entries, clock)
        self._generation = 0
        self._counter: int | None = None

    @property
    def _clock(self) -> Callable[[], float]:
        return self._callers.clock

    @_clock.setter
    def _clock(self, clock: Callable[[], float]) -> None:
        # tests move time for both maps at once
        self._callers.clock = clock
        self._grants.clock = clock

    @property
    def generation(self) -> int:
        """Taken before reading from the database; :meth:`put` and :meth:`put_grants`
        store what was read only if no invalidation happened since."""
        return self._generation

    def sync(self, counter: int) -> bool:
        """Bring the cache to the ``access`` counter a request just read: a counter that
        moved forward drops every entry. False when the request's own view is older
        than what the cache already holds (it must read, and not store, this time)."""
        with self._lock:
            if self._counter is None or counter > self._counter:
                self._clear()
                self._counter = counter
            return counter == self._counter

    def get(self, digest: str) -> Caller | None:
        """The cached caller of this key digest, or None (absent or expired)."""
        with self._lock:
            return self._callers.get(digest)

    def put(self, digest: str, caller: Caller, generation: int) -> None:
        """Remember a caller read from the database when ``generation`` was current."""
        with self._lock:
            if generation == self._generation:
                self._callers.put(digest, caller)

    def grants(self, user_id: int) -> tuple[HeldGrant, ...] | None:
        """The cached roles of this user, or None (absent or expired)."""
        with self._lock:
            return self._grants.get(user_id)

    def put_grants(self, user_id: int, held: tuple[HeldGrant, ...], generation: int) -> None:
        """Remember a user's roles read from the database when ``generation`` was
        current."""
        with self._lock:
            if generation == self._generation:
                self._grants.put(user_id, held)

    def forget(self, user_ids: Collection[int] | None = None) -> None:
        """Drop the entries of these users (None: every entry)."""
        with self._lock:
            if user_ids is None:
                self._clear()
                return
            self._generation += 1
            ids = set(user_ids)
            callers = self._callers.entries
            for digest in [d for d, (_, c) in callers.items() if c.id in ids]:
                del callers[digest]
            for user_id in ids:
                self._grants.entries.pop(user_id, None)

    def _clear(self) -> None:
        self._generation += 1
        self._callers.entries.clear()
        self._grants.entries.clear()

    def __len__(self) -> int:
        return len(self._callers.entries)


def cache_of(db: Session) -> CallerCache | None:
    """The cache of the database this session belongs to, if it has one."""
    cache = db.info.get(SESSION_KEY)
    return cache if isinstance(cache, CallerCache) else None


_READ_ACCESS = select(ChangeCounter.value).where(ChangeCounter.name == bindparam("name"))
_BUMP_ACCESS = (
    update(ChangeCounter)
    .where(ChangeCounter.name == bindparam("counter"))
    .values(value=ChangeCounter.value + 1)
)


def read_access_counter(db: Session) -> int:
    """The ``access`` counter as this transaction sees it."""
    value = db.connection().execute(_READ_ACCESS, {"name": ACCESS}).scalar()
    return int(value or 0)


def forget_callers(db: Session, user_ids: Collection[int] | None = None) -> None:
    """Who these users' keys name, or what they may do, changes in this transaction:
    bump the ``access`` counter (every process drops its cache at its next request once
    this commits) and drop this process's entries now and again once it commits
    (None: everyone)."""
    bumped = db.connection().execute(_BUMP_ACCESS, {"counter": ACCESS})
    if bumped.rowcount == 0:  # a store older than migration 0025's seed row
        db.execute(insert(ChangeCounter).values(name=ACCESS, value=1))
    cache = cache_of(db)
    if cache is None:
        return
    cache.forget(user_ids)
    pending: set[int] | None = db.info.get(_PENDING, set())
    if pending is not None:
        db.info[_PENDING] = None if user_ids is None else pending | set(user_ids)


def after_commit(db: Session) -> None:
    """Apply a committed transaction's invalidations again (called by the database)."""
    if _PENDING not in db.info:
        return
    pending = db.info.pop(_PENDING)
    cache = cache_of(db)
    if cache is not None:
        cache.forget(pending)
