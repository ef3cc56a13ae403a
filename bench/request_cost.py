"""Benchmark: the in-process cost of one API request, per request type, without a
network, a load client or other processes in the measurement.

``bench_api.py`` measures what a client sees from real server processes, which on a
shared 2-core machine is noisy and slow to run. This measures the same requests'
server-side work directly, in two ways per request:

- ``dispatch``: ``Dispatcher.dispatch`` plus serialising the answer (auth, scope,
  grants, validation, the handler's reads, the JSON bytes);
- ``asgi``: the whole ASGI application called in-process (the endpoint, the edge, the
  body, the worker-thread hop, the response object), through a minimal ASGI driver.

Each is the median of ``--repeat`` runs of ``--iterations`` calls, in milliseconds per
call (one thread: the figure is CPU time per request, the inverse of one core's rate).

Usage::

    .venv/bin/python bench/request_cost.py [--store DIR] [--sizes 2000 10000]
        [--backend sqlite|postgresql] [--only getProjectVitals] [--iterations 200]

``--store DIR`` keeps the prepared SQLite store (and the requests) between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from bench_api import Case, prepare, stores

from depvault.api import request_types
from depvault.api.app import create_app
from depvault.api.request_types import ApiVersion
from depvault.config import Config


def _cases(config: Config, sizes: list[int], store: Path | None) -> list[Case]:
    saved = store / "cases.json" if store is not None else None
    if saved is not None and saved.exists():
        return [Case(c["label"], c["body"]) for c in orjson.loads(saved.read_bytes())]
    cases = prepare(config, sizes)
    if saved is not None:
        saved.write_bytes(orjson.dumps([{"label": c.label, "body": c.body} for c in cases]))
    return cases


def _timed(run: Callable[[], Any], iterations: int, repeat: int, batched: bool = False) -> float:
    """The median over ``repeat`` runs of the time per call, in milliseconds (``run``
    makes one call, or ``iterations`` calls when ``batched``)."""
    run()  # warm: caches, pooled connection, statement compilation
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(1 if batched else iterations):
            run()
        runs.append((time.perf_counter() - started) * 1000 / iterations)
    return statistics.median(runs)


def _asgi_calls(app: Any, body: bytes, iterations: int) -> Callable[[], Any]:
    """``iterations`` POSTs through the ASGI application in one run of an event loop
    (a loop stopped between calls would start anyio's worker thread anew each time)."""
    loop = asyncio.new_event_loop()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1.3",
        "raw_path": b"/api/v1.3",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }

    async def once() -> int:
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(dict(scope), receive, send)
        return status

    async def many() -> None:
        for _ in range(iterations):
            status = await once()
            assert status == 200, status

    def run() -> None:
        loop.run_until_complete(many())

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="keep the prepared SQLite store here")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--sizes", type=int, nargs="*", default=[2000, 10000])
    parser.add_argument("--only", action="append", help="measure only requests with this label")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip", action="append", default=[], help="leave out: dispatch, asgi")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.store or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.backend == "sqlite" and args.store is not None:
            config = Config(data_dir=folder / "sqlite")
            cases = _cases(config, args.sizes, folder)
            _measure(config, cases, args)
            return
        for _, config, _ in stores([args.backend], folder):
            _measure(config, _cases(config, args.sizes, None), args)


def _measure(config: Config, cases: list[Case], args: argparse.Namespace) -> None:
    app = create_app(config, migrate=False, inline_jobs=True)
    # (an older commit, measured with PYTHONPATH, has no dispatcher on the state)
    dispatcher = getattr(app.state, "dispatcher", None)
    print(f"{'request':36} {'dispatch ms':>12} {'asgi ms':>10}", flush=True)
    for case in cases:
        if args.only and not any(o in case.label for o in args.only):
            continue
        big = case.label.startswith("getOrganizationProjectVitals")
        iterations = max(3, args.iterations // (50 if big else 1))
        if "10000" in case.label:
            iterations = max(3, iterations // 5)
        figures = []
        if "dispatch" not in args.skip and dispatcher is not None:

            def direct(body: dict[str, Any] = case.body) -> None:
                result = dispatcher.dispatch(ApiVersion.V1_3, dict(body))
                cached = getattr(request_types, "JsonBytes", ())
                if not isinstance(result, cached):  # a cached answer is bytes already
                    orjson.dumps(result)

            figures.append(f"{_timed(direct, iterations, args.repeat):12.3f}")
        else:
            figures.append(f"{'-':>12}")
        if "asgi" not in args.skip:
            run = _asgi_calls(app, orjson.dumps(case.body), iterations)
            figures.append(f"{_timed(run, iterations, args.repeat, batched=True):10.3f}")
        print(f"{case.label:36} {' '.join(figures)}", flush=True)
    app.state.database.dispose()


if __name__ == "__main__":
    main()
