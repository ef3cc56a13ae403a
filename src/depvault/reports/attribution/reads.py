"""What the Attribution report reads: its entries streamed from a cursor, and the few
aggregates of its summary and license list.

Entries come ordered (a notice file is read by people, alphabetically) ``ROWS_PER_FETCH``
at a time; each chunk's libraries get their licenses (through a :class:`Memo`: a
product's projects share most libraries) and notices with one query each, never one
per row. ``BY_COMPONENT`` lists each library of the scope once (``Library.id IN`` the
scope's links, so no DISTINCT over long texts); ``BY_PROJECT`` lists each project's
links, by project name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Mapping
from contextlib import closing
from typing import Any, cast

from sqlalchemy import Select, func, null, select
from sqlalchemy.orm import Session

from depvault.domain.licensing.licenses import license_info
from depvault.domain.licensing.texts import license_text
from depvault.reports.attribution.model import Entry, LicenseUse, Notice
from depvault.reports.sources.core import Memo, in_scope, stream_chunks
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import (
    CustomAttribute,
    CustomAttributeValue,
    Library,
    LibraryLicense,
    LibraryNotice,
    Project,
    ProjectLibrary,
)

__all__ = [
    "NO_LICENSE",
    "custom_attribute_value",
    "entry_count",
    "library_entries",
    "license_counts",
    "license_uses",
    "licensed_entries",
    "organization_of",
    "project_count",
]

NO_LICENSE = ""  # the key of the libraries without a license


def _links(*columns: Any) -> Select[Any]:
    """The scope's project-library links with their projects, before ``in_scope``."""
    return (
        select(*columns)
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id)
    )


def _entries(which: ProjectFilter, by_project: bool, by_license: bool) -> Select[Any]:
    """(license key, project name or NULL, library id, name, version) ordered by license
    key, project, name, version with ``by_license``; else (project name or NULL, library
    id, name, version, copyright) ordered by project, name, version."""
    key = func.coalesce(LibraryLicense.license_id, NO_LICENSE)
    head: list[Any] = [key] if by_license else []
    tail: list[Any] = [] if by_license else [Library.copyright]
    project = Project.name if by_project else null()
    columns = [*head, project, Library.id, Library.name, Library.version, *tail]
    if by_project:
        statement = in_scope(
            _links(*columns).join(Library, Library.id == ProjectLibrary.library_id), which
        )
        order: list[Any] = [Project.name, Project.id]
    else:
        ids = in_scope(_links(ProjectLibrary.library_id), which)
        statement = select(*columns).select_from(Library).where(Library.id.in_(ids))
        order = []
    if by_license:
        statement = statement.outerjoin(LibraryLicense, LibraryLicense.library_id == Library.id)
    return statement.order_by(*head, *order, Library.name, Library.version, Library.id)


def _chunks(db: Session, statement: Select[Any]) -> closing[Generator[list[Any]]]:
    """:func:`stream_chunks` as a context: its cursor is closed when the generator
    reading it is closed (a synchronous report cut at its row limit), before the
    report's next queries run on the same connection, not when it is collected."""
    return closing(cast(Generator[list[Any]], stream_chunks(db, statement)))


def _licenses(db: Session, ids: set[int]) -> dict[int, tuple[str, ...]]:
    """Each library's license ids, sorted (every id asked for has an entry)."""
    found: dict[int, list[str]] = defaultdict(list)
    statement = select(LibraryLicense.library_id, LibraryLicense.license_id).where(
        LibraryLicense.library_id.in_(ids)
    )
    for library_id, license_id in db.execute(statement):
        found[library_id].append(license_id)
    return {library_id: tuple(sorted(found.get(library_id, ()))) for library_id in ids}


def _notices(db: Session, org_id: int, ids: set[int]) -> dict[int, Notice]:
    statement = select(LibraryNotice.library_id, LibraryNotice.text, LibraryNotice.reference).where(
        LibraryNotice.org_id == org_id, LibraryNotice.library_id.in_(ids)
    )
    return {
        library_id: Notice(text, reference) for library_id, text, reference in db.execute(statement)
    }


