"""A small in-process cache of user-key digest → caller, so that a request does not
read its caller from the database every time.

Every API call names its user by key; reading the user was the first query of every
request (31 % of a small read's busy time under load, issue 15). The cache is bounded
(the least recently used entry goes first) and every entry lives at most ``ttl``
seconds.

Staleness is bounded two ways:

- **in this process, at once**: the store functions that change who a key names — a
  key rotation, a user's removal or deletion, a role or group change — call
  :func:`forget_callers` on their session. The entries go at once and again after the
  transaction commits, and a caller read before that commit is never stored (the
  generation check of :meth:`CallerCache.put`), so no request that starts after the
  commit sees the old caller;
- **in other processes** (several servers sharing one PostgreSQL database, or a
  ``depvault user rotate-key`` from the command line): within ``ttl`` seconds
  (``DEPVAULT_KEY_CACHE_SECONDS``).

Only who the key names is cached, never what the caller may do: grants are read by
every request, so a role change needs no invalidation to take effect (it invalidates
all the same, so that a later cache of grants cannot forget to).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection

from sqlalchemy.orm import Session

from depvault.domain.scope import Caller

__all__ = ["SESSION_KEY", "CallerCache", "cache_of", "forget_callers"]

# Where :class:`~depvault.store.engine.db.Database` puts its cache in each session's
# ``info``, and where the invalidations of a transaction wait for its commit.
SESSION_KEY = "depvault.caller_cache"
_PENDING = "depvault.caller_cache.pending"


class CallerCache:
    """Key digest → caller, bounded and expiring; safe to share between threads."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[float, Caller]] = OrderedDict()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Taken before reading a caller from the database; :meth:`put` stores the
        caller only if no invalidation happened since."""
        return self._generation

    def get(self, digest: str) -> Caller | None:
        """The cached caller of this key digest, or None (absent or expired)."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            expires, caller = entry
            if expires <= self._clock():
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return caller

    def put(self, digest: str, caller: Caller, generation: int) -> None:
        """Remember a caller read from the database when ``generation`` was current."""
        with self._lock:
            if generation != self._generation:
                return  # an invalidation ran while the caller was being read
            self._entries[digest] = (self._clock() + self.ttl, caller)
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def forget(self, user_ids: Collection[int] | None = None) -> None:
        """Drop the entries of these users (None: every entry)."""
        with self._lock:
            self._generation += 1
            if user_ids is None:
                self._entries.clear()
                return
            ids = set(user_ids)
            for digest in [d for d, (_, c) in self._entries.items() if c.id in ids]:
                del self._entries[digest]

    def __len__(self) -> int:
        return len(self._entries)


def cache_of(db: Session) -> CallerCache | None:
    """The cache of the database this session belongs to, if it has one."""
    cache = db.info.get(SESSION_KEY)
    return cache if isinstance(cache, CallerCache) else None


def forget_callers(db: Session, user_ids: Collection[int] | None = None) -> None:
    """Who these users' keys name, or what they may do, changes in this transaction:
    drop their cached callers now and again once it commits (None: everyone)."""
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
