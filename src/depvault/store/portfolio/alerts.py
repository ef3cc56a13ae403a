"""A project's alerts as pages, filtered by type, severity and status, and one alert
with its history."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from depvault.store.models import Advisory, Alert, AlertEvent, Library
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = ["AlertFilter", "AlertRow", "HistoryEntry", "alert_history", "alerts_page", "one_alert"]


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts (empty: any)."""

    types: Collection[str] = ()
    bands: Collection[str] = ()
    statuses: Collection[str] = ()


@dataclass(frozen=True)
class AlertRow:
    """An alert as the project's alert list shows it."""

    uuid: str
    type: str
    status: str
    band: str | None
    advisory: str | None
    library_uuid: str
    library_name: str
    library_version: str | None
    description: str
    comments: str | None
    modified_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    """One change of an alert's status (``user_email`` None when depvault made it)."""

    at: datetime
    status: str
    user_email: str | None
    comment: str | None


_COLUMNS = (
    Alert.uuid,
    Alert.type,
    Alert.status,
    Advisory.band,
    Advisory.name,
    Library.key_uuid,
    Library.name,
    Library.version,
    Alert.description,
    Alert.comments,
    Alert.modified_at,
)


def alerts_page(
    db: Session, project_id: int, wanted: AlertFilter, request: PageRequest
) -> Page[AlertRow]:
    """One page of the project's alerts, the most recently changed first."""
    where: list[ColumnElement[bool]] = [Alert.project_id == project_id]
    if wanted.types:
        where.append(Alert.type.in_(wanted.types))
    if wanted.bands:
        where.append(Advisory.band.in_(wanted.bands))
    if wanted.statuses:
        where.append(Alert.status.in_(wanted.statuses))
    rows, more = page_of(
        db,
        select(*_COLUMNS)
        .join(Library, Library.id == Alert.library_id)
        .outerjoin(Advisory, Advisory.id == Alert.advisory_id)
        .where(*where)
        .order_by(Alert.modified_at.desc(), Alert.id.desc()),
        request,
    )
    return Page([AlertRow(*row) for row in rows], request, more)


def one_alert(db: Session, project_id: int, uuid: str) -> AlertRow | None:
    """The project's alert of this uuid, or None."""
    row = db.execute(
        select(*_COLUMNS)
        .join(Library, Library.id == Alert.library_id)
        .outerjoin(Advisory, Advisory.id == Alert.advisory_id)
        .where(Alert.project_id == project_id, Alert.uuid == uuid)
    ).first()
    return AlertRow(*row) if row else None


def alert_history(db: Session, uuid: str) -> list[HistoryEntry]:
    """The alert's status changes, oldest first."""
    return [
        HistoryEntry(*row)
        for row in db.execute(
            select(AlertEvent.at, AlertEvent.status, AlertEvent.user_email, AlertEvent.comment)
            .join(Alert, Alert.id == AlertEvent.alert_id)
            .where(Alert.uuid == uuid)
            .order_by(AlertEvent.at, AlertEvent.id)
        )
    ]
