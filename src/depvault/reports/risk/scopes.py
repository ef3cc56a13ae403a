"""The Risk report's products and projects ranked by open alerts.

Ranked and cut in the database: one ``GROUP BY`` over the scope's open alerts, ordered
by the counts, with a ``LIMIT``; then the names, projects and instances of those few
rows by id and, when fewer than ``limit`` have alerts, the first of the others by name
(their counts are all zero). No statement joins an aggregate to another table: with
PostgreSQL statistics not gathered yet, such a join was planned as a loop over the
projects that aggregated the organization's alerts again for each (minutes on a
million-row organization).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from depvault.reports.risk.reads import (
    OUTDATED,
    SECURITY,
    count_if,
    open_alerts,
    product_clauses,
)
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import Advisory, Alert, Product, Project, ProjectLibrary

__all__ = ["ScopeRisk", "ranked_products", "ranked_projects"]

_BANDS = ("critical", "high", "medium", "low")
_NONE = (0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class ScopeRisk:
    """A product's or project's open alerts by kind; ``product`` names a project's
    product, ``projects`` counts a product's projects (None on project rows)."""

    name: str
    product: str | None
    projects: int | None
    instances: int
    high: int
    medium: int
    low: int
    major: int
    minor: int
    multiple: int


def _risk_columns() -> list[ColumnElement[int]]:
    """Open alerts by kind, in ranking order: security high (critical included), medium,
    low, then new major versions, new minor versions, multiple versions."""
    security = Alert.type == SECURITY
    return [
        count_if(security & Advisory.band.in_(_BANDS[:2])).label("high"),
        count_if(security & (Advisory.band == "medium")).label("medium"),
        count_if(security & (Advisory.band == "low")).label("low"),
        *(count_if(Alert.type == kind.value).label(kind.name.lower()) for kind in OUTDATED),
    ]


def _counted(which: ProjectFilter) -> list[ColumnElement[bool]]:
    """The open alerts ``_risk_columns`` count (so every ranked row counts some)."""
    security = (Alert.type == SECURITY) & Advisory.band.in_(_BANDS)
    return [*open_alerts(which), security | Alert.type.in_([kind.value for kind in OUTDATED])]


def _ranked(
    db: Session,
    key: InstrumentedAttribute[int],
    name: InstrumentedAttribute[str],
    which: ProjectFilter,
    limit: int,
) -> dict[int, tuple[int, ...]]:
    """``key`` → its alert counts, for the ``limit`` keys with the most, in order."""
    counts = _risk_columns()
    statement = (
        select(key, *counts)
        .select_from(Alert)
        .join(Project, Project.id == Alert.project_id)
        .join(Product, Product.id == Project.product_id)
        .outerjoin(Advisory, Advisory.id == Alert.advisory_id)
        .where(*_counted(which))
        .group_by(key, name)
        .order_by(*(count.desc() for count in counts), name)
        .limit(limit)
    )
    return {row[0]: tuple(int(n) for n in row[1:]) for row in db.execute(statement)}


def _with_others(
    db: Session, ranked: dict[int, tuple[int, ...]], others: Select[int], limit: int
) -> list[int]:
    """The ranked ids, then as many others of the scope (``others``: its ids in order)
    as there is room for. Only when fewer than ``limit`` have alerts: then all of those
    are ranked, and the first ``limit`` ids of the scope hold enough others."""
    ids = list(ranked)
    if len(ids) < limit:
        ids += [i for i in db.scalars(others.limit(limit)) if i not in ranked]
    return ids[:limit]


def _per(db: Session, statement: Select[int, int]) -> dict[int, int]:
    """A ``key, count`` statement as a dict."""
    return {key: int(count) for key, count in db.execute(statement)}


def ranked_projects(db: Session, which: ProjectFilter, limit: int) -> list[ScopeRisk]:
    """The scope's ``limit`` riskiest projects (see ``_risk_columns`` for the order),
    projects without alerts included when fewer have some."""
    risks = _ranked(db, Project.id, Project.name, which, limit)
    others = select(Project.id).where(*which.clauses()).order_by(Project.name)
    ids = _with_others(db, risks, others, limit)
    names = {
        project: (name, product)
        for project, name, product in db.execute(
            select(Project.id, Project.name, Product.name)
            .join(Product, Product.id == Project.product_id)
            .where(Project.id.in_(ids))
        )
    }
    instances = _per(
        db,
        select(ProjectLibrary.project_id, func.count())
        .where(ProjectLibrary.project_id.in_(ids))
        .group_by(ProjectLibrary.project_id),
    )
    return [ScopeRisk(*names[i], None, instances.get(i, 0), *risks.get(i, _NONE)) for i in ids]


def ranked_products(db: Session, which: ProjectFilter, limit: int) -> list[ScopeRisk]:
    """The scope's ``limit`` riskiest products, with their projects and instances."""
    risks = _ranked(db, Product.id, Product.name, which, limit)
    others = select(Product.id).where(*product_clauses(which)).order_by(Product.name)
    ids = _with_others(db, risks, others, limit)
    names = dict(db.execute(select(Product.id, Product.name).where(Product.id.in_(ids))).all())
    in_products = [*which.clauses(), Project.product_id.in_(ids)]
    projects = _per(
        db,
        select(Project.product_id, func.count()).where(*in_products).group_by(Project.product_id),
    )
    instances = _per(
        db,
        select(Project.product_id, func.count())
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(*in_products)
        .group_by(Project.product_id),
    )
    return [
        ScopeRisk(names[i], None, projects.get(i, 0), instances.get(i, 0), *risks.get(i, _NONE))
        for i in ids
    ]
