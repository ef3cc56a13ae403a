"""Fairness between organizations (``DEPVAULT_MAX_JOBS_PER_ORG``) and interactive work
first, through the claims every worker makes, on both backends."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import select, update

from depvault import admin
from depvault.admin import Bootstrap
from depvault.domain.inventory import Component, Inventory
from depvault.domain.timefmt import utcnow
from depvault.jobs.reports import claim_report
from depvault.jobs.updates import ProjectUpdate, claim_next, enqueue
from depvault.store.engine.db import Database
from depvault.store.inventories import hierarchy
from depvault.store.inventories.writes import UpdateType
from depvault.store.models import AsyncProcess, Organization, UpdateItem


def org_id(database: Database, token: str) -> int:
    with database.transaction(write=False) as db:
        return int(db.scalar(select(Organization.id).where(Organization.token == token)) or 0)


def queue(database: Database, org: int, context_type: str, count: int = 1) -> list[int]:
    """``count`` pending report processes of the organization, of that scope."""
    now = utcnow()
    ids = []
    with database.transaction() as db:
        for _ in range(count):
            row = AsyncProcess(
                uuid=f"{len(ids)}-{org}-{context_type}-{now.timestamp()}-{id(ids)}"[:36],
                request_token=f"t{org}{context_type}{len(ids)}{now.timestamp()}"[:64],
                org_id=org,
                context_type=context_type,
                context_id=org,
                context_name="scope",
                process_type="report",
                user_email="a@example.com",
                message_sha1="0" * 40,
                request={},
                status="PENDING",
                attempts=0,
                created_at=now,
                modified_at=now,
            )
            db.add(row)
            db.flush()
            ids.append(row.id)
    return ids


def finish(database: Database, process_id: int) -> None:
    with database.transaction() as db:
        db.execute(
            update(AsyncProcess).where(AsyncProcess.id == process_id).values(status="SUCCESS")
        )


def org_of(database: Database, process_id: int) -> int:
    with database.transaction(write=False) as db:
        return int(db.get_one(AsyncProcess, process_id).org_id)


def queue_update(database: Database, org: int, project_name: str) -> None:
    with database.transaction() as db:
        product = hierarchy.create_product(db, org, f"P-{project_name}", utcnow())
        project = hierarchy.create_project(db, org, product.id, project_name, utcnow())
        enqueue(
            db,
            org_id=org,
            channel="SBOM",
            update_type=UpdateType.OVERRIDE,
            updates=[
                ProjectUpdate(
                    project.id,
                    Inventory((Component(ref="c", name="lib", version="1", ecosystem="npm"),)),
                )
            ],
            user_email=None,
        )


def test_project_reports_are_claimed_before_product_and_organization_reports(
    database: Database, site: Bootstrap
) -> None:
    org = org_id(database, site.org_token)
    [domain] = queue(database, org, "DOMAIN")
    [product] = queue(database, org, "PRODUCT")
    [project] = queue(database, org, "PROJECT")
    assert [claim_report(database) for _ in range(4)] == [project, product, domain, None]


def test_an_organization_at_its_cap_leaves_the_workers_to_others(
    database: Database, site: Bootstrap
) -> None:
    busy = org_id(database, site.org_token)
    other = org_id(database, admin.create_organization(database, "Other").org_token)
    first, second, _third = queue(database, busy, "DOMAIN", 3)
    [theirs] = queue(database, other, "DOMAIN")
    assert claim_report(database, max_per_org=1) == first
    assert claim_report(database, max_per_org=1) == theirs  # not the busy one's second
    assert claim_report(database, max_per_org=1) is None  # both at their cap
    assert claim_report(database, max_per_org=2) == second  # a higher cap lets it run
    finish(database, first)
    finish(database, second)
    # an inventory update of the organization running counts against its cap too
    queue_update(database, busy, "one")
    queue_update(database, busy, "two")
    item = claim_next(database, max_per_org=1)
    assert item is not None
    assert claim_next(database, max_per_org=1) is None  # the other project's update waits
    assert claim_report(database, max_per_org=1) is None
    with database.transaction() as db:
        db.execute(update(UpdateItem).where(UpdateItem.id == item).values(state="FINISHED"))
    assert claim_next(database, max_per_org=1) is not None
    assert claim_report(database) is not None  # no cap: the last one goes


@pytest.mark.parametrize("cap", [1, 3])
def test_concurrent_claimers_never_pass_the_cap(
    database: Database, site: Bootstrap, cap: int
) -> None:
    """Eight claimers released at once, over rounds, against one organization's queue
    (and another's): never more than ``cap`` of its jobs running."""
    busy = org_id(database, site.org_token)
    other = org_id(database, admin.create_organization(database, "Other").org_token)
    queue(database, busy, "DOMAIN", 30)
    queue(database, other, "PROJECT", 30)
    for _ in range(3):
        start = threading.Barrier(8)
        claimed: list[int | None] = []
        failures: list[BaseException] = []
        threads = [
            threading.Thread(target=claimer, args=(database, cap, start, claimed, failures))
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        per_org = Counter(org_of(database, pid) for pid in claimed if pid is not None)
        assert per_org == {busy: cap, other: cap}, per_org
        for process_id in claimed:
            if process_id is not None:
                finish(database, process_id)


def claimer(
    database: Database,
    cap: int,
    start: threading.Barrier,
    claimed: list[int | None],
    failures: list[BaseException],
) -> None:
    """One claim, made when every claimer is ready."""
    try:
        start.wait()
        claimed.append(claim_report(database, max_per_org=cap))
    except BaseException as exc:
        failures.append(exc)
