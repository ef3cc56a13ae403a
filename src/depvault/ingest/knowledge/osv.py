"""Importing OSV advisories: per-ecosystem ``all.zip`` exports or folders of OSV JSON.

Incremental by ``modified``: a record whose id is known with the same ``modified`` time
writes nothing; a changed record replaces the stored one (its packages with it); a
withdrawn record is kept, marked withdrawn, and stops matching. Every record written is
queued for grouping (``analysis.regroup``: records naming each other are one
vulnerability), which runs first in the re-analysis. Records are written in
batches, each batch one transaction with a fixed number of statements, which also
records the packages they touch; the libraries of those packages are then matched again
and the projects holding them re-analysed (``analysis.refresh``), once per package
however many batches named it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import orjson
from sqlalchemy import delete, select, update

from depvault.analysis.refresh import RefreshStats, refresh
from depvault.domain.osv.records import Advisory, parse_advisory
from depvault.store.engine.bulk import bulk_insert, ids_by_key
from depvault.store.engine.db import Database
from depvault.store.knowledge.lock import hold_knowledge_exclusive
from depvault.store.models import Advisory as AdvisoryRow
from depvault.store.models import AdvisoryPackage, PendingRegroup, PendingRematch

__all__ = ["ImportStats", "import_osv", "read_osv_documents", "write_advisories"]

BATCH = 1000


@dataclass
class ImportStats:
    """What an import did."""

    read: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    invalid: int = 0
    # The re-analysis that followed: advisories grouped again, libraries matched again,
    # their (library, advisory) matches, projects whose alerts were derived again.
    regrouped: int = 0
    rematched_libraries: int = 0
    rematched: int = 0
    reanalysed_projects: int = 0
    # (source, reason) of every document skipped as invalid, in reading order: the
    # operator must be able to find and fix each one.
    rejected: list[tuple[str, str]] = field(default_factory=list)


def read_osv_documents(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """(source name, JSON bytes) of every OSV document in zips and folders."""
    for path in paths:
        if path.is_dir():
            for file in sorted(path.rglob("*.json")):
                yield str(file), file.read_bytes()
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    if name.endswith(".json"):
                        yield f"{path.name}:{name}", archive.read(name)
        else:
            yield str(path), path.read_bytes()


def _rows(advisory: Advisory) -> dict[str, object]:
    """An advisory's row with its own facts, as if it were a group of its own: the
    re-analysis that follows the import (``analysis.regroup``) puts the group's on it."""
    s, own = advisory.severity, dict(advisory.vectors)
    return {
        "key": advisory.id,
        "name": advisory.name,
        "type": advisory.type,
        "aliases": list(advisory.aliases),
        "modified": advisory.modified,
        "published": advisory.published,
        "withdrawn": advisory.withdrawn,
        "summary": advisory.summary,
        "details": advisory.details,
        "cvss2_score": s.cvss2_score,
        "cvss2_vector": s.cvss2_vector,
        "cvss3_score": s.cvss3_score,
        "cvss3_vector": s.cvss3_vector,
        "cvss4_score": s.cvss4_score,
        "cvss4_vector": s.cvss4_vector,
        "band": s.band,
        "scored": s.scored,
        "references": [list(r) for r in advisory.references],
        "upstream": list(advisory.upstream),
        "own_cvss2_vector": own.get("CVSS_V2"),
        "own_cvss3_vector": own.get("CVSS_V3"),
        "own_cvss4_vector": own.get("CVSS_V4"),
        "own_band": advisory.stated_band,
        "own_cwes": list(advisory.cwes),
        "score_source": s.source,
        "cwes": list(advisory.cwes),
        "malicious": advisory.malicious,
    }