def library_entries(
    db: Session,
    which: ProjectFilter,
    labels: Mapping[int, str],
    *,
    by_project: bool,
    notices_of: int | None,
) -> Generator[Entry]:
    """The entries of the scope in report order, with their licenses, copyright and
    (when ``notices_of`` names the organization) notice; ``labels`` are the scope's
    library labels (``reports/sbom/labels.py``)."""
    licenses: Memo[int, tuple[str, ...]] = Memo(lambda ids: _licenses(db, ids))
    with _chunks(db, _entries(which, by_project, by_license=False)) as chunks:
        for chunk in chunks:
            ids = {row[1] for row in chunk}
            known = licenses(ids)
            notices = _notices(db, notices_of, ids) if notices_of is not None else {}
            for project, library_id, name, version, copyright_ in chunk:
                notice = notices.get(library_id)
                yield Entry(
                    project,
                    name,
                    version,
                    known[library_id],
                    (copyright_,) if copyright_ else (),
                    (notice,) if notice else (),
                    labels.get(library_id, ""),
                )


def licensed_entries(
    db: Session, which: ProjectFilter, labels: Mapping[int, str], *, by_project: bool
) -> Generator[tuple[str, Entry]]:
    """(license key, entry) in order of license key (:data:`NO_LICENSE` for a library
    without one), then report order: an entry comes once under each of its licenses,
    carrying all of them."""
    licenses: Memo[int, tuple[str, ...]] = Memo(lambda ids: _licenses(db, ids))
    with _chunks(db, _entries(which, by_project, by_license=True)) as chunks:
        for chunk in chunks:
            known = licenses({row[2] for row in chunk})
            for key, project, library_id, name, version in chunk:
                label = labels.get(library_id, "")
                yield key, Entry(project, name, version, known[library_id], label=label)


def _members(which: ProjectFilter, by_project: bool, by_version: bool) -> list[Any]:
    """The columns telling one entry from another: the project with ``BY_PROJECT``, and
    the library (its name alone when versions are left out)."""
    what = Library.id if by_version else Library.name
    return [ProjectLibrary.project_id, what] if by_project else [what]


def license_counts(
    db: Session, which: ProjectFilter, *, by_project: bool, by_version: bool
) -> dict[str, int]:
    """Entries per license key (:data:`NO_LICENSE` counting those without one)."""
    key = func.coalesce(LibraryLicense.license_id, NO_LICENSE).label("key")
    inner = (
        in_scope(
            _links(key, *_members(which, by_project, by_version))
            .join(Library, Library.id == ProjectLibrary.library_id)
            .outerjoin(LibraryLicense, LibraryLicense.library_id == Library.id),
            which,
        )
        .distinct()
        .subquery()
    )
    statement = select(inner.c.key, func.count()).group_by(inner.c.key)
    return {str(k): int(n) for k, n in db.execute(statement)}


def entry_count(db: Session, which: ProjectFilter, *, by_project: bool, by_version: bool) -> int:
    """How many entries the report lists."""
    inner = (
        in_scope(
            _links(*_members(which, by_project, by_version)).join(
                Library, Library.id == ProjectLibrary.library_id
            ),
            which,
        )
        .distinct()
        .subquery()
    )
    return int(db.scalar(select(func.count()).select_from(inner)) or 0)


def project_count(db: Session, which: ProjectFilter) -> int:
    statement = in_scope(select(func.count()).select_from(Project), which)
    return int(db.scalar(statement) or 0)


def license_uses(counts: dict[str, int]) -> list[LicenseUse]:
    """The licenses of ``counts`` (but :data:`NO_LICENSE`) with their names, pages and
    texts, by id."""
    uses = []
    for license_id in sorted(k for k in counts if k != NO_LICENSE):
        info = license_info(license_id)
        text = license_text(license_id)
        uses.append(LicenseUse(license_id, info.name, info.url, text, counts[license_id]))
    return uses


def organization_of(db: Session, which: ProjectFilter) -> int | None:
    """The organization of the scope's projects (None for a scope without any)."""
    if which.org_id is not None:
        return which.org_id
    found = db.scalar(in_scope(select(Project.org_id), which).limit(1))
    return int(found) if found is not None else None


def custom_attribute_value(db: Session, which: ProjectFilter, name: str) -> str | None:
    """The value of the custom attribute ``name`` on the report's project (or product,
    for a product's report); None when it has none."""
    value = CustomAttributeValue
    statement = (
        select(value.value)
        .join(CustomAttribute, CustomAttribute.id == value.attribute_id)
        .where(CustomAttribute.name == name)
    )
    if which.project_id is not None:
        statement = statement.where(value.project_id == which.project_id)
    elif which.product_id is not None:
        statement = statement.where(value.product_id == which.product_id)
    else:
        return None
    return db.scalar(statement)
