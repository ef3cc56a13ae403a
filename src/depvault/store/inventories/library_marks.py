"""What an organization records about libraries: notices, in-house marks, and which
library a source file belongs to. Each function costs a fixed number of statements
(values in IN lists go by :data:`~depvault.store.inventories.library_reads.CHUNK`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.orm import Session

from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.library_reads import (
    CHUNK,
    LibraryRef,
    library_ref,
    scope_library_ids,
)
from depvault.store.models import (
    InHouseLibrary,
    Library,
    LibraryNotice,
    Project,
    ProjectLibrary,
    SourceFileRow,
)

__all__ = [
    "Notice",
    "in_house_ids_query",
    "in_house_library_ids",
    "move_source_files",
    "notices",
    "set_in_house",
    "set_notice",
]


@dataclass(frozen=True)
class Notice:
    """An organization's notice for a library."""

    library: LibraryRef
    text: str
    reference: str | None


def set_notice(
    db: Session, org_id: int, library_id: int, text: str, reference: str | None, now: datetime
) -> tuple[str, str | None] | None:
    """Set (or, with an empty ``text``, remove) the organization's notice of a library;
    returns the previous (text, reference), None when there was none."""
    current = db.get(LibraryNotice, (org_id, library_id))
    before = (current.text, current.reference) if current else None
    if not text:
        if current is not None:
            db.delete(current)
    elif current is None:
        db.add(
            LibraryNotice(
                org_id=org_id, library_id=library_id, text=text, reference=reference, updated_at=now
            )
        )
    else:
        current.text, current.reference, current.updated_at = text, reference, now
    return before


def notices(db: Session, org_id: int, which: ProjectFilter) -> list[Notice]:
    """The organization's notices of the scope's libraries, by library name."""
    return [
        Notice(library_ref(m), m["text"], m["reference"])
        for m in db.execute(
            select(
                Library.id,
                Library.key_uuid,
                Library.name,
                Library.filename,
                LibraryNotice.text,
                LibraryNotice.reference,
            )
            .join(Library, Library.id == LibraryNotice.library_id)
            .where(LibraryNotice.org_id == org_id, Library.id.in_(scope_library_ids(which)))
            .order_by(Library.name, Library.version, Library.id)
        ).mappings()
    ]


def in_house_library_ids(db: Session, org_id: int) -> set[int]:
    """The ids of the libraries the organization marked in-house (for inventories that
    leave them out: ``includeInHouseData=false``)."""
    return set(db.scalars(select(InHouseLibrary.library_id).where(InHouseLibrary.org_id == org_id)))


def in_house_ids_query(org_id: int) -> Select[int]:
    """The same ids as a subquery, for :func:`scoped_libraries`'s ``only``."""
    return select(InHouseLibrary.library_id).where(InHouseLibrary.org_id == org_id)


def set_in_house(
    db: Session, org_id: int, library_ids: Collection[int], marked: bool, now: datetime
) -> int:
    """Mark (or unmark) libraries in-house for the organization; returns how many
    changed (a library already in the wanted state does not count)."""
    listed = sorted(set(library_ids))
    changed = 0
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        present = set(
            db.scalars(
                select(InHouseLibrary.library_id).where(
                    InHouseLibrary.org_id == org_id, InHouseLibrary.library_id.in_(chunk)
                )
            )
        )
        if marked:
            rows = [
                {"org_id": org_id, "library_id": lib, "marked_at": now}
                for lib in chunk
                if lib not in present
            ]
            if rows:
                db.execute(insert(InHouseLibrary), rows)
            changed += len(rows)
        elif present:
            db.execute(
                delete(InHouseLibrary).where(
                    InHouseLibrary.org_id == org_id, InHouseLibrary.library_id.in_(present)
                )
            )
            changed += len(present)
    return changed


def move_source_files(
    db: Session, which: ProjectFilter, sha1s: Sequence[str], target_id: int
) -> tuple[int, int]:
    """Attribute the scope's source files of these SHA-1s to the target library, which
    joins the inventory of every project whose files moved (as a direct dependency)
    when it is not there yet. Returns (files moved, projects that gained the library).
    """
    projects = select(Project.id).where(*which.clauses())
    moved = 0
    touched: set[int] = set()
    listed = sorted(set(sha1s))
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        result = db.execute(
            update(SourceFileRow)
            .where(
                SourceFileRow.project_id.in_(projects),
                SourceFileRow.sha1.in_(chunk),
                SourceFileRow.library_id != target_id,
            )
            .values(library_id=target_id)
        )
        moved += result.rowcount  # type: ignore[attr-defined]
        touched.update(
            db.scalars(
                select(SourceFileRow.project_id)
                .where(
                    SourceFileRow.project_id.in_(projects),
                    SourceFileRow.sha1.in_(chunk),
                    SourceFileRow.library_id == target_id,
                )
                .distinct()
            )
        )
    if not touched:
        return moved, 0
    holding = set(
        db.scalars(
            select(ProjectLibrary.project_id).where(
                ProjectLibrary.library_id == target_id,
                ProjectLibrary.project_id.in_(sorted(touched)),
            )
        )
    )
    rows: list[dict[str, Any]] = [
        {"project_id": p, "library_id": target_id, "direct": True, "depth": 1, "scope": None}
        for p in sorted(touched - holding)
    ]
    if rows:
        db.execute(insert(ProjectLibrary), rows)
    return moved, len(rows)
