"""Answers kept in memory while the data under them is unchanged.

An entry is an answer's JSON bytes with the version of its data it was built from (a
change counter the database bumps in the writing transaction, so a change made by any
process is seen); a reader presents the version it just read and gets the bytes only
when they match. Bounded by total size, the least recently used entry going first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from sqlalchemy.orm import Session

from depvault.store.engine.db import LOCAL_KEY

__all__ = ["AnswerCache", "answer_cache_of"]

_KEY = "depvault.answer_cache"
# Enough for a few organizations of 10,000 projects (3.6 MB of vitals each).
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class AnswerCache:
    """Key → (data version, JSON bytes); safe to share between threads."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[int, bytes]] = OrderedDict()
        self._size = 0

    def get(self, key: Hashable, version: int) -> bytes | None:
        """The answer built at this data version, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, version: int, body: bytes) -> None:
        """Keep an answer built from data at ``version`` (one larger than the whole
        cache is not kept)."""
        if len(body) > self.max_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old[1])
            self._entries[key] = (version, body)
            self._size += len(body)
            while self._size > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def __len__(self) -> int:
        return len(self._entries)


def answer_cache_of(db: Session) -> AnswerCache | None:
    """The answer cache of the database this session belongs to (made on first use),
    or None for a session of no :class:`~depvault.store.engine.db.Database`."""
    local: dict[str, Any] | None = db.info.get(LOCAL_KEY)
    if local is None:
        return None
    cache = local.get(_KEY)
    if cache is None:
        cache = local.setdefault(_KEY, AnswerCache())
    return cache if isinstance(cache, AnswerCache) else None
