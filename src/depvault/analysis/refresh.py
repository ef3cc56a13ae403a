"""Re-analysis after a knowledge-base change: regroup, re-match, then re-derive alerts.

An import records the OSV packages whose advisories changed (``pending_rematches``) and
the records it wrote (``pending_regroups``) in the same transaction as the advisories.
This module drains those records in steps, each its own transaction: group the records
again (``analysis.regroup``: which records are one vulnerability, and its facts);
re-match the libraries of a batch of packages and mark the projects holding them
``analysis_due``; then derive the alerts of due projects a batch at a time. Because the
record is durable, a re-analysis cut short by a crash is finished by the next process
that runs a step (the CLI import, or any server worker when idle). On PostgreSQL
concurrent runners skip rows another one has locked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from depvault.analysis.alerts import PROJECTS_PER_BATCH, derive_alerts, outdated_security_holders
from depvault.analysis.matching import match_libraries, package_libraries
from depvault.analysis.newest import compute_newest_releases
from depvault.analysis.regroup import regroup_step
from depvault.domain.timefmt import utcnow
from depvault.gc_pause import paused_collection
from depvault.store.engine.db import Database
from depvault.store.engine.id_lists import among
from depvault.store.engine.packages import package_clause
from depvault.store.knowledge.due import mark_analysis_due
from depvault.store.knowledge.newest_releases import read_newest_releases, save_newest_releases
from depvault.store.models import Library, PendingRematch, Project, ProjectLibrary

__all__ = ["RefreshStats", "refresh", "refresh_step", "schedule_full_rematch"]

PACKAGES_PER_STEP = 500
IDS_PER_QUERY = 5000


@dataclass
class RefreshStats:
    """What a re-analysis did.

    It holds no knowledge between steps: each step is its own transaction, and another
    process (the server's workers, a second import) may store newer facts between two
    of them. A cache of newest releases kept here once made an import derive from a
    newest release another process had already replaced, so the import and a later
    rematch disagreed; each step now reads what is stored (issue 17)."""

    regrouped: int = 0
    libraries: int = 0
    matches: int = 0
    projects: int = 0
    alerts_opened: int = 0
    alerts_resolved: int = 0


def schedule_full_rematch(database: Database) -> int:
    """Record every OSV package of the catalog as changed, so that the next re-analysis
    matches every library again (after an upgrade whose matching rules changed, or to
    verify the stored matches); returns how many packages were recorded. Durable like an
    import's record: an interrupted re-analysis is finished by the server's workers."""
    with database.transaction() as db:
        packages = (
            select(Library.osv_ecosystem, Library.osv_name)
            .where(Library.osv_ecosystem.is_not(None), Library.osv_name.is_not(None))
            .distinct()
        )
        statement = (
            postgresql.insert(PendingRematch)
            if db.get_bind().dialect.name == "postgresql"
            else sqlite.insert(PendingRematch)
        )
        db.execute(statement.from_select(["ecosystem", "name"], packages).on_conflict_do_nothing())
        return int(db.scalar(select(func.count()).select_from(PendingRematch)) or 0)


def refresh(database: Database, progress: Callable[[str, int], None] | None = None) -> RefreshStats:
    """Run steps until nothing is pending; ``progress(stage, done)`` after each."""
    stats = RefreshStats()
    while True:
        stage = refresh_step(database, stats)
        if stage is None:
            return stats
        if progress is not None:
            done = {"group": stats.regrouped, "match": stats.libraries}
            progress(stage, done.get(stage, stats.projects))


def refresh_step(database: Database, stats: RefreshStats | None = None) -> str | None:
    """One step of pending re-analysis: "group", "match" or "alerts", None when none is
    due. Groups come first: a group that changed re-matches its packages."""
    stats = stats if stats is not None else RefreshStats()
    with paused_collection():
        grouped = regroup_step(database)
        if grouped is not None:
            stats.regrouped += grouped.advisories
            return "group"
        if _match_step(database, stats):
            return "match"
        if _alerts_step(database, stats):
            return "alerts"
    return None


def _match_step(database: Database, stats: RefreshStats) -> bool:
    with database.transaction() as db:
        packages = [
            (ecosystem, name)
            for ecosystem, name in db.execute(
                select(PendingRematch.ecosystem, PendingRematch.name)
                .limit(PACKAGES_PER_STEP)
                .with_for_update(skip_locked=True)
            )
        ]
        if not packages:
            return False
        libraries = package_libraries(db, packages)
        ids = list(libraries)
        stats.libraries += len(ids)
        matched = match_libraries(db, ids)
        stats.matches += matched.matches
        # Only the projects whose alerts can change are re-derived: those holding a
        # library whose matches changed, a library of a package whose newest known
        # release changed, or a security alert whose advisory took another name.
        renewed = _renew_newest_releases(db, packages)
        affected = matched.changed | {i for i, package in libraries.items() if package in renewed}
        holders = outdated_security_holders(db, ids)
        listed = sorted(affected)
        for start in range(0, len(listed), IDS_PER_QUERY):
            part = listed[start : start + IDS_PER_QUERY]
            holders.update(
                db.scalars(
                    select(ProjectLibrary.project_id)
                    .where(among(db, ProjectLibrary.library_id, part))
                    .distinct()
                )
            )
        mark_analysis_due(db, holders)
        db.execute(
            delete(PendingRematch).where(
                package_clause(db, PendingRematch.ecosystem, PendingRematch.name, packages)
            )
        )
    return True


def _renew_newest_releases(db: Session, packages: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Compute the newest known release of these packages again (their advisories
    changed), store it, and return the packages where it is not what was stored."""
    now = utcnow()
    before = read_newest_releases(db, packages, computed_since=datetime.min)
    after = compute_newest_releases(db, packages)
    changed = {p for p in packages if p not in before or before[p] != after[p]}
    save_newest_releases(db, after, now)  # replaces every row computed before now
    return changed


def _alerts_step(database: Database, stats: RefreshStats) -> bool:
    with database.transaction() as db:
        due = list(
            db.scalars(
                select(Project.id)
                .where(Project.analysis_due.is_(True))
                .order_by(Project.id)
                .limit(PROJECTS_PER_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not due:
            return False
        # the newest releases as stored now, read in this transaction (see RefreshStats)
        changes = derive_alerts(db, due, utcnow())
        db.execute(update(Project).where(Project.id.in_(due)).values(analysis_due=False))
    stats.projects += len(due)
    stats.alerts_opened += changes.opened
    stats.alerts_resolved += changes.resolved
    return True
