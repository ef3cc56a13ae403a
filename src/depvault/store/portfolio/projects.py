"""A product's projects with their vitals and severity counts, and one project's
last scan."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    Advisory,
    Alert,
    Project,
    ProjectLibrary,
    UpdateItem,
    UpdateRequest,
)
from depvault.store.portfolio.overview import active_vulnerability_alerts
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = ["LastScan", "ProjectRow", "last_scan", "product_projects"]


@dataclass(frozen=True)
class ProjectRow:
    """A project of a product as its page lists it."""

    id: int
    token: str
    name: str
    created_at: datetime
    updated_at: datetime
    libraries: int
    severities: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LastScan:
    """What the project's newest update said, and how it went."""

    updated_at: datetime
    plugin_name: str | None
    uploaded_by: str | None
    comment: str | None
    request_token: str | None
    state: str | None
    channel: str | None
    components: int | None
    finished_at: datetime | None
    failure_reason: str | None


def product_projects(db: Session, product_id: int, request: PageRequest) -> Page[ProjectRow]:
    """One page of the product's projects by name, with their number of libraries and
    active vulnerability alerts per severity band (two aggregates over that page only)."""
    rows, more = page_of(
        db,
        select(Project.id, Project.token, Project.name, Project.created_at, Project.updated_at)
        .where(Project.product_id == product_id)
        .order_by(Project.name, Project.id),
        request,
    )
    ids = [row.id for row in rows]
    libraries = dict(
        db.execute(
            select(ProjectLibrary.project_id, func.count())
            .where(ProjectLibrary.project_id.in_(ids))
            .group_by(ProjectLibrary.project_id)
        ).all()
    )
    severities: dict[int, dict[str, int]] = defaultdict(dict)
    # counted per (project, advisory) first: one advisory lookup per distinct advisory
    # rather than per alert (8,400 alerts of 50 projects, 1,830 advisories at most)
    per_advisory = (
        select(Alert.project_id, Alert.advisory_id, func.count().label("n"))
        .where(Alert.project_id.in_(ids), *active_vulnerability_alerts(ProjectFilter()))
        .group_by(Alert.project_id, Alert.advisory_id)
        .subquery()
    )
    for project_id, band, count in db.execute(
        select(per_advisory.c.project_id, Advisory.band, func.sum(per_advisory.c.n))
        .join(Advisory, Advisory.id == per_advisory.c.advisory_id)
        .group_by(per_advisory.c.project_id, Advisory.band)
    ):
        severities[project_id][band] = int(count)
    return Page(
        [
            ProjectRow(
                id=row.id,
                token=row.token,
                name=row.name,
                created_at=row.created_at,
                updated_at=row.updated_at,
                libraries=libraries.get(row.id, 0),
                severities=severities[row.id],
            )
            for row in rows
        ],
        request,
        more,
    )


def last_scan(db: Session, project_id: int) -> LastScan:
    """The project's last update: its own record and its newest update item."""
    project = db.execute(
        select(
            Project.updated_at,
            Project.plugin_name,
            Project.uploaded_by,
            Project.last_scan_comment,
            Project.last_request_token,
        ).where(Project.id == project_id)
    ).one()
    item = db.execute(
        select(
            UpdateItem.state,
            UpdateRequest.channel,
            UpdateItem.components,
            UpdateItem.finished_at,
            UpdateItem.failure_reason,
        )
        .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
        .where(UpdateItem.project_id == project_id)
        .order_by(UpdateItem.id.desc())
        .limit(1)
    ).first()
    return LastScan(*project, *(item or (None, None, None, None, None)))
