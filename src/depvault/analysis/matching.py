"""Matching catalog libraries against the knowledge base (``spec/osv-matching.md``).

A library matches an advisory when one of the advisory's ``affected[]`` packages has the
library's OSV ecosystem and normalised name, and its ranges or explicit versions cover
the library's version (``domain.osv_ranges``). Withdrawn advisories match nothing.
Matches are kept per library; re-matching writes only the difference (a re-scan of a
known inventory writes nothing), with a fixed number of queries per batch of libraries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from depvault.domain.osv_ranges import Event, Range, affected_each
from depvault.store.bulk import bulk_insert
from depvault.store.id_lists import among
from depvault.store.models import Advisory, AdvisoryPackage, Library, LibraryVulnerability
from depvault.store.packages import package_clause

__all__ = ["Matched", "affected_by", "match_libraries", "package_libraries"]

K = TypeVar("K")

CHUNK = 2000
PACKAGES_PER_QUERY = 1000


def _ranges(data: Iterable[dict[str, Any]]) -> list[Range]:
    return [
        Range(str(r["type"]), tuple(Event(str(e["kind"]), str(e["version"])) for e in r["events"]))
        for r in data
    ]


def affected_by(
    db: Session, by_package: Mapping[tuple[str, str], Sequence[tuple[K, str]]]
) -> set[tuple[K, int]]:
    """Which (item, advisory id) pairs hold, for items given by OSV package as
    (item, version) pairs: reads the live advisories of those packages once each,
    writes nothing."""
    found: set[tuple[K, int]] = set()
    packages = list(by_package)
    for start in range(0, len(packages), PACKAGES_PER_QUERY):
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
                package_clause(
                    db,
                    AdvisoryPackage.ecosystem,
                    AdvisoryPackage.name,
                    packages[start : start + PACKAGES_PER_QUERY],
                ),
            )
        )
        for advisory_id, ecosystem, name, ranges, versions in rows:
            items = by_package[(ecosystem, name)]
            hits = affected_each(
                ecosystem, [version for _, version in items], _ranges(ranges), frozenset(versions)
            )
            found.update(
                (item, advisory_id) for (item, _), hit in zip(items, hits, strict=True) if hit
            )
    return found


@dataclass(frozen=True)
class Matched:
    """What a re-match found: how many (library, advisory) matches the libraries have,
    and which libraries' matches changed."""

    matches: int
    changed: frozenset[int]


def match_libraries(db: Session, library_ids: Collection[int]) -> Matched:
    """Re-match these libraries.

    Libraries are grouped by package across the whole call, so each package's advisories
    are read once however many versions of it are matched."""
    listed = list(library_ids)
    by_package: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    stored: set[tuple[int, int]] = set()
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        for library_id, ecosystem, name, version in db.execute(
            select(Library.id, Library.osv_ecosystem, Library.osv_name, Library.version).where(
                among(db, Library.id, chunk), Library.osv_ecosystem.is_not(None)
            )
        ):
            if version and ecosystem and name:
                by_package[(ecosystem, name)].append((library_id, version))
        stored.update(
            (library_id, advisory_id)
            for library_id, advisory_id in db.execute(
                select(LibraryVulnerability.library_id, LibraryVulnerability.advisory_id).where(
                    among(db, LibraryVulnerability.library_id, chunk)
                )
            )
        )
    found = affected_by(db, by_package) if by_package else set()
    # Only what changed is written: re-scanning a known inventory writes nothing here.
    # Vanished matches are deleted by the libraries and advisories of them, which indexes
    # serve (pairs would be an OR chain on PostgreSQL); matches still found inside that
    # cross product are written back.
    gone = stored - found
    gone_libraries = {library_id for library_id, _ in gone}
    gone_advisories = {advisory_id for _, advisory_id in gone}
    listed_gone = sorted(gone_libraries)
    for start in range(0, len(listed_gone), CHUNK):
        db.execute(
            delete(LibraryVulnerability).where(
                among(db, LibraryVulnerability.library_id, listed_gone[start : start + CHUNK]),
                among(db, LibraryVulnerability.advisory_id, gone_advisories),
            )
        )
    deleted_again = {
        (lib, adv)
        for lib, adv in found & stored
        if lib in gone_libraries and adv in gone_advisories
    }
    write = (found - stored) | deleted_again
    bulk_insert(
        db,
        LibraryVulnerability,
        [{"library_id": lib, "advisory_id": adv} for lib, adv in write],
        # A concurrent re-match of the same library (an update's analysis while a
        # knowledge-base refresh runs) computes the same rows.
        skip_existing=True,
    )
    return Matched(len(found), frozenset(library_id for library_id, _ in found ^ stored))


def package_libraries(
    db: Session, packages: Collection[tuple[str, str]]
) -> dict[int, tuple[str, str]]:
    """The catalog libraries of these OSV (ecosystem, name) packages, by index: library
    id → its package."""
    listed, ids = list(packages), dict[int, tuple[str, str]]()
    for start in range(0, len(listed), 500):
        ids.update(
            (library_id, (ecosystem or "", name or ""))  # never empty: selected by them
            for library_id, ecosystem, name in db.execute(
                select(Library.id, Library.osv_ecosystem, Library.osv_name).where(
                    package_clause(
                        db, Library.osv_ecosystem, Library.osv_name, listed[start : start + 500]
                    )
                )
            )
        )
    return ids
