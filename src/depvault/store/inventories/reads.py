"""Reading inventories back: a project's libraries with their licenses, and its graph."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from depvault.store.engine.id_lists import among_bound, uses_arrays
from depvault.store.models import Library, LibraryLicense, ProjectDependency, ProjectLibrary

__all__ = [
    "LibraryRecord",
    "LibraryRow",
    "libraries_by_id",
    "library_records",
    "library_row",
    "project_graph",
    "project_libraries",
]

CHUNK = 2000


class LibraryRow(NamedTuple):
    """A library of a project, with what responses show of it.

    A named tuple, not a frozen dataclass: a list answer builds one per library, and a
    frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field) was a tenth
    of a 200-library inventory (issue 15)."""

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
    connection = db.connection()
    rows = connection.execute(_OF_PROJECT, {"project_id": project_id}).all()
    licenses = _licenses(connection.execute(_LICENSES_OF_PROJECT, {"project_id": project_id}))
    return [
        library_row(row, licenses.get(row[0], ()), direct, depth, scope)
        for *row, direct, depth, scope in rows
    ]


def libraries_by_id(db: Session, ids: Collection[int]) -> dict[int, LibraryRow]:
    """Catalog libraries by id with their licenses, outside any project (``direct``
    False, ``depth`` 0, no scope); :func:`library_records` and :func:`library_row` serve
    callers that know the occurrence."""
    return {
        library_id: library_row(row, licenses, False, 0, None)
        for library_id, (row, licenses) in library_records(db, ids).items()
    }


LibraryRecord = tuple[Sequence[Any], tuple[tuple[str, str], ...]]
"""A catalog library as read: a row of its columns and its (license id, name) pairs."""


def library_records(db: Session, ids: Collection[int]) -> dict[int, LibraryRecord]:
    """Catalog libraries by id, not yet rows of any occurrence (two statements per
    chunk): a caller makes the :class:`LibraryRow` of each occurrence it shows."""
    found: dict[int, LibraryRecord] = {}
    listed = sorted(set(ids))
    connection, arrays = db.connection(), uses_arrays(db)
    for start in range(0, len(listed), CHUNK):
        params = {"ids": listed[start : start + CHUNK]}
        licenses = _licenses(connection.execute(_LICENSES_BY_ID[arrays], params))
        # columns, not ORM entities: building 10,000 mapped objects took half a second
        for row in connection.execute(_BY_ID[arrays], params):
            found[row[0]] = (row, tuple(licenses.get(row[0], ())))
    return found


def library_row(
    row: Sequence[Any],  # the columns of _LIBRARY_COLUMNS, in order
    licenses: Iterable[tuple[str, str]],
    direct: bool,
    depth: int,
    scope: str | None,
) -> LibraryRow:
    """The library of a row of columns, as one occurrence of it shows (positional:
    reading a row's columns by name was most of a 200-library inventory's store time)."""
    references = row[_REFERENCES] or {}
    return LibraryRow._make((*row[:_REFERENCES], references, tuple(licenses), direct, depth, scope))


def _licenses(rows: Iterable[Any]) -> dict[int, list[tuple[str, str]]]:
    licenses: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for library_id, license_id, name in rows:
        licenses[library_id].append((license_id, name))
    return licenses


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


# In LibraryRow's field order, ``references`` last.
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
_REFERENCES = len(_LIBRARY_COLUMNS) - 1

# Built once, with bound (and expanding IN) parameters: building and caching statements
# per call was a visible share of a list answer (issue 15).
_OF_PROJECT = (
    select(*_LIBRARY_COLUMNS, ProjectLibrary.direct, ProjectLibrary.depth, ProjectLibrary.scope)
    .join(ProjectLibrary, ProjectLibrary.library_id == Library.id)
    .where(ProjectLibrary.project_id == bindparam("project_id"))
    .order_by(ProjectLibrary.depth, Library.name, Library.version)
)
_LICENSES_OF_PROJECT = (
    select(LibraryLicense.library_id, LibraryLicense.license_id, LibraryLicense.name)
    .join(ProjectLibrary, ProjectLibrary.library_id == LibraryLicense.library_id)
    .where(ProjectLibrary.project_id == bindparam("project_id"))
    .order_by(LibraryLicense.license_id)
)


def _by_id(arrays: bool) -> Select[*tuple[Any, ...]]:
    return select(*_LIBRARY_COLUMNS).where(among_bound(Library.id, "ids", arrays=arrays))


def _licenses_by_id(arrays: bool) -> Select[*tuple[Any, ...]]:
    return (
        select(LibraryLicense.library_id, LibraryLicense.license_id, LibraryLicense.name)
        .where(among_bound(LibraryLicense.library_id, "ids", arrays=arrays))
        .order_by(LibraryLicense.license_id)
    )


# by id, each way a database takes a list (``store.engine.id_lists``)
_BY_ID = {arrays: _by_id(arrays) for arrays in (False, True)}
_LICENSES_BY_ID = {arrays: _licenses_by_id(arrays) for arrays in (False, True)}
