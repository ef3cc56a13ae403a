"""Libraries across a scope (an organization, a product or one project) for the Licenses
and Library requests; what an organization records about them is in
``library_marks``.

A scope is a :class:`~depvault.store.inventories.hierarchy.ProjectFilter`. Every function costs a
fixed number of statements whatever the number of libraries (never one per library),
and reads only the libraries of the scope's inventories: the ``libraries`` table is
shared by every organization, and one organization never sees another's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.reads import LibraryRow
from depvault.store.models import (
    Library,
    LibraryLicense,
    LibraryLocation,
    Project,
    ProjectLibrary,
    SourceFileRow,
)

__all__ = [
    "CHUNK",
    "LibraryLocations",
    "LibraryRef",
    "LicenseCount",
    "LicensedLibrary",
    "Location",
    "SourceFile",
    "copyrights",
    "find_libraries",
    "libraries_in_scope",
    "library_in_scope",
    "library_locations",
    "library_ref",
    "license_histogram",
    "licensed_libraries",
    "occurrences",
    "scope_library_ids",
    "scoped_libraries",
    "search_libraries",
    "source_files",
]

CHUNK = 2000  # values per IN list


@dataclass(frozen=True)
class LibraryRef:
    """A library named by a request: its ids and how responses name it."""

    id: int
    key_uuid: str
    name: str
    filename: str


@dataclass(frozen=True)
class LicenseCount:
    """How many library occurrences (project, library) carry one license."""

    license_id: str
    name: str
    count: int


@dataclass(frozen=True)
class LicensedLibrary:
    """One library under one of its licenses."""

    license_id: str
    license_name: str
    library: LibraryRef
    version: str | None


@dataclass(frozen=True)
class Location:
    """Where a library was found in one project."""

    path: str | None
    dependency_file: str | None
    project_name: str
    project_token: str


@dataclass(frozen=True)
class LibraryLocations:
    """A library of the scope and every place it was found."""

    library: LibraryRef
    sha1: str | None
    locations: tuple[Location, ...]


@dataclass(frozen=True)
class SourceFile:
    """A source file attributed to a library."""

    sha1: str
    name: str
    path: str | None


def scope_library_ids(which: ProjectFilter) -> Select[int]:
    """The ids of the libraries of the scope's inventories (repeats included), as a
    subquery."""
    return (
        select(ProjectLibrary.library_id)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(*which.clauses())
    )


def library_ref(m: RowMapping) -> LibraryRef:
    return LibraryRef(m["id"], m["key_uuid"], m["name"], m["filename"])


def _library_row(
    m: RowMapping,
    licenses: dict[int, list[tuple[str, str]]],
    *,
    direct: bool = False,
    depth: int = 0,
    scope: str | None = None,
) -> LibraryRow:
    return LibraryRow(
        id=m["id"],
        key_uuid=m["key_uuid"],
        name=m["name"],
        group_id=m["group_id"],
        version=m["version"],
        classifier=m["classifier"],
        packaging=m["packaging"],
        purl=m["purl"],
        ecosystem=m["ecosystem"],
        library_type=m["library_type"],
        filename=m["filename"],
        sha1=m["sha1"],
        description=m["description"],
        license_expression=m["license_expression"],
        references=dict(m["references"] or {}),
        licenses=tuple(licenses.get(m["id"], ())),
        direct=direct,
        depth=depth,
        scope=scope,
    )


def _licenses_of(db: Session, ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    listed = list(ids)
    for start in range(0, len(listed), CHUNK):
        for library_id, license_id, name in db.execute(
            select(LibraryLicense.library_id, LibraryLicense.license_id, LibraryLicense.name)
            .where(LibraryLicense.library_id.in_(listed[start : start + CHUNK]))
            .order_by(LibraryLicense.license_id)
        ):
            found[library_id].append((license_id, name))
    return found


def scoped_libraries(
    db: Session, which: ProjectFilter, *, only: Select[int] | None = None
) -> list[LibraryRow]:
    """The distinct libraries of the scope with their licenses (two statements).

    ``direct`` is True when the library is a direct dependency of any of the scope's
    projects, ``depth`` its smallest depth; ``scope`` is kept for a single project only
    (projects may use one library in different scopes). ``only`` restricts the answer
    to the library ids it selects (an organization's in-house libraries).
    """
    usage = (
        select(
            ProjectLibrary.library_id.label("library_id"),
            func.max(case((ProjectLibrary.direct, 1), else_=0)).label("direct"),
            func.min(ProjectLibrary.depth).label("depth"),
            func.min(ProjectLibrary.scope).label("scope"),
        )
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(*which.clauses())
        .group_by(ProjectLibrary.library_id)
    )
    if only is not None:
        usage = usage.where(ProjectLibrary.library_id.in_(only))
    used = usage.subquery()
    rows = (
        db.execute(
            select(Library.__table__, used.c.direct, used.c.depth, used.c.scope)
            .join(used, used.c.library_id == Library.id)
            .order_by(Library.name, Library.version, Library.id)
        )
        .mappings()
        .all()
    )
    licenses: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for library_id, license_id, name in db.execute(
        select(LibraryLicense.library_id, LibraryLicense.license_id, LibraryLicense.name)
        .join(used, used.c.library_id == LibraryLicense.library_id)
        .order_by(LibraryLicense.license_id)
    ):
        licenses[library_id].append((license_id, name))
    single = which.project_id is not None
    return [
        _library_row(
            m,
            licenses,
            direct=bool(m["direct"]),
            depth=m["depth"],
            scope=m["scope"] if single else None,
        )
        for m in rows
    ]


def occurrences(db: Session, which: ProjectFilter) -> dict[int, list[tuple[str, str]]]:
    """Library id → the scope's projects using it, as (name, token), by project name."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for library_id, name, token in db.execute(
        select(ProjectLibrary.library_id, Project.name, Project.token)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(*which.clauses())
        .order_by(Project.name, Project.id)
    ):
        found[library_id].append((name, token))
    return found


