"""Fetching the NVD, EPSS and KEV feeds on the sync's schedule (each off until its
``DEPVAULT_KB_<FEED>_URL`` is set).

- **NVD** (``DEPVAULT_KB_NVD_URL``: the folder of the CVE JSON 2.0 feeds): the yearly
  files ``nvdcve-2.0-<year>.json.gz`` (2002, which holds the older CVEs too, to the
  current year) at the first fetch, at a year's first fetch, and again whenever the last
  good fetch is older than a week; otherwise only ``nvdcve-2.0-modified.json.gz`` and
  ``-recent``, which list the CVEs NVD added or changed in the last eight days. They are
  imported in that order, and an entry older than the stored one replaces nothing.
- **EPSS** (``DEPVAULT_KB_EPSS_URL``) and **KEV** (``DEPVAULT_KB_KEV_URL``): the URL of
  the one file, which lists the source's whole catalog.

Every request is conditional: the ``ETag`` and ``Last-Modified`` a file was served with
when it was last imported go back as ``If-None-Match`` and ``If-Modified-Since``, so an
unchanged file answers 304 and is neither downloaded nor imported again. A location
that is a path or a ``file://`` URL (an air-gapped site's copy) is read in place, and a
file whose size and modification time did not change is skipped the same way.

Downloads stream to ``<data>/kb-downloads/feeds/<feed>/`` through the client of
``ingest.knowledge.http`` (proxy variables, CA bundle, timeout, bounded retries with
backoff). Each feed's files are all fetched and checked (the length the server stated,
a gzip stream read to its end and its CRC) before anything is imported, so a failed,
truncated or corrupt download leaves the knowledge base as it was; the reason goes on
the feed's ``knowledge_sources`` row for ``kb status`` and to the log, and no validator
is kept, so the next fetch asks again. The import is the one ``kb import-nvd``,
``import-epss`` and ``import-kev`` run: only changed CVEs are written and only the
projects they touch re-derived. Callers hold ``store.knowledge.sync_lock``.
"""

from __future__ import annotations

import gzip
import logging
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

import httpx
import orjson

from depvault.config import Config
from depvault.domain.timefmt import utcnow
from depvault.errors import KnowledgeSyncError
from depvault.ingest.knowledge.epss import import_epss
from depvault.ingest.knowledge.feeds import GZIP_MAGIC, FeedStats
from depvault.ingest.knowledge.http import Retrying, Transient, check_status, knowledge_client
from depvault.ingest.knowledge.kev import import_kev
from depvault.ingest.knowledge.nvd import import_nvd
from depvault.store.engine.db import Database
from depvault.store.knowledge.feed_files import (
    FeedFileState,
    read_feed_files,
    record_feed_failure,
    record_feed_success,
    save_feed_files,
)
from depvault.store.knowledge.sources import read_sources

__all__ = [
    "FEEDS",
    "FeedFetch",
    "FeedFile",
    "configured_feeds",
    "feed_files",
    "feed_location",
    "fetch_feeds",
]

log = logging.getLogger(__name__)
FEEDS = ("nvd", "epss", "kev")
NVD_FIRST_YEAR = 2002  # NVD's 2002 file holds every CVE before it too
# -modified lists eight days of changes: a gap longer than a week reads the years again
NVD_CHANGES_COVER = timedelta(days=7)
NVD_CHANGES = ("nvdcve-2.0-modified.json.gz", "nvdcve-2.0-recent.json.gz")
CHUNK = 1 << 20


@dataclass(frozen=True)
class FeedFile:
    """A file to fetch: its name (the key of its fetch state) and URL or path."""

    name: str
    location: str


@dataclass
class FeedFetch:
    """What one feed's fetch did: ``method`` is ``download`` (files imported) or
    ``unchanged`` (every file answered as the one imported before)."""

    feed: str
    result: str = "ok"
    method: str = "unchanged"
    downloaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    changed: int = 0
    error: str | None = None
    stats: FeedStats | None = None

    def as_json(self) -> dict[str, object]:
        """The outcome as ``kb sync`` prints it."""
        answer: dict[str, object] = {
            "feed": self.feed,
            "result": self.result,
            "method": self.method,
            "downloaded": self.downloaded,
            "unchanged": self.unchanged,
            "changed": self.changed,
        }
        if self.error:
            answer["error"] = self.error
        if self.stats is not None:
            answer |= {
                "read": self.stats.read,
                "invalid": self.stats.invalid,
                "problems": self.stats.problems,
                "reanalysedProjects": self.stats.reanalysed_projects,
            }
        return answer


def feed_location(config: Config, feed: str) -> str:
    """The feed's configured URL or path ("" when it is not fetched)."""
    return config.kb_feed_locations.get(feed, "")


