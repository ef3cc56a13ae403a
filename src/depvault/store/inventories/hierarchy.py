"""Products and projects: creation, deletion, listing with their vitals, moves, tags."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, select, update
from sqlalchemy.orm import Session

from depvault.domain.scope import Ref
from depvault.domain.secrets import new_token
from depvault.errors import NotFound, ProductNameInUse, ProjectNameInUse
from depvault.store.models import Product, ProductTag, Project, ProjectTag
from depvault.store.organizations.caller_cache import forget_callers

__all__ = [
    "ProductVitals",
    "ProjectFilter",
    "ProjectVitals",
    "TagSet",
    "add_tag",
    "create_product",
    "create_project",
    "delete_product",
    "delete_project",
    "find_product",
    "find_project",
    "list_products",
    "list_projects",
    "move_projects",
    "product_tags",
    "project_tags",
    "remove_tag",
    "set_scan_comment",
]


@dataclass(frozen=True, slots=True)
class ProductVitals:
    """A product as the vitals and listings show it."""

    id: int
    name: str
    token: str
    description: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ProjectVitals:
    """A project as the vitals and listings show it."""

    id: int
    name: str
    token: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    plugin_name: str | None
    uploaded_by: str | None
    last_scan_comment: str | None
    last_request_token: str | None
    product_id: int
    product_name: str
    product_token: str


@dataclass(frozen=True)
class TagSet:
    """The tags of one product or project, ``key → values`` in insertion-free order."""

    id: int
    name: str
    token: str
    tags: dict[str, list[str]]


# The columns of the vitals values, in their fields' order.
_PRODUCT_COLUMNS = (
    Product.id,
    Product.name,
    Product.token,
    Product.description,
    Product.created_at,
    Product.updated_at,
)
_PROJECT_COLUMNS = (
    Project.id,
    Project.name,
    Project.token,
    Project.description,
    Project.created_at,
    Project.updated_at,
    Project.plugin_name,
    Project.uploaded_by,
    Project.last_scan_comment,
    Project.last_request_token,
    Project.product_id,
    Product.name,
    Product.token,
)

# --- products --------------------------------------------------------------------------


def create_product(
    db: Session,
    org_id: int,
    name: str,
    now: datetime,
    description: str | None = None,
    *,
    token: str | None = None,
) -> Ref:
    """A new product; names are unique in an organization (error 2001). ``token`` keeps
    the one it had on another server (``depvault migrate`` checked it is free)."""
    taken = select(Product.id).where(Product.org_id == org_id, Product.name == name)
    if db.scalar(taken):
        raise ProductNameInUse(f"A product named {name!r} already exists in this organization")
    row = Product(
        token=token or new_token(),
        org_id=org_id,
        name=name,
        description=description,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.flush()
    return Ref(row.id, row.token, row.name)


def delete_product(db: Session, product_id: int) -> None:
    """Delete a product; its projects, tags and role grants go with it (cascades): the
    cached grants go too."""
    forget_callers(db)  # who held a role on it is not known without a read
    db.execute(delete(Product).where(Product.id == product_id))


def list_products(
    db: Session, org_id: int, only: Collection[int] | None = None
) -> list[ProductVitals]:
    """An organization's products (restricted to ``only`` when given); Core rows, no
    ORM entities (a list answer's cost is per row)."""
    query = select(*_PRODUCT_COLUMNS).where(Product.org_id == org_id).order_by(Product.name)
    if only is not None:
        query = query.where(Product.id.in_(only))
    return [ProductVitals(*row) for row in db.connection().execute(query)]


def find_product(db: Session, org_id: int, name_or_token: str) -> Ref | None:
    """The organization's product with that token or that name, or None."""
    row = db.scalars(
        select(Product).where(
            Product.org_id == org_id,
            (Product.token == name_or_token) | (Product.name == name_or_token),
        )
    ).first()
    return Ref(row.id, row.token, row.name) if row is not None else None


# --- projects --------------------------------------------------------------------------


def find_project(
    db: Session, product_id: int, *, token: str | None = None, name: str | None = None
) -> Ref | None:
    """The product's project with that token, or (without a token) that name."""
    query = select(Project).where(Project.product_id == product_id)
    query = query.where(Project.token == token) if token else query.where(Project.name == name)
    row = db.scalars(query).first()
    return Ref(row.id, row.token, row.name) if row is not None else None


def set_scan_comment(db: Session, project_id: int, comment: str) -> None:
    """Record the comment of the project's last scan (``k:v;k:v``, shown in vitals)."""
    db.execute(update(Project).where(Project.id == project_id).values(last_scan_comment=comment))


def create_project(
    db: Session,
    org_id: int,
    product_id: int,
    name: str,
    now: datetime,
    description: str | None = None,
    *,
    token: str | None = None,
) -> Ref:
    """A new project; names are unique in a product (error 2010). ``token`` keeps the
    one it had on another server (``depvault migrate`` checked it is free)."""
    taken = select(Project.id).where(Project.product_id == product_id, Project.name == name)
    if db.scalar(taken):
        raise ProjectNameInUse(f"A project named {name!r} already exists in this product")
    row = Project(
        token=token or new_token(),
        product_id=product_id,
        org_id=org_id,
        name=name,
        description=description,
        created_at=now,
        updated_at=now,
    )
    db.add(row)
    db.execute(update(Product).where(Product.id == product_id).values(updated_at=now))
    db.flush()
    return Ref(row.id, row.token, row.name)


def delete_project(db: Session, project_id: int) -> None:
    """Delete a project and everything under it (cascades)."""
    db.execute(delete(Project).where(Project.id == project_id))


@dataclass(frozen=True)
class ProjectFilter:
    """Which projects a listing covers: an organization, a product or one project,
    optionally only some products (a product role's view) or an update window."""

    org_id: int | None = None
    product_id: int | None = None
    project_id: int | None = None
    only_products: frozenset[int] | None = None
    updated_between: tuple[datetime, datetime] | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses on ``Project`` for this filter."""
        where: list[ColumnElement[bool]] = []
        if self.org_id is not None:
            where.append(Project.org_id == self.org_id)
        if self.product_id is not None:
            where.append(Project.product_id == self.product_id)
        if self.project_id is not None:
            where.append(Project.id == self.project_id)
        if self.only_products is not None:
            where.append(Project.product_id.in_(self.only_products))
        if self.updated_between is not None:
            start, end = self.updated_between
            where.extend([Project.updated_at >= start, Project.updated_at <= end])
        return where


def list_projects(db: Session, which: ProjectFilter) -> list[ProjectVitals]:
    """The projects a filter covers, with their product: Core rows straight into the
    frozen values, no ORM ``Project`` entities (they were 43 % of the organization's
    project vitals at 2,000 projects, issue 15)."""
    query = (
        select(*_PROJECT_COLUMNS)
        .join(Product, Product.id == Project.product_id)
        .where(*which.clauses())
        .order_by(Product.name, Project.name)
    )
    # on the session's connection, not the session: Session.execute runs even a
    # column select through the ORM's row loading (38 % of the 10,000-project vitals)
    rows: Iterable[tuple[Any, ...]] = db.connection().execute(query)
    return [ProjectVitals(*row) for row in rows]


def move_projects(
    db: Session, org_id: int, project_tokens: Collection[str], target_product_id: int, now: datetime
) -> list[tuple[ProjectVitals, str]]:
    """Move projects of an organization into another of its products.

    Returns each moved project with the name of the product it left. Raises
    :class:`NotFound` naming an unknown token, :class:`ProjectNameInUse` when the target
    product already has a project of the same name (nothing is moved then).
    """
    projects = {
        p.token: p
        for p in list_projects(db, ProjectFilter(org_id=org_id))
        if p.token in set(project_tokens)
    }
    missing = [t for t in project_tokens if t not in projects]
    if missing:
        raise NotFound(f"No project of this organization has the token {missing[0]!r}")
    moving = [p for p in projects.values() if p.product_id != target_product_id]
    names_in_target = set(
        db.scalars(select(Project.name).where(Project.product_id == target_product_id))
    )
    names_moving = [p.name for p in moving]
    clash = names_in_target.intersection(names_moving) or {
        n for n in names_moving if names_moving.count(n) > 1
    }
    if clash:
        raise ProjectNameInUse(
            f"The target product already has (or would get twice) a project named "
            f"{sorted(clash)[0]!r}"
        )
    if moving:
        db.execute(
            update(Project)
            .where(Project.id.in_([p.id for p in moving]))
            .values(product_id=target_product_id, updated_at=now)
        )
        touched = {target_product_id, *(p.product_id for p in moving)}
        db.execute(update(Product).where(Product.id.in_(touched)).values(updated_at=now))
    return [(p, p.product_name) for p in moving]


# --- tags ------------------------------------------------------------------------------


def add_tag(
    db: Session, model: type[ProductTag | ProjectTag], owner_id: int, key: str, value: str
) -> bool:
    """Add a ``key: value`` tag; False when it was already there."""
    owner = model.product_id if model is ProductTag else model.project_id  # type: ignore[union-attr]
    exists = select(owner).where(owner == owner_id, model.key == key, model.value == value)
    if db.scalar(exists) is not None:
        return False
    if model is ProductTag:
        db.add(ProductTag(product_id=owner_id, key=key, value=value))
    else:
        db.add(ProjectTag(project_id=owner_id, key=key, value=value))
    db.flush()
    return True


def remove_tag(
    db: Session, model: type[ProductTag | ProjectTag], owner_id: int, key: str, value: str
) -> bool:
    """Remove a ``key: value`` tag; False when there was no such tag."""
    owner = model.product_id if model is ProductTag else model.project_id  # type: ignore[union-attr]
    result = db.execute(
        delete(model).where(owner == owner_id, model.key == key, model.value == value)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def product_tags(db: Session, org_id: int, products: list[ProductVitals]) -> list[TagSet]:
    """The tags of these products of one organization, each listed even without tags."""
    rows = db.execute(
        select(ProductTag.product_id, ProductTag.key, ProductTag.value)
        .join(Product, Product.id == ProductTag.product_id)
        .where(Product.org_id == org_id)
        .order_by(ProductTag.key, ProductTag.value)
    ).all()
    return _tag_sets([(p.id, p.name, p.token) for p in products], rows)


def project_tags(db: Session, which: ProjectFilter) -> list[TagSet]:
    """The tags of the projects a filter covers, each listed even without tags."""
    projects = list_projects(db, which)
    rows = db.execute(
        select(ProjectTag.project_id, ProjectTag.key, ProjectTag.value)
        .join(Project, Project.id == ProjectTag.project_id)
        .where(*which.clauses())
        .order_by(ProjectTag.key, ProjectTag.value)
    ).all()
    return _tag_sets([(p.id, p.name, p.token) for p in projects], rows)


def _tag_sets(
    owners: list[tuple[int, str, str]], rows: Sequence[Row[int, str, str]]
) -> list[TagSet]:
    tags: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for owner_id, key, value in rows:
        tags[owner_id].setdefault(key, []).append(value)
    return [TagSet(i, name, token, tags.get(i, {})) for i, name, token in owners]