def license_histogram(db: Session, which: ProjectFilter) -> list[LicenseCount]:
    """Per license, the number of library occurrences carrying it: a library used by
    three projects of the scope counts three times; libraries without a license are
    not counted."""
    return [
        LicenseCount(license_id, name, count)
        for license_id, name, count in db.execute(
            select(LibraryLicense.license_id, LibraryLicense.name, func.count())
            .join(ProjectLibrary, ProjectLibrary.library_id == LibraryLicense.library_id)
            .join(Project, Project.id == ProjectLibrary.project_id)
            .where(*which.clauses())
            .group_by(LibraryLicense.license_id, LibraryLicense.name)
            .order_by(LibraryLicense.license_id)
        )
    ]


def licensed_libraries(db: Session, which: ProjectFilter) -> list[LicensedLibrary]:
    """Every (license, library) pair of the scope, by license id then library name."""
    return [
        LicensedLibrary(m["license_id"], m["license_name"], library_ref(m), m["version"])
        for m in db.execute(
            select(
                LibraryLicense.license_id,
                LibraryLicense.name.label("license_name"),
                Library.id,
                Library.key_uuid,
                Library.name,
                Library.filename,
                Library.version,
            )
            .join(Library, Library.id == LibraryLicense.library_id)
            .where(LibraryLicense.library_id.in_(scope_library_ids(which)))
            .order_by(LibraryLicense.license_id, Library.name, Library.version, Library.id)
        ).mappings()
    ]


def copyrights(db: Session, which: ProjectFilter) -> list[tuple[LibraryRef, str]]:
    """The scope's libraries that state a copyright, with their copyright text."""
    return [
        (library_ref(m), m["copyright"])
        for m in db.execute(
            select(Library.id, Library.key_uuid, Library.name, Library.filename, Library.copyright)
            .where(Library.id.in_(scope_library_ids(which)), Library.copyright.is_not(None))
            .order_by(Library.name, Library.version, Library.id)
        ).mappings()
    ]


