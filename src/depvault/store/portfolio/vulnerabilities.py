"""A vulnerability (an advisory and the records grouped with it) and the projects of a
scope it affects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.knowledge.vulnerability_reads import AdvisoryView, advisories_by_id
from depvault.store.models import (
    Advisory,
    Library,
    LibraryVulnerability,
    Product,
    Project,
    ProjectLibrary,
)
from depvault.store.portfolio.paging import Page, PageRequest, page_of

__all__ = ["AffectedProject", "Vulnerability", "affected_projects", "vulnerability"]


@dataclass(frozen=True)
class Vulnerability:
    """The advisory a name finds, and the ids of every record of its group."""

    advisory: AdvisoryView
    group_ids: tuple[int, ...]
    record_keys: tuple[str, ...]


@dataclass(frozen=True)
class AffectedProject:
    """A project holding an affected library."""

    project_token: str
    project_name: str
    product_name: str
    library_uuid: str
    library_name: str
    library_version: str | None


def vulnerability(db: Session, name: str) -> Vulnerability | None:
    """The vulnerability called ``name`` (its shown name, e.g. a CVE, or a record's id)."""
    first = db.execute(
        select(Advisory.id, Advisory.group_key)
        .where(or_(Advisory.name == name, Advisory.key == name))
        .order_by(Advisory.id)
        .limit(1)
    ).first()
    if first is None:
        return None
    members = db.execute(
        select(Advisory.id, Advisory.key)
        .where(Advisory.group_key == first.group_key)
        .order_by(Advisory.key)
    ).all()
    view = advisories_by_id(db, [first.id])[first.id]
    return Vulnerability(view, tuple(row.id for row in members), tuple(row.key for row in members))


def affected_projects(
    db: Session, which: ProjectFilter, group_ids: tuple[int, ...], request: PageRequest
) -> Page[AffectedProject]:
    """One page of the scope's projects holding a library the vulnerability affects."""
    rows, more = page_of(
        db,
        select(
            Project.token,
            Project.name,
            Product.name,
            Library.key_uuid,
            Library.name,
            Library.version,
        )
        .distinct()
        .select_from(LibraryVulnerability)
        .join(ProjectLibrary, ProjectLibrary.library_id == LibraryVulnerability.library_id)
        .join(Project, Project.id == ProjectLibrary.project_id)
        .join(Product, Product.id == Project.product_id)
        .join(Library, Library.id == LibraryVulnerability.library_id)
        .where(LibraryVulnerability.advisory_id.in_(group_ids), *which.clauses())
        .order_by(Product.name, Project.name, Library.name, Library.version),
        request,
    )
    return Page([AffectedProject(*row) for row in rows], request, more)
