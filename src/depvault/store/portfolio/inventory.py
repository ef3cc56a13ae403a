"""A project's inventory as pages: searchable, filtered, sorted by name; and its
dependency tree one level at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from depvault.store.models import (
    Library,
    LibraryLicense,
    LibraryVulnerability,
    ProjectDependency,
    ProjectLibrary,
)
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = [
    "InventoryFilter",
    "InventoryRow",
    "TreeNode",
    "inventory_page",
    "project_license_ids",
    "tree_children",
]


@dataclass(frozen=True)
class InventoryFilter:
    """Which libraries: a name search, direct or transitive, one license, with or
    without known vulnerabilities (None: either)."""

    search: str = ""
    direct: bool | None = None
    license_id: str = ""
    vulnerable: bool | None = None


@dataclass(frozen=True)
class InventoryRow:
    """One library of the project."""

    id: int
    key_uuid: str
    name: str
    group_id: str | None
    version: str | None
    ecosystem: str
    license_expression: str | None
    direct: bool
    depth: int
    vulnerabilities: int


@dataclass(frozen=True)
class TreeNode:
    """A library in the tree and whether it has children there."""

    id: int
    key_uuid: str
    name: str
    version: str | None
    vulnerabilities: int
    has_children: bool


def _vulnerabilities() -> ColumnElement[int]:
    return (
        select(func.count())
        .select_from(LibraryVulnerability)
        .where(LibraryVulnerability.library_id == Library.id)
        .scalar_subquery()
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def inventory_page(
    db: Session, project_id: int, wanted: InventoryFilter, request: PageRequest
) -> Page[InventoryRow]:
    """One page of the project's libraries, by name then version."""
    where: list[ColumnElement[bool]] = [ProjectLibrary.project_id == project_id]
    if wanted.search:
        pattern = f"%{_escape_like(wanted.search.lower())}%"
        where.append(
            or_(
                func.lower(Library.name).like(pattern, escape="\\"),
                func.lower(Library.filename).like(pattern, escape="\\"),
            )
        )
    if wanted.direct is not None:
        where.append(ProjectLibrary.direct.is_(wanted.direct))
    if wanted.license_id:
        where.append(
            exists().where(
                LibraryLicense.library_id == Library.id,
                LibraryLicense.license_id == wanted.license_id,
            )
        )
    if wanted.vulnerable is not None:
        known = exists().where(LibraryVulnerability.library_id == Library.id)
        where.append(known if wanted.vulnerable else ~known)
    rows, more = page_of(
        db,
        select(
            Library.id,
            Library.key_uuid,
            Library.name,
            Library.group_id,
            Library.version,
            Library.ecosystem,
            Library.license_expression,
            ProjectLibrary.direct,
            ProjectLibrary.depth,
            _vulnerabilities(),
        )
        .join(ProjectLibrary, ProjectLibrary.library_id == Library.id)
        .where(*where)
        .order_by(Library.name, Library.version, Library.id),
        request,
    )
    return Page([InventoryRow(*row) for row in rows], request, more)


def project_license_ids(db: Session, project_id: int) -> list[str]:
    """The license ids present in the project (the license filter's choices)."""
    return list(
        db.scalars(
            select(LibraryLicense.license_id)
            .join(ProjectLibrary, ProjectLibrary.library_id == LibraryLicense.library_id)
            .where(ProjectLibrary.project_id == project_id)
            .distinct()
            .order_by(LibraryLicense.license_id)
        )
    )


def tree_children(
    db: Session, project_id: int, parent_id: int | None, request: PageRequest
) -> Page[TreeNode]:
    """The libraries one level below ``parent_id`` in the project's tree (its direct
    dependencies when None), by name."""
    below = aliased(ProjectDependency)  # not the edge the level itself is joined by
    has_children = (
        exists().where(below.project_id == project_id, below.parent_id == Library.id)
    ).correlate(Library)
    columns = (
        Library.id,
        Library.key_uuid,
        Library.name,
        Library.version,
        _vulnerabilities(),
        has_children,
    )
    if parent_id is None:
        query = (
            select(*columns)
            .join(ProjectLibrary, ProjectLibrary.library_id == Library.id)
            .where(ProjectLibrary.project_id == project_id, ProjectLibrary.direct.is_(True))
        )
    else:
        query = select(*columns).join(
            ProjectDependency,
            and_(
                ProjectDependency.child_id == Library.id,
                ProjectDependency.project_id == project_id,
                ProjectDependency.parent_id == parent_id,
            ),
        )
    rows, more = page_of(db, query.order_by(Library.name, Library.version, Library.id), request)
    return Page([TreeNode(*row) for row in rows], request, more)
