"""Reading alerts of a scope back, with their projects, libraries and advisories.

A fixed number of statements per call whatever the number of alerts: the alerts with
their projects in one, then the libraries (with licenses), the advisories and, when
asked, the status histories, each by id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, and_, bindparam, select
from sqlalchemy.orm import Session

from depvault.store.engine.id_lists import among_bound, uses_arrays
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.reads import LibraryRecord, LibraryRow, library_records, library_row
from depvault.store.knowledge.vulnerability_reads import AdvisoryView, advisories_by_id
from depvault.store.models import Alert, AlertEvent, Product, Project, ProjectLibrary, ProjectTag

__all__ = ["AlertQuery", "AlertView", "StatusChange", "list_alerts"]


@dataclass(frozen=True)
class StatusChange:
    """One entry of an alert's history; ``user_email`` None when depvault made it."""

    at: datetime
    status: str
    user_email: str | None
    comment: str | None


class AlertView(NamedTuple):
    """An alert with everything responses show of it (a named tuple: an alert list
    builds one per alert, and a frozen dataclass's ``__init__`` cost twice the rest of
    making one, issue 15)."""

    id: int
    uuid: str
    type: str
    level: str
    status: str
    description: str
    comments: str | None
    created_at: datetime
    modified_at: datetime
    project_id: int
    project_name: str
    project_token: str
    product_name: str
    product_token: str
    library: LibraryRow
    advisory: AdvisoryView | None
    history: tuple[StatusChange, ...] = ()


@dataclass(frozen=True)
class AlertQuery:
    """Which alerts of a scope: by status, type, a modification window (both ends
    included) or a project tag."""

    which: ProjectFilter
    statuses: Collection[str] | None = None
    types: Collection[str] | None = None
    modified_between: tuple[datetime, datetime] | None = None
    project_tag: tuple[str, str] | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        where = self.which.clauses()
        if self.statuses is not None:
            where.append(Alert.status.in_(self.statuses))
        if self.types is not None:
            where.append(Alert.type.in_(self.types))
        if self.modified_between is not None:
            start, end = self.modified_between
            where.extend([Alert.modified_at >= start, Alert.modified_at <= end])
        if self.project_tag is not None:
            key, value = self.project_tag
            tagged = select(ProjectTag.project_id).where(
                ProjectTag.key == key, ProjectTag.value == value
            )
            where.append(Project.id.in_(tagged))
        return where

    def statement(self) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]]:
        """The alert list's statement and its parameters: a prebuilt one for the plain
        lists (a project's, a product's or an organization's alerts of some statuses:
        most alert requests), else one built from :meth:`clauses`. Building the
        statement and its cache key was half the cost of reading 76 alerts (issue 15)."""
        prebuilt = self._prebuilt()
        return prebuilt if prebuilt is not None else (_ALERTS.where(*self.clauses()), {})

    def _prebuilt(self) -> tuple[Select[*tuple[Any, ...]], dict[str, Any]] | None:
        which = self.which
        narrowed = (self.types, self.modified_between, self.project_tag, which.updated_between)
        if self.statuses is None or any(n is not None for n in narrowed):
            return None
        statuses = list(self.statuses)
        match (which.org_id, which.product_id, which.project_id, which.only_products):
            case (None, None, int() as project_id, None):
                return _OF_PROJECT, {"project_id": project_id, "statuses": statuses}
            case (None, int() as product_id, None, None):
                return _OF_PRODUCT, {"product_id": product_id, "statuses": statuses}
            case (int() as org_id, None, None, None):
                return _OF_ORG, {"org_id": org_id, "statuses": statuses}
            case (int() as org_id, None, None, frozenset() as products):
                params = {"org_id": org_id, "products": sorted(products), "statuses": statuses}
                return _OF_ORG_PRODUCTS, params
        return None


