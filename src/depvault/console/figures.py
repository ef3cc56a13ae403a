"""The organization dashboard's figures, remembered for a while.

Counting an organization's libraries, vulnerabilities by severity and policy violations,
and ranking its projects and libraries, reads every alert and inventory row it has:
seconds on a 1,000,000-row organization (docs/performance.md), too slow to repeat on
every view. So the figures of each (organization, visible products) are computed once
and served from memory, marked with the time they were computed; once older than
``DEPVAULT_CONSOLE_FIGURES_SECONDS`` the next view still gets them at once while one
background thread computes them again (stale while revalidating). Only the first view
of an organization after the server starts waits for the count. Per process, bounded
(the least recently computed entries go first), forgotten at restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from depvault.domain.timefmt import utcnow
from depvault.store.engine.db import Database
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.portfolio.overview import (
    LibraryTally,
    OrgCounts,
    ProjectTally,
    most_vulnerable_libraries,
    most_vulnerable_projects,
    org_counts,
)

__all__ = ["Figures", "FiguresCache"]

log = logging.getLogger("depvault.console")

MAX_ENTRIES = 1000
Key = tuple[int, frozenset[int] | None]


@dataclass(frozen=True)
class Figures:
    """The dashboard's aggregate figures and when they were computed."""

    counts: OrgCounts
    top_projects: list[ProjectTally]
    top_libraries: list[LibraryTally]
    computed_at: datetime


def _in_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="console-figures", daemon=True).start()


class FiguresCache:
    """Figures per (organization, visible products), recomputed in the background once
    older than ``max_age`` seconds."""

    def __init__(
        self,
        database: Database,
        max_age: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        background: Callable[[Callable[[], None]], None] = _in_thread,
    ) -> None:
        self.database = database
        self.max_age = max_age
        self._clock = clock
        self._background = background
        self._entries: OrderedDict[Key, tuple[float, Figures]] = OrderedDict()
        self._refreshing: set[Key] = set()
        self._lock = threading.Lock()

    def get(self, org_id: int, which: ProjectFilter) -> Figures:
        """The figures of the scope: remembered ones (a refresh started when stale), or
        computed now the first time."""
        key: Key = (org_id, which.only_products)
        with self._lock:
            entry = self._entries.get(key)
            stale = entry is not None and self._clock() - entry[0] > self.max_age
            start = stale and key not in self._refreshing
            if start:
                self._refreshing.add(key)
        if entry is None:
            return self._store(key, self._compute(org_id, which))
        if start:
            self._background(lambda: self._refresh(key, org_id, which))
        return entry[1]

    def _refresh(self, key: Key, org_id: int, which: ProjectFilter) -> None:
        try:
            self._store(key, self._compute(org_id, which))
        except Exception:
            log.exception("console: recomputing the dashboard figures failed")
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _compute(self, org_id: int, which: ProjectFilter) -> Figures:
        started = time.perf_counter()
        with self.database.transaction(write=False) as db:
            figures = Figures(
                org_counts(db, org_id, which),
                most_vulnerable_projects(db, which),
                most_vulnerable_libraries(db, which),
                utcnow(),
            )
        log.info(
            "console: dashboard figures of organization %d computed in %.0f ms",
            org_id,
            (time.perf_counter() - started) * 1000,
        )
        return figures

    def _store(self, key: Key, figures: Figures) -> Figures:
        with self._lock:
            self._entries[key] = (self._clock(), figures)
            self._entries.move_to_end(key)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return figures
