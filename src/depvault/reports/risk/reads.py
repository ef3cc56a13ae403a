"""The Risk report's figures, aggregated in the database.

Every figure is a ``GROUP BY`` over the scope's rows, so Python receives a few dozen
rows whatever the scope's size: an organization of a million library rows answers in
the same statements as a project of ten. Library-level aggregates group the inventory
by library first and join the catalog only to those groups (the distinct libraries, a
few thousand), never to each of the million rows. The ranked lists are in
``risk_libraries`` and ``risk_scopes``.

Alert figures count open alerts only (status Active): ignored and resolved ones are
what people decided or what went away, not current risk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, Subquery, case, distinct, func, select
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    Advisory,
    Alert,
    Library,
    LibraryLicense,
    Product,
    Project,
    ProjectLibrary,
)

__all__ = [
    "OUTDATED",
    "SECURITY",
    "BandCount",
    "ExpressionUse",
    "Headline",
    "LicenseUse",
    "alert_counts",
    "count_if",
    "headline_and_expressions",
    "license_uses",
    "open_alerts",
    "product_clauses",
    "vulnerable_library_count",
]

SECURITY = AlertType.SECURITY_VULNERABILITY.value
OUTDATED = (
    AlertType.NEW_MAJOR_VERSION,
    AlertType.NEW_MINOR_VERSION,
    AlertType.MULTIPLE_LIBRARY_VERSIONS,
)


@dataclass(frozen=True)
class Headline:
    """The size of the scope."""

    products: int
    projects: int
    libraries: int  # distinct catalog libraries
    instances: int  # (project, library) pairs


@dataclass(frozen=True)
class BandCount:
    """Open alerts of one type and (for security alerts) one advisory band, and the
    distinct libraries they are on; ``band`` is None for alerts without an advisory."""

    type: str
    band: str | None
    alerts: int
    libraries: int


@dataclass(frozen=True)
class ExpressionUse:
    """The scope's libraries stating one license expression (None: no license)."""

    expression: str | None
    libraries: int
    instances: int


@dataclass(frozen=True)
class LicenseUse:
    """The scope's libraries carrying one license id (a library may carry several)."""

    license_id: str
    name: str
    libraries: int


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet ``condition`` (0, not NULL, for none)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def open_alerts(which: ProjectFilter) -> list[ColumnElement[bool]]:
    """Open alerts of the scope (the queries join ``Project``). An organization's are
    selected by the organization the alert repeats, not the project's: with PostgreSQL
    statistics not gathered yet (right after a large import) a filter on the projects
    was planned as a loop over the projects, each reading the organization's open
    alerts (60 s and more for 470,124 alerts) or its status index whole (18 s)."""
    where = [Alert.status == AlertStatus.ACTIVE.value]
    if which.org_id is None:
        return [*where, *which.clauses()]
    return [*where, Alert.org_id == which.org_id, *replace(which, org_id=None).clauses()]


def product_clauses(which: ProjectFilter) -> list[ColumnElement[bool]]:
    """``which`` on products, so that a product without projects still counts."""
    where: list[ColumnElement[bool]] = []
    if which.org_id is not None:
        where.append(Product.org_id == which.org_id)
    if which.product_id is not None:
        where.append(Product.id == which.product_id)
    if which.only_products is not None:
        where.append(Product.id.in_(which.only_products))
    if which.project_id is not None:
        owner = select(Project.product_id).where(Project.id == which.project_id)
        where.append(Product.id.in_(owner.scalar_subquery()))
    return where


def _library_use(which: ProjectFilter) -> Subquery:
    """Per library of the scope, its number of instances: the one pass over the
    inventory rows the library figures share."""
    return (
        select(ProjectLibrary.library_id, func.count().label("instances"))
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(*which.clauses())
        .group_by(ProjectLibrary.library_id)
        .subquery()
    )


# --- headline and licenses -------------------------------------------------------------


def headline_and_expressions(
    db: Session, which: ProjectFilter
) -> tuple[Headline, list[ExpressionUse]]:
    """The scope's size and its libraries grouped by license expression. Each library
    states one expression (or none), so the groups add up to the distinct libraries
    and instances: one inventory pass serves both."""
    use = _library_use(which)
    expressions = [
        ExpressionUse(expression, int(libraries), int(instances or 0))
        for expression, libraries, instances in db.execute(
            select(Library.license_expression, func.count(), func.sum(use.c.instances))
            .select_from(use)
            .join(Library, Library.id == use.c.library_id)
            .group_by(Library.license_expression)
        )
    ]
    products = db.scalar(select(func.count(Product.id)).where(*product_clauses(which)))
    projects = db.scalar(select(func.count(Project.id)).where(*which.clauses()))
    headline = Headline(
        int(products or 0),
        int(projects or 0),
        sum(e.libraries for e in expressions),
        sum(e.instances for e in expressions),
    )
    return headline, expressions


def license_uses(db: Session, which: ProjectFilter) -> list[LicenseUse]:
    """Per license id of the scope's libraries, how many distinct libraries carry it."""
    use = _library_use(which)
    return [
        LicenseUse(license_id, name, int(libraries))
        for license_id, name, libraries in db.execute(
            select(LibraryLicense.license_id, func.min(LibraryLicense.name), func.count())
            .select_from(use)
            .join(LibraryLicense, LibraryLicense.library_id == use.c.library_id)
            .group_by(LibraryLicense.license_id)
        )
    ]


# --- alerts ------------------------------------------------------------------------------


def alert_counts(db: Session, which: ProjectFilter) -> list[BandCount]:
    """Open alerts by type and advisory band, with their distinct libraries."""
    return [
        BandCount(kind, band, int(alerts), int(libraries))
        for kind, band, alerts, libraries in db.execute(
            select(Alert.type, Advisory.band, func.count(), func.count(distinct(Alert.library_id)))
            .select_from(Alert)
            .join(Project, Project.id == Alert.project_id)
            .outerjoin(Advisory, Advisory.id == Alert.advisory_id)
            .where(*open_alerts(which))
            .group_by(Alert.type, Advisory.band)
        )
    ]


def vulnerable_library_count(db: Session, which: ProjectFilter) -> int:
    """Distinct libraries with at least one open security alert."""
    found = db.scalar(
        select(func.count(distinct(Alert.library_id)))
        .join(Project, Project.id == Alert.project_id)
        .where(*open_alerts(which), Alert.type == SECURITY)
    )
    return int(found or 0)
