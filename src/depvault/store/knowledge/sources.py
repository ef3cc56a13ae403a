"""What the knowledge base holds per source and ecosystem, and where it knows nothing.

The ``knowledge_sources`` rows are written by syncs (``ingest.osv_sync``) and by the
operator's imports; whether an ecosystem has knowledge at all is read from the
advisories themselves (one indexed probe per ecosystem), so an import by hand counts as
much as a sync.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from depvault.store.engine.id_lists import among
from depvault.store.models import (
    Advisory,
    AdvisoryPackage,
    KnowledgeSource,
    Library,
    Project,
    ProjectLibrary,
    UpdateItem,
    UpdateRequest,
)

__all__ = [
    "OSV",
    "SourceView",
    "catalog_ecosystems",
    "known_ecosystems",
    "open_gaps",
    "project_gaps",
    "projects_gaps",
    "read_ecosystem_names",
    "read_sources",
    "record_counts",
    "record_failure",
    "record_success",
    "request_first_sync",
    "request_gaps",
    "requested_ecosystems",
]

OSV = "osv"


@dataclass(frozen=True)
class SourceView:
    """One ``knowledge_sources`` row."""

    source: str
    ecosystem: str
    records: int
    newest_modified: datetime | None
    last_sync_at: datetime | None
    last_result: str | None
    last_error: str | None
    last_method: str | None
    last_changed: int | None
    last_success_at: datetime | None
    requested_at: datetime | None


def read_sources(db: Session, source: str | None = None) -> list[SourceView]:
    """Every row (of one source), by source and ecosystem."""
    query = select(KnowledgeSource).order_by(KnowledgeSource.source, KnowledgeSource.ecosystem)
    if source is not None:
        query = query.where(KnowledgeSource.source == source)
    return [
        SourceView(
            r.source,
            r.ecosystem,
            r.records,
            r.newest_modified,
            r.last_sync_at,
            r.last_result,
            r.last_error,
            r.last_method,
            r.last_changed,
            r.last_success_at,
            r.requested_at,
        )
        for r in db.scalars(query)
    ]


def catalog_ecosystems(db: Session) -> list[str]:
    """The OSV ecosystems the catalog's libraries belong to."""
    query = select(Library.osv_ecosystem).where(Library.osv_ecosystem.is_not(None)).distinct()
    return sorted(str(e) for e in db.scalars(query))


def known_ecosystems(db: Session, ecosystems: Collection[str]) -> set[str]:
    """Those of ``ecosystems`` that at least one advisory names (an index probe each)."""
    return {
        e for e in ecosystems if db.scalar(select(exists().where(AdvisoryPackage.ecosystem == e)))
    }


def _upsert(db: Session) -> type[postgresql.Insert] | type[sqlite.Insert]:
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert  # type: ignore[return-value]


def request_first_sync(db: Session, ecosystems: Collection[str], now: datetime) -> None:
    """Queue the first sync of these OSV ecosystems, those never synced nor queued (an
    ecosystem already known to the table keeps its schedule: a failing mirror is not
    asked again by every import)."""
    if not ecosystems:
        return
    statement = _upsert(db)(KnowledgeSource).values(
        [
            {"source": OSV, "ecosystem": e, "records": 0, "requested_at": now}
            for e in sorted(ecosystems)
        ]
    )
    db.execute(statement.on_conflict_do_nothing())


def requested_ecosystems(db: Session) -> list[str]:
    """OSV ecosystems whose first sync was queued and not attempted since."""
    query = select(KnowledgeSource.ecosystem).where(
        KnowledgeSource.source == OSV,
        KnowledgeSource.requested_at.is_not(None),
        KnowledgeSource.last_sync_at.is_(None)
        | (KnowledgeSource.last_sync_at < KnowledgeSource.requested_at),
    )
    return sorted(db.scalars(query))


def _counts(db: Session, ecosystem: str) -> tuple[int, datetime | None]:
    held = (
        select(AdvisoryPackage.advisory_id)
        .where(AdvisoryPackage.ecosystem == ecosystem)
        .distinct()
        .subquery()
    )
    records, newest = db.execute(
        select(func.count(Advisory.id), func.max(Advisory.modified)).where(
            Advisory.id.in_(select(held.c.advisory_id))
        )
    ).one()
    return int(records or 0), newest


def _ensure(db: Session, source: str, ecosystem: str) -> None:
    db.execute(
        _upsert(db)(KnowledgeSource)
        .values(source=source, ecosystem=ecosystem, records=0)
        .on_conflict_do_nothing()
    )


