"""Reading inventories back: a project's libraries with their licenses, and its graph."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.store.models import Library, LibraryLicense, ProjectDependency, ProjectLibrary

__all__ = ["LibraryRow", "libraries_by_id", "project_graph", "project_libraries"]

CHUNK = 2000


@dataclass(frozen=True)
class LibraryRow:
    """A library of a project, with what responses show of it."""

    id: int
    key_uuid: str
    name: str
    group_id: str | None
    version: str | None
    classifier: str | None
    packaging: str | None
    purl: str | None
    ecosystem: str
    library_type: str
    filename: str
    sha1: str | None
    description: str | None
    license_expression: str | None
    references: dict[str, Any]
    licenses: tuple[tuple[str, str], ...]
    direct: bool
    depth: int
    scope: str | None


def project_libraries(db: Session, project_id: int) -> list[LibraryRow]:
    """Every library of a project (two queries: libraries, then their licenses), read
    as columns: no ORM entities on a list path."""
    rows = db.execute(
        select(*_LIBRARY_COLUMNS, ProjectLibrary.direct, ProjectLibrary.depth, ProjectLibrary.scope)
        .join(ProjectLibrary, ProjectLibrary.library_id == Library.id)
        .where(ProjectLibrary.project_id == project_id)
        .order_by(ProjectLibrary.depth, Library.name, Library.version)
    ).all()
    licenses: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for library_id, license_id, name in db.execute(
        select(LibraryLicense.library_id, LibraryLicense.license_id, LibraryLicense.name)
        .join(ProjectLibrary, ProjectLibrary.library_id == LibraryLicense.library_id)
        .where(ProjectLibrary.project_id == project_id)
        .order_by(LibraryLicense.license_id)
    ):
        licenses[library_id].append((license_id, name))
    return [
        _library_row(lib, licenses.get(lib.id, ()), lib.direct, lib.depth, lib.scope)
        for lib in rows
    ]


def libraries_by_id(db: Session, ids: Collection[int]) -> dict[int, LibraryRow]:
    """Catalog libraries by id with their licenses, outside any project (``direct``
    False, ``depth`` 0, no scope: callers that know the occurrence replace them)."""
    found: dict[int, LibraryRow] = {}
    listed = sorted(set(ids))
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        licenses: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for library_id, license_id, name in db.execute(
            select(LibraryLicense.library_id, LibraryLicense.license_id, LibraryLicense.name)
            .where(LibraryLicense.library_id.in_(chunk))
            .order_by(LibraryLicense.license_id)
        ):
            licenses[library_id].append((license_id, name))
        # columns, not ORM entities: building 10,000 mapped objects took half a second
        for lib in db.execute(select(*_LIBRARY_COLUMNS).where(Library.id.in_(chunk))):
            found[lib.id] = _library_row(lib, licenses.get(lib.id, ()), False, 0, None)
    return found


_LIBRARY_COLUMNS = (
    Library.id,
    Library.key_uuid,
    Library.name,
    Library.group_id,
    Library.version,
    Library.classifier,
    Library.packaging,
    Library.purl,
    Library.ecosystem,
    Library.library_type,
    Library.filename,
    Library.sha1,
    Library.description,
    Library.license_expression,
    Library.references,
)


def _library_row(
    lib: Any,  # a row of _LIBRARY_COLUMNS (and maybe more)
    licenses: Iterable[tuple[str, str]],
    direct: bool,
    depth: int,
    scope: str | None,
) -> LibraryRow:
    return LibraryRow(
        id=lib.id,
        key_uuid=lib.key_uuid,
        name=lib.name,
        group_id=lib.group_id,
        version=lib.version,
        classifier=lib.classifier,
        packaging=lib.packaging,
        purl=lib.purl,
        ecosystem=lib.ecosystem,
        library_type=lib.library_type,
        filename=lib.filename,
        sha1=lib.sha1,
        description=lib.description,
        license_expression=lib.license_expression,
        references=dict(lib.references or {}),
        licenses=tuple(licenses),
        direct=direct,
        depth=depth,
        scope=scope,
    )


def project_graph(db: Session, project_id: int) -> dict[int, list[int]]:
    """The project's dependency edges: parent library id → child library ids."""
    children: dict[int, list[int]] = defaultdict(list)
    for parent, child in db.execute(
        select(ProjectDependency.parent_id, ProjectDependency.child_id).where(
            ProjectDependency.project_id == project_id
        )
    ):
        children[parent].append(child)
    return dict(children)
