"""Custom attributes: defining them in an organization, setting and clearing their values
on the organization, a product or a project, listing them.

These functions persist only; the operation that calls them records the change in the
change log in the same transaction (``attribute_admin``), as handlers do for tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from depvault.domain.access import Level
from depvault.domain.scope import Scope
from depvault.errors import NameInUse
from depvault.store.models import CustomAttribute, CustomAttributeValue

__all__ = [
    "AttributeView",
    "clear_value",
    "define_attribute",
    "find_attribute",
    "list_attributes",
    "set_value",
]


@dataclass(frozen=True)
class AttributeView:
    """An attribute of an organization; ``values`` is how many targets hold one."""

    id: int
    org_id: int
    name: str
    description: str | None
    created_at: datetime
    values: int = 0


def define_attribute(
    db: Session, org_id: int, name: str, now: datetime, description: str | None = None
) -> AttributeView:
    """A new attribute; names are unique in an organization (:class:`NameInUse`)."""
    taken = select(CustomAttribute.id).where(
        CustomAttribute.org_id == org_id, CustomAttribute.name == name
    )
    if db.scalar(taken) is not None:
        raise NameInUse(f"An attribute named {name!r} already exists in this organization")
    row = CustomAttribute(org_id=org_id, name=name, description=description, created_at=now)
    db.add(row)
    db.flush()
    return AttributeView(row.id, org_id, name, description, now)


def find_attribute(db: Session, org_id: int, name: str) -> AttributeView | None:
    """The organization's attribute of that name, or None."""
    found = list_attributes(db, org_id, name=name)
    return found[0] if found else None


def list_attributes(db: Session, org_id: int, *, name: str | None = None) -> list[AttributeView]:
    """The organization's attributes by name, each with how many values it has."""
    counts = (
        select(CustomAttributeValue.attribute_id, func.count().label("n"))
        .group_by(CustomAttributeValue.attribute_id)
        .subquery()
    )
    query = (
        select(CustomAttribute, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.attribute_id == CustomAttribute.id)
        .where(CustomAttribute.org_id == org_id)
        .order_by(CustomAttribute.name)
    )
    if name is not None:
        query = query.where(CustomAttribute.name == name)
    return [
        AttributeView(a.id, a.org_id, a.name, a.description, a.created_at, int(n))
        for a, n in db.execute(query)
    ]


def _target(where: Scope) -> tuple[int | None, int | None]:
    """``(product_id, project_id)`` of the row holding ``where``'s values: neither for the
    organization itself, one of them for a product or a project."""
    if where.level is Level.ORG:
        return None, None
    if where.level is Level.PRODUCT:
        return where.require(Level.PRODUCT).id, None
    if where.level is Level.PROJECT:
        return None, where.require(Level.PROJECT).id
    raise ValueError("only an organization, product or project holds attribute values")


def _on(where: Scope) -> list[ColumnElement[bool]]:
    product_id, project_id = _target(where)
    product, project = CustomAttributeValue.product_id, CustomAttributeValue.project_id
    return [
        product.is_(None) if product_id is None else product == product_id,
        project.is_(None) if project_id is None else project == project_id,
    ]


def _check_owner(attribute: AttributeView, where: Scope) -> None:
    if where.org is None or where.org.id != attribute.org_id:
        raise ValueError(f"attribute {attribute.name!r} belongs to another organization")


def set_value(
    db: Session, attribute: AttributeView, where: Scope, value: str, now: datetime
) -> str | None:
    """Give ``where`` (its own level: organization, product or project) this value of the
    attribute; returns the value it replaced (None when it had none). An equal value is
    left alone, its modification time too."""
    _check_owner(attribute, where)
    row = db.scalars(
        select(CustomAttributeValue).where(
            CustomAttributeValue.attribute_id == attribute.id, *_on(where)
        )
    ).first()
    if row is None:
        product_id, project_id = _target(where)
        db.add(
            CustomAttributeValue(
                attribute_id=attribute.id,
                product_id=product_id,
                project_id=project_id,
                value=value,
                modified_at=now,
            )
        )
        db.flush()
        return None
    before = row.value
    if before != value:
        row.value, row.modified_at = value, now
        db.flush()
    return before


def clear_value(db: Session, attribute: AttributeView, where: Scope) -> str | None:
    """Remove ``where``'s value of the attribute; returns it (None when it had none)."""
    _check_owner(attribute, where)
    clauses = [CustomAttributeValue.attribute_id == attribute.id, *_on(where)]
    before = db.scalar(select(CustomAttributeValue.value).where(*clauses))
    if before is not None:
        db.execute(delete(CustomAttributeValue).where(*clauses))
    return before
