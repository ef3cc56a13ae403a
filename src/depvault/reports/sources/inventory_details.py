"""Row sources of the inventory-detail reports (library locations, source files, in-house
libraries, licenses, library security alerts): the core sources' streaming rules (rows
from a cursor, enrichment a chunk at a time)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from depvault.domain.licensing.licenses import license_info
from depvault.domain.timefmt import format_timestamp
from depvault.reports.sources.core import in_scope, stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    Advisory,
    Alert,
    InHouseLibrary,
    Library,
    LibraryLicense,
    LibraryLocation,
    Product,
    Project,
    ProjectLibrary,
    SourceFileRow,
)

__all__ = [
    "in_house_rows",
    "library_location_rows",
    "library_security_alert_rows",
    "license_rows",
    "source_file_rows",
]

Rows = Iterator[Sequence[object]]


def library_location_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per place a library was found (path or dependency file)."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            Product.name,
            Project.name,
            Library.filename,
            Library.version,
            Library.library_type,
            LibraryLocation.path,
            LibraryLocation.dependency_file,
            Library.key_uuid,
        )
        .select_from(LibraryLocation)
        .join(Project, Project.id == LibraryLocation.project_id)
        .join(Library, Library.id == LibraryLocation.library_id),
        which,
    ).order_by(LibraryLocation.project_id, LibraryLocation.id)
    for chunk in stream_chunks(db, statement):
        for product, project, filename, version, kind, path, dep_file, key in chunk:
            yield (product, project, filename, version or "", kind, path or "", dep_file or "", key)


def source_file_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per source file attributed to a library."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            Product.name,
            Project.name,
            SourceFileRow.name,
            SourceFileRow.path,
            SourceFileRow.sha1,
            Library.filename,
            Library.version,
            Library.key_uuid,
        )
        .select_from(SourceFileRow)
        .join(Project, Project.id == SourceFileRow.project_id)
        .join(Library, Library.id == SourceFileRow.library_id),
        which,
    ).order_by(SourceFileRow.project_id, SourceFileRow.id)
    for chunk in stream_chunks(db, statement):
        for product, project, name, path, sha1, filename, version, key in chunk:
            yield (product, project, name, path or "", sha1, filename, version or "", key)


def in_house_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per (project, library) the organization marked as its own code."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            Product.name,
            Project.name,
            Library.filename,
            Library.version,
            Library.library_type,
            InHouseLibrary.marked_at,
            Library.key_uuid,
        )
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Library, Library.id == ProjectLibrary.library_id)
        .join(
            InHouseLibrary,
            (InHouseLibrary.library_id == ProjectLibrary.library_id)
            & (InHouseLibrary.org_id == Project.org_id),
        ),
        which,
    ).order_by(ProjectLibrary.project_id, ProjectLibrary.library_id)
    for chunk in stream_chunks(db, statement):
        for product, project, filename, version, kind, marked, key in chunk:
            yield (product, project, filename, version or "", kind, format_timestamp(marked), key)


def license_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per (project, library, license) with the license's risk profile."""
    statement = in_scope(
        select(  # type: ignore[arg-type]
            Product.name,
            Project.name,
            Library.filename,
            Library.version,
            LibraryLicense.license_id,
            LibraryLicense.name,
            Library.copyright,
            Library.key_uuid,
        )
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Library, Library.id == ProjectLibrary.library_id)
        .join(LibraryLicense, LibraryLicense.library_id == Library.id),
        which,
    ).order_by(ProjectLibrary.project_id, ProjectLibrary.library_id, LibraryLicense.license_id)
    for chunk in stream_chunks(db, statement):
        for product, project, filename, version, spdx, name, copyright_, key in chunk:
            info = license_info(spdx)
            profile = info.profile
            yield (
                product,
                project,
                filename,
                version or "",
                name or info.name,
                spdx,
                profile.copyleft,
                profile.linking,
                profile.royalty_free,
                profile.copyright_risk_score,
                profile.patent_risk_score,
                (copyright_ or "").splitlines()[0] if copyright_ else "",
                info.url or "",
                key,
            )


def library_security_alert_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per (project, library) with its security alerts counted by band."""
    wanted = getattr(options, "status", None)
    counts = [
        func.sum(case((Advisory.band == band, 1), else_=0))
        for band in ("critical", "high", "medium", "low")
    ]
    statement = in_scope(
        select(  # type: ignore[arg-type]
            Product.name,
            Project.name,
            Library.filename,
            Library.library_type,
            *counts,
            func.count(),
            func.sum(case((Alert.status == "Ignored", 1), else_=0)),
            func.sum(case((Alert.status == "Resolved", 1), else_=0)),
            func.min(Alert.created_at),
            func.max(Alert.modified_at),
        )
        .select_from(Alert)
        .join(Project, Project.id == Alert.project_id)
        .join(Library, Library.id == Alert.library_id)
        .join(Advisory, Advisory.id == Alert.advisory_id),
        which,
    )
    if wanted:
        statement = statement.where(Alert.status == wanted)
    statement = statement.group_by(
        Alert.project_id, Alert.library_id, Product.name, Project.name, Library.filename,
        Library.library_type,
    ).order_by(Alert.project_id, Alert.library_id)  # fmt: skip
    for chunk in stream_chunks(db, statement):
        for (product, project, filename, kind, critical, high, medium, low, total, ignored,
             resolved, created, modified) in chunk:  # fmt: skip
            yield (
                filename, kind, product, project, int(critical or 0) + int(high or 0),
                int(medium or 0), int(low or 0), int(total), int(ignored or 0),
                int(resolved or 0), format_timestamp(created), format_timestamp(modified),
            )  # fmt: skip
