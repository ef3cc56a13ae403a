"""Keeping the OSV knowledge current: ``depvault kb sync`` and the server's schedule.

Per ecosystem: the first sync (or one after more than ``DEPVAULT_KB_SYNC_MAX_CHANGES``
changes) downloads ``all.zip`` and checks every member's CRC before anything is written;
a later sync reads ``modified_id.csv`` (newest first) down to the newest ``modified`` the
store holds for the ecosystem and fetches only those records, leaving out the ones the
store already has at that time. Whatever is fetched goes through the one OSV import
(``ingest.osv.import_osv``), which writes only what changed and re-analyses only what
the change touches: a sync that brings nothing new re-derives nothing.

Everything is fetched and checked before the import starts, so a failed download, a
corrupt archive or an error from the mirror leaves the knowledge base as it was; the
failure is recorded on the ecosystem's ``knowledge_sources`` row and logged. An import
that breaks off (the disk full, the database gone) is recorded the same way; the
batches it committed stay (each advisory whole, its re-analysis queued), and since the
sync did not succeed, the next one reads from the same point again and completes it.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from depvault.config import Config
from depvault.domain.timefmt import utcnow
from depvault.errors import KnowledgeSyncError
from depvault.ingest.knowledge.osv import ImportStats, import_osv, read_osv_documents
from depvault.ingest.knowledge.osv_mirror import Mirror, open_mirror
from depvault.store.engine.db import Database
from depvault.store.knowledge.sources import (
    OSV,
    catalog_ecosystems,
    read_sources,
    record_failure,
    record_success,
)
from depvault.store.models import Advisory

__all__ = ["EcosystemSync", "default_ecosystems", "sync_osv"]

log = logging.getLogger(__name__)
FETCHES_AT_ONCE = 8  # httpx's client is shared by the threads: one connection pool


@dataclass
class EcosystemSync:
    """What one ecosystem's sync did: ``method`` is ``all.zip``, ``changes`` (records
    fetched one by one) or ``none`` (nothing newer); ``fetched`` counts the records
    fetched, ``changed`` the records the import wrote."""

    ecosystem: str
    result: str = "ok"
    method: str = "none"
    fetched: int = 0
    changed: int = 0
    error: str | None = None
    stats: ImportStats | None = None

    def as_json(self) -> dict[str, object]:
        """The outcome as ``kb sync`` prints it."""
        answer: dict[str, object] = {
            "ecosystem": self.ecosystem,
            "result": self.result,
            "method": self.method,
            "fetched": self.fetched,
            "changed": self.changed,
        }
        if self.error:
            answer["error"] = self.error
        if self.stats is not None:
            answer["reanalysedProjects"] = self.stats.reanalysed_projects
        return answer


def default_ecosystems(database: Database, config: Config) -> list[str]:
    """The catalog's ecosystems, then those ``DEPVAULT_KB_ECOSYSTEMS`` adds."""
    with database.transaction(write=False) as db:
        found = catalog_ecosystems(db)
    return list(dict.fromkeys([*found, *config.kb_listed_ecosystems]))


