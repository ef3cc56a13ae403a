"""Row sources of the Effective Licenses and License Compatibility reports (the streaming
rules of ``sources``: rows from a cursor, enrichment a chunk at a time, no query per row).

The effective license of a library is a pure function of its declared expression
(``domain.effective_licenses``, memoized per distinct expression), so both reports read
``libraries.license_expression`` once per library and never parse per row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from depvault.domain.licensing.compatibility import conflicts
from depvault.domain.licensing.effective import effective_license
from depvault.reports.sources.core import (
    Memo,
    in_scope,
    scope_project_names,
    stream_chunks,
    stream_plain_chunks,
)
from depvault.store.engine.id_lists import among
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.library_reads import scope_library_ids
from depvault.store.models import Library, Project, ProjectLibrary

__all__ = ["LIBRARIES_LISTED", "effective_license_rows", "license_compatibility_rows"]

Rows = Iterator[Sequence[object]]
_CHUNK = 2000  # library ids per catalog query
LIBRARIES_LISTED = 50  # library names a compatibility cell lists before "… and N more"


def effective_license_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per (project, library) with the library's declared and effective license.

    As for the inventory, the query reads only the project-library links (no ORDER BY:
    rows come by project) and each library's columns come from a :class:`Memo` filled a
    chunk at a time, its effective license computed once per library."""
    statement = in_scope(
        select(ProjectLibrary.project_id, ProjectLibrary.library_id)  # type: ignore[arg-type]
        .select_from(ProjectLibrary)
        .join(Project, Project.id == ProjectLibrary.project_id),
        which,
    )
    projects = scope_project_names(db, which)
    libraries: Memo[int, tuple[object, ...]] = Memo(lambda ids: _effective_columns(db, ids))
    for chunk in stream_plain_chunks(db, statement):
        known = libraries({row[1] for row in chunk})
        for project_id, library_id in chunk:
            yield projects[project_id] + known[library_id]


def _effective_columns(db: Session, ids: set[int]) -> dict[int, tuple[object, ...]]:
    """Per library: its columns after the project's names."""
    columns: dict[int, tuple[object, ...]] = {}
    listed = sorted(ids)
    for start in range(0, len(listed), _CHUNK):
        statement = select(
            Library.id,
            Library.filename,
            Library.version,
            Library.library_type,
            Library.license_expression,
            Library.key_uuid,
        ).where(among(db, Library.id, listed[start : start + _CHUNK]))
        for library_id, filename, version, kind, declared, key in db.execute(statement):
            effective = effective_license(declared)
            profile = effective.profile
            columns[library_id] = (
                filename,
                version or "",
                kind,
                effective.declared,
                effective.expression,
                profile.category.value,
                profile.copyleft.value,
                effective.reason,
                key,
            )
    return columns


@dataclass
class _Carriers:
    """The libraries carrying one license: how many, and the first names in order."""

    count: int = 0
    names: list[str] = field(default_factory=list)

    def add(self, name: str) -> None:
        self.count += 1
        if len(self.names) < LIBRARIES_LISTED:
            self.names.append(name)

    def listed(self) -> str:
        rest = self.count - len(self.names)
        text = ", ".join(self.names)
        return f"{text} … and {rest} more" if rest else text


def license_compatibility_rows(db: Session, which: ProjectFilter, options: Any = None) -> Rows:
    """One row per pair of effective licenses of the scope that ``domain.
    license_compatibility`` knows to conflict, with the libraries carrying each side.

    One pass over the scope's distinct libraries in name order (a set-based ``IN`` over
    the scope's links); per effective license only a count and the first
    ``LIBRARIES_LISTED`` names are kept, so memory is bound by the number of distinct
    licenses, not libraries."""
    statement = (
        select(Library.filename, Library.license_expression)
        .where(Library.id.in_(scope_library_ids(which)), Library.license_expression.is_not(None))
        .order_by(Library.filename, Library.id)
    )
    carriers: dict[str, _Carriers] = {}
    for chunk in stream_chunks(db, statement):  # type: ignore[arg-type]
        for filename, declared in chunk:
            for term in effective_license(declared).terms:
                carriers.setdefault(term, _Carriers()).add(filename)
    for hit in conflicts(carriers):
        first, second = carriers[hit.license], carriers[hit.conflicting]
        yield (
            hit.license,
            first.listed(),
            first.count,
            hit.conflicting,
            second.listed(),
            second.count,
            hit.direction,
            hit.rule.reason,
            hit.rule.source,
        )
