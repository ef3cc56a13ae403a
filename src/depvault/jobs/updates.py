"""Inventory updates as durable jobs: enqueue with the request, claim one at a time per
project, write in one transaction, then analyse.

The ``update_items`` rows are the truth. Enqueueing happens inside the API request's
transaction (the caller gets its ``requestToken`` only once the work is durable);
claiming locks the project row so that two updates of one project never interleave,
even with workers in several processes; a crash leaves at worst an IN_PROGRESS item
whose write never committed, which :func:`recover` puts back in the queue.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from depvault.analysis.alerts import derive_alerts
from depvault.analysis.matching import match_libraries, unmatched_libraries
from depvault.analysis.newest import fold_new_versions
from depvault.domain.inventory import Inventory
from depvault.domain.secrets import new_token
from depvault.domain.timefmt import utcnow
from depvault.domain.updates import ItemState
from depvault.errors import DepvaultError
from depvault.gc_pause import paused_collection
from depvault.jobs.fairness import has_room, orgs_at_limit, serialize_claims
from depvault.jobs.liveness import claimed_by, gone
from depvault.jobs.payload import decode_inventory, encode_inventory, handoff_of
from depvault.store.engine.db import Database
from depvault.store.inventories.writes import LicenseNormalizer, UpdateType, write_inventory
from depvault.store.knowledge.sources import project_gaps, request_first_sync
from depvault.store.models import Project, UpdateItem, UpdateRequest

__all__ = [
    "ProjectUpdate",
    "UpdateWorker",
    "claim_next",
    "enqueue",
    "item_states",
    "project_updates",
    "recover",
]

log = logging.getLogger(__name__)
CLAIM_CANDIDATES = 20


@dataclass(frozen=True)
class ProjectUpdate:
    """The inventory one request brings for one project."""

    project_id: int
    inventory: Inventory


def enqueue(
    db: Session,
    *,
    org_id: int,
    channel: str,
    update_type: UpdateType,
    updates: Sequence[ProjectUpdate],
    user_email: str | None,
    agent: str | None = None,
    agent_version: str | None = None,
) -> str:
    """Queue an update in the caller's transaction; returns its request token."""
    now = utcnow()
    request = UpdateRequest(
        request_token=new_token(),
        org_id=org_id,
        channel=channel,
        update_type=update_type.value,
        user_email=user_email,
        agent=agent,
        agent_version=agent_version,
        created_at=now,
    )
    db.add(request)
    db.flush()
    items = [
        UpdateItem(
            request_id=request.id,
            project_id=item.project_id,
            state=ItemState.QUEUED.value,
            payload=encode_inventory(item.inventory),
            components=len(item.inventory.components),
            queued_at=now,
        )
        for item in updates
    ]
    db.add_all(items)
    db.flush()
    handoff = handoff_of(db)
    for row, item in zip(items, updates, strict=True):
        handoff.put(request.request_token, row.id, item.inventory)
    return request.request_token


def item_states(
    db: Session, org_id: int, request_token: str, visible_products: frozenset[int] | None = None
) -> list[ItemState]:
    """The states of a request's items (empty when the token is unknown to this
    organization, or names no item of the visible products)."""
    query = (
        select(UpdateItem.state)
        .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
        .where(UpdateRequest.org_id == org_id, UpdateRequest.request_token == request_token)
    )
    if visible_products is not None:
        query = query.join(Project, Project.id == UpdateItem.project_id).where(
            Project.product_id.in_(visible_products)
        )
    return [ItemState(s) for s in db.scalars(query)]


