"""A library across an organization: the versions of it in use, the projects using a
version, its licenses and advisories, the newest known release."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    Advisory,
    Library,
    LibraryLicense,
    LibraryVulnerability,
    NewestRelease,
    Product,
    Project,
    ProjectLibrary,
)
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = [
    "AdvisoryRow",
    "LibraryFacts",
    "UsingProject",
    "VersionInUse",
    "library_advisories",
    "library_facts",
    "newest_release",
    "projects_using",
    "versions_in_use",
]


@dataclass(frozen=True)
class LibraryFacts:
    """A catalog library."""

    id: int
    key_uuid: str
    name: str
    group_id: str | None
    version: str | None
    ecosystem: str
    purl: str | None
    description: str | None
    license_expression: str | None
    osv_ecosystem: str | None
    osv_name: str | None
    licenses: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class VersionInUse:
    """A version of the library and how many of the scope's projects hold it."""

    key_uuid: str
    version: str | None
    projects: int


@dataclass(frozen=True)
class UsingProject:
    """A project holding the library."""

    token: str
    name: str
    product_name: str
    direct: bool
    updated_at: datetime


@dataclass(frozen=True)
class AdvisoryRow:
    """An advisory as lists show it."""

    name: str
    band: str
    summary: str
    score: float | None


def library_facts(db: Session, which: ProjectFilter, key_uuid: str) -> LibraryFacts | None:
    """The library of this keyUuid if a project of the scope holds it (the catalog is
    shared: a library no project of the caller's holds is not theirs to see)."""
    row = db.execute(
        select(
            Library.id,
            Library.key_uuid,
            Library.name,
            Library.group_id,
            Library.version,
            Library.ecosystem,
            Library.purl,
            Library.description,
            Library.license_expression,
            Library.osv_ecosystem,
            Library.osv_name,
        ).where(Library.key_uuid == key_uuid)
    ).first()
    if row is None:
        return None
    held = db.scalar(
        select(ProjectLibrary.project_id)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(ProjectLibrary.library_id == row.id, *which.clauses())
        .limit(1)
    )
    if held is None:
        return None
    licenses = tuple(
        (license_id, name)
        for license_id, name in db.execute(
            select(LibraryLicense.license_id, LibraryLicense.name)
            .where(LibraryLicense.library_id == row.id)
            .order_by(LibraryLicense.license_id)
        )
    )
    return LibraryFacts(*row, licenses=licenses)


def versions_in_use(db: Session, which: ProjectFilter, library: LibraryFacts) -> list[VersionInUse]:
    """Every version of the same package held in the scope, with its project count."""
    same = [Library.ecosystem == library.ecosystem, Library.name == library.name]
    same.append(
        Library.group_id.is_(None)
        if library.group_id is None
        else Library.group_id == library.group_id
    )
    rows = db.execute(
        select(Library.key_uuid, Library.version, func.count(ProjectLibrary.project_id))
        .join(ProjectLibrary, ProjectLibrary.library_id == Library.id)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .where(*same, *which.clauses())
        .group_by(Library.key_uuid, Library.version)
        .order_by(Library.version)
        .limit(200)
    )
    return [VersionInUse(*row) for row in rows]


def projects_using(
    db: Session, which: ProjectFilter, library_id: int, request: PageRequest
) -> Page[UsingProject]:
    """One page of the scope's projects holding the library, by product and name."""
    rows, more = page_of(
        db,
        select(Project.token, Project.name, Product.name, ProjectLibrary.direct, Project.updated_at)
        .join(ProjectLibrary, ProjectLibrary.project_id == Project.id)
        .join(Product, Product.id == Project.product_id)
        .where(ProjectLibrary.library_id == library_id, *which.clauses())
        .order_by(Product.name, Project.name, Project.id),
        request,
    )
    return Page([UsingProject(*row) for row in rows], request, more)


def library_advisories(db: Session, library_id: int) -> list[AdvisoryRow]:
    """The advisories the library is affected by, the most severe first."""
    score = func.coalesce(Advisory.cvss4_score, Advisory.cvss3_score, Advisory.cvss2_score)
    rows = db.execute(
        select(Advisory.name, Advisory.band, Advisory.summary, score)
        .join(LibraryVulnerability, LibraryVulnerability.advisory_id == Advisory.id)
        .where(LibraryVulnerability.library_id == library_id)
        .order_by(score.desc().nulls_last(), Advisory.name)
    )
    return [AdvisoryRow(*row) for row in rows]


def newest_release(db: Session, library: LibraryFacts) -> str | None:
    """The newest known release of the library's package (the new-version alerts'
    cache), or None when unknown."""
    if library.osv_ecosystem is None or library.osv_name is None:
        return None
    return db.scalar(
        select(NewestRelease.version).where(
            NewestRelease.ecosystem == library.osv_ecosystem,
            NewestRelease.name == library.osv_name,
        )
    )
