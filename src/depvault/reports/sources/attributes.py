"""The Attributes report ("Custom Attribute Values"): one row per custom attribute value
in the scope.

An organization's report lists the values set on the organization itself, on each of
its products and on each of their projects; a product's lists the product's values and
its projects'; a project's, the project's own. Rows come ordered by level (organization,
product, project), then product, project and attribute name, from one query: a value
row joined to its attribute, its project if it has one, and the product it or its
project belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from depvault.domain.timefmt import format_timestamp
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import CustomAttribute, CustomAttributeValue, Product, Project

__all__ = ["LEVELS", "attribute_rows"]

# The Level column, in the order rows come in.
LEVELS = ("Organization", "Product", "Project")


def _scope(which: ProjectFilter, owner: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    """The WHERE clauses for a scope; ``owner`` is the product a value belongs to (NULL
    for an organization-level value)."""
    where: list[ColumnElement[bool]] = []
    if which.project_id is not None:
        where.append(CustomAttributeValue.project_id == which.project_id)
    if which.product_id is not None:
        where.append(owner == which.product_id)
    if which.org_id is not None:
        where.append(CustomAttribute.org_id == which.org_id)
    if which.only_products is not None:
        # a product role's view of an organization: its products only, so not the
        # organization's own values either
        where.append(owner.in_(which.only_products))
    return where


def attribute_rows(
    db: Session, which: ProjectFilter, options: Any = None
) -> Iterator[Sequence[object]]:
    """One row per (target, attribute) holding a value: level, product, project,
    attribute, value, last modified."""
    value = CustomAttributeValue
    level = case((value.project_id.is_not(None), 2), (value.product_id.is_not(None), 1), else_=0)
    owner = func.coalesce(value.product_id, Project.product_id)
    statement = (
        select(
            level, Product.name, Project.name, CustomAttribute.name, value.value, value.modified_at
        )
        .select_from(value)
        .join(CustomAttribute, CustomAttribute.id == value.attribute_id)
        .outerjoin(Project, Project.id == value.project_id)
        .outerjoin(Product, Product.id == owner)
        .where(*_scope(which, owner))
        .order_by(level, Product.name, Project.name, CustomAttribute.name)
    )
    for depth, product, project, attribute, text, modified in db.execute(statement):
        yield (
            LEVELS[depth],
            product or "",
            project or "",
            attribute,
            text,
            format_timestamp(modified),
        )
