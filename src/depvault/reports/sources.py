"""Row sources of the core reports: set-based SQL streamed from a cursor.

A source yields one tuple per report row, in the order of its report's columns. Rows
come from the database ``ROWS_PER_FETCH`` at a time (``yield_per``) and are enriched a
chunk at a time (licenses, vulnerability counts, fixes: one query per chunk, never one
per row), so memory stays flat whatever the scope's size: an organization of a million
library rows streams like a project of ten.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import AlertType, top_fix
from depvault.domain.osv_packages import osv_package
from depvault.domain.osv_records import band_of, v13_band
from depvault.domain.timefmt import format_date, format_timestamp
from depvault.store.hierarchy import ProjectFilter
from depvault.store.models import (
    Advisory,
    AdvisoryPackage,
    Alert,
    Library,
    LibraryLicense,
    LibraryVulnerability,
    Product,
    Project,
    ProjectLibrary,
)

__all__ = [
    "ROWS_PER_FETCH",
    "alert_rows",
    "in_scope",
    "inventory_rows",
    "stream_chunks",
    "stream_plain_chunks",
    "vulnerability_rows",
]

ROWS_PER_FETCH = 5000
K = TypeVar("K")
T = TypeVar("T")


def stream_chunks(db: Session, statement: Select[Any]) -> Iterator[list[Any]]:
    """The statement's rows, ``ROWS_PER_FETCH`` at a time, from a server-side cursor
    where the database has one. Core rows, not the ORM's: the ORM's per-row processing
    cost more than the query on a million rows."""
    connection = db.connection().execution_options(
        stream_results=True, max_row_buffer=ROWS_PER_FETCH
    )
    with connection.execute(statement) as result:  # closed even when abandoned midway
        for partition in result.partitions(ROWS_PER_FETCH):
            yield list(partition)


def stream_plain_chunks(db: Session, statement: Select[Any]) -> Iterator[list[Any]]:
    """:func:`stream_chunks` straight from the driver's cursor, skipping SQLAlchemy's
    per-row processing (1.8 s of a million-row inventory): only for statements whose
    columns need no conversion, integers and text (a boolean comes as 0/1 on SQLite).
    PostgreSQL reads through a named, server-side cursor."""
    connection = db.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    driver = connection.connection.driver_connection
    assert driver is not None
    params: Any
    if dialect.name == "postgresql":
        cursor = driver.cursor(name=f"depvault_report_{secrets.token_hex(6)}")
        params = compiled.params
    else:
        cursor = driver.cursor()
        params = [compiled.params[name] for name in compiled.positiontup or ()]
    try:
        cursor.execute(compiled.string, params)
        while rows := cursor.fetchmany(ROWS_PER_FETCH):
            yield rows
    finally:
        cursor.close()


class Memo(Generic[K, T]):
    """Values by key (a library id, a library-advisory pair), loaded a chunk at a time
    for the keys not seen yet and kept: the same libraries recur across an
    organization's projects (a million inventory rows of the benchmark hold 3,647
    libraries), so after the first chunks nearly every row is a hit. At ``limit``
    entries the memory is cleared and refilled."""

    def __init__(self, load: Callable[[set[K]], dict[K, T]], limit: int = 200_000) -> None:
        self.load, self.limit, self.known = load, limit, dict[K, T]()

    def __call__(self, keys: Iterable[K]) -> dict[K, T]:
        missing = {key for key in keys if key not in self.known}
        if missing:
            if len(self.known) + len(missing) > self.limit:
                self.known.clear()
            self.known.update(self.load(missing))
        return self.known


def license_names(db: Session, library_ids: set[int]) -> dict[int, str]:
    """Each library's license names, comma-separated in license order ("" for none)."""
    names: dict[int, list[str]] = defaultdict(list)
    for library_id, name in db.execute(
        select(LibraryLicense.library_id, LibraryLicense.name)
        .where(LibraryLicense.library_id.in_(library_ids))
        .order_by(LibraryLicense.license_id)
    ):
        names[library_id].append(name)
    return {i: ", ".join(names.get(i, ())) for i in library_ids}


def scope_project_names(db: Session, which: ProjectFilter) -> dict[int, tuple[str, str]]:
    """(product name, project name) of every project in scope: rows of a large report
    carry ids, and a project's names are looked up here instead of joined into each of
    its hundreds of rows."""
    statement = in_scope(
        select(Project.id, Product.name, Project.name).select_from(Project),  # type: ignore[arg-type]
        which,
    )
    return {
        project_id: (product, project) for project_id, product, project in db.execute(statement)
    }


def in_scope(statement: Select[Any], which: ProjectFilter) -> Select[Any]:
    return statement.join(Product, Product.id == Project.product_id).where(*which.clauses())


