"""The organization dashboard: counts, the most vulnerable projects and libraries, the
projects updated last, and the products.

Every figure is one aggregate statement over the scope's projects (the caller's
products only, for a product role); the top lists stop at ``limit`` rows in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, distinct, func, select
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import Advisory, Alert, Library, Product, Project, ProjectLibrary
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = [
    "BANDS",
    "LibraryTally",
    "OrgCounts",
    "ProductRow",
    "ProjectTally",
    "active_vulnerability_alerts",
    "most_vulnerable_libraries",
    "most_vulnerable_projects",
    "org_counts",
    "products_page",
    "recently_updated",
]

BANDS = ("critical", "high", "medium", "low", "none")


@dataclass(frozen=True)
class OrgCounts:
    """The dashboard's headline figures. ``vulnerabilities`` counts distinct advisories
    with an active alert in the scope, per severity band."""

    products: int
    projects: int
    libraries: int
    vulnerabilities: dict[str, int]
    policy_violations: int


@dataclass(frozen=True)
class ProjectTally:
    """A project and a number about it (active vulnerability alerts)."""

    token: str
    name: str
    product_name: str
    count: int
    updated_at: datetime


@dataclass(frozen=True)
class LibraryTally:
    """A library and the number of the scope's projects with an active alert on it."""

    key_uuid: str
    name: str
    version: str | None
    projects: int


@dataclass(frozen=True)
class ProductRow:
    """A product with its number of projects."""

    token: str
    name: str
    projects: int
    updated_at: datetime


def _alert_scope(which: ProjectFilter) -> list[ColumnElement[bool]]:
    """Alerts of the scope: by their own ``org_id`` (indexed with the status) when the
    scope is a whole organization, else through their project."""
    where: list[ColumnElement[bool]] = []
    if which.org_id is not None:
        where.append(Alert.org_id == which.org_id)
    narrower = ProjectFilter(
        product_id=which.product_id, project_id=which.project_id, only_products=which.only_products
    )
    if narrower.clauses():
        where.append(Alert.project_id.in_(select(Project.id).where(*narrower.clauses())))
    return where


def active_vulnerability_alerts(which: ProjectFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the scope's active vulnerability alerts."""
    return [
        *_alert_scope(which),
        Alert.status == AlertStatus.ACTIVE.value,
        Alert.type == AlertType.SECURITY_VULNERABILITY.value,
    ]


def org_counts(db: Session, org_id: int, which: ProjectFilter) -> OrgCounts:
    """The headline figures of the scope."""
    products = select(func.count()).select_from(Product).where(Product.org_id == org_id)
    if which.only_products is not None:
        products = products.where(Product.id.in_(which.only_products))
    projects = select(func.count()).select_from(Project).where(*which.clauses())
    libraries = (
        select(func.count(distinct(ProjectLibrary.library_id)))
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(*which.clauses())
    )
    bands = {band: 0 for band in BANDS}
    for band, count in db.execute(
        select(Advisory.band, func.count(distinct(Alert.advisory_id)))
        .join(Advisory, Advisory.id == Alert.advisory_id)
        .where(*active_vulnerability_alerts(which))
        .group_by(Advisory.band)
    ):
        bands[band] = count
    violations = (
        select(func.count())
        .select_from(Alert)
        .where(
            *_alert_scope(which),
            Alert.status == AlertStatus.ACTIVE.value,
            Alert.type == AlertType.REJECTED_BY_POLICY_RESOURCE.value,
        )
    )
    return OrgCounts(
        products=db.scalar(products) or 0,
        projects=db.scalar(projects) or 0,
        libraries=db.scalar(libraries) or 0,
        vulnerabilities=bands,
        policy_violations=db.scalar(violations) or 0,
    )


def most_vulnerable_projects(
    db: Session, which: ProjectFilter, limit: int = 10
) -> list[ProjectTally]:
    """The projects with the most active vulnerability alerts."""
    counted = (
        select(Alert.project_id, func.count().label("n"))
        .where(*active_vulnerability_alerts(which))
        .group_by(Alert.project_id)
        .order_by(func.count().desc(), Alert.project_id)
        .limit(limit)
        .subquery()
    )
    rows = db.execute(
        select(Project.token, Project.name, Product.name, counted.c.n, Project.updated_at)
        .join(counted, counted.c.project_id == Project.id)
        .join(Product, Product.id == Project.product_id)
        .order_by(counted.c.n.desc(), Project.name)
    )
    return [ProjectTally(*row) for row in rows]


def most_vulnerable_libraries(
    db: Session, which: ProjectFilter, limit: int = 10
) -> list[LibraryTally]:
    """The libraries with an active vulnerability alert in the most projects."""
    counted = (
        select(Alert.library_id, func.count(distinct(Alert.project_id)).label("n"))
        .where(*active_vulnerability_alerts(which))
        .group_by(Alert.library_id)
        .order_by(func.count(distinct(Alert.project_id)).desc(), Alert.library_id)
        .limit(limit)
        .subquery()
    )
    rows = db.execute(
        select(Library.key_uuid, Library.name, Library.version, counted.c.n)
        .join(counted, counted.c.library_id == Library.id)
        .order_by(counted.c.n.desc(), Library.name)
    )
    return [LibraryTally(*row) for row in rows]


def recently_updated(db: Session, which: ProjectFilter, limit: int = 10) -> list[ProjectTally]:
    """The projects updated last (``ix_projects_org_updated``); count is 0."""
    rows = db.execute(
        select(Project.token, Project.name, Product.name, Project.updated_at)
        .join(Product, Product.id == Project.product_id)
        .where(*which.clauses())
        .order_by(Project.updated_at.desc(), Project.id.desc())
        .limit(limit)
    )
    return [ProjectTally(token, name, product, 0, at) for token, name, product, at in rows]


def products_page(
    db: Session, org_id: int, only: frozenset[int] | None, request: PageRequest
) -> Page[ProductRow]:
    """The organization's products by name, with their number of projects."""
    projects = (
        select(func.count())
        .select_from(Project)
        .where(Project.product_id == Product.id)
        .scalar_subquery()
    )
    query = (
        select(Product.token, Product.name, projects, Product.updated_at)
        .where(Product.org_id == org_id)
        .order_by(Product.name, Product.id)
    )
    if only is not None:
        query = query.where(Product.id.in_(only))
    rows, more = page_of(db, query, request)
    return Page([ProductRow(*row) for row in rows], request, more)