def list_alerts(db: Session, query: AlertQuery, *, with_history: bool = False) -> list[AlertView]:
    """The alerts the query selects, oldest first."""
    # columns, not ORM entities: an alert list is read per request; on the session's
    # connection, as Session.execute runs even a column select through the ORM's loading
    statement, params = query.statement()
    rows: Sequence[Any] = db.connection().execute(statement, params).all()
    # ids by position: a row's columns by name cost more than the rest of these lines
    records = library_records(db, {row[_LIBRARY_ID] for row in rows})
    advisories = advisories_by_id(db, {row[_ADVISORY_ID] for row in rows if row[_ADVISORY_ID]})
    histories = _histories(db, [row[_ALERT_ID] for row in rows]) if with_history else {}
    occurrences = _Occurrences(records)
    return [
        AlertView(
            id=alert_id,
            uuid=uuid,
            type=alert_type,
            level=level,
            status=status,
            description=description,
            comments=comments,
            created_at=created_at,
            modified_at=modified_at,
            project_id=project_id,
            project_name=project_name,
            project_token=project_token,
            product_name=product_name,
            product_token=product_token,
            library=occurrences.row(library_id, bool(direct)),
            advisory=advisories.get(advisory_id) if advisory_id else None,
            history=tuple(histories.get(alert_id, ())),
        )
        for (
            alert_id,
            uuid,
            alert_type,
            level,
            status,
            description,
            comments,
            created_at,
            modified_at,
            project_id,
            library_id,
            advisory_id,
            project_name,
            project_token,
            product_name,
            product_token,
            direct,
        ) in rows
    ]


class _Occurrences:
    """The library rows of one alert list, made once per (library, direct): a library's
    alerts share its row (``dataclasses.replace`` per alert was 7 % of an alert answer)."""

    def __init__(self, records: dict[int, LibraryRecord]) -> None:
        self._records = records
        self._made: dict[tuple[int, bool], LibraryRow] = {}

    def row(self, library_id: int, direct: bool) -> LibraryRow:
        made = self._made.get((library_id, direct))
        if made is None:
            columns, licenses = self._records[library_id]
            made = library_row(columns, licenses, direct, 0, None)
            self._made[(library_id, direct)] = made
        return made


def _histories(db: Session, alert_ids: list[int]) -> dict[int, list[StatusChange]]:
    """Each alert's status changes, oldest first, read as columns."""
    found: dict[int, list[StatusChange]] = defaultdict(list)
    connection, query = db.connection(), _HISTORIES[uses_arrays(db)]
    for start in range(0, len(alert_ids), _CHUNK):
        chunk = {"ids": alert_ids[start : start + _CHUNK]}
        for alert_id, at, status, user_email, comment in connection.execute(query, chunk):
            found[alert_id].append(StatusChange(at, status, user_email, comment))
    return found


_CHUNK = 2000


def _histories_query(arrays: bool) -> Select[*tuple[Any, ...]]:
    return (
        select(
            AlertEvent.alert_id,
            AlertEvent.at,
            AlertEvent.status,
            AlertEvent.user_email,
            AlertEvent.comment,
        )
        .where(among_bound(AlertEvent.alert_id, "ids", arrays=arrays))
        .order_by(AlertEvent.id)
    )


# Built once (issue 15), each way a database takes a list (``store.engine.id_lists``).
_HISTORIES = {arrays: _histories_query(arrays) for arrays in (False, True)}


# The alert list without its WHERE clauses, built once (issue 15).
_ALERTS = (
    select(
        Alert.id,
        Alert.uuid,
        Alert.type,
        Alert.level,
        Alert.status,
        Alert.description,
        Alert.comments,
        Alert.created_at,
        Alert.modified_at,
        Alert.project_id,
        Alert.library_id,
        Alert.advisory_id,
        Project.name,
        Project.token,
        Product.name,
        Product.token,
        ProjectLibrary.direct,
    )
    .join(Project, Project.id == Alert.project_id)
    .join(Product, Product.id == Project.product_id)
    .outerjoin(
        ProjectLibrary,
        and_(
            ProjectLibrary.project_id == Alert.project_id,
            ProjectLibrary.library_id == Alert.library_id,
        ),
    )
    .order_by(Alert.id)
)
_ALERT_ID, _LIBRARY_ID, _ADVISORY_ID = 0, 10, 11  # positions in an _ALERTS row
_STATUSES = Alert.status.in_(bindparam("statuses", expanding=True))
_OF_PROJECT = _ALERTS.where(Project.id == bindparam("project_id"), _STATUSES)
_OF_PRODUCT = _ALERTS.where(Project.product_id == bindparam("product_id"), _STATUSES)
_OF_ORG = _ALERTS.where(Project.org_id == bindparam("org_id"), _STATUSES)
_OF_ORG_PRODUCTS = _ALERTS.where(
    Project.org_id == bindparam("org_id"),
    Project.product_id.in_(bindparam("products", expanding=True)),
    _STATUSES,
)
_PREBUILT = (_OF_PROJECT, _OF_PRODUCT, _OF_ORG, _OF_ORG_PRODUCTS)