def _write(database: Database, batch: list[Advisory], stats: ImportStats) -> None:
    with database.transaction() as db:
        keys = [a.id for a in batch]
        rows = db.execute(
            select(AdvisoryRow.key, AdvisoryRow.modified).where(AdvisoryRow.key.in_(keys))
        )
        known = {key: modified for key, modified in rows}
        changed = [a for a in batch if a.id not in known or known[a.id] != a.modified]
        stats.unchanged += len(batch) - len(changed)
        stats.updated += sum(1 for a in changed if a.id in known)
        stats.new += sum(1 for a in changed if a.id not in known)
        stats.withdrawn += sum(1 for a in changed if a.withdrawn)
        if not changed:
            return
        # Analyses in flight finish matching first, new ones wait for this batch.
        hold_knowledge_exclusive(db)
        # A changed advisory is updated in place: its id, and so the alerts that name
        # it (their uuids, statuses and histories), survive the change. Its packages
        # are replaced; the old ones are re-matched too, since one may have left it.
        stale = ids_by_key(db, AdvisoryRow, [a.id for a in changed if a.id in known])
        touched: set[tuple[str, str]] = {
            (ecosystem, name)
            for ecosystem, name in db.execute(
                select(AdvisoryPackage.ecosystem, AdvisoryPackage.name).where(
                    AdvisoryPackage.advisory_id.in_(list(stale.values()))
                )
            )
        }
        if stale:
            db.execute(
                delete(AdvisoryPackage).where(AdvisoryPackage.advisory_id.in_(list(stale.values())))
            )
            db.execute(
                update(AdvisoryRow),
                [{"id": stale[a.id], **_rows(a)} for a in changed if a.id in stale],
            )
        bulk_insert(
            db,
            AdvisoryRow,
            [{**_rows(a), "group_key": a.id} for a in changed if a.id not in stale],
        )
        ids = ids_by_key(db, AdvisoryRow, [a.id for a in changed])
        # Their groups are computed again before anything is re-matched: a new record
        # may link two groups, a changed one leave its group.
        bulk_insert(
            db, PendingRegroup, [{"advisory_id": i} for i in ids.values()], skip_existing=True
        )
        bulk_insert(
            db,
            AdvisoryPackage,
            [
                {
                    "advisory_id": ids[a.id],
                    "ecosystem": p.ecosystem,
                    "name": p.name,
                    "ranges": [asdict(r) for r in p.ranges],
                    "versions": list(p.versions),
                    "fixed": list(p.fixed),
                }
                for a in changed
                for p in a.affected
            ],
        )
        # The libraries of every package the batch touched are matched again, and only
        # those, after the import (their old matches are replaced then), and their
        # newest known releases computed again (analysis.refresh).
        touched |= {(p.ecosystem, p.name) for a in changed for p in a.affected}
        bulk_insert(
            db,
            PendingRematch,
            [{"ecosystem": e, "name": n} for e, n in touched],
            skip_existing=True,
        )


def _reason(exc: Exception) -> str:
    """Why a document is not an OSV record, in one line."""
    if isinstance(exc, orjson.JSONDecodeError):
        return f"not JSON ({exc})"
    text = " ".join(str(exc).split())
    return f"not an OSV record ({text or type(exc).__name__})"


def import_osv(
    database: Database,
    documents: Iterable[tuple[str, bytes]],
    *,
    default_band: str = "medium",
    progress: Callable[[int], None] | None = None,
    reanalysis_progress: Callable[[str, int], None] | None = None,
) -> ImportStats:
    """Import OSV documents, then re-analyse what they changed; returns what changed. A
    document that is not a valid OSV record is counted in ``invalid``, named with the
    reason in ``rejected``, and skipped (the rest still imports)."""
    stats = write_advisories(database, documents, default_band=default_band, progress=progress)
    done: RefreshStats = refresh(database, reanalysis_progress)
    stats.regrouped = done.regrouped
    stats.rematched_libraries = done.libraries
    stats.rematched = done.matches
    stats.reanalysed_projects = done.projects
    return stats


def write_advisories(
    database: Database,
    documents: Iterable[tuple[str, bytes]],
    *,
    default_band: str = "medium",
    progress: Callable[[int], None] | None = None,
) -> ImportStats:
    """Write OSV documents and record the packages they changed as pending a
    re-analysis, which any process finishes (:func:`import_osv` runs it at once)."""
    stats = ImportStats()
    batch: list[Advisory] = []
    for source, raw in documents:
        stats.read += 1
        try:
            batch.append(parse_advisory(orjson.loads(raw), default_band))
        except (ValueError, TypeError, AttributeError) as exc:
            stats.invalid += 1
            stats.rejected.append((source, _reason(exc)))
        if len(batch) >= BATCH:
            _write(database, batch, stats)
            batch = []
        if progress:
            progress(1)
    if batch:
        _write(database, batch, stats)
    return stats
