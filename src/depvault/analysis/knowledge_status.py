"""What the knowledge base knows, as ``depvault kb status`` and ``getKnowledgeBaseStatus``
answer it (the same JSON).

``ecosystems``: per OSV ecosystem, the records held, the newest ``modified`` among them,
and the last sync's time, result, error and method. ``sources``: per source, keyed by
its name, the same figures summed over its ecosystems; the feeds that are not split by
ecosystem (NVD, EPSS, KEV), whenever one is configured, fetched or imported: the CVEs
held, the configured ``url``, the last fetch (``lastSync``, ``lastResult``, ``lastError``,
``lastMethod``: ``download`` or ``unchanged``, ``lastSuccess``, and per file the time it
was last downloaded), and the last import, by a fetch or by ``kb import-nvd``,
``import-epss``, ``import-kev`` (when, from what, the records read, changed and refused,
the newest date and the first problems). ``knowledgeGaps``: the ecosystems the knowledge
base has met (in the catalog or the sync list) and holds nothing about.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from depvault.config import Config
from depvault.store.knowledge.feed_files import FEED_MODELS, read_feed_files
from depvault.store.knowledge.signals import ImportRecord, read_imports
from depvault.store.knowledge.sources import OSV, SourceView, open_gaps, read_sources

__all__ = ["knowledge_status"]


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ecosystem(row: SourceView) -> dict[str, Any]:
    return {
        "records": row.records,
        "newestModified": _time(row.newest_modified),
        "lastSync": _time(row.last_sync_at),
        "lastResult": row.last_result or "never",
        "lastError": row.last_error,
        "lastMethod": row.last_method,
        "lastChanged": row.last_changed,
        "lastSuccess": _time(row.last_success_at),
        "syncRequested": _time(row.requested_at),
    }


def _source(rows: list[SourceView]) -> dict[str, Any]:
    """A source's summary over its rows: a sync that failed for any ecosystem shows."""
    synced = [r.last_sync_at for r in rows if r.last_sync_at is not None]
    newest = [r.newest_modified for r in rows if r.newest_modified is not None]
    failed = sorted(r.ecosystem or "(all)" for r in rows if r.last_result == "failed")
    results = {r.last_result for r in rows if r.last_result}
    return {
        "records": sum(r.records for r in rows),
        "ecosystems": sum(1 for r in rows if r.ecosystem),
        "newestModified": _time(max(newest, default=None)),
        "lastSync": _time(max(synced, default=None)),
        "lastResult": "failed" if failed else "ok" if results else "never",
        "failing": failed,
    }


def _imported(record: ImportRecord) -> dict[str, Any]:
    """A feed's last import (the feeds replace their catalog whole each time)."""
    return {
        "lastImport": _time(record.imported_at),
        "origin": record.origin,
        "lastRead": record.records,
        "lastChanged": record.changed,
        "invalid": record.invalid,
        "newest": record.newest,
        "problems": list(record.problems),
    }


def _feed(
    db: Session, feed: str, url: str, fetch: SourceView | None, record: ImportRecord | None
) -> dict[str, Any]:
    """A feed's figures: what it holds, its last fetch, its last import."""
    held = db.scalar(select(func.count()).select_from(FEED_MODELS[feed])) or 0
    files = read_feed_files(db, feed)
    return {
        "records": int(held),
        "url": url or None,
        "lastSync": _time(fetch.last_sync_at if fetch else None),
        "lastResult": (fetch.last_result if fetch else None) or "never",
        "lastError": fetch.last_error if fetch else None,
        "lastMethod": fetch.last_method if fetch else None,
        "lastSuccess": _time(fetch.last_success_at if fetch else None),
        "files": {name: _time(state.fetched_at) for name, state in sorted(files.items())},
        **(_imported(record) if record else {"lastImport": None}),
    }


def knowledge_status(db: Session, config: Config) -> dict[str, Any]:
    """The status JSON (see the module's docstring)."""
    rows = read_sources(db)
    by_source: dict[str, list[SourceView]] = defaultdict(list)
    for row in rows:
        by_source[row.source].append(row)
    sources = {
        name: _source(listed)
        for name, listed in sorted(by_source.items())
        if name not in FEED_MODELS
    }
    sources.setdefault(OSV, _source([]))["url"] = config.kb_osv_url
    imports = read_imports(db)
    for feed, url in config.kb_feed_locations.items():
        fetch = next(iter(by_source.get(feed, [])), None)
        if url or fetch or feed in imports:
            sources[feed] = _feed(db, feed, url, fetch, imports.get(feed))
    return {
        "ecosystems": {r.ecosystem: _ecosystem(r) for r in by_source.get(OSV, [])},
        "sources": sources,
        "knowledgeGaps": open_gaps(db),
        "syncIntervalHours": config.kb_sync_interval,
    }
