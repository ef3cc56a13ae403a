"""The update lifecycle: supersession, one update of a project at a time, restarts."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from depvault.admin import Bootstrap
from depvault.config import Config
from depvault.domain.inventory import Component, Inventory
from depvault.domain.timefmt import utcnow
from depvault.domain.updates import ItemState
from depvault.ingest.licensing import license_facts
from depvault.jobs.liveness import Lease
from depvault.jobs.reports import ReportWorker, claim_report, recover_reports
from depvault.jobs.runner import LocalWorkerPool
from depvault.jobs.updates import ProjectUpdate, UpdateWorker, claim_next, enqueue, recover
from depvault.jobs.worker import Worker
from depvault.store.engine.db import Database
from depvault.store.inventories import hierarchy
from depvault.store.inventories.writes import UpdateType
from depvault.store.models import AsyncProcess, ProjectLibrary, UpdateItem


def inventory(*names: str) -> Inventory:
    return Inventory(tuple(Component(ref=n, name=n, version="1", ecosystem="npm") for n in names))


def setup_projects(database: Database, count: int) -> list[int]:
    with database.transaction() as db:
        product = hierarchy.create_product(db, 1, "P", utcnow())
        return [
            hierarchy.create_project(db, 1, product.id, f"p{i}", utcnow()).id for i in range(count)
        ]


def queue(database: Database, project_id: int, update_type: UpdateType, *names: str) -> str:
    with database.transaction() as db:
        return enqueue(
            db,
            org_id=1,
            channel="SBOM",
            update_type=update_type,
            updates=[ProjectUpdate(project_id, inventory(*names))],
            user_email=None,
        )


def states(database: Database) -> list[str]:
    with database.transaction(write=False) as db:
        return list(db.scalars(select(UpdateItem.state).order_by(UpdateItem.id)))


def libraries_of(database: Database, project_id: int) -> int:
    with database.transaction(write=False) as db:
        return len(
            db.scalars(
                select(ProjectLibrary.library_id).where(ProjectLibrary.project_id == project_id)
            ).all()
        )


def test_a_newer_override_supersedes_queued_updates(database: Database, site: Bootstrap):
    (project,) = setup_projects(database, 1)
    queue(database, project, UpdateType.OVERRIDE, "a", "b")
    queue(database, project, UpdateType.APPEND, "c")
    queue(database, project, UpdateType.OVERRIDE, "d")
    worker = UpdateWorker(database, license_facts)
    while worker.run_once():
        pass
    assert states(database) == ["SKIPPED", "SKIPPED", "FINISHED"]
    assert libraries_of(database, project) == 1


def test_one_update_of_a_project_at_a_time(database: Database, site: Bootstrap):
    first, second = setup_projects(database, 2)
    queue(database, first, UpdateType.OVERRIDE, "a")
    queue(database, first, UpdateType.APPEND, "b")
    queue(database, second, UpdateType.OVERRIDE, "c")
    claimed = claim_next(database)
    other = claim_next(database)  # the first project is busy: the second project's item
    assert claimed is not None and other is not None
    with database.transaction(write=False) as db:
        projects = {db.get_one(UpdateItem, i).project_id for i in (claimed, other)}
    assert projects == {first, second}
    assert claim_next(database) is None  # the first project's APPEND waits for its turn


def test_a_restart_requeues_interrupted_work(database: Database, site: Bootstrap, config: Config):
    (project,) = setup_projects(database, 1)
    queue(database, project, UpdateType.OVERRIDE, "a", "b", "c")
    assert claim_next(database) is not None  # a worker took it, then the process died
    assert states(database) == [ItemState.IN_PROGRESS]
    assert recover(database) == 1
    assert states(database) == [ItemState.QUEUED]
    worker = Worker(UpdateWorker(database, license_facts), ReportWorker(database, config))
    pool = LocalWorkerPool(worker, threads=2, poll_seconds=0.05)
    pool.start()
    try:
        for _ in range(200):
            if states(database) == [ItemState.FINISHED]:
                break
            pool.notify()
            time.sleep(0.05)
    finally:
        pool.stop()
    assert states(database) == [ItemState.FINISHED]
    assert libraries_of(database, project) == 3


def test_an_idle_worker_polls_without_writing(
    database: Database, site: Bootstrap, config: Config, monkeypatch: pytest.MonkeyPatch
):
    """Idle workers poll every couple of seconds: with nothing to do they only read
    (each claim is a write transaction, SQLite's write lock)."""
    worker = Worker(UpdateWorker(database, license_facts), ReportWorker(database, config))
    worker.run_once()  # the first poll also removes expired report files
    writes: list[bool] = []
    transaction = database.transaction

    def counted(*, write: bool = True) -> Any:
        writes.append(write)
        return transaction(write=write)

    monkeypatch.setattr(database, "transaction", counted)
    assert worker.run_once() is False
    assert writes and not any(writes)
    (project,) = setup_projects(database, 1)
    queue(database, project, UpdateType.OVERRIDE, "a")
    writes.clear()
    assert worker.run_once() is True  # queued work is found and claimed
    assert any(writes)
    assert states(database) == [ItemState.FINISHED]


def test_recovery_leaves_the_work_of_live_processes_alone(
    database: Database, site: Bootstrap, config: Config
):
    """Several processes may share a database (PostgreSQL, or the SQLite file of one
    machine's ``serve`` and its worker processes): one that starts (or recovers now and
    then) re-queues only the claims of processes that are gone."""
    first, second = setup_projects(database, 2)
    queue(database, first, UpdateType.OVERRIDE, "a")
    queue(database, second, UpdateType.OVERRIDE, "b")
    busy, starting = Lease(database), Lease(database)
    try:
        assert claim_next(database, busy.owner) is not None  # a live process's work
        assert claim_next(database, starting.owner) is not None  # the recoverer's own
        assert recover(database, starting.owner) == 0
        assert states(database) == [ItemState.IN_PROGRESS] * 2
        busy.release()  # the busy process dies: its claim is recovered now
        assert recover(database, starting.owner) == 1
        assert sorted(states(database)) == [ItemState.IN_PROGRESS, ItemState.QUEUED]
    finally:
        busy.release()
        starting.release()


def test_report_recovery_leaves_the_work_of_live_processes_alone(
    database: Database, site: Bootstrap, config: Config
):
    with database.transaction() as db:
        rows = [
            AsyncProcess(
                uuid=str(uuid.uuid4()),
                request_token=f"t{n}",
                org_id=1,
                context_type="Org",
                context_id=1,
                context_name="org",
                process_type="OrgInventoryReport",
                user_email="admin@example.com",
                message_sha1="0" * 40,
                request={"reportType": "OrgInventoryReport", "format": "json", "filter": {}},
                status="PENDING",
                attempts=0,
                created_at=utcnow(),
                modified_at=utcnow(),
            )
            for n in range(2)
        ]
        db.add_all(rows)
        db.flush()
        ids = [row.id for row in rows]
    busy, starting = Lease(database), Lease(database)
    try:
        claimed = {claim_report(database, busy.owner), claim_report(database, starting.owner)}
        assert claimed == set(ids)
        assert recover_reports(database, starting.owner) == 0
        busy.release()
        assert recover_reports(database, starting.owner) == 1
    finally:
        busy.release()
        starting.release()