def configured_feeds(config: Config) -> list[str]:
    """The feeds whose location is set."""
    return [feed for feed in FEEDS if feed_location(config, feed)]


def feed_files(
    feed: str,
    location: str,
    imported: Sequence[str],
    last_success: datetime | None,
    now: datetime,
) -> list[FeedFile]:
    """The files of a fetch, in import order (see the module's docstring); ``imported``
    names the files imported before."""
    if feed != "nvd":
        name = unquote(urlparse(location).path).rstrip("/").rsplit("/", 1)[-1] or feed
        return [FeedFile(name, location)]
    base = location.rstrip("/")
    whole = last_success is None or now - last_success > NVD_CHANGES_COVER
    years = [f"nvdcve-2.0-{y}.json.gz" for y in range(NVD_FIRST_YEAR, now.year + 1)]
    names = [n for n in years if whole or n not in imported] + list(NVD_CHANGES)
    return [FeedFile(n, f"{base}/{n}") for n in names]


@dataclass(frozen=True)
class _Got:
    """A fetched file on disk, with the validators to keep once it is imported."""

    path: Path
    owned: bool  # a download of ours, deleted once used (a local copy never is)
    etag: str | None
    last_modified: str | None


class _Fetcher(Protocol):
    def get(self, file: FeedFile, before: FeedFileState | None, into: Path) -> _Got | None:
        """The file, or None when it is the one imported before."""


def _local_path(location: str) -> Path | None:
    parsed = urlparse(location)
    if parsed.scheme.lower() == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme.lower() in ("http", "https"):
        return None
    if parsed.scheme and len(parsed.scheme) > 1:  # "c:" is a Windows drive, not a scheme
        raise KnowledgeSyncError(f"{location}: unsupported scheme {parsed.scheme!r}")
    return Path(location)


class _LocalFetcher:
    """Files on disk (an air-gapped copy): read in place; unchanged while their size and
    modification time are."""

    def get(self, file: FeedFile, before: FeedFileState | None, into: Path) -> _Got | None:
        path = _local_path(file.location)
        assert path is not None
        if not path.is_file():
            raise KnowledgeSyncError(f"{path}: not found")
        stat = path.stat()
        validator = f"{stat.st_size}-{stat.st_mtime_ns}"
        if before is not None and before.url == file.location and before.etag == validator:
            return None
        return _Got(path, owned=False, etag=validator, last_modified=None)


class _HttpFetcher:
    """Conditional GETs streamed to a file, retried while the failure is transient."""

    def __init__(self, client: httpx.Client, retrying: Retrying) -> None:
        self.client, self.retrying = client, retrying

    def get(self, file: FeedFile, before: FeedFileState | None, into: Path) -> _Got | None:
        headers = {}
        if before is not None and before.url == file.location:
            if before.etag:
                headers["If-None-Match"] = before.etag
            if before.last_modified:
                headers["If-Modified-Since"] = before.last_modified
        part = into / f"{file.name}.part"
        try:
            got = self.retrying(file.location, lambda: self._download(file, headers, part))
        finally:
            part.unlink(missing_ok=True)
        return got

    def _download(self, file: FeedFile, headers: dict[str, str], part: Path) -> _Got | None:
        url = file.location
        with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304:
                return None
            check_status(response, url, accepted=(200,))
            expected = response.headers.get("content-length")
            with part.open("wb") as out:
                for chunk in response.iter_bytes(CHUNK):  # as served, content-decoded
                    out.write(chunk)
            received = response.num_bytes_downloaded  # as sent, before any decoding
            if expected is not None and received != int(expected):
                raise Transient(f"the body ended after {received} of {expected} bytes")
            final = part.with_name(file.name)
            part.replace(final)
            return _Got(
                final,
                owned=True,
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            )


def _check(path: Path, location: str, feed: str) -> None:
    """Refuse a file that cannot be read to its end: a gzip stream whose end or CRC is
    missing, a KEV catalog that is not JSON."""
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
        if compressed:
            with gzip.open(path, "rb") as expanded:
                while expanded.read(CHUNK):
                    pass
        elif feed == "kev":
            orjson.loads(path.read_bytes())
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise KnowledgeSyncError(f"{location}: not a valid gzip file ({exc})") from None
    except orjson.JSONDecodeError as exc:
        raise KnowledgeSyncError(f"{location}: not JSON ({exc})") from None
    except OSError as exc:
        raise KnowledgeSyncError(f"{location}: cannot be read ({exc})") from None