def sync_osv(
    database: Database,
    config: Config,
    ecosystems: Sequence[str] | None = None,
    *,
    mirror: Mirror | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[EcosystemSync]:
    """Sync these ecosystems (default :func:`default_ecosystems`) from the configured
    mirror, one after the other; an ecosystem's failure is recorded and the others go
    on. Callers hold ``store.knowledge.sync_lock``."""
    wanted = list(ecosystems) if ecosystems is not None else default_ecosystems(database, config)
    outcomes = [EcosystemSync(e) for e in wanted]
    if not outcomes:
        return []
    try:
        mirror = mirror or open_mirror(config)
    except KnowledgeSyncError as exc:
        return [_failed(database, o, exc.message) for o in outcomes]
    try:
        try:
            published = _published(mirror)
        except KnowledgeSyncError as exc:
            return [_failed(database, o, exc.message) for o in outcomes]
        for outcome in outcomes:
            if progress:
                progress(outcome.ecosystem)
            if outcome.ecosystem not in published:
                _failed(
                    database,
                    outcome,
                    f"{mirror.location} publishes no ecosystem named {outcome.ecosystem!r} "
                    "(ecosystems.txt)",
                )
                continue
            try:
                _sync_one(database, config, mirror, outcome)
            except KnowledgeSyncError as exc:
                _failed(database, outcome, exc.message)
            except Exception as exc:  # the import broke off (disk full, database gone)
                log.exception("knowledge-base sync of %s broke off", outcome.ecosystem)
                _failed(database, outcome, f"the import broke off: {type(exc).__name__}: {exc}")
    finally:
        mirror.close()
    return outcomes


def _published(mirror: Mirror) -> set[str]:
    text = mirror.read("ecosystems.txt").decode("utf-8", errors="replace")
    return {line.strip() for line in text.splitlines() if line.strip()}


def _failed(database: Database, outcome: EcosystemSync, error: str) -> EcosystemSync:
    outcome.result, outcome.error = "failed", error
    log.warning("knowledge-base sync of %s failed: %s", outcome.ecosystem, error)
    with database.transaction() as db:
        record_failure(db, OSV, outcome.ecosystem, error=error, now=utcnow())
    return outcome


def _cursor(database: Database, ecosystem: str) -> datetime | None:
    """The newest ``modified`` held for an ecosystem synced before; None before its
    first successful sync (which then takes ``all.zip``)."""
    with database.transaction(write=False) as db:
        for row in read_sources(db, OSV):
            if row.ecosystem == ecosystem and row.last_success_at is not None:
                return row.newest_modified or datetime.min
    return None


def _sync_one(database: Database, config: Config, mirror: Mirror, outcome: EcosystemSync) -> None:
    ecosystem = outcome.ecosystem
    cursor = _cursor(database, ecosystem)
    documents: Iterable[tuple[str, bytes]] | None = None
    if cursor is not None:
        changes = _changes(mirror, ecosystem, cursor, config.kb_sync_max_changes)
        wanted = _not_held(database, changes) if changes is not None else None
        if wanted is not None and len(wanted) <= config.kb_sync_max_changes:
            documents = _fetch_records(mirror, ecosystem, wanted)
            outcome.method = "changes" if wanted else "none"
            outcome.fetched = len(wanted)
    if documents is None:
        _import_archive(database, mirror, outcome)
    else:
        _apply(database, outcome, documents)


def _fetch_records(mirror: Mirror, ecosystem: str, ids: list[str]) -> list[tuple[str, bytes]]:
    """The records, fetched a few at a time: one by one, a sync of a thousand changes
    over the internet is a thousand round trips (a failure of any fails the sync)."""
    paths = [f"{ecosystem}/{i}.json" for i in ids]
    with ThreadPoolExecutor(max_workers=FETCHES_AT_ONCE) as pool:
        return list(zip(paths, pool.map(mirror.read, paths), strict=True))


def _changes(
    mirror: Mirror, ecosystem: str, cursor: datetime, limit: int
) -> list[tuple[datetime, str]] | None:
    """The ``(modified, id)`` of the records at or after ``cursor`` (newest first), or
    None when more than ``limit`` are newer. Records exactly at the cursor are listed
    whatever their number (a database that re-exports everything at once stamps
    thousands alike), for :func:`_not_held` to sort out. Malformed lines are skipped."""
    found: list[tuple[datetime, str]] = []
    newer = 0
    for line in mirror.lines(f"{ecosystem}/modified_id.csv"):
        stamp, _, record_id = line.partition(",")
        modified = _time(stamp)
        if modified is None or not record_id.strip():
            continue
        if modified < cursor:
            break
        found.append((modified, record_id.strip()))
        newer += modified > cursor
        if newer > limit:
            return None
    return found


def _time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def _not_held(database: Database, changes: list[tuple[datetime, str]]) -> list[str]:
    """The ids of changes the store does not hold at that ``modified`` (the records at
    exactly the cursor's time are mostly the ones the last sync brought)."""
    newest = {record_id: modified for modified, record_id in reversed(changes)}
    listed = list(newest)
    held: dict[str, datetime] = {}
    with database.transaction(write=False) as db:
        for start in range(0, len(listed), 5000):
            part = listed[start : start + 5000]
            rows = db.execute(select(Advisory.key, Advisory.modified).where(Advisory.key.in_(part)))
            held.update((key, modified) for key, modified in rows)
    return [i for i, modified in newest.items() if held.get(i) != modified]


def _import_archive(database: Database, mirror: Mirror, outcome: EcosystemSync) -> None:
    path = f"{outcome.ecosystem}/all.zip"
    archive = mirror.archive(path)
    try:
        try:
            with zipfile.ZipFile(archive.path) as opened:
                broken = opened.testzip()
                members = sum(1 for n in opened.namelist() if n.endswith(".json"))
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise KnowledgeSyncError(
                f"{mirror.location}/{path} is not a valid zip: {exc}"
            ) from None
        if broken is not None:
            raise KnowledgeSyncError(
                f"{mirror.location}/{path}: member {broken} fails its CRC check"
            )
        outcome.method, outcome.fetched = "all.zip", members
        _apply(database, outcome, read_osv_documents([archive.path]))
    finally:
        if archive.owned:  # a corrupt download is not resumed: the next sync starts over
            archive.path.unlink(missing_ok=True)


def _apply(
    database: Database, outcome: EcosystemSync, documents: Iterable[tuple[str, bytes]]
) -> None:
    stats = import_osv(database, documents)
    outcome.stats = stats
    outcome.changed = stats.new + stats.updated
    with database.transaction() as db:
        record_success(
            db, OSV, outcome.ecosystem, method=outcome.method, changed=outcome.changed, now=utcnow()
        )
    log.info(
        "knowledge-base sync of %s: %s, %d fetched, %d changed, %d projects re-analysed",
        outcome.ecosystem,
        outcome.method,
        outcome.fetched,
        outcome.changed,
        stats.reanalysed_projects,
    )