# --- inventory -------------------------------------------------------------------------


def inventory_rows(
    db: Session, which: ProjectFilter, options: Any = None
) -> Iterator[Sequence[object]]:
    """One row per (project, library). The query reads only the project-library link;
    the library's columns, licenses and vulnerability count come from a
    :class:`Memo` (on the benchmark's million rows, joining the library
    columns into every row took the query from 1.2 s to 4.6 s before Python saw a row)."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            ProjectLibrary.project_id,
            ProjectLibrary.library_id,
            ProjectLibrary.direct,
            ProjectLibrary.depth,
            ProjectLibrary.scope,
        )
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id),
        which,
    )  # no ORDER BY: sorting a million rows cost a temporary B-tree; rows come by project
    projects = scope_project_names(db, which)
    libraries = Memo(lambda ids: _inventory_library_columns(db, ids))
    for chunk in stream_plain_chunks(db, statement):
        known = libraries({row[1] for row in chunk})
        for project_id, library_id, direct, depth, scope in chunk:
            head, tail = known[library_id]
            yield projects[project_id] + head + (bool(direct), depth, scope or "") + tail


Columns = tuple[object, ...]


def _inventory_library_columns(db: Session, ids: set[int]) -> dict[int, tuple[Columns, Columns]]:
    """Per library, its inventory columns before and after the project-link ones."""
    names = license_names(db, ids)
    counts = _vulnerability_counts(db, ids)
    columns: dict[int, tuple[Columns, Columns]] = {}
    for (
        library_id,
        filename,
        name,
        group,
        version,
        kind,
        purl,
        sha1,
        key_uuid,
        homepage,
    ) in db.execute(
        select(
            Library.id,
            Library.filename,
            Library.name,
            Library.group_id,
            Library.version,
            Library.library_type,
            Library.purl,
            Library.sha1,
            Library.key_uuid,
            Library.references["homePage"].as_string(),
        ).where(Library.id.in_(ids))
    ):
        columns[library_id] = (
            (filename, name, group or "", version or "", kind, names[library_id],
             counts.get(library_id, 0)),
            (purl or "", sha1 or "", homepage or "", key_uuid),
        )  # fmt: skip
    return columns


def _vulnerability_counts(db: Session, library_ids: set[int]) -> dict[int, int]:
    return dict(
        db.execute(
            select(LibraryVulnerability.library_id, func.count())
            .where(LibraryVulnerability.library_id.in_(library_ids))
            .group_by(LibraryVulnerability.library_id)
        ).all()
    )


# --- vulnerabilities --------------------------------------------------------------------


def vulnerability_rows(
    db: Session, which: ProjectFilter, options: Any = None
) -> Iterator[Sequence[object]]:
    """One row per (project, library, vulnerability), the knowledge base's current view;
    a ``status`` filter keeps those whose security alert has that status. As for the
    inventory, the query reads links (project, library, advisory) and the columns of each
    library-advisory pair come from a :class:`Memo`; joining them all in made the plan
    fragile too (309 s on PostgreSQL before its statistics were gathered, 13 s after)."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            ProjectLibrary.project_id,
            ProjectLibrary.library_id,
            ProjectLibrary.direct,
            LibraryVulnerability.advisory_id,
        )
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(LibraryVulnerability, LibraryVulnerability.library_id == ProjectLibrary.library_id),
        which,
    )  # no ORDER BY, as for the inventory
    status = getattr(options, "status", None)
    if status:  # only the vulnerabilities whose alert has this status
        statement = statement.join(
            Alert,
            (Alert.project_id == ProjectLibrary.project_id)
            & (Alert.library_id == ProjectLibrary.library_id)
            & (Alert.advisory_id == LibraryVulnerability.advisory_id),
        ).where(Alert.status == status)
    projects = scope_project_names(db, which)
    pairs: Memo[tuple[int, int], tuple[Columns, str, Columns]] = Memo(
        lambda keys: _vulnerability_columns(db, keys)
    )
    for chunk in stream_plain_chunks(db, statement):
        known = pairs((row[1], row[3]) for row in chunk)
        for project_id, library_id, direct, advisory_id in chunk:
            head, fix, tail = known[(library_id, advisory_id)]
            yield head + (bool(direct), fix) + projects[project_id] + tail


