"""Writing the CVE-keyed sources (NVD, EPSS, KEV) and recording each import.

Rows are compared with the stored ones and only the new or different are written, so
re-importing yesterday's file writes nothing and re-groups nothing; the CVE ids that
changed are what ``analysis.regroup`` needs. ``knowledge_imports`` keeps one row per
source: when it was last imported, from where, what was read, refused and why (the
knowledge base's status report reads it).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from depvault.store.engine.bulk import bulk_insert
from depvault.store.engine.id_lists import among
from depvault.store.models import Base, KnowledgeImport

__all__ = ["ImportRecord", "delete_absent", "read_imports", "record_import", "write_changed"]

CHUNK = 2000
PROBLEMS_KEPT = 100


def write_changed(db: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> list[str]:
    """Write the rows (dicts with the same keys, keyed by ``cve``) that are new or
    differ from the stored ones; returns their CVE ids."""
    if not rows:
        return []
    table = cast(Table, model.__table__)
    columns = list(rows[0])
    stored: dict[str, tuple[Any, ...]] = {}
    keys = [row["cve"] for row in rows]
    for start in range(0, len(keys), CHUNK):
        for row in db.execute(
            select(*(table.c[c] for c in columns)).where(
                among(db, table.c.cve, keys[start : start + CHUNK])
            )
        ):
            stored[row.cve] = tuple(row)
    changed = [r for r in rows if stored.get(r["cve"]) != tuple(r[c] for c in columns)]
    if "last_modified" in columns:
        # NVD: an older entry (a yearly file read after -modified) never replaces a newer one
        at = columns.index("last_modified")
        changed = [
            r
            for r in changed
            if r["cve"] not in stored or r["last_modified"] >= stored[r["cve"]][at]
        ]
    gone = [r["cve"] for r in changed if r["cve"] in stored]
    for start in range(0, len(gone), CHUNK):
        db.execute(delete(table).where(among(db, table.c.cve, gone[start : start + CHUNK])))
    bulk_insert(db, model, changed)
    return [r["cve"] for r in changed]


def delete_absent(db: Session, model: type[Base], present: Collection[str]) -> list[str]:
    """Delete the rows whose CVE is not in ``present`` (a source whose file is its
    whole catalog: a CVE it no longer lists is no longer scored or listed); returns
    their CVE ids."""
    table = cast(Table, model.__table__)
    absent = [cve for cve in db.scalars(select(table.c.cve)) if cve not in present]
    for start in range(0, len(absent), CHUNK):
        db.execute(delete(table).where(among(db, table.c.cve, absent[start : start + CHUNK])))
    return absent


@dataclass(frozen=True)
class ImportRecord:
    """The last import of a source."""

    source: str
    imported_at: datetime
    origin: str
    records: int
    changed: int
    invalid: int
    newest: str | None
    problems: tuple[str, ...]


def record_import(db: Session, record: ImportRecord) -> None:
    """Keep this as the source's last import (the first problems only)."""
    db.execute(delete(KnowledgeImport).where(KnowledgeImport.source == record.source))
    db.add(
        KnowledgeImport(
            source=record.source,
            imported_at=record.imported_at,
            origin=record.origin,
            records=record.records,
            changed=record.changed,
            invalid=record.invalid,
            newest=record.newest,
            problems=list(record.problems[:PROBLEMS_KEPT]),
        )
    )


def read_imports(db: Session) -> dict[str, ImportRecord]:
    """Source → its last import."""
    return {
        row.source: ImportRecord(
            row.source,
            row.imported_at,
            row.origin,
            row.records,
            row.changed,
            row.invalid,
            row.newest,
            tuple(row.problems),
        )
        for row in db.scalars(select(KnowledgeImport))
    }
