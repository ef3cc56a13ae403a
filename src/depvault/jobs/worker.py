"""One worker for every kind of background work, taken in priority order.

Inventory updates come first (pipelines wait on their request state), then report
processes, then steps of knowledge-base re-analysis, and now and then the removal of
expired report files and (every ``DEPVAULT_RECOVERY_INTERVAL_SECONDS``) the recovery of
work whose process died. Every kind keeps its
truth in the database, so the same worker runs inline in tests, in the embedded server's
threads, or in a separate process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select

from depvault.analysis.refresh import refresh_step
from depvault.domain.timefmt import utcnow
from depvault.domain.updates import ItemState
from depvault.jobs.liveness import Lease
from depvault.jobs.reports import ProcessStatus, ReportWorker, expire_reports, recover_reports
from depvault.jobs.updates import UpdateWorker, recover
from depvault.store.engine.db import Database
from depvault.store.inventories.history import prune_history
from depvault.store.models import (
    AsyncProcess,
    PendingRegroup,
    PendingRematch,
    Project,
    UpdateItem,
)

__all__ = ["EXPIRY_INTERVAL_SECONDS", "Worker"]

EXPIRY_INTERVAL_SECONDS = 600.0


@dataclass
class Worker:
    """Claims and runs one piece of work at a time.

    Started (:meth:`start`), it holds this process's lease (``jobs.liveness``): its
    claims carry the lease's key, and now and then it re-queues the claims of processes
    that are gone, as it does at start."""

    updates: UpdateWorker
    reports: ReportWorker
    _next_expiry: float = field(default=0.0, init=False)
    _next_recovery: float = field(default=0.0, init=False)
    _lease: Lease | None = field(default=None, init=False)

    def start(self) -> int:
        """Take this process's lease, then recover; returns how many jobs were re-queued."""
        if self._lease is None:
            self._lease = Lease(self.updates.database)
            self.updates.owner = self.reports.owner = self._lease.owner
        return self.recover()

    def stop(self) -> None:
        """Give the lease up: this process's claims may be recovered elsewhere now."""
        if self._lease is not None:
            self._lease.release()
            self._lease = None
            self.updates.owner = self.reports.owner = None

    def run_once(self) -> bool:
        """Run one piece of work; False when nothing was ready."""
        if _anything_pending(self.updates.database):
            if self.updates.run_once() or self.reports.run_once():
                return True
            if refresh_step(self.updates.database) is not None:
                return True
        if time.monotonic() >= self._next_expiry:
            self._next_expiry = time.monotonic() + EXPIRY_INTERVAL_SECONDS
            expire_reports(self.reports.database, self.reports.files)
            prune_history(
                self.updates.database, self.reports.config.history_retention_days, utcnow()
            )
        if self._lease is not None and time.monotonic() >= self._next_recovery:
            # a process that died meanwhile (SIGKILL, a lost machine) left claims
            self._next_recovery = time.monotonic() + self.reports.config.recovery_interval_seconds
            if _claims_of_others(self.updates.database, self.updates.owner):
                self.recover()
        return False

    def recover(self) -> int:
        """Re-queue what processes that are gone left running; returns how many."""
        owner = self.updates.owner
        return recover(self.updates.database, owner) + recover_reports(self.reports.database, owner)


def _anything_pending(database: Database) -> bool:
    """Whether any kind of work is waiting, read without writing: each claim is a write
    transaction, and idle workers polling every couple of seconds took SQLite's write
    lock three or four times a poll for nothing."""
    waiting = (
        exists().where(UpdateItem.state == ItemState.QUEUED.value),
        exists().where(AsyncProcess.status == ProcessStatus.PENDING.value),
        exists().where(PendingRegroup.advisory_id.is_not(None)),
        exists().where(PendingRematch.ecosystem.is_not(None)),
        exists().where(Project.analysis_due.is_(True)),
    )
    with database.transaction(write=False) as db:
        return bool(db.scalar(select(or_(*waiting))))


def _claims_of_others(database: Database, owner: int | None) -> bool:
    """Whether any claim is held by another process (read only, so that recovery
    checks of idle workers take no write lock)."""
    claims = (
        exists().where(
            UpdateItem.state == ItemState.IN_PROGRESS.value,
            or_(UpdateItem.claimed_by.is_(None), UpdateItem.claimed_by != owner),
        ),
        exists().where(
            AsyncProcess.status == ProcessStatus.IN_PROGRESS.value,
            or_(AsyncProcess.claimed_by.is_(None), AsyncProcess.claimed_by != owner),
        ),
    )
    with database.transaction(write=False) as db:
        return bool(db.scalar(select(or_(*claims))))
