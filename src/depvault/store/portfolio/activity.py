"""What happened lately in an organization: report processes and inventory updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.store.models import AsyncProcess, Project, UpdateItem, UpdateRequest
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = ["ProcessRow", "UpdateRow", "process_row", "processes_page", "updates_page"]


@dataclass(frozen=True)
class ProcessRow:
    """A report process."""

    uuid: str
    context_type: str
    context_name: str
    report_type: str
    format: str | None
    user_email: str
    status: str
    failure_reason: str | None
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True)
class UpdateRow:
    """One project's part of an inventory update, and its state."""

    request_token: str
    channel: str
    update_type: str
    user_email: str | None
    project_token: str
    project_name: str
    state: str
    failure_reason: str | None
    components: int
    queued_at: datetime
    finished_at: datetime | None


def _process_row(row: AsyncProcess) -> ProcessRow:
    request = row.request if isinstance(row.request, dict) else {}
    return ProcessRow(
        row.uuid,
        row.context_type,
        row.context_name,
        str(request.get("reportType", row.process_type)),
        request.get("format"),
        row.user_email,
        row.status,
        row.failure_reason,
        row.created_at,
        row.modified_at,
    )


def processes_page(
    db: Session, org_id: int, only: frozenset[int] | None, request: PageRequest
) -> Page[ProcessRow]:
    """The organization's report processes, newest first (a product role's: its
    products' only)."""
    query = (
        select(AsyncProcess)
        .where(AsyncProcess.org_id == org_id)
        .order_by(AsyncProcess.created_at.desc(), AsyncProcess.id.desc())
    )
    if only is not None:
        query = query.where(AsyncProcess.product_id.in_(only))
    rows = list(db.scalars(query.limit(request.size + 1).offset(request.offset)))
    return Page([_process_row(r) for r in rows[: request.size]], request, len(rows) > request.size)


def process_row(row: AsyncProcess) -> ProcessRow:
    """The listing's view of one process."""
    return _process_row(row)


def updates_page(
    db: Session, org_id: int, only: frozenset[int] | None, request: PageRequest
) -> Page[UpdateRow]:
    """The organization's recent per-project updates, newest first."""
    query = (
        select(
            UpdateRequest.request_token,
            UpdateRequest.channel,
            UpdateRequest.update_type,
            UpdateRequest.user_email,
            Project.token,
            Project.name,
            UpdateItem.state,
            UpdateItem.failure_reason,
            UpdateItem.components,
            UpdateItem.queued_at,
            UpdateItem.finished_at,
        )
        .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
        .join(Project, Project.id == UpdateItem.project_id)
        .where(UpdateRequest.org_id == org_id)
        .order_by(UpdateItem.id.desc())
    )
    if only is not None:
        query = query.where(Project.product_id.in_(only))
    rows, more = page_of(db, query, request)
    return Page([UpdateRow(*row) for row in rows], request, more)
