"""Matching catalog libraries against the knowledge base (``spec/osv-matching.md``).

A library matches an advisory when one of the advisory's ``affected[]`` packages has the
library's OSV ecosystem and normalised name, and its ranges or explicit versions cover
the library's version (``domain.osv_ranges``). Withdrawn advisories match nothing.
Matches are kept per library; re-matching writes only the difference (a re-scan of a
known inventory writes nothing), with a fixed number of queries per batch of libraries.

A library matched once is marked (``MatchedLibrary``): from then on every knowledge-base
change re-matches the libraries of the packages it touched (``analysis.refresh``), so an
analysis matches only the libraries its inventory brought in new (``unmatched_libraries``).
Records of one alias group match a library once (:func:`affected_by`).
A mark names the :data:`MATCHER` that made it: a release whose matching can give other
results bumps it, and every library is matched again by the next analysis that holds it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from depvault.domain.osv.ranges import Event, Range, affected_each
from depvault.store.engine.bulk import insert_rows
from depvault.store.engine.id_lists import among
from depvault.store.engine.packages import package_clause
from depvault.store.knowledge.lock import hold_knowledge_shared
from depvault.store.models import (
    Advisory,
    AdvisoryPackage,
    Library,
    LibraryVulnerability,
    MatchedLibrary,
    ProjectLibrary,
)

__all__ = [
    "MATCHER",
    "Matched",
    "affected_by",
    "match_libraries",
    "package_libraries",
    "unmatched_libraries",
]

K = TypeVar("K")

CHUNK = 2000
PACKAGES_PER_QUERY = 1000
# The revision of the matching rules (range evaluation, name normalisation, what counts
# as affected). Bump it with any change that can change a match: marks of an older one
# count as unmatched.
MATCHER = 1


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
    writes nothing. One pair per item and alias group (``domain.vulnerability_groups``),
    whichever records of the group match it: the group's first record (lowest id),
    so a record joining a known group leaves the pairs, and the alerts, as they were.
    The item is affected when any record of the group says so: the union of their
    ranges."""
    found: dict[tuple[K, str], int] = {}
    packages = list(by_package)
    for start in range(0, len(packages), PACKAGES_PER_QUERY):
        rows = db.execute(
            select(
                AdvisoryPackage.advisory_id,
                Advisory.group_key,
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
        for advisory_id, group, ecosystem, name, ranges, versions in rows:
            items = by_package[(ecosystem, name)]
            hits = affected_each(
                ecosystem, [version for _, version in items], _ranges(ranges), frozenset(versions)
            )
            for (item, _), hit in zip(items, hits, strict=True):
                if hit and found.get((item, group), advisory_id) >= advisory_id:
                    found[(item, group)] = advisory_id
    return {(item, advisory_id) for (item, _), advisory_id in found.items()}


@dataclass(frozen=True)
class Matched:
    """What a re-match found: how many (library, advisory) matches the libraries have,
    which libraries' matches changed, and the versions of each OSV package among the
    libraries."""

    matches: int
    changed: frozenset[int]
    versions: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def match_libraries(db: Session, library_ids: Collection[int]) -> Matched:
    """Re-match these libraries.

    Libraries are grouped by package across the whole call, so each package's advisories
    are read once however many versions of it are matched."""
    listed = list(library_ids)
    by_package: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    stored: set[tuple[int, int]] = set()
    unmarked: list[int] = []
    outdated: list[int] = []
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        for library_id, ecosystem, name, version, marked in db.execute(
            select(
                Library.id,
                Library.osv_ecosystem,
                Library.osv_name,
                Library.version,
                MatchedLibrary.matcher,
            )
            .outerjoin(MatchedLibrary, MatchedLibrary.library_id == Library.id)
            .where(among(db, Library.id, chunk))
        ):
            if marked is None:
                unmarked.append(library_id)
            elif marked < MATCHER:
                outdated.append(library_id)
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
    # A concurrent re-match of the same library (an update's analysis while a
    # knowledge-base refresh runs) computes the same rows: they are skipped, and written
    # in key order so that two such transactions wait for each other without deadlock.
    insert_rows(
        db, LibraryVulnerability, ("library_id", "advisory_id"), sorted(write), skip_existing=True
    )
    _mark(db, sorted(unmarked), sorted(outdated))
    return Matched(
        len(found),
        frozenset(library_id for library_id, _ in found ^ stored),
        {package: [version for _, version in items] for package, items in by_package.items()},
    )


def _mark(db: Session, unmarked: list[int], outdated: list[int]) -> None:
    """Mark libraries matched by this :data:`MATCHER` (in key order, see above)."""
    for start in range(0, len(outdated), CHUNK):
        db.execute(
            update(MatchedLibrary)
            .where(among(db, MatchedLibrary.library_id, outdated[start : start + CHUNK]))
            .values(matcher=MATCHER)
        )
    insert_rows(
        db,
        MatchedLibrary,
        ("library_id", "matcher"),
        [(i, MATCHER) for i in unmarked],
        skip_existing=True,
    )


def unmatched_libraries(db: Session, project_id: int) -> list[int]:
    """The libraries of a project's inventory that were never matched, under the
    knowledge base's shared lock (``store.knowledge_lock``) until the transaction ends:
    an import batch cannot commit between this analysis reading the advisories and
    marking the libraries matched."""
    hold_knowledge_shared(db)
    return list(
        db.scalars(
            select(ProjectLibrary.library_id)
            .outerjoin(MatchedLibrary, MatchedLibrary.library_id == ProjectLibrary.library_id)
            .where(
                ProjectLibrary.project_id == project_id,
                or_(MatchedLibrary.library_id.is_(None), MatchedLibrary.matcher < MATCHER),
            )
        )
    )


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
