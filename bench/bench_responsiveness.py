"""Benchmark: does the API stay fast while work runs? (issue 16)

Against a real server process on a fresh store, for ``--seconds`` (60):

- ``--importers`` (20) clients each import a ``--components`` (1,000) CycloneDX SBOM into
  a project of their own through ``importProjectSbom``, wait for its request state to
  be FINISHED (polling every 0.5 s), and import again, until the time is up; the imports
  in flight then finish (counted: every import must finish, none fail);
- ``--readers`` (20) keep-alive clients (``api_load.py``: asyncio on raw sockets, in a
  process of their own so that the importers' client work does not inflate their
  latencies) send ``getOrganizationDetails``, a small read, as fast as it is answered.

Modes (``--mode``):

- ``processes``: ``depvault serve`` as shipped, the API in its process (``--api-processes
  N`` for several) and the work in ``DEPVAULT_WORKER_PROCESSES`` (1) worker processes;
- ``threads``: the application with its work in ``DEPVAULT_WORKERS`` threads of the API
  process (``create_app`` without a runner, as ``serve`` ran before issue 16), under the
  same uvicorn: the single-process figures the issue starts from.

Prints read p50/p95/p99, reads per second, imports finished and failed, errors, and the
load average (the machine may be shared: read figures next to it).

Usage::

    .venv/bin/python bench/bench_responsiveness.py [--backend sqlite|postgres|both]
        [--mode processes|threads|both] [--seconds 60] [--api-processes 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import Measure, measure
from bench_sbom_import import build_sbom
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# The pre-issue-16 server: the work in threads of the API process.
THREADS_SERVER = """
import json, uvicorn
from depvault.admin import bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.store.engine.db import create_database
from depvault.store.engine.migrate import upgrade
config = Config.from_env()
database = create_database(config)
upgrade(database)
print(json.dumps(bootstrap(database).as_json()), flush=True)
app = create_app(config, database, migrate=False)
uvicorn.run(app, host="127.0.0.1", port=config.port, log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def store(backend: str) -> Iterator[dict[str, str]]:
    """The ``DEPVAULT_*`` variables of a fresh store of ``backend``."""
    with tempfile.TemporaryDirectory(prefix="depvault-resp-") as folder:
        if backend == "sqlite":
            yield {"DEPVAULT_DATA_DIR": folder}
            return
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        name = f"depvault_resp_{int(time.time())}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
            yield {"DEPVAULT_DATA_DIR": folder, "DEPVAULT_DATABASE_URL": url}
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@contextmanager
def server(mode: str, settings: dict[str, str], api_processes: int) -> Iterator[dict[str, Any]]:
    """The server of ``mode`` until the block ends: its bootstrap values and port."""
    port = free_port()
    env = {
        **os.environ,
        **settings,
        "DEPVAULT_PORT": str(port),
        "DEPVAULT_LOG_LEVEL": "WARNING",
        "DEPVAULT_ACCESS_LOG": "false",
        "DEPVAULT_KB_SYNC_INTERVAL": "0",
        "DEPVAULT_API_PROCESSES": str(api_processes),
    }
    if mode == "processes":
        command = [sys.executable, "-c", "from depvault.cli.main import main; main()", "serve"]
    else:
        command = [sys.executable, "-c", THREADS_SERVER]
    with (
        open(os.devnull, "w") as sink,
        subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, env=env, stdout=subprocess.PIPE, stderr=sink, text=True
        ) as proc,
    ):
        try:
            assert proc.stdout is not None
            values = json.loads(proc.stdout.readline())
            values["port"] = port
            deadline = time.monotonic() + 60
            while True:
                try:
                    ask(port, {"requestType": "getOrganizationDetails", **auth(values)})
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            yield values
        finally:
            proc.terminate()
            proc.wait(timeout=90)


def auth(values: dict[str, Any]) -> dict[str, str]:
    return {"userKey": values["userKey"], "orgToken": values["orgToken"]}