def _import(database: Database, feed: str, paths: list[Path], origin: str) -> FeedStats:
    if feed == "nvd":
        return import_nvd(database, paths, origin=origin)
    [path] = paths
    if feed == "epss":
        return import_epss(database, path, origin=origin)
    return import_kev(database, path, origin=origin)


def _last_success(database: Database, feed: str) -> datetime | None:
    with database.transaction(write=False) as db:
        for row in read_sources(db, feed):
            return row.last_success_at
    return None


class _Round:
    """One fetch of several feeds: builds the HTTP client when a feed needs it."""

    def __init__(self, database: Database, config: Config, retrying: Retrying) -> None:
        self.database, self.config, self.retrying = database, config, retrying
        self.client: httpx.Client | None = None

    def fetcher(self, location: str) -> _Fetcher:
        if _local_path(location) is not None:
            return _LocalFetcher()
        if self.client is None:
            self.client = knowledge_client(
                float(self.config.kb_http_timeout), self.config.kb_ca_bundle
            )
        return _HttpFetcher(self.client, self.retrying)

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def fetch(self, feed: str) -> FeedFetch:
        outcome = FeedFetch(feed)
        location = feed_location(self.config, feed)
        try:
            if not location:
                raise KnowledgeSyncError(f"DEPVAULT_KB_{feed.upper()}_URL is not set")
            self._fetch(outcome, location)
        except KnowledgeSyncError as exc:
            self._failed(outcome, exc.message)
        except Exception as exc:  # the import broke off (disk full, database gone)
            log.exception("knowledge-base fetch of %s broke off", feed)
            self._failed(outcome, f"the import broke off: {type(exc).__name__}: {exc}")
        return outcome

    def _failed(self, outcome: FeedFetch, error: str) -> None:
        outcome.result, outcome.error = "failed", error
        log.warning("knowledge-base fetch of %s failed: %s", outcome.feed, error)
        with self.database.transaction() as db:
            record_feed_failure(db, outcome.feed, error=error, now=utcnow())

    def _fetch(self, outcome: FeedFetch, location: str) -> None:
        feed, now = outcome.feed, utcnow()
        with self.database.transaction(write=False) as db:
            before = read_feed_files(db, feed)
        files = feed_files(feed, location, list(before), _last_success(self.database, feed), now)
        fetcher = self.fetcher(location)
        folder = self.config.kb_downloads_dir / "feeds" / feed
        folder.mkdir(parents=True, exist_ok=True)
        got: list[tuple[FeedFile, _Got]] = []
        try:
            for file in files:
                fetched = fetcher.get(file, before.get(file.name), folder)
                if fetched is None:
                    outcome.unchanged += 1
                    continue
                got.append((file, fetched))
                _check(fetched.path, file.location, feed)
            if got:
                self._import(outcome, got)
            kept = [FeedFileState(f.name, f.location, g.etag, g.last_modified, now) for f, g in got]
            with self.database.transaction() as db:
                save_feed_files(db, feed, kept)
                record_feed_success(
                    db, feed, method=outcome.method, changed=outcome.changed, now=utcnow()
                )
        finally:
            for _, fetched in got:
                if fetched.owned:
                    fetched.path.unlink(missing_ok=True)
        log.info(
            "knowledge-base fetch of %s: %s, %d downloaded, %d unchanged, %d CVEs changed",
            feed,
            outcome.method,
            len(outcome.downloaded),
            outcome.unchanged,
            outcome.changed,
        )

    def _import(self, outcome: FeedFetch, got: list[tuple[FeedFile, _Got]]) -> None:
        origin = ", ".join(f.location for f, _ in got)
        stats = _import(self.database, outcome.feed, [g.path for _, g in got], origin)
        outcome.stats = stats
        if stats.truncated or (stats.invalid and not stats.read):
            first = stats.problems[0] if stats.problems else "nothing could be read"
            raise KnowledgeSyncError(f"{origin}: {first}")
        outcome.method = "download"
        outcome.downloaded = [f.name for f, _ in got]
        outcome.changed = stats.changed + stats.removed


def fetch_feeds(
    database: Database,
    config: Config,
    feeds: Sequence[str] | None = None,
    *,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[FeedFetch]:
    """Fetch these feeds (default: every configured one), one after the other; a feed's
    failure is recorded and the others go on."""
    wanted = list(feeds) if feeds is not None else configured_feeds(config)
    unknown = [f for f in wanted if f not in FEEDS]
    if unknown:
        raise ValueError(f"unknown feed {unknown[0]!r}: the feeds are {', '.join(FEEDS)}")
    fetching = _Round(database, config, Retrying(config.kb_http_attempts, backoff, sleep))
    try:
        return [fetching.fetch(feed) for feed in wanted]
    finally:
        fetching.close()
