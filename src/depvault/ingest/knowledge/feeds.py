"""What the NVD, EPSS and KEV imports share: opening a feed file (gzip or not),
counting and naming the entries refused, and writing a feed in batches.

A feed is read as a stream of rows; a malformed entry is counted and named in the
import's problems and skipped, never fatal: the rest imports. Each batch is one
transaction that writes only the rows that changed and queues the advisories of their
CVEs for grouping again (``analysis.regroup``); the re-analysis then runs as after an
OSV import (``analysis.refresh``), so only projects whose vulnerabilities' facts changed
are derived again.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from depvault.analysis.refresh import refresh
from depvault.analysis.regroup import queue_regroups_of_cves
from depvault.domain.timefmt import utcnow
from depvault.store.engine.db import Database
from depvault.store.knowledge.signals import (
    ImportRecord,
    delete_absent,
    record_import,
    write_changed,
)
from depvault.store.models import Base

__all__ = ["FeedStats", "Problems", "import_feed", "open_feed"]

BATCH = 5000
GZIP_MAGIC = b"\x1f\x8b"


@dataclass
class Problems:
    """Entries refused: how many, and the first ones named with why."""

    count: int = 0
    named: list[str] = field(default_factory=list)
    keep: int = 100
    # the file broke off before its end (a truncated download): what came before it
    # imports, but nothing is deleted for being absent from it
    truncated: bool = False

    def add(self, where: str, why: str) -> None:
        self.count += 1
        if len(self.named) < self.keep:
            self.named.append(f"{where}: {why}")


@contextmanager
def open_feed(path: Path) -> Iterator[IO[bytes]]:
    """The file's bytes, expanded on the fly when it is gzip'd (recognised by its
    first bytes, whatever its name)."""
    with path.open("rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        if compressed:
            with gzip.GzipFile(fileobj=raw) as expanded:
                yield cast(IO[bytes], expanded)
        else:
            yield raw


@dataclass
class FeedStats:
    """What a feed import did."""

    source: str
    read: int = 0
    changed: int = 0
    removed: int = 0
    invalid: int = 0
    problems: list[str] = field(default_factory=list)
    newest: str | None = None
    regroups_queued: int = 0
    regrouped: int = 0
    reanalysed_projects: int = 0
    truncated: bool = False  # a file broke off or could not be read


def _newest_per_cve(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per CVE: the newest by ``last_modified`` where rows carry it (NVD: a
    yearly file and ``-modified`` in one batch), else the last one read."""
    unique: dict[str, dict[str, Any]] = {}
    for row in batch:
        kept = unique.get(row["cve"])
        if (
            kept is None
            or row.get("last_modified") is None
            or (row["last_modified"] >= kept["last_modified"])
        ):
            unique[row["cve"]] = row
    return list(unique.values())


def import_feed(
    database: Database,
    source: str,
    origin: str,
    model: type[Base],
    rows: Iterable[dict[str, Any]],
    problems: Problems,
    *,
    whole_catalog: bool,
    newest: Callable[[], str | None] = lambda: None,
    progress: Callable[[int], None] | None = None,
) -> FeedStats:
    """Write a feed's rows (keyed by ``cve``), then re-analyse what changed. With
    ``whole_catalog`` the feed lists every CVE the source knows (EPSS, KEV), and CVEs
    it no longer lists are deleted; NVD feeds are partial (a year, the recent changes).
    ``newest`` is asked after reading: the feed's date, when it states one."""
    stats = FeedStats(source)
    seen: set[str] = set()
    batch: list[dict[str, Any]] = []

    def write() -> None:
        with database.transaction() as db:
            changed = write_changed(db, model, _newest_per_cve(batch))
            stats.changed += len(changed)
            stats.regroups_queued += queue_regroups_of_cves(db, changed)
        batch.clear()

    for row in rows:
        stats.read += 1
        if whole_catalog:
            seen.add(row["cve"])
        batch.append(row)
        if len(batch) >= BATCH:
            write()
            if progress:
                progress(BATCH)
    if batch:
        write()
    stats.newest, stats.invalid, stats.problems = newest(), problems.count, problems.named
    stats.truncated = problems.truncated
    with database.transaction() as db:
        # an empty, unreadable or truncated file removes nothing
        if whole_catalog and stats.read and not problems.truncated:
            removed = delete_absent(db, model, seen)
            stats.removed = len(removed)
            stats.regroups_queued += queue_regroups_of_cves(db, removed)
        record_import(
            db,
            ImportRecord(
                source,
                utcnow(),
                origin,
                stats.read,
                stats.changed + stats.removed,
                stats.invalid,
                stats.newest,
                tuple(problems.named),
            ),
        )
    done = refresh(database)
    stats.regrouped, stats.reanalysed_projects = done.regrouped, done.projects
    return stats
