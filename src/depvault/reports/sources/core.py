"""Row sources of the core reports: set-based SQL streamed from a cursor.

A source yields one tuple per report row, in the order of its report's columns. Rows
come from the database ``ROWS_PER_FETCH`` at a time (``yield_per``) and are enriched a
chunk at a time (licenses, vulnerability counts, fixes: one query per chunk, never one
per row), so memory stays flat whatever the scope's size: an organization of a million
library rows streams like a project of ten.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from depvault.domain.advisory_text import advisory_description
from depvault.domain.alert_rules import AlertType, top_fix
from depvault.domain.osv.packages import osv_package
from depvault.domain.osv.records import band_of, v13_band
from depvault.domain.timefmt import format_date, format_timestamp
from depvault.store.engine.db import cursor_transaction
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.reads import libraries_by_id
from depvault.store.knowledge.vulnerability_reads import advisories_by_id, library_advisories
from depvault.store.models import (
    Advisory,
    Alert,
    Library,
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
    # options of this statement's execution: set on the connection, they would stay on
    # it for the rest of the session (SQLAlchemy 2 changes a Connection in place)
    streamed = statement.execution_options(stream_results=True, max_row_buffer=ROWS_PER_FETCH)
    with (
        cursor_transaction(db),
        db.connection().execute(streamed) as result,  # closed even when abandoned midway
    ):
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
    with cursor_transaction(db):
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
    advisories = library_advisories(db, ids)
    return {
        library_id: (
            (
                lib.filename,
                lib.name,
                lib.group_id or "",
                lib.version or "",
                lib.library_type,
                ", ".join(name for _, name in lib.licenses),
                len(advisories.get(library_id, ())),
            ),
            (
                lib.purl or "",
                lib.sha1 or "",
                str(lib.references.get("homePage") or ""),
                lib.key_uuid,
            ),
        )
        for library_id, lib in libraries_by_id(db, ids).items()
    }


# --- vulnerabilities --------------------------------------------------------------------


def vulnerability_rows(
    db: Session, which: ProjectFilter, options: Any = None
) -> Iterator[Sequence[object]]:
    """Every vulnerability of the scope (see :func:`_vulnerability_rows`)."""
    return _vulnerability_rows(db, which, options)


def early_warning_rows(
    db: Session, which: ProjectFilter, options: Any = None
) -> Iterator[Sequence[object]]:
    """The early warnings: the scope's vulnerabilities that have no CVE yet (advisory
    type WS; see :data:`EARLY_WARNING_TYPES`)."""
    return _vulnerability_rows(db, which, options, advisory_types=EARLY_WARNING_TYPES)


# Advisories known before a CVE is assigned: Mend's "early warnings" are its research's
# vulnerabilities without a CVE; depvault's are the OSV advisories with no CVE alias.
EARLY_WARNING_TYPES = ("WS",)


def _vulnerability_rows(
    db: Session,
    which: ProjectFilter,
    options: Any = None,
    *,
    advisory_types: Sequence[str] | None = None,
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
    if advisory_types is not None:
        statement = statement.join(Advisory, Advisory.id == LibraryVulnerability.advisory_id).where(
            Advisory.type.in_(advisory_types)
        )
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
    advisories = advisories_by_id(db, {advisory_id for _, advisory_id in pairs})
    libraries = libraries_by_id(db, {library_id for library_id, _ in pairs})
    columns: dict[tuple[int, int], tuple[Columns, str, Columns]] = {}
    for library_id, advisory_id in pairs:
        a, lib = advisories[advisory_id], libraries[library_id]
        package = osv_package(lib.ecosystem, lib.group_id, lib.name)
        fixed = a.fixes.get(package, ()) if package else ()
        best = top_fix(package[0], lib.version, fixed) if package else None
        score = next(
            (s for s in (a.cvss2_score, a.cvss3_score, a.cvss4_score) if s is not None), None
        )
        columns[(library_id, advisory_id)] = (
            (a.name, a.type, v13_band(a.band), score, a.cvss3_score,
             format_date(a.published or a.modified), lib.filename, lib.version or "",
             lib.library_type),
            f"Upgrade to version {best}" if best else "",
            (f"https://osv.dev/vulnerability/{a.key}", advisory_description(a.summary, a.details),
             lib.key_uuid,
             _cvss3_band(a.cvss3_score, a.band),
             *signal_cells(a.score_source, a.epss, a.epss_percentile, a.kev_date_added,
                           a.known_ransomware, a.malicious)),
        )  # fmt: skip
    return columns


def signal_cells(
    source: str | None,
    epss: float | None,
    percentile: float | None,
    kev_added: date | None,
    ransomware: bool | None,
    malicious: bool | None,
) -> Columns:
    """The cells of ``catalog.SIGNAL_COLUMNS`` (all blank for an alert without a
    vulnerability: ``source`` None)."""
    if source is None:
        return ("", None, None, "", "", "", "")
    known = kev_added is not None or ransomware is not None
    return (
        source,
        epss,
        percentile,
        "Yes" if known else "No",
        kev_added.isoformat() if kev_added else "",
        "Yes" if ransomware else "No",
        "Yes" if malicious else "No",
    )


def _cvss3_band(score: float | None, band: str) -> str:
    """The v1.3 CVSS 3 band: of the v3 score when there is one, else the advisory's."""
    return v13_band(band if score is None else band_of(score))


# --- alerts ---------------------------------------------------------------------------


def alert_rows(
    statuses: Sequence[str] | None,
    types: Sequence[str] | None = None,
    advisory_types: Sequence[str] | None = None,
) -> Callable[[Session, ProjectFilter, Any], Iterator[Sequence[object]]]:
    """A source of one row per alert of these statuses (the report's ``status`` filter
    narrows further) and types, and (security alerts) advisory types."""

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
                Advisory.score_source,
                Advisory.epss,
                Advisory.epss_percentile,
                Advisory.kev_date_added,
                Advisory.known_ransomware,
                Advisory.malicious,
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
        if advisory_types is not None:
            statement = statement.where(Advisory.type.in_(advisory_types))
        for chunk in stream_chunks(db, statement):
            for (kind, level, status, description, filename, version, library_type, advisory,
                 band, cvss3, *signals, product, project, comments, created, modified,
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
                    *signal_cells(*signals),
                )

    return rows


SECURITY_ONLY = (AlertType.SECURITY_VULNERABILITY.value,)
