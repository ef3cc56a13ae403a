"""Reading an OSV data-dump mirror: the public bucket over HTTPS, or a local folder.

OSV publishes, per ecosystem, ``all.zip`` (every record), ``<ID>.json`` (one record) and
``modified_id.csv`` (``<modified>,<ID>`` lines, newest first), and at the root
``ecosystems.txt``. Both mirrors here answer the same three reads: a small file whole,
a text file line by line (streamed: a sync stops reading at the first line it already
has), and an archive as a local file.

Over HTTP (the client and retries of ``ingest.knowledge.http``: proxy variables, CA
bundle, timeouts, bounded retries with backoff) an archive is streamed to a ``.part``
file, never held in memory. A dropped connection resumes where it stopped with a
``Range`` request guarded by ``If-Range`` (the file's ETag or Last-Modified), within a
sync's attempts and across syncs, since the ``.part`` file and its validator stay on
disk; a server that answers the whole file instead is written from the start. Every
failure is a :class:`~depvault.errors.KnowledgeSyncError` naming the URL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote, urlparse

import httpx
import orjson

from depvault.config import Config
from depvault.errors import KnowledgeSyncError
from depvault.ingest.knowledge.http import Retrying, Transient, check_status, knowledge_client

__all__ = ["Archive", "FolderMirror", "HttpMirror", "Mirror", "open_mirror"]

# Paths are built from ecosystem names and record ids read from the mirror itself.
_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+@ -]*$")


@dataclass(frozen=True)
class Archive:
    """An archive as a local file; ``owned`` when it is a download of ours, to delete
    once used (a folder mirror's own file is never deleted)."""

    path: Path
    owned: bool


class Mirror(Protocol):
    """An OSV data-dump layout, read by relative path (``PyPI/all.zip``)."""

    location: str

    def read(self, path: str) -> bytes:
        """A small file whole."""

    def lines(self, path: str) -> Iterator[str]:
        """A text file's lines, read as they are consumed."""

    def archive(self, path: str) -> Archive:
        """A large file as a local file."""

    def close(self) -> None:
        """Release connections."""


def _checked(path: str) -> str:
    parts = path.split("/")
    if not all(_SAFE_PART.match(p) for p in parts):
        raise KnowledgeSyncError(f"refusing the mirror path {path!r}")
    return path


class FolderMirror:
    """A folder laid out as the bucket (an rsync'd mirror on an air-gapped site)."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise KnowledgeSyncError(f"the OSV mirror folder {root} does not exist")
        self.root = root
        self.location = str(root)

    def _file(self, path: str) -> Path:
        file = self.root / _checked(path)
        if not file.is_file():
            raise KnowledgeSyncError(f"{file}: not found")
        return file

    def read(self, path: str) -> bytes:
        """The file's bytes."""
        return self._file(path).read_bytes()

    def lines(self, path: str) -> Iterator[str]:
        """The file's lines, without their ends."""
        with self._file(path).open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                yield line.rstrip("\r\n")

    def archive(self, path: str) -> Archive:
        """The file itself, in place."""
        return Archive(self._file(path), owned=False)

    def close(self) -> None:
        """Nothing to release."""


class HttpMirror:
    """The mirror at an HTTP(S) base URL; ``downloads`` keeps partial archives."""

    def __init__(
        self,
        base_url: str,
        downloads: Path,
        *,
        timeout: float = 60.0,
        attempts: int = 4,
        ca_bundle: Path | None = None,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.location = base_url.rstrip("/")
        self.downloads = downloads
        self.retrying = Retrying(attempts, backoff, sleep)
        self.client = knowledge_client(timeout, ca_bundle)

    def url(self, path: str) -> str:
        """The absolute URL of a path of the layout."""
        return f"{self.location}/{quote(_checked(path), safe='/:@+')}"

    def read(self, path: str) -> bytes:
        """GET the file whole (records and lists: kilobytes)."""
        url = self.url(path)

        def fetch() -> bytes:
            response = self.client.get(url)
            check_status(response, url)
            return response.content

        return self.retrying(url, fetch)

    def lines(self, path: str) -> Iterator[str]:
        """Stream the file's lines; after a dropped connection the file is asked again
        and the lines already given are skipped."""
        url = self.url(path)
        given = 0
        for attempt in range(1, self.retrying.attempts + 1):
            try:
                with self.client.stream("GET", url) as response:
                    check_status(response, url)
                    skip = given
                    for line in response.iter_lines():
                        if skip:
                            skip -= 1
                            continue
                        given += 1
                        yield line
                return
            except (Transient, httpx.TransportError) as exc:
                if attempt == self.retrying.attempts:
                    raise self.retrying.gave_up(url, str(exc) or type(exc).__name__) from None
                self.retrying.wait(attempt)

    def archive(self, path: str) -> Archive:
        """Download the file to ``downloads`` (resuming a partial download of the same
        file and version), then hand it over whole."""
        url = self.url(path)
        self.downloads.mkdir(parents=True, exist_ok=True)
        name = path.replace("/", "__")
        part = self.downloads / f"{name}.part"
        meta = self.downloads / f"{name}.part.json"
        self.retrying(url, lambda: self._download(url, part, meta))
        final = self.downloads / name
        part.replace(final)
        meta.unlink(missing_ok=True)
        return Archive(final, owned=True)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()

    def _download(self, url: str, part: Path, meta: Path) -> None:
        validator = _validator(meta, url) if part.exists() else None
        offset = part.stat().st_size if validator else 0
        headers = {"Accept-Encoding": "identity"}  # byte ranges of the file itself
        if offset and validator:
            headers |= {"Range": f"bytes={offset}-", "If-Range": validator}
        with self.client.stream("GET", url, headers=headers) as response:
            if response.status_code == 416:  # the partial file is not a prefix any more
                part.unlink(missing_ok=True)
                raise Transient("the partial download does not fit the file; starting over")
            check_status(response, url)
            resumed = response.status_code == 206
            if resumed and _range_start(response) != offset:
                part.unlink(missing_ok=True)
                raise Transient("the server resumed at another offset; starting over")
            stated = response.headers.get("etag") or response.headers.get("last-modified")
            meta.write_bytes(orjson.dumps({"url": url, "validator": stated}))
            expected = response.headers.get("content-length")
            written = 0
            with part.open("ab" if resumed else "wb") as out:
                for chunk in response.iter_raw():  # as received: a drop loses nothing
                    out.write(chunk)
                    written += len(chunk)
            if expected is not None and written != int(expected):
                raise Transient(f"the body ended after {written} of {expected} bytes")


def _validator(meta: Path, url: str) -> str | None:
    """The ETag or Last-Modified a partial download of ``url`` was made from."""
    try:
        stored = orjson.loads(meta.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(stored, dict) or stored.get("url") != url:
        return None
    validator = stored.get("validator")
    return validator if isinstance(validator, str) and validator else None


def _range_start(response: httpx.Response) -> int | None:
    match = re.match(r"bytes (\d+)-", response.headers.get("content-range", ""))
    return int(match.group(1)) if match else None


def open_mirror(config: Config, *, backoff: float = 1.0) -> Mirror:
    """The mirror ``DEPVAULT_KB_OSV_URL`` names: http(s) URL, ``file://`` URL or path."""
    location = config.kb_osv_url.strip()
    scheme = urlparse(location).scheme.lower()
    if scheme in ("http", "https"):
        return HttpMirror(
            location,
            config.kb_downloads_dir,
            timeout=float(config.kb_http_timeout),
            attempts=config.kb_http_attempts,
            ca_bundle=config.kb_ca_bundle,
            backoff=backoff,
        )
    if scheme == "file":
        return FolderMirror(Path(unquote(urlparse(location).path)))
    if scheme and len(scheme) > 1:  # "c:" is a Windows drive, not a scheme
        raise KnowledgeSyncError(f"DEPVAULT_KB_OSV_URL: unsupported scheme {scheme!r}")
    return FolderMirror(Path(location))
