"""The newest-release cache (``models.NewestRelease``): read and saved.

How it is kept current is ``analysis.newest``'s business; this module only stores.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import DateTime, String, bindparam, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from depvault.store.engine.id_lists import uses_arrays
from depvault.store.engine.packages import package_clause
from depvault.store.models import NewestRelease

__all__ = ["read_newest_releases", "save_newest_releases"]

PACKAGES_PER_QUERY = 500
Package = tuple[str, str]


def read_newest_releases(
    db: Session, packages: Collection[Package], computed_since: datetime, *, lock: bool = False
) -> dict[Package, str | None]:
    """The cached newest release of those of ``packages`` that have one computed since
    ``computed_since`` (None: nothing known is a release); with ``lock`` the rows are
    locked for update in key order (PostgreSQL; SQLite's writers are serialised)."""
    listed, found = sorted(packages), dict[Package, str | None]()
    columns = select(NewestRelease.ecosystem, NewestRelease.name, NewestRelease.version)
    if lock:
        columns = columns.order_by(NewestRelease.ecosystem, NewestRelease.name).with_for_update(
            of=NewestRelease
        )
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
    """Cache these in one upsert: a package's row is written unless the stored one was
    computed after ``computed_at`` (another transaction's, from newer sources). A row of
    the same second is replaced: times are stored to the second, and a knowledge import
    right after an SBOM import (same second) must not lose its newer facts to the
    import's fold (issue 17)."""
    if not newest:
        return
    ecosystems = [eco for eco, _ in newest]
    names = [name for _, name in newest]
    versions = list(newest.values())
    if uses_arrays(db):
        source = select(
            func.unnest(bindparam("ecosystems", ecosystems, type_=ARRAY(String))),
            func.unnest(bindparam("names", names, type_=ARRAY(String))),
            func.unnest(bindparam("versions", versions, type_=ARRAY(String))),
            literal(computed_at, DateTime()),
        )
        statement = postgresql.insert(NewestRelease).from_select(_COLUMNS, source)
        db.execute(
            statement.on_conflict_do_update(
                index_elements=_KEY,
                set_={c: statement.excluded[c] for c in _COLUMNS[2:]},
                where=NewestRelease.computed_at <= statement.excluded.computed_at,
            )
        )
        return
    upsert = sqlite.insert(NewestRelease)
    # on the Core connection: the ORM's bulk insert groups rows by which values are None
    # and, with an ON CONFLICT clause, fell back to one statement per row
    db.connection().execute(
        upsert.on_conflict_do_update(
            index_elements=_KEY,
            set_={c: upsert.excluded[c] for c in _COLUMNS[2:]},
            where=NewestRelease.computed_at <= upsert.excluded.computed_at,
        ),
        [
            {"ecosystem": e, "name": n, "version": v, "computed_at": computed_at}
            for e, n, v in zip(ecosystems, names, versions, strict=True)
        ],
    )


_KEY = ["ecosystem", "name"]
_COLUMNS = ["ecosystem", "name", "version", "computed_at"]
