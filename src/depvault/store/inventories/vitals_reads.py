"""The project vitals as the list requests read them: one prebuilt statement per kind
of filter, dates formatted by the database, plain tuples out.

``getOrganizationProjectVitals`` answers thousands of projects per call (Mend's bulk
tools call it first, then one request per project); building the statement, loading
rows through the ORM and formatting two dates per row in Python were most of its time
(issue 15). The organization's counter (``store/models/counters.py``, bumped by
triggers on every change of a project or product the vitals show) lets a caller keep
an answer until it moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import ChangeCounter, Product, Project
from depvault.store.models.counters import vitals_counter

__all__ = ["VitalsRow", "organization_vitals_version", "vitals_rows"]

# (id, name, token, creationDate, lastUpdatedDate, productName, productToken,
#  pluginName, uploadedBy, lastScanComment), the dates as "YYYY-MM-DD HH:MM:SS +0000"
VitalsRow = tuple[int, str, str, str, str, str, str, str | None, str | None, str | None]


class vitals_time(FunctionElement[str]):  # noqa: N801 (an SQL function's name)
    """A stored naive-UTC timestamp as the vitals show it, formatted by the database:
    the same text as ``domain.timefmt.format_vitals_time`` (a test holds them equal)."""

    type = String()
    inherit_cache = True


@compiles(vitals_time, "sqlite")
def _sqlite_time(element: vitals_time, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d %H:%M:%S', {compiler.process(element.clauses, **kw)}) || ' +0000'"


@compiles(vitals_time, "postgresql")
def _postgres_time(element: vitals_time, compiler: SQLCompiler, **kw: Any) -> str:
    inner = compiler.process(element.clauses, **kw)
    return f"to_char({inner}, 'YYYY-MM-DD HH24:MI:SS') || ' +0000'"


def _vitals(*where: ColumnElement[bool]) -> Any:
    return (
        select(
            Project.id,
            Project.name,
            Project.token,
            vitals_time(Project.created_at),
            vitals_time(Project.updated_at),
            Product.name,
            Product.token,
            Project.plugin_name,
            Project.uploaded_by,
            Project.last_scan_comment,
        )
        .join(Product, Product.id == Project.product_id)
        .where(*where)
        .order_by(Product.name, Project.name)
    )


# Built once per kind of filter (constructing them was a visible share of a small read).
_OF_ORG = _vitals(Project.org_id == bindparam("org_id"))
_OF_ORG_PRODUCTS = _vitals(
    Project.org_id == bindparam("org_id"),
    Project.product_id.in_(bindparam("products", expanding=True)),
)
_OF_PRODUCT = _vitals(Project.product_id == bindparam("product_id"))
_OF_PROJECT = _vitals(Project.id == bindparam("project_id"))
_VERSION = select(ChangeCounter.value).where(ChangeCounter.name == bindparam("name"))


def vitals_rows(db: Session, which: ProjectFilter) -> Sequence[VitalsRow]:
    """The vitals of the projects a filter covers (not an update window: that listing
    has its own shape), by product name and project name."""
    if which.updated_between is not None:
        raise ValueError("vitals_rows does not take an update window")
    params: dict[str, Any]
    if which.project_id is not None:
        query, params = _OF_PROJECT, {"project_id": which.project_id}
    elif which.product_id is not None:
        query, params = _OF_PRODUCT, {"product_id": which.product_id}
    elif which.only_products is not None:
        query = _OF_ORG_PRODUCTS
        params = {"org_id": which.org_id, "products": sorted(which.only_products)}
    else:
        query, params = _OF_ORG, {"org_id": which.org_id}
    rows: Sequence[VitalsRow] = db.connection().execute(query, params).all()
    return rows


def organization_vitals_version(db: Session, org_id: int) -> int:
    """The organization's vitals counter as this transaction sees it (0: never bumped)."""
    value = db.connection().execute(_VERSION, {"name": vitals_counter(org_id)}).scalar()
    return int(value or 0)
