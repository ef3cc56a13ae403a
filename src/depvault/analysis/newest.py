"""Each package's newest known release: what the new-version alerts offer.

The known releases of an OSV package are the catalog's versions of it and the versions
its advisories name (fixed and listed); ``domain.alert_rules.newest_release`` picks the
newest. Computing it reads and parses every one of them, so it is cached per package
(``store.newest_releases``) and kept current three ways:

- an analysis folds the versions its inventory brought into the catalog into the cached
  rows (:func:`fold_new_versions`): the newest of a set grown by some versions is the
  newer of its old newest and theirs, so only the new versions are parsed;
- a knowledge-base change computes its packages again (``analysis.refresh``);
- a package with no row, or a row older than :data:`NEWEST_RELEASE_TTL`, is computed
  from all its sources (:func:`newest_releases`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from depvault.domain.alert_rules import newest_release
from depvault.store.engine.packages import package_clause
from depvault.store.knowledge.newest_releases import read_newest_releases, save_newest_releases
from depvault.store.models import AdvisoryPackage, Library, NewestRelease

__all__ = [
    "NEWEST_RELEASE_TTL",
    "NewestReleases",
    "compute_newest_releases",
    "fold_new_versions",
    "newest_releases",
]

# How long a cached newest release is trusted. Folding and re-computation keep it
# current; this bounds what a race between two transactions can leave (two analyses
# that compute a package nobody had cached, each seeing only its own new versions).
NEWEST_RELEASE_TTL = timedelta(days=1)
PACKAGES_PER_QUERY = 500

Package = tuple[str, str]
NewestReleases = dict[Package, str | None]


def newest_releases(
    db: Session, packages: Collection[Package], cache: NewestReleases, now: datetime
) -> NewestReleases:
    """``cache`` completed with the newest release of each of ``packages``: from the
    stored rows where they are fresh, computed (and stored) where not."""
    wanted = {package for package in packages if package not in cache}
    cache.update(read_newest_releases(db, wanted, now - NEWEST_RELEASE_TTL))
    missing = [package for package in wanted if package not in cache]
    computed = compute_newest_releases(db, missing)
    save_newest_releases(db, computed, now)
    cache.update(computed)
    return cache


def compute_newest_releases(db: Session, packages: Sequence[Package]) -> NewestReleases:
    """Each package's newest known release, from all its sources."""
    known: dict[Package, set[str]] = defaultdict(set)
    for start in range(0, len(packages), PACKAGES_PER_QUERY):
        part = packages[start : start + PACKAGES_PER_QUERY]
        for eco, name, version in db.execute(
            select(Library.osv_ecosystem, Library.osv_name, Library.version).where(
                package_clause(db, Library.osv_ecosystem, Library.osv_name, part),
                Library.version.is_not(None),
            )
        ):
            if eco and name and version:
                known[(eco, name)].add(version)
        for eco, name, fixed, listed in db.execute(
            select(
                AdvisoryPackage.ecosystem,
                AdvisoryPackage.name,
                AdvisoryPackage.fixed,
                AdvisoryPackage.versions,
            ).where(package_clause(db, AdvisoryPackage.ecosystem, AdvisoryPackage.name, part))
        ):
            known[(eco, name)].update(fixed, listed)
    return {package: newest_release(package[0], known.get(package, ())) for package in packages}


def fold_new_versions(
    db: Session, versions: Mapping[Package, Collection[str]], now: datetime
) -> NewestReleases:
    """Fold versions the catalog just got into their packages' fresh cached rows (a
    package without one is computed in full when an analysis needs it); returns the
    newest release of each package that had a row, folded (the derivation that follows
    starts from it instead of reading the rows again). On PostgreSQL the rows are
    locked, in key order, until the transaction ends: two analyses folding into one
    package take turns instead of the later one overwriting the other's versions."""
    cached = read_newest_releases(db, versions, now - NEWEST_RELEASE_TTL, lock=True)
    folded: NewestReleases = {}
    changed = []
    for package, version in cached.items():
        candidates = [*versions[package], *([version] if version is not None else [])]
        folded[package] = newest = newest_release(package[0], candidates)
        if newest != version:
            changed.append({"ecosystem": package[0], "name": package[1], "version": newest})
    if changed:
        # by primary key; computed_at stays: the TTL counts from the full computation
        db.execute(update(NewestRelease), changed)
    return folded