def claim_next(database: Database, owner: int | None = None, max_per_org: int = 0) -> int | None:
    """Take the oldest queued item whose project has nothing running, for the process
    whose key is ``owner`` (``jobs.liveness``), of an organization running fewer than
    ``max_per_org`` jobs (0: no cap; ``jobs.fairness``); skip queued items that a newer
    OVERRIDE of the same project makes moot. None when nothing is ready."""
    now = utcnow()
    with database.transaction() as db:
        serialize_claims(db, max_per_org)
        running = select(UpdateItem.project_id).where(
            UpdateItem.state == ItemState.IN_PROGRESS.value
        )
        query = (
            select(UpdateItem.id, UpdateItem.project_id, UpdateRequest.org_id)
            .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
            .where(
                UpdateItem.state == ItemState.QUEUED.value,
                UpdateItem.project_id.not_in(running),
            )
            .order_by(UpdateItem.id)
            .limit(CLAIM_CANDIDATES)
        )
        if max_per_org > 0:
            query = query.where(UpdateRequest.org_id.not_in(orgs_at_limit(max_per_org)))
        candidates = db.execute(query).all()
        for item_id, project_id, org_id in candidates:
            # Lock the project, then look again: another worker may have claimed an item
            # of it since the candidates were read.
            db.execute(select(Project.id).where(Project.id == project_id).with_for_update())
            busy = db.scalar(
                select(func.count())
                .select_from(UpdateItem)
                .where(
                    UpdateItem.project_id == project_id,
                    UpdateItem.state == ItemState.IN_PROGRESS.value,
                )
            )
            if busy:
                continue
            if not has_room(db, org_id, max_per_org):
                continue
            if _superseded(db, item_id, project_id):
                db.execute(
                    update(UpdateItem)
                    .where(UpdateItem.id == item_id)
                    .values(state=ItemState.SKIPPED.value, payload=None, finished_at=now)
                )
                continue
            claimed = db.execute(
                update(UpdateItem)
                .where(UpdateItem.id == item_id, UpdateItem.state == ItemState.QUEUED.value)
                .values(state=ItemState.IN_PROGRESS.value, started_at=now, claimed_by=owner)
            )
            if claimed.rowcount:  # type: ignore[attr-defined]
                return item_id
    return None


def _superseded(db: Session, item_id: int, project_id: int) -> bool:
    newer_override = (
        select(UpdateItem.id)
        .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
        .where(
            UpdateItem.project_id == project_id,
            UpdateItem.id > item_id,
            UpdateItem.state == ItemState.QUEUED.value,
            UpdateRequest.update_type == UpdateType.OVERRIDE.value,
        )
        .limit(1)
    )
    return db.scalar(newer_override) is not None


def recover(database: Database, owner: int | None = None) -> int:
    """Put the IN_PROGRESS items of processes that are gone back in the queue (their
    write never committed) and finish the analysis of their UPDATED ones; ``owner`` is
    the calling process's key, whose claims are in hand. Returns how many were
    re-queued."""
    with database.transaction() as db:
        abandoned = gone(
            db,
            set(
                db.scalars(
                    select(UpdateItem.claimed_by)
                    .where(
                        UpdateItem.state.in_([ItemState.IN_PROGRESS.value, ItemState.UPDATED.value])
                    )
                    .distinct()
                )
            ),
            owner,
        )
        if not abandoned:
            return 0
        claimed_by_gone = claimed_by(UpdateItem.claimed_by, abandoned)
        requeued = db.execute(
            update(UpdateItem)
            .where(UpdateItem.state == ItemState.IN_PROGRESS.value, claimed_by_gone)
            .values(state=ItemState.QUEUED.value, started_at=None, claimed_by=None)
        ).rowcount  # type: ignore[attr-defined]
        pending_analysis = list(
            db.scalars(
                select(UpdateItem.id).where(
                    UpdateItem.state == ItemState.UPDATED.value, claimed_by_gone
                )
            )
        )
    for item_id in pending_analysis:
        analyse(database, item_id)
    return int(requeued)


def analyse(database: Database, item_id: int) -> None:
    """The analysis step after an inventory write (UPDATED → FINISHED), in one
    transaction: the project's libraries never matched before (those the write brought
    into the catalog) are matched against the knowledge base, which keeps the others
    current, and their versions folded into their packages' newest releases; then the
    project's alerts are derived, the policy alerts among them.

    The project row is locked first, as every derivation does (``derive_alerts``), so
    that the newest-release rows the fold locks are always taken after it."""
    with paused_collection(), database.transaction() as db:
        project_id = db.scalar(
            select(Project.id)
            .join(UpdateItem, UpdateItem.project_id == Project.id)
            .where(UpdateItem.id == item_id)
            .with_for_update(of=Project)
        )
        if project_id is None:
            return
        now = utcnow()
        matched = match_libraries(db, unmatched_libraries(db, project_id))
        newest = fold_new_versions(db, matched.versions, now)
        derive_alerts(db, [project_id], now, newest)
        db.execute(update(Project).where(Project.id == project_id).values(analysis_due=False))
        gaps = _knowledge_gaps(db, project_id, now)
        db.execute(
            update(UpdateItem)
            .where(UpdateItem.id == item_id, UpdateItem.state == ItemState.UPDATED.value)
            .values(
                state=ItemState.FINISHED.value,
                finished_at=utcnow(),
                knowledge_gaps=",".join(gaps) or None,
            )
        )


