"""An OSV data-dump mirror for the sync tests: a folder laid out as the public bucket,
built from the real exports in tests/data/osv, served on 127.0.0.1 by a small threaded
HTTP server with Range support, conditional requests (ETag / Last-Modified, 304) and
fault injection, and a forwarding proxy. The feed tests serve NVD, EPSS and KEV files
from it too."""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import re
import shutil
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

CHUNK = 1 << 16


def build_mirror(root: Path, exports: dict[str, Path]) -> Path:
    """Lay out ``root`` as OSV publishes: per ecosystem all.zip, one JSON per record and
    modified_id.csv; ecosystems.txt and the root modified_id.csv."""
    for ecosystem, export in exports.items():
        folder = root / ecosystem
        folder.mkdir(parents=True)
        shutil.copy(export, folder / "all.zip")
        with zipfile.ZipFile(export) as archive:
            archive.extractall(folder)
    (root / "ecosystems.txt").write_text("".join(f"{e}\n" for e in exports))
    write_change_lists(root)
    return root


def write_change_lists(root: Path) -> None:
    """modified_id.csv files from the records' own ``modified``, newest first."""
    everything: list[tuple[str, str]] = []
    for ecosystem in (root / "ecosystems.txt").read_text().split():
        lines = []
        for file in (root / ecosystem).glob("*.json"):
            record = json.loads(file.read_bytes())
            lines.append((record["modified"], record["id"]))
        lines.sort(reverse=True)
        (root / ecosystem / "modified_id.csv").write_text(
            "".join(f"{modified},{record_id}\n" for modified, record_id in lines)
        )
        everything.extend((m, f"{ecosystem}/{i}") for m, i in lines)
    everything.sort(reverse=True)
    (root / "modified_id.csv").write_text("".join(f"{m},{i}\n" for m, i in everything))


def touch_records(root: Path, ecosystem: str, count: int, modified: str) -> list[str]:
    """Give ``count`` records of an ecosystem a new ``modified`` (nothing else changes,
    as when OSV re-exports a record), return their ids, and rewrite the change lists."""
    changed = []
    for file in sorted((root / ecosystem).glob("*.json"))[:count]:
        record = json.loads(file.read_bytes())
        record["modified"] = modified
        file.write_text(json.dumps(record))
        changed.append(record["id"])
    write_change_lists(root)
    return changed


def rezip(root: Path, ecosystem: str) -> None:
    """Write the ecosystem's all.zip again from its records, as OSV re-exports it."""
    with zipfile.ZipFile(root / ecosystem / "all.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted((root / ecosystem).glob("*.json")):
            archive.write(file, file.name)


class MirrorServer(ThreadingHTTPServer):
    """Serves a folder; records every request as (path, Range header). ``status_for``
    answers a path with that status; ``drop_at`` closes the connection once a file's
    bytes up to that offset are sent."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _MirrorHandler)
        self.root = root
        self.requests: list[tuple[str, str | None]] = []
        self.status_for: dict[str, int] = {}
        self.drop_at: dict[str, int] = {}
        self.sent: dict[str, int] = {}
        self.not_modified: list[str] = []  # paths answered 304
        self.etags = True  # False: validators by Last-Modified alone

    @property
    def url(self) -> str:
        """The base URL of the mirror."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def paths(self, suffix: str = "") -> list[str]:
        """The paths requested (ending so), in order."""
        return [p for p, _ in self.requests if p.endswith(suffix)]


class _MirrorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK add 40 ms to every small response
    disable_nagle_algorithm = True
    server: MirrorServer

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError):  # a client hung up on a kept-alive one
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _unchanged(self, etag: str | None, modified: str) -> bool:
        """A conditional request the file still answers (RFC 9110 13.1: If-None-Match
        wins over If-Modified-Since)."""
        asked = self.headers.get("If-None-Match")
        if asked is not None:
            return etag is not None and asked == etag
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(
            modified
        )

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path).lstrip("/")
        server = self.server
        server.requests.append((path, self.headers.get("Range")))
        if path in server.status_for:
            self._empty(server.status_for[path])
            return
        file = server.root / path
        if not file.is_file():
            self._empty(404)
            return
        size = file.stat().st_size
        etag = f'"{size}-{file.stat().st_mtime_ns}"'
        modified = email.utils.formatdate(file.stat().st_mtime, usegmt=True)
        if self._unchanged(etag if server.etags else None, modified):
            server.not_modified.append(path)
            self._empty(304)
            return
        start = 0
        asked = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if asked and self.headers.get("If-Range", etag) == etag:
            start = int(asked.group(1))
            if start >= size:
                self._empty(416, {"Content-Range": f"bytes */{size}"})
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(size - start))
        if server.etags:
            self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        drop = server.drop_at.get(path)
        with file.open("rb") as handle:
            handle.seek(start)
            position = start
            while chunk := handle.read(CHUNK):
                if drop is not None and position + len(chunk) >= drop:
                    chunk = chunk[: max(0, drop - position)]
                    self.wfile.write(chunk)
                    server.sent[path] = server.sent.get(path, 0) + len(chunk)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(chunk)
                server.sent[path] = server.sent.get(path, 0) + len(chunk)
                position += len(chunk)


class ForwardProxy(ThreadingHTTPServer):
    """A plain HTTP forward proxy: takes ``GET http://host/path`` and relays it,
    recording each absolute URL it carried."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.carried: list[str] = []

    @property
    def url(self) -> str:
        """The proxy's URL, as HTTP_PROXY takes it."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ForwardProxy

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.carried.append(self.path)
        target = urlsplit(self.path)
        upstream = http.client.HTTPConnection(target.hostname or "", target.port or 80)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request("GET", target.path or "/", headers=headers)
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()


@contextmanager
def serving(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    """Run a server in a thread for the block."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
