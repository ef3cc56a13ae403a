"""The Risk report's most vulnerable libraries: ranked and cut (``LIMIT``) in the
database, so a scope of any size gives at most ``limit`` rows; only those libraries are
then read whole, with their advisories' fixes for each one's top fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import top_fix
from depvault.domain.osv.packages import osv_package
from depvault.domain.osv.ranges import comparable, ordering_for, parse_version
from depvault.domain.osv.records import v13_band
from depvault.reports.risk.reads import SECURITY, open_alerts
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.inventories.reads import LibraryRow, libraries_by_id
from depvault.store.knowledge.vulnerability_reads import advisories_by_id
from depvault.store.models import Advisory, Alert, Project

__all__ = ["VulnerableLibrary", "top_vulnerable_libraries"]

# An advisory's v1.4 band as a rank, so the database can take a library's worst one.
_BAND_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
_RANKED_BAND = {rank: band for band, rank in _BAND_RANK.items()}


@dataclass(frozen=True)
class VulnerableLibrary:
    """A library with open security alerts: its worst v1.3 band, how many alerts (one
    per project and vulnerability), vulnerabilities and projects, and the upgrade that
    fixes all of those vulnerabilities when the advisories name one."""

    filename: str
    band: str
    alerts: int
    vulnerabilities: int
    projects: int
    top_fix: str | None


def top_vulnerable_libraries(
    db: Session, which: ProjectFilter, limit: int
) -> list[VulnerableLibrary]:
    """The ``limit`` libraries with the worst open security alerts: the most severe
    band first, then the most alerts. Four statements: the ranking, the pairs of the
    ranked libraries and their advisories, then those libraries and advisories."""
    worst = func.max(case(*((Advisory.band == b, r) for b, r in _BAND_RANK.items()), else_=0))
    ranked = db.execute(
        select(
            Alert.library_id,
            worst,
            func.count(),
            func.count(distinct(Alert.advisory_id)),
            func.count(distinct(Alert.project_id)),
        )
        .join(Project, Project.id == Alert.project_id)
        .join(Advisory, Advisory.id == Alert.advisory_id)
        .where(*open_alerts(which), Alert.type == SECURITY)
        .group_by(Alert.library_id)
        .order_by(worst.desc(), func.count().desc(), Alert.library_id)
        .limit(limit)
    ).all()
    ids = [row[0] for row in ranked]
    if not ids:
        return []
    pairs = [
        (library_id, advisory_id)
        for library_id, advisory_id in db.execute(
            select(Alert.library_id, Alert.advisory_id)
            .join(Project, Project.id == Alert.project_id)
            .where(*open_alerts(which), Alert.type == SECURITY, Alert.library_id.in_(ids))
            .distinct()
        )
        if advisory_id is not None
    ]
    libraries = libraries_by_id(db, ids)
    fixes = _library_fixes(db, pairs, libraries)
    return [
        VulnerableLibrary(
            libraries[library_id].filename,
            v13_band(_RANKED_BAND.get(int(rank), "none")),
            int(alerts),
            int(vulnerabilities),
            int(projects),
            fixes.get(library_id),
        )
        for library_id, rank, alerts, vulnerabilities, projects in ranked
    ]


def _library_fixes(
    db: Session, pairs: Sequence[tuple[int, int]], libraries: dict[int, LibraryRow]
) -> dict[int, str]:
    """Per library, the upgrade that fixes every one of its vulnerabilities the
    advisories give a fix for: the highest of their top fixes (each the lowest fixed
    version above the library's, as the Vulnerability report's ``topFix``)."""
    advisories = advisories_by_id(db, {advisory_id for _, advisory_id in pairs})
    found: dict[int, tuple[str, list[str]]] = {}
    for library_id, advisory_id in pairs:
        lib = libraries[library_id]
        package = osv_package(lib.ecosystem, lib.group_id, lib.name)
        if package is None or advisory_id not in advisories:
            continue
        fix = top_fix(package[0], lib.version, advisories[advisory_id].fixes.get(package, ()))
        if fix is not None:
            found.setdefault(library_id, (package[0], []))[1].append(fix)
    return {
        library_id: _highest(ecosystem, versions)
        for library_id, (ecosystem, versions) in found.items()
    }


def _highest(ecosystem: str, versions: list[str]) -> str:
    """The highest of ``versions`` in the ecosystem's order (the first when they do not
    all parse or compare)."""
    ordering = ordering_for(ecosystem)
    if ordering is None:
        return versions[0]
    keyed = []
    for version in dict.fromkeys(versions):
        text = version[1:] if ecosystem == "Go" and version[:1] == "v" else version
        parsed = parse_version(ordering, text)
        if parsed is None:
            return versions[0]
        keyed.append((comparable(parsed), version))
    try:
        return max(keyed)[1]
    except TypeError:  # univers refuses some cross-form comparisons
        return versions[0]