def _knowledge_gaps(db: Session, project_id: int, now: datetime) -> list[str]:
    """The ecosystems of the project's libraries the knowledge base knows nothing about:
    said in the server log and (``knowledge_gaps``) in the request state, and their first
    sync queued for the server's schedule; the update does not wait for it."""
    gaps = project_gaps(db, project_id)
    if gaps:
        request_first_sync(db, gaps, now)
        log.warning(
            "project %s holds libraries of %s, which the knowledge base knows nothing about: "
            "no security alerts for them until a sync brings that knowledge (queued)",
            project_id,
            ", ".join(gaps),
        )
    return gaps


@dataclass
class UpdateWorker:
    """Processes claimed items: the one job function every runner executes."""

    database: Database
    licenses: LicenseNormalizer
    owner: int | None = None  # this process's key (jobs.liveness)
    max_jobs_per_org: int = 0  # DEPVAULT_MAX_JOBS_PER_ORG (jobs.fairness)

    def run_once(self) -> bool:
        """Claim and process one item; False when nothing was queued."""
        item_id = claim_next(self.database, self.owner, self.max_jobs_per_org)
        if item_id is None:
            return False
        self.process(item_id)
        return True

    def process(self, item_id: int) -> None:
        """Write one claimed item's inventory in one transaction, then analyse. The
        write allocates per library as the analysis does: the collector is paused for
        it too (``gc_pause``)."""
        try:
            with paused_collection(), self.database.transaction() as db:
                item = db.get_one(UpdateItem, item_id)
                request = db.get_one(UpdateRequest, item.request_id)
                if item.state != ItemState.IN_PROGRESS.value or item.payload is None:
                    return
                now = utcnow()
                inventory = handoff_of(self.database).take(request.request_token, item.id)
                write_inventory(
                    db,
                    item.project_id,
                    inventory if inventory is not None else decode_inventory(item.payload),
                    UpdateType(request.update_type),
                    self.licenses,
                    now,
                )
                _stamp_project(db, item.project_id, request)
                item.state, item.updated_at, item.payload = ItemState.UPDATED.value, now, None
        except Exception as exc:
            self._fail(item_id, exc)
            return
        analyse(self.database, item_id)

    def _fail(self, item_id: int, exc: Exception) -> None:
        if isinstance(exc, DepvaultError):
            reason = exc.message
        else:
            reference = secrets.token_hex(6)
            log.exception("update item %s failed, reference %s", item_id, reference)
            reason = f"Internal error while writing the inventory (reference {reference})"
        with self.database.transaction() as db:
            db.execute(
                update(UpdateItem)
                .where(UpdateItem.id == item_id)
                .values(
                    state=ItemState.FAILED.value,
                    failure_reason=reason,
                    payload=None,
                    finished_at=utcnow(),
                )
            )


def _stamp_project(db: Session, project_id: int, request: UpdateRequest) -> None:
    plugin = request.agent
    if plugin and request.agent_version:
        plugin = f"{plugin}:{request.agent_version}"
    db.execute(
        update(Project)
        .where(Project.id == project_id)
        .values(
            last_request_token=request.request_token,
            plugin_name=plugin,
            uploaded_by=request.user_email,
        )
    )


@dataclass(frozen=True)
class ProjectUpdateView:
    """One update of a project, as the project-state requests show it."""

    request_token: str
    channel: str
    state: str
    changed_at: datetime


def project_updates(db: Session, project_id: int, limit: int) -> list[ProjectUpdateView]:
    """A project's most recent updates, newest first."""
    rows = db.execute(
        select(
            UpdateRequest.request_token,
            UpdateRequest.channel,
            UpdateItem.state,
            func.coalesce(
                UpdateItem.finished_at,
                UpdateItem.updated_at,
                UpdateItem.started_at,
                UpdateItem.queued_at,
            ),
        )
        .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
        .where(UpdateItem.project_id == project_id)
        .order_by(UpdateItem.id.desc())
        .limit(limit)
    ).all()
    return [ProjectUpdateView(t, c, s, at) for t, c, s, at in rows]
