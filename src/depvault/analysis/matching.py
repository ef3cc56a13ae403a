"""Matching catalog libraries against the knowledge base (``spec/osv-matching.md``).

A library matches an advisory when one of the advisory's ``affected[]`` packages has the
library's OSV ecosystem and normalised name, and its ranges or explicit versions cover
the library's version (``domain.osv_ranges``). Withdrawn advisories match nothing.
Matches are kept per library, replaced whole for the libraries re-matched, and computed
with a fixed number of queries per batch of libraries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from depvault.domain.osv_ranges import Event, Range, is_affected
from depvault.domain.osv_records import normalise_name
from depvault.store.bulk import bulk_insert
from depvault.store.models import Advisory, AdvisoryPackage, Library, LibraryVulnerability

__all__ = ["OSV_ECOSYSTEMS", "match_libraries", "osv_package", "rematch_packages"]

CHUNK = 2000

# purl type → OSV ecosystem name.
OSV_ECOSYSTEMS = {
    "pypi": "PyPI",
    "npm": "npm",
    "maven": "Maven",
    "golang": "Go",
    "cargo": "crates.io",
    "nuget": "NuGet",
    "gem": "RubyGems",
    "composer": "Packagist",
    "hex": "Hex",
    "pub": "Pub",
    "hackage": "Hackage",
    "cran": "CRAN",
    "swift": "SwiftURL",
}


def osv_package(ecosystem: str, group: str | None, name: str) -> tuple[str, str] | None:
    """The OSV (ecosystem, package name) of a library, or None for ecosystems OSV does
    not cover. Names join as each ecosystem writes them: Maven ``group:artifact``, npm
    ``@scope/name``, Go and Packagist ``namespace/name``."""
    osv = OSV_ECOSYSTEMS.get(ecosystem)
    if osv is None:
        return None
    if not group:
        full = name
    elif ecosystem == "maven":
        full = f"{group}:{name}"
    else:
        full = f"{group}/{name}"
    return osv, normalise_name(osv, full)


def _ranges(data: Iterable[dict[str, Any]]) -> list[Range]:
    return [
        Range(str(r["type"]), tuple(Event(str(e["kind"]), str(e["version"])) for e in r["events"]))
        for r in data
    ]


def match_libraries(db: Session, library_ids: Collection[int]) -> int:
    """Re-match these libraries; returns how many (library, advisory) matches they have."""
    matches = 0
    listed = list(library_ids)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        by_package: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for library_id, ecosystem, group, name, version in db.execute(
            select(
                Library.id, Library.ecosystem, Library.group_id, Library.name, Library.version
            ).where(Library.id.in_(chunk))
        ):
            package = osv_package(ecosystem, group, name)
            if package is not None and version:
                by_package[package].append((library_id, version))
        db.execute(delete(LibraryVulnerability).where(LibraryVulnerability.library_id.in_(chunk)))
        if not by_package:
            continue
        found: set[tuple[int, int]] = set()
        rows = db.execute(
            select(
                AdvisoryPackage.advisory_id,
                AdvisoryPackage.ecosystem,
                AdvisoryPackage.name,
                AdvisoryPackage.ranges,
                AdvisoryPackage.versions,
            )
            .join(Advisory, Advisory.id == AdvisoryPackage.advisory_id)
            .where(
                Advisory.withdrawn.is_(None),
                tuple_(AdvisoryPackage.ecosystem, AdvisoryPackage.name).in_(list(by_package)),
            )
        )
        for advisory_id, ecosystem, name, ranges, versions in rows:
            parsed = _ranges(ranges)
            for library_id, version in by_package[(ecosystem, name)]:
                if is_affected(ecosystem, version, parsed, versions).affected:
                    found.add((library_id, advisory_id))
        bulk_insert(
            db,
            LibraryVulnerability,
            [{"library_id": lib, "advisory_id": adv} for lib, adv in found],
        )
        matches += len(found)
    return matches


def rematch_packages(db: Session, packages: Collection[tuple[str, str]]) -> int:
    """Re-match the catalog libraries of these OSV packages (after a knowledge change)."""
    wanted = set(packages)
    purl_types = {osv: purl for purl, osv in OSV_ECOSYSTEMS.items()}
    ecosystems = {purl_types[e] for e, _ in wanted if e in purl_types}
    if not ecosystems:
        return 0
    ids = [
        library_id
        for library_id, ecosystem, group, name in db.execute(
            select(Library.id, Library.ecosystem, Library.group_id, Library.name).where(
                Library.ecosystem.in_(ecosystems)
            )
        )
        if osv_package(ecosystem, group, name) in wanted
    ]
    return match_libraries(db, ids)