def ask(port: int, body: dict[str, Any] | bytes, timeout: float = 120) -> Any:
    """One request on a new connection; the JSON answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        connection.request(
            "POST", "/api/v1.3", payload, headers={"Content-Type": "application/json"}
        )
        return json.loads(connection.getresponse().read())
    finally:
        connection.close()


class Importers:
    """The importing clients and what happened to their imports."""

    def __init__(self, port: int, values: dict[str, Any], product: str, sbom: bytes) -> None:
        self.port = port
        self.values = values
        self.product = product
        self.sbom = sbom
        self.finished: list[float] = []
        self.failed: list[str] = []
        self.lock = threading.Lock()

    def body(self, index: int) -> bytes:
        head = json.dumps(
            {
                "requestType": "importProjectSbom",
                "userKey": self.values["userKey"],
                "productToken": self.product,
                "projectName": f"project-{index}",
            }
        ).encode()[:-1]
        return head + b', "sbom": ' + self.sbom + b"}"

    def run(self, index: int, deadline: float) -> None:
        body = self.body(index)
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                answer = ask(self.port, body)
                token = answer["requestToken"]
                while True:
                    state = ask(
                        self.port,
                        {
                            "requestType": "getRequestState",
                            **auth(self.values),
                            "requestToken": token,
                        },
                    )["requestState"]
                    if state in ("FINISHED", "FAILED"):
                        break
                    time.sleep(0.5)
            except Exception as exc:
                with self.lock:
                    self.failed.append(repr(exc)[:200])
                continue
            with self.lock:
                if state == "FINISHED":
                    self.finished.append(time.monotonic() - started)
                else:
                    self.failed.append(state)


def _readers(port: int, body: dict[str, Any], clients: int, seconds: float, out: Any) -> None:
    result = measure(port, body, clients, seconds)
    out.put((result.requests, result.seconds, result.latencies_ms, result.body_bytes))


def run(backend: str, mode: str, args: argparse.Namespace, sbom: bytes) -> None:
    with store(backend) as settings, server(mode, settings, args.api_processes) as values:
        port = values["port"]
        product = ask(
            port, {"requestType": "createProduct", **auth(values), "productName": "bench"}
        )["productToken"]
        importers = Importers(port, values, product, sbom)
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=importers.run, args=(i, deadline), daemon=True)
            for i in range(args.importers)
        ]
        context = multiprocessing.get_context("spawn")
        out = context.Queue()
        readers = context.Process(
            target=_readers,
            args=(
                port,
                {"requestType": "getOrganizationDetails", **auth(values)},
                args.readers,
                args.seconds,
                out,
            ),
        )
        load_before = os.getloadavg()
        for thread in threads:
            thread.start()
        readers.start()
        requests, seconds, latencies, size = out.get()
        readers.join()
        load_during = os.getloadavg()
        for thread in threads:
            thread.join()  # the imports in flight finish
        reads = Measure(requests, seconds, latencies, size)
        label = f"{backend:10} {mode:9} api x{args.api_processes}"
        print(
            f"{label}  reads {reads.requests:6d} ({reads.rate:6.1f}/s) p50/p95/p99 "
            f"{reads.percentile(50):7.1f} / {reads.percentile(95):7.1f} / "
            f"{reads.percentile(99):7.1f} ms | imports finished {len(importers.finished)}, "
            f"failed {len(importers.failed)}, median {median(importers.finished):5.1f} s | "
            f"load {load_before[0]:.1f} → {load_during[0]:.1f}",
            flush=True,
        )
        for failure in importers.failed[:5]:
            print(f"    failure: {failure}")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--mode", choices=["processes", "threads", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--importers", type=int, default=20)
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--components", type=int, default=1000)
    parser.add_argument("--api-processes", type=int, default=1)
    args = parser.parse_args()
    sbom = json.dumps(build_sbom(args.components)).encode()
    print(
        f"{os.cpu_count()} CPUs; {args.importers} importers of {args.components}-component "
        f"SBOMs ({len(sbom) / 1e3:.0f} kB) + {args.readers} readers for {args.seconds:.0f} s"
    )
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    modes = ["processes", "threads"] if args.mode == "both" else [args.mode]
    for backend in backends:
        for mode in modes:
            run(backend, mode, args, sbom)


if __name__ == "__main__":
    main()