def record_success(
    db: Session, source: str, ecosystem: str, *, method: str, changed: int, now: datetime
) -> None:
    """A sync (or an import) of the ecosystem finished: count what is held now."""
    _ensure(db, source, ecosystem)
    records, newest = _counts(db, ecosystem)
    db.execute(
        update(KnowledgeSource)
        .where(KnowledgeSource.source == source, KnowledgeSource.ecosystem == ecosystem)
        .values(
            records=records,
            newest_modified=newest,
            last_sync_at=now,
            last_result="ok",
            last_error=None,
            last_method=method,
            last_changed=changed,
            last_success_at=now,
        )
    )


def record_counts(db: Session, source: str, ecosystems: Collection[str] | None = None) -> None:
    """Count again what is held per ecosystem (all the advisories name, by default)
    without touching the sync fields: after an import by hand, which is no sync (a
    folder of a few records says nothing of the rest of the ecosystem)."""
    if ecosystems is None:
        ecosystems = list(db.scalars(select(AdvisoryPackage.ecosystem).distinct()))
    for ecosystem in ecosystems:
        _ensure(db, source, ecosystem)
        records, newest = _counts(db, ecosystem)
        db.execute(
            update(KnowledgeSource)
            .where(KnowledgeSource.source == source, KnowledgeSource.ecosystem == ecosystem)
            .values(records=records, newest_modified=newest)
        )


def record_failure(db: Session, source: str, ecosystem: str, *, error: str, now: datetime) -> None:
    """A sync of the ecosystem failed: say why; what is held and its counts stay."""
    _ensure(db, source, ecosystem)
    db.execute(
        update(KnowledgeSource)
        .where(KnowledgeSource.source == source, KnowledgeSource.ecosystem == ecosystem)
        .values(last_sync_at=now, last_result="failed", last_error=error[:4000])
    )


def project_gaps(db: Session, project_id: int) -> list[str]:
    """The OSV ecosystems of a project's libraries that no advisory names."""
    ecosystems = db.scalars(
        select(Library.osv_ecosystem)
        .join(ProjectLibrary, ProjectLibrary.library_id == Library.id)
        .where(ProjectLibrary.project_id == project_id, Library.osv_ecosystem.is_not(None))
        .distinct()
    )
    held = {str(e) for e in ecosystems}
    return sorted(held - known_ecosystems(db, held))


def open_gaps(db: Session) -> list[str]:
    """The OSV ecosystems the table knows of (synced, or met by an import) that no
    advisory names: what the knowledge base plainly lacks. One prebuilt statement (an
    index probe per ecosystem): every project vitals request asks."""
    return sorted(db.connection().execute(_OPEN_GAPS).scalars())


_OPEN_GAPS = select(KnowledgeSource.ecosystem).where(
    KnowledgeSource.source == OSV,
    ~exists().where(AdvisoryPackage.ecosystem == KnowledgeSource.ecosystem),
)


def read_ecosystem_names(db: Session) -> list[str]:
    """The OSV ecosystems that have a row."""
    return list(db.scalars(select(KnowledgeSource.ecosystem).where(KnowledgeSource.source == OSV)))


def projects_gaps(db: Session, project_ids: Collection[int]) -> dict[int, list[str]]:
    """Per project (of these) holding libraries of an ecosystem in :func:`open_gaps`,
    those ecosystems. Reads nothing of the inventories while no gap is open."""
    gaps = open_gaps(db)
    if not gaps or not project_ids:
        return {}
    found: dict[int, set[str]] = defaultdict(set)
    listed = sorted(set(project_ids))
    for start in range(0, len(listed), 5000):  # SQLite takes some 32,000 parameters at most
        rows = db.execute(
            select(ProjectLibrary.project_id, Library.osv_ecosystem)
            .join(Library, Library.id == ProjectLibrary.library_id)
            .where(
                Library.osv_ecosystem.in_(gaps),
                among(db, ProjectLibrary.project_id, listed[start : start + 5000]),
            )
            .distinct()
        )
        for project_id, ecosystem in rows:
            found[project_id].add(str(ecosystem))
    return {p: sorted(e) for p, e in found.items()}


def request_gaps(
    db: Session, org_id: int, request_token: str, visible_products: frozenset[int] | None = None
) -> list[str]:
    """The ecosystems an update request's inventories held that the knowledge base knew
    nothing about when they were analysed, and still knows nothing about."""
    query = (
        select(UpdateItem.knowledge_gaps)
        .join(UpdateRequest, UpdateRequest.id == UpdateItem.request_id)
        .where(
            UpdateRequest.org_id == org_id,
            UpdateRequest.request_token == request_token,
            UpdateItem.knowledge_gaps.is_not(None),
        )
    )
    if visible_products is not None:
        query = query.join(Project, Project.id == UpdateItem.project_id).where(
            Project.product_id.in_(visible_products)
        )
    noted = {e for gaps in db.scalars(query) if gaps for e in gaps.split(",")}
    return sorted(noted - known_ecosystems(db, noted))