def library_locations(db: Session, which: ProjectFilter) -> list[LibraryLocations]:
    """Every library of the scope with the places it was found (two statements)."""
    found: dict[int, list[Location]] = defaultdict(list)
    for library_id, path, dependency_file, name, token in db.execute(
        select(
            LibraryLocation.library_id,
            LibraryLocation.path,
            LibraryLocation.dependency_file,
            Project.name,
            Project.token,
        )
        .join(Project, Project.id == LibraryLocation.project_id)
        .where(*which.clauses())
        .order_by(Project.name, LibraryLocation.dependency_file, LibraryLocation.path)
    ):
        found[library_id].append(Location(path, dependency_file, name, token))
    return [
        LibraryLocations(library_ref(m), m["sha1"], tuple(found.get(m["id"], ())))
        for m in db.execute(
            select(Library.id, Library.key_uuid, Library.name, Library.filename, Library.sha1)
            .where(Library.id.in_(scope_library_ids(which)))
            .order_by(Library.name, Library.version, Library.id)
        ).mappings()
    ]


def library_in_scope(db: Session, which: ProjectFilter, key_uuid: str) -> LibraryRef | None:
    """The library of that keyUuid if the scope's inventories hold it."""
    return libraries_in_scope(db, which, [key_uuid]).get(key_uuid)


def libraries_in_scope(
    db: Session,
    which: ProjectFilter,
    key_uuids: Collection[str],
    *,
    or_ids: Select[int] | None = None,
) -> dict[str, LibraryRef]:
    """keyUuid → library, for those of ``key_uuids`` the scope's inventories hold (or
    whose id ``or_ids`` selects)."""
    listed = sorted(set(key_uuids))
    known: ColumnElement[bool] = Library.id.in_(scope_library_ids(which))
    if or_ids is not None:
        known = or_(known, Library.id.in_(or_ids))
    found: dict[str, LibraryRef] = {}
    for start in range(0, len(listed), CHUNK):
        for m in db.execute(
            select(Library.id, Library.key_uuid, Library.name, Library.filename).where(
                Library.key_uuid.in_(listed[start : start + CHUNK]), known
            )
        ).mappings():
            found[m["key_uuid"]] = library_ref(m)
    return found


def source_files(db: Session, project_id: int, library_id: int) -> list[SourceFile]:
    """The project's source files attributed to the library, by path."""
    return [
        SourceFile(sha1, name, path)
        for sha1, name, path in db.execute(
            select(SourceFileRow.sha1, SourceFileRow.name, SourceFileRow.path)
            .where(SourceFileRow.project_id == project_id, SourceFileRow.library_id == library_id)
            .order_by(SourceFileRow.path, SourceFileRow.name, SourceFileRow.id)
        )
    ]


def search_libraries(
    db: Session, which: ProjectFilter, needle: str, limit: int
) -> list[LibraryRow]:
    """Libraries of the scope whose name, group or file name contains ``needle`` (any
    case; the SDK searches ``name-version``), by name and version, at most ``limit``."""
    lowered = needle.lower()
    rows = (
        db.execute(
            select(Library.__table__)
            .where(
                Library.id.in_(scope_library_ids(which)),
                or_(
                    func.lower(Library.name).contains(lowered, autoescape=True),
                    func.lower(Library.group_id).contains(lowered, autoescape=True),
                    func.lower(Library.filename).contains(lowered, autoescape=True),
                ),
            )
            .order_by(Library.name, Library.version, Library.id)
            .limit(limit)
        )
        .mappings()
        .all()
    )
    licenses = _licenses_of(db, (m["id"] for m in rows))
    return [_library_row(m, licenses) for m in rows]


def find_libraries(
    db: Session,
    which: ProjectFilter,
    *,
    names: Collection[str],
    version: str,
    ecosystems: Collection[str],
    group: str | None = None,
    key_id: int | None = None,
    limit: int,
) -> list[LibraryRow]:
    """Libraries of the scope with one of ``names`` (lower-case) and exactly ``version``
    in one of ``ecosystems`` (purl types), optionally of a group (any case) or id."""
    where = [
        Library.id.in_(scope_library_ids(which)),
        func.lower(Library.name).in_(sorted(names)),
        Library.version == version,
        Library.ecosystem.in_(sorted(ecosystems)),
    ]
    if group:
        where.append(func.lower(Library.group_id) == group.lower())
    if key_id is not None:
        where.append(Library.id == key_id)
    rows = (
        db.execute(select(Library.__table__).where(*where).order_by(Library.key).limit(limit))
        .mappings()
        .all()
    )
    licenses = _licenses_of(db, (m["id"] for m in rows))
    return [_library_row(m, licenses) for m in rows]
