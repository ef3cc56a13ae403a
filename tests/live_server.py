"""A real ``depvault serve`` (uvicorn) in a subprocess, for what the in-process test
client cannot show: the server process's memory, its log, real sockets."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["LiveServer", "RssSampler", "free_port", "live_server", "serve_process"]

MB = 1_000_000


@dataclass
class LiveServer:
    """The running server: its process id, port, log file and bootstrap values."""

    pid: int
    port: int
    log_file: Path
    values: dict[str, str]

    def rss(self) -> int:
        """The server process's resident set size (``VmRSS``), in bytes."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024

    def connection(self, timeout: float = 120) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def post(
        self, path: str, body: bytes, content_type: str, timeout: float = 120
    ) -> tuple[int, Any]:
        """POST ``body``; (HTTP status, decoded JSON answer)."""
        connection = self.connection(timeout)
        try:
            connection.request("POST", path, body=body, headers={"content-type": content_type})
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def api(self, request_type: str, **params: Any) -> Any:
        """One JSON API call as the bootstrap administrator."""
        body = {"requestType": request_type, "userKey": self.values["userKey"], **params}
        status, answer = self.post("/api/v1.3", json.dumps(body).encode(), "application/json")
        assert status == 200, answer
        return answer

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")


@dataclass
class RssSampler:
    """Samples a process's RSS every few milliseconds while a block runs: the peak."""

    server: LiveServer
    interval: float = 0.005
    peak: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss())
            self.samples += 1
            self._stop.wait(self.interval)

    @contextlib.contextmanager
    def running(self) -> Iterator[RssSampler]:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()
            self.peak = max(self.peak, self.server.rss())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: How long a test waits for ``serve``'s bootstrap line before failing (not hanging).
FIRST_LINE_SECONDS = 120.0


def _first_line(process: subprocess.Popen[str], log_file: Path) -> str:
    """The first line ``serve`` prints (its bootstrap values), or a clear failure: a
    store that was bootstrapped already prints nothing, and a test reading that pipe
    without a deadline waited for ever."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], FIRST_LINE_SECONDS)
    line = process.stdout.readline() if ready else ""
    if not line:
        log = log_file.read_text(errors="replace")[-2000:]
        raise AssertionError(
            f"depvault serve printed no bootstrap line within {FIRST_LINE_SECONDS:.0f} s "
            f"(exit code {process.poll()}); its log ends:\n{log}"
        )
    return line


@contextlib.contextmanager
def serve_process(env: dict[str, str], log_file: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``depvault serve`` with exactly ``env``, its stderr in ``log_file``, until the
    block ends: (its process id, the bootstrap values it printed)."""
    with (
        log_file.open("w") as log,
        subprocess.Popen(
            [sys.executable, "-c", "from depvault.cli.main import main; main()", "serve"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        ) as process,
    ):
        try:
            assert process.stdout is not None
            yield process.pid, json.loads(_first_line(process, log_file))
        finally:
            process.terminate()
            process.wait(timeout=30)


@contextlib.contextmanager
def live_server(folder: Path, **settings: str) -> Iterator[LiveServer]:
    """``depvault serve`` on a fresh SQLite store in ``folder`` (its temporary files
    too), until the block ends; ``settings`` are extra ``DEPVAULT_*`` variables."""
    port = free_port()
    temp = folder / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DEPVAULT_DATA_DIR": str(folder / "data"),
        "DEPVAULT_PORT": str(port),
        "DEPVAULT_LOG_LEVEL": "INFO",
        "DEPVAULT_ACCESS_LOG": "false",
        "DEPVAULT_KB_SYNC_INTERVAL": "0",  # tests fetch nothing from the network
        "TMPDIR": str(temp),
        **settings,
    }
    env.pop("DEPVAULT_DATABASE_URL", None)
    log_file = folder / "server.log"
    with serve_process(env, log_file) as (pid, values):
        server = LiveServer(pid, port, log_file, values)
        _wait_until_up(server)
        yield server


def _wait_until_up(server: LiveServer) -> None:
    deadline = time.monotonic() + 180  # a loaded machine starts slowly
    while True:
        connection = server.connection(timeout=5)
        try:
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        finally:
            connection.close()