def _vulnerability_columns(
    db: Session, pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], tuple[Columns, str, Columns]]:
    """Per (library, advisory): the row's columns before the project link's, its fix
    advice, and the columns after the project's names."""
    advisory_ids = {advisory_id for _, advisory_id in pairs}
    library_ids = {library_id for library_id, _ in pairs}
    advisories = {
        row[0]: row[1:]
        for row in db.execute(
            select(
                Advisory.id,
                Advisory.key,
                Advisory.name,
                Advisory.type,
                Advisory.band,
                Advisory.cvss2_score,
                Advisory.cvss3_score,
                Advisory.cvss4_score,
                Advisory.published,
                Advisory.modified,
                Advisory.summary,
            ).where(Advisory.id.in_(advisory_ids))
        )
    }
    libraries = {
        row[0]: row[1:]
        for row in db.execute(
            select(
                Library.id,
                Library.filename,
                Library.ecosystem,
                Library.group_id,
                Library.name,
                Library.version,
                Library.library_type,
                Library.key_uuid,
            ).where(Library.id.in_(library_ids))
        )
    }
    fixes = _fixes(db, advisory_ids)
    columns: dict[tuple[int, int], tuple[Columns, str, Columns]] = {}
    for library_id, advisory_id in pairs:
        key, name, kind, band, cvss2, cvss3, cvss4, published, modified, summary = advisories[
            advisory_id
        ]
        filename, ecosystem, group, library, version, library_type, key_uuid = libraries[library_id]
        package = osv_package(ecosystem, group, library)
        fixed = fixes.get((advisory_id, package), ()) if package else ()
        best = top_fix(package[0], version, fixed) if package else None
        score = cvss2 if cvss2 is not None else (cvss3 if cvss3 is not None else cvss4)
        columns[(library_id, advisory_id)] = (
            (name, kind, v13_band(band), score, cvss3, format_date(published or modified),
             filename, version or "", library_type),
            f"Upgrade to version {best}" if best else "",
            (f"https://osv.dev/vulnerability/{key}", summary, key_uuid,
             _cvss3_band(cvss3, band)),
        )  # fmt: skip
    return columns


def _cvss3_band(score: float | None, band: str) -> str:
    """The v1.3 CVSS 3 band: of the v3 score when there is one, else the advisory's."""
    return v13_band(band if score is None else band_of(score))


def _fixes(db: Session, advisory_ids: set[int]) -> dict[tuple[int, tuple[str, str]], list[str]]:
    found: dict[tuple[int, tuple[str, str]], list[str]] = defaultdict(list)
    for advisory_id, ecosystem, name, fixed in db.execute(
        select(
            AdvisoryPackage.advisory_id,
            AdvisoryPackage.ecosystem,
            AdvisoryPackage.name,
            AdvisoryPackage.fixed,
        ).where(AdvisoryPackage.advisory_id.in_(advisory_ids))
    ):
        found[(advisory_id, (ecosystem, name))].extend(fixed)
    return found


# --- alerts ---------------------------------------------------------------------------


def alert_rows(
    statuses: Sequence[str] | None, types: Sequence[str] | None = None
) -> Callable[[Session, ProjectFilter, Any], Iterator[Sequence[object]]]:
    """A source of one row per alert of these statuses (the report's ``status`` filter
    narrows further) and types."""

    def rows(db: Session, which: ProjectFilter, options: Any = None) -> Iterator[Sequence[object]]:
        wanted = statuses
        chosen = getattr(options, "status", None)
        if chosen:
            wanted = [s for s in (statuses or [chosen]) if s.lower() == chosen.lower()]
        statement = in_scope(
            select(  # type: ignore[arg-type]
                Alert.type,
                Alert.level,
                Alert.status,
                Alert.description,
                Library.filename,
                Library.version,
                Library.library_type,
                Advisory.name,
                Advisory.band,
                Advisory.cvss3_score,
                Product.name,
                Project.name,
                Alert.comments,
                Alert.created_at,
                Alert.modified_at,
                Alert.uuid,
            )
            .select_from(Alert)
            .join(Project, Project.id == Alert.project_id)
            .join(Library, Library.id == Alert.library_id)
            .outerjoin(Advisory, Advisory.id == Alert.advisory_id),
            which,
        )
        if wanted is not None:
            statement = statement.where(Alert.status.in_(wanted))
        if types is not None:
            statement = statement.where(Alert.type.in_(types))
        for chunk in stream_chunks(db, statement):
            for (kind, level, status, description, filename, version, library_type, advisory,
                 band, cvss3, product, project, comments, created, modified,
                 uuid) in chunk:  # fmt: skip
                yield (
                    kind,
                    level,
                    status,
                    advisory or "",
                    v13_band(band) if band else "",
                    cvss3,
                    filename,
                    version or "",
                    library_type,
                    product,
                    project,
                    description,
                    comments or "",
                    format_timestamp(created),
                    format_timestamp(modified),
                    uuid,
                )

    return rows


SECURITY_ONLY = (AlertType.SECURITY_VULNERABILITY.value,)
