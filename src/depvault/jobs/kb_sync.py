"""The server's knowledge-base sync: every ``DEPVAULT_KB_SYNC_INTERVAL`` hours, and
soon after an import meets an ecosystem the knowledge base lacks.

A daemon thread beside the job workers. Every ``poll_seconds`` it looks for first syncs
that imports queued (``knowledge_sources.requested_at``, a read of a small table); when
the interval has passed it syncs every wanted ecosystem whose last attempt, by any
process, is older than the interval, then fetches each configured feed (NVD, EPSS, KEV:
``ingest.knowledge.feed_fetch``) whose last fetch is as old. Either way it runs under
``sync_lock``: with several server processes one syncs and the others skip. The import
itself never waits for a sync; its request state and the project vitals say what is not
known meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from depvault.config import Config
from depvault.domain.timefmt import utcnow
from depvault.ingest.knowledge.feed_fetch import FeedFetch, configured_feeds, fetch_feeds
from depvault.ingest.knowledge.osv_sync import EcosystemSync, default_ecosystems, sync_osv
from depvault.store.engine.db import Database
from depvault.store.knowledge.sources import OSV, read_sources, requested_ecosystems
from depvault.store.knowledge.sync_lock import sync_lock

__all__ = ["KnowledgeSync", "SyncRound"]

log = logging.getLogger(__name__)


@dataclass
class SyncRound:
    """What a round of the schedule did: the OSV ecosystems synced, the feeds fetched."""

    ecosystems: list[EcosystemSync] = field(default_factory=list)
    feeds: list[FeedFetch] = field(default_factory=list)


class KnowledgeSync:
    """Runs due syncs in a background thread (:meth:`start`), or once (:meth:`run_due`)."""

    def __init__(self, database: Database, config: Config, poll_seconds: float = 30.0) -> None:
        self.database = database
        self.config = config
        self.poll_seconds = poll_seconds
        self.interval = timedelta(hours=config.kb_sync_interval)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_full = 0.0  # monotonic time of the next full check; at start: now

    def start(self) -> None:
        """Start the thread (nothing when the interval is 0)."""
        if self.config.kb_sync_interval <= 0 or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="depvault-kb-sync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop after the ecosystem in hand (an interrupted download resumes later)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                full = time.monotonic() >= self._next_full
                if full:
                    self._next_full = time.monotonic() + min(self.interval.total_seconds(), 3600.0)
                self.run_due(full=full)
            except Exception:
                log.exception("knowledge-base sync loop error")
            self._stopping.wait(self.poll_seconds)

    def due(self, *, full: bool) -> list[str]:
        """The ecosystems to sync now: first syncs queued by imports, and with ``full``
        every wanted ecosystem not attempted within the interval."""
        with self.database.transaction(write=False) as db:
            queued = requested_ecosystems(db)
            attempted = {r.ecosystem: r.last_sync_at for r in read_sources(db, OSV)}
        if not full:
            return queued
        cutoff = utcnow() - self.interval
        stale = [
            e
            for e in default_ecosystems(self.database, self.config)
            if (attempted.get(e) or cutoff) <= cutoff
        ]
        return list(dict.fromkeys([*queued, *stale]))

    def due_feeds(self) -> list[str]:
        """The configured feeds not fetched (by any process) within the interval."""
        cutoff = utcnow() - self.interval
        configured = configured_feeds(self.config)
        with self.database.transaction(write=False) as db:
            attempted = {r.source: r.last_sync_at for f in configured for r in read_sources(db, f)}
        return [f for f in configured if (attempted.get(f) or cutoff) <= cutoff]

    def run_due(self, *, full: bool = True) -> SyncRound | None:
        """Sync what is due under the lock (the feeds only on a ``full`` round); None when
        another process holds the lock."""
        with sync_lock(self.database, self.config.kb_downloads_dir) as held:
            if not held:
                return None
            done = SyncRound()
            due = self.due(full=full)
            if due:
                log.info("knowledge-base sync of %s", ", ".join(due))
                done.ecosystems = sync_osv(self.database, self.config, due)
            feeds = self.due_feeds() if full else []
            if feeds:
                log.info("knowledge-base fetch of the %s feeds", ", ".join(feeds))
                done.feeds = fetch_feeds(self.database, self.config, feeds)
            return done
