"""Fair shares of the workers between organizations, and interactive work first.

``DEPVAULT_MAX_JOBS_PER_ORG`` caps the jobs (inventory updates being written or
analysed, reports being rendered) of one organization running at once, over every
worker process of every machine: one organization's nightly burst of CI uploads or a
hundred organization reports leaves workers for the others. The cap is enforced inside
each claim's transaction:

- candidates come from organizations under the cap (a filter read in the claim);
- on PostgreSQL the claim first takes one transaction-level advisory lock
  (:func:`serialize_claims`), so that no other claimer is between its count and its
  commit (READ COMMITTED: the statements after the lock see their commits). Claims are
  short (a few queries), so queuing them costs little, and a lock taken first by every
  claim cannot deadlock with the row locks taken after it — per-organization row locks
  taken in candidate order could;
- SQLite runs every write transaction alone (``BEGIN IMMEDIATE``): the count is exact as
  read.

Without a cap (``0``, the default: one organization's server) none of this runs.

Order: the worker takes inventory updates (one project each, a pipeline waiting on it)
before reports, and among reports those of a project before a product's before an
organization's (small before large; ``report_rank``).
"""

from __future__ import annotations

from sqlalchemy import Select, case, func, literal_column, select, text, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from depvault.domain.processes import ProcessStatus
from depvault.domain.updates import ItemState
from depvault.store.models import AsyncProcess, UpdateItem, UpdateRequest

__all__ = [
    "RUNNING_ITEM_STATES",
    "has_room",
    "orgs_at_limit",
    "report_rank",
    "serialize_claims",
]

#: The claims' advisory lock, in PostgreSQL's two-key space (the liveness leases use the
#: one-key space: the two never overlap).
_CLAIM_LOCK = (0x64657076, 1)  # "depv", claims

#: An update item is running from its claim until its analysis is done.
RUNNING_ITEM_STATES = (ItemState.IN_PROGRESS.value, ItemState.UPDATED.value)


def _running_jobs() -> Select[tuple[int]]:
    """One row (its organization's id) per running job."""
    items = (
        select(UpdateRequest.org_id.label("org_id"))
        .join(UpdateItem, UpdateItem.request_id == UpdateRequest.id)
        .where(UpdateItem.state.in_(RUNNING_ITEM_STATES))
    )
    reports = select(AsyncProcess.org_id.label("org_id")).where(
        AsyncProcess.status == ProcessStatus.IN_PROGRESS.value
    )
    return select(union_all(items, reports).subquery().c.org_id)


def orgs_at_limit(limit: int) -> Select[tuple[int]]:
    """The organizations with ``limit`` or more jobs running (a filter for candidates;
    :func:`has_room` decides under the lock)."""
    running = _running_jobs().subquery()
    return (
        select(running.c.org_id)
        .group_by(running.c.org_id)
        .having(func.count(literal_column("*")) >= limit)
    )


def serialize_claims(db: Session, limit: int) -> None:
    """With a cap, make this claim transaction the only one until it ends."""
    if limit > 0 and db.get_bind().dialect.name == "postgresql":
        first, second = _CLAIM_LOCK
        db.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": first, "b": second})


def has_room(db: Session, org_id: int, limit: int) -> bool:
    """Whether the organization runs fewer than ``limit`` jobs (``0``: no cap); exact
    after :func:`serialize_claims` in the same transaction."""
    if limit <= 0:
        return True
    running = _running_jobs().subquery()
    count = db.scalar(select(func.count()).select_from(running).where(running.c.org_id == org_id))
    return int(count or 0) < limit


def report_rank() -> ColumnElement[int]:
    """Claim order of pending reports: a project's first, then a product's, then an
    organization's (context types PROJECT, PRODUCT, DOMAIN)."""
    return case(
        (AsyncProcess.context_type == "PROJECT", 0),
        (AsyncProcess.context_type == "PRODUCT", 1),
        else_=2,
    )
