"""The progress store: which objects a run has already written.

A step is recorded in the same transaction as the write it stands for, so after a
crash at any point a step is either done with its record or not done at all; a
resumed run skips what is recorded and does the rest. Keys are the source's: a
token, an e-mail address, ``policy:<scope token>:<n>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.store.engine.db import Database
from depvault.store.models import MigrationRun, MigrationStep

__all__ = ["RunState", "Steps", "find_run", "finish_run", "start_run"]


@dataclass(frozen=True)
class RunState:
    """A run as recorded: its id, target organization and whether it finished."""

    id: int
    target_org_id: int | None
    started_at: datetime
    finished_at: datetime | None


def find_run(database: Database, source_url: str, org_token: str) -> RunState | None:
    """The recorded run of this source organization, if any."""
    with database.transaction(write=False) as db:
        row = db.scalars(
            select(MigrationRun).where(
                MigrationRun.source_url == source_url, MigrationRun.source_org_token == org_token
            )
        ).first()
        if row is None:
            return None
        return RunState(row.id, row.target_org_id, row.started_at, row.finished_at)


def start_run(database: Database, source_url: str, org_token: str, now: datetime) -> RunState:
    """Record a new run (the caller checked there was none)."""
    with database.transaction() as db:
        row = MigrationRun(source_url=source_url, source_org_token=org_token, started_at=now)
        db.add(row)
        db.flush()
        return RunState(row.id, None, now, None)


def finish_run(database: Database, run_id: int, report: dict[str, Any], now: datetime) -> None:
    """Mark the run finished with the report it printed."""
    with database.transaction() as db:
        db.execute(
            update(MigrationRun)
            .where(MigrationRun.id == run_id)
            .values(finished_at=now, report=report)
        )


@dataclass
class Steps:
    """The steps of one run, read once and kept current as the run records more."""

    run_id: int
    done: dict[tuple[str, str], str | None]

    @classmethod
    def load(cls, database: Database, run_id: int) -> Steps:
        with database.transaction(write=False) as db:
            rows = db.execute(
                select(MigrationStep.kind, MigrationStep.source_key, MigrationStep.target).where(
                    MigrationStep.run_id == run_id
                )
            ).all()
        return cls(run_id, {(kind, key): target for kind, key, target in rows})

    def is_done(self, kind: str, key: str) -> bool:
        return (kind, key) in self.done

    def target(self, kind: str, key: str) -> str | None:
        return self.done.get((kind, key))

    def record(
        self, db: Session, kind: str, key: str, now: datetime, target: str | None = None
    ) -> None:
        """Record a step in the caller's transaction (the one doing the write)."""
        db.add(
            MigrationStep(run_id=self.run_id, kind=kind, source_key=key, target=target, done_at=now)
        )
        db.flush()
        self.done[(kind, key)] = target

    def set_target_org(self, db: Session, org_id: int) -> None:
        db.execute(
            update(MigrationRun).where(MigrationRun.id == self.run_id).values(target_org_id=org_id)
        )

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.done if k == kind)
