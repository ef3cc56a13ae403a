"""Keeping alias groups and their facts current (``domain.vulnerability_groups``).

An import queues the records it wrote in ``pending_regroups`` (as do NVD, EPSS and KEV
imports for the records of the CVEs they changed). A step takes a batch of them, finds
every group they belong to or now link (through ``advisory_identifiers``: every name a
record answers to), computes those groups again and writes the group's facts on each
member. Incremental: only the groups a change touches are read, whatever the size of the
knowledge base.

What follows a step: where a record changed groups (two groups merged, one split) the
packages of every record of the old and new groups are re-matched (``pending_rematches``),
so each library keeps one match per group; where only facts changed (a name, a score,
EPSS, KEV), the projects holding the group's libraries are re-derived (their alert texts
and policy decisions may change).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from depvault.domain.osv.records import ScoreSource
from depvault.domain.vulnerability_groups import (
    GroupFacts,
    Kev,
    Member,
    NvdFacts,
    components,
    group_facts,
)
from depvault.store.engine.bulk import bulk_insert
from depvault.store.engine.db import Database
from depvault.store.engine.id_lists import among
from depvault.store.knowledge.due import mark_analysis_due
from depvault.store.knowledge.lock import hold_knowledge_exclusive
from depvault.store.models import (
    Advisory,
    AdvisoryIdentifier,
    AdvisoryPackage,
    EpssScore,
    KevEntry,
    LibraryVulnerability,
    NvdCve,
    PendingRegroup,
    PendingRematch,
    ProjectLibrary,
)

__all__ = ["ADVISORIES_PER_STEP", "RegroupStats", "queue_regroups_of_cves", "regroup_step"]

ADVISORIES_PER_STEP = 1000
CHUNK = 2000
FALLBACK_BAND = "medium"

# The columns a group's facts set on each member.
_FACT_COLUMNS = (
    "group_key", "name", "type", "cvss2_score", "cvss2_vector", "cvss3_score",
    "cvss3_vector", "cvss4_score", "cvss4_vector", "band", "scored", "score_source",
    "cwes", "epss", "epss_percentile", "kev_date_added", "known_ransomware", "malicious",
)  # fmt: skip


@dataclass
class RegroupStats:
    """What a step did."""

    advisories: int = 0
    changed: int = 0
    rematched_packages: int = 0
    due_projects: int = 0


def regroup_step(database: Database) -> RegroupStats | None:
    """Group a batch of pending records, in one transaction; None when none is pending."""
    with database.transaction() as db:
        pending = list(
            db.scalars(
                select(PendingRegroup.advisory_id)
                .order_by(PendingRegroup.advisory_id)
                .limit(ADVISORIES_PER_STEP)
                .with_for_update(skip_locked=True)
            )
        )
        if not pending:
            return None
        # Analyses in flight finish matching first, new ones wait for this step.
        hold_knowledge_exclusive(db)
        stats = _regroup(db, pending)
        db.execute(delete(PendingRegroup).where(among(db, PendingRegroup.advisory_id, pending)))
    return stats


def queue_regroups_of_cves(db: Session, cves: Collection[str]) -> int:
    """Queue the records that answer to one of these CVE ids (their NVD entry, EPSS or
    KEV status changed); returns how many."""
    ids = _linked(db, set(cves))
    bulk_insert(db, PendingRegroup, [{"advisory_id": i} for i in sorted(ids)], skip_existing=True)
    return len(ids)


_MEMBER_COLUMNS = (
    Advisory.id, Advisory.key, Advisory.aliases, Advisory.upstream, Advisory.withdrawn,
    Advisory.own_cvss2_vector, Advisory.own_cvss3_vector, Advisory.own_cvss4_vector,
    Advisory.own_band, Advisory.own_cwes, Advisory.type, Advisory.name,
    *(getattr(Advisory, c) for c in _FACT_COLUMNS if c not in ("name", "type")),
)  # fmt: skip


def _regroup(db: Session, pending: list[int]) -> RegroupStats:
    rows = {row.id: row for row in _read(db, Advisory.id, pending)}
    _write_identifiers(db, rows.values())
    linked = _linked(db, {i for row in rows.values() for i in _names(row)})
    keys = {row.group_key for row in rows.values()}
    keys.update(row.group_key for row in _read(db, Advisory.id, linked - rows.keys()))
    for row in _read(db, Advisory.group_key, keys):
        rows.setdefault(row.id, row)
    members = {row_id: _member(row) for row_id, row in rows.items()}
    groups = components(members.values())
    cves = {i for m in members.values() for i in m.identifiers if i.startswith("CVE-")}
    nvd, epss, kev = _signals(db, cves)
    default = next(
        (r.band for r in rows.values() if r.score_source == ScoreSource.DEFAULT), FALLBACK_BAND
    )
    updates: list[dict[str, Any]] = []
    moved_from, moved_to = set[str](), set[str]()
    new_key: dict[int, str] = {}
    for group in groups:
        facts = group_facts(group, nvd, epss, kev, default)
        values = _values(facts)
        for m in group:
            row, new_key[m.row_id] = rows[m.row_id], facts.key
            if row.group_key != facts.key:
                moved_from.add(row.group_key)
                moved_to.add(facts.key)
            if any(getattr(row, c) != v for c, v in values.items()):
                updates.append({"id": m.row_id, **values})
    if updates:
        db.execute(update(Advisory), updates)
    rematch = [
        i for i, row in rows.items() if row.group_key in moved_from or new_key[i] in moved_to
    ]
    stats = RegroupStats(advisories=len(pending), changed=len(updates))
    stats.rematched_packages = _queue_rematches(db, rematch)
    stats.due_projects = _mark_holders_due(db, [u["id"] for u in updates])
    return stats


def _read(db: Session, column: Any, values: Iterable[Any]) -> list[Any]:
    listed, found = sorted(set(values)), list[Any]()
    for start in range(0, len(listed), CHUNK):
        found.extend(
            db.execute(
                select(*_MEMBER_COLUMNS).where(among(db, column, listed[start : start + CHUNK]))
            )
        )
    return found


def _names(row: Any) -> set[str]:
    """Every name a record answers to."""
    return {row.key, *(str(a) for a in row.aliases or ()), *(str(u) for u in row.upstream or ())}


def _write_identifiers(db: Session, rows: Iterable[Any]) -> None:
    listed = list(rows)
    ids = [row.id for row in listed]
    for start in range(0, len(ids), CHUNK):
        db.execute(
            delete(AdvisoryIdentifier).where(
                among(db, AdvisoryIdentifier.advisory_id, ids[start : start + CHUNK])
            )
        )
    bulk_insert(
        db,
        AdvisoryIdentifier,
        [
            {"identifier": name[:255], "advisory_id": row.id}
            for row in listed
            for name in sorted(_names(row))
        ],
    )


def _linked(db: Session, names: set[str]) -> set[int]:
    listed, found = sorted(names), set[int]()
    for start in range(0, len(listed), CHUNK):
        found.update(
            db.scalars(
                select(AdvisoryIdentifier.advisory_id).where(
                    among(db, AdvisoryIdentifier.identifier, listed[start : start + CHUNK])
                )
            )
        )
    return found


def _member(row: Any) -> Member:
    vectors = tuple(
        (kind, vector)
        for kind, vector in (
            ("CVSS_V4", row.own_cvss4_vector),
            ("CVSS_V3", row.own_cvss3_vector),
            ("CVSS_V2", row.own_cvss2_vector),
        )
        if vector
    )
    aliases = [str(a) for a in row.aliases or ()]
    cve = (
        row.key
        if row.key.startswith("CVE-")
        else next((a for a in aliases if a.startswith("CVE-")), None)
    )
    return Member(
        row_id=row.id,
        key=row.key,
        identifiers=frozenset(_names(row)),
        name=cve or row.key,
        withdrawn=row.withdrawn is not None,
        vectors=vectors,
        stated_band=row.own_band,
        cwes=tuple(row.own_cwes or ()),
    )


def _signals(
    db: Session, cves: set[str]
) -> tuple[dict[str, NvdFacts], dict[str, tuple[float, float]], dict[str, Kev]]:
    nvd: dict[str, NvdFacts] = {}
    epss: dict[str, tuple[float, float]] = {}
    kev: dict[str, Kev] = {}
    listed = sorted(cves)
    for start in range(0, len(listed), CHUNK):
        part = listed[start : start + CHUNK]
        for cve, v2, v3, v4, cwes in db.execute(
            select(
                NvdCve.cve, NvdCve.cvss2_vector, NvdCve.cvss3_vector, NvdCve.cvss4_vector,
                NvdCve.cwes,
            ).where(among(db, NvdCve.cve, part))
        ):  # fmt: skip
            vectors = (("CVSS_V4", v4), ("CVSS_V3", v3), ("CVSS_V2", v2))
            nvd[cve] = NvdFacts(tuple((k, v) for k, v in vectors if v), tuple(cwes or ()))
        for cve, score, percentile in db.execute(
            select(EpssScore.cve, EpssScore.epss, EpssScore.percentile).where(
                among(db, EpssScore.cve, part)
            )
        ):
            epss[cve] = (score, percentile)
        for cve, added, ransomware in db.execute(
            select(KevEntry.cve, KevEntry.date_added, KevEntry.ransomware).where(
                among(db, KevEntry.cve, part)
            )
        ):
            kev[cve] = Kev(added, ransomware)
    return nvd, epss, kev


def _values(facts: GroupFacts) -> dict[str, Any]:
    s = facts.severity
    return {
        "group_key": facts.key,
        "name": facts.name,
        "type": facts.type,
        "cvss2_score": s.cvss2_score,
        "cvss2_vector": s.cvss2_vector,
        "cvss3_score": s.cvss3_score,
        "cvss3_vector": s.cvss3_vector,
        "cvss4_score": s.cvss4_score,
        "cvss4_vector": s.cvss4_vector,
        "band": s.band,
        "scored": s.scored,
        "score_source": s.source,
        "cwes": list(facts.cwes),
        "epss": facts.epss,
        "epss_percentile": facts.epss_percentile,
        "kev_date_added": facts.kev.date_added if facts.kev else None,
        "known_ransomware": facts.kev.ransomware if facts.kev else None,
        "malicious": facts.malicious,
    }


def _queue_rematches(db: Session, advisory_ids: Sequence[int]) -> int:
    packages: set[tuple[str, str]] = set()
    for start in range(0, len(advisory_ids), CHUNK):
        packages.update(
            (ecosystem, name)
            for ecosystem, name in db.execute(
                select(AdvisoryPackage.ecosystem, AdvisoryPackage.name).where(
                    among(db, AdvisoryPackage.advisory_id, advisory_ids[start : start + CHUNK])
                )
            )
        )
    bulk_insert(
        db,
        PendingRematch,
        [{"ecosystem": e, "name": n} for e, n in sorted(packages)],
        skip_existing=True,
    )
    return len(packages)


def _mark_holders_due(db: Session, advisory_ids: Sequence[int]) -> int:
    """Mark the projects holding a library matched to these advisories for
    re-derivation (``analysis.refresh`` derives them)."""
    projects: set[int] = set()
    for start in range(0, len(advisory_ids), CHUNK):
        projects.update(
            db.scalars(
                select(ProjectLibrary.project_id)
                .join(
                    LibraryVulnerability,
                    LibraryVulnerability.library_id == ProjectLibrary.library_id,
                )
                .where(
                    among(db, LibraryVulnerability.advisory_id, advisory_ids[start : start + CHUNK])
                )
                .distinct()
            )
        )
    mark_analysis_due(db, projects)
    return len(projects)
