"""The newest-release cache (``models.NewestRelease``): read, saved, forgotten.

Kept correct by forgetting: the writers of what it is computed from (new catalog
libraries, changed advisories) delete the rows of the packages they touch in their own
transaction, and the next analysis that meets a package computes it again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import String, bindparam, delete, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from depvault.store.bulk import bulk_insert
from depvault.store.id_lists import uses_arrays
from depvault.store.models import NewestRelease
from depvault.store.packages import package_clause

__all__ = ["forget_newest_releases", "read_newest_releases", "save_newest_releases"]

PACKAGES_PER_QUERY = 500
Package = tuple[str, str]


def read_newest_releases(
    db: Session, packages: Collection[Package], computed_since: datetime
) -> dict[Package, str | None]:
    """The cached newest release of those of ``packages`` that have one computed since
    ``computed_since`` (None: nothing known is a release)."""
    listed, found = list(packages), dict[Package, str | None]()
    columns = select(NewestRelease.ecosystem, NewestRelease.name, NewestRelease.version)
    if uses_arrays(db) and listed:
        # One key lookup per package, joined to the packages unnested from two arrays:
        # an IN/ANY filter on this young table (no statistics yet) got a sequential scan
        # testing every row against every package (0.4 s of an analysis).
        wanted = select(
            func.unnest(bindparam("ecosystems", [e for e, _ in listed], type_=ARRAY(String))).label(
                "ecosystem"
            ),
            func.unnest(bindparam("names", [n for _, n in listed], type_=ARRAY(String))).label(
                "name"
            ),
        ).subquery()
        statement = columns.join(
            wanted,
            (NewestRelease.ecosystem == wanted.c.ecosystem) & (NewestRelease.name == wanted.c.name),
        ).where(NewestRelease.computed_at >= computed_since)
        return {(eco, name): version for eco, name, version in db.execute(statement)}
    for start in range(0, len(listed), PACKAGES_PER_QUERY):
        part = listed[start : start + PACKAGES_PER_QUERY]
        for ecosystem, name, version in db.execute(
            columns.where(
                package_clause(db, NewestRelease.ecosystem, NewestRelease.name, part),
                NewestRelease.computed_at >= computed_since,
            )
        ):
            found[(ecosystem, name)] = version
    return found


def save_newest_releases(
    db: Session, newest: Mapping[Package, str | None], computed_at: datetime
) -> None:
    """Cache these, replacing rows that have gone stale; a row another transaction
    saved meanwhile is left as it is (it was computed from the same sources)."""
    if not newest:
        return
    forget_newest_releases(db, list(newest), before=computed_at)
    bulk_insert(
        db,
        NewestRelease,
        [
            {"ecosystem": eco, "name": name, "version": version, "computed_at": computed_at}
            for (eco, name), version in newest.items()
        ],
        skip_existing=True,
    )


def forget_newest_releases(
    db: Session, packages: Collection[Package], *, before: datetime | None = None
) -> None:
    """Delete the cached rows of ``packages`` (only those computed before ``before``)."""
    listed = list(packages)
    for start in range(0, len(listed), PACKAGES_PER_QUERY):
        part = listed[start : start + PACKAGES_PER_QUERY]
        statement = delete(NewestRelease).where(
            package_clause(db, NewestRelease.ecosystem, NewestRelease.name, part)
        )
        if before is not None:
            statement = statement.where(NewestRelease.computed_at < before)
        db.execute(statement)
