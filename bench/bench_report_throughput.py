"""Benchmark: asynchronous reports per minute with 1 and 2 worker processes (issue 16).

On a fresh store of each backend, one project of ``--components`` (2,000) libraries is
imported; then, for each worker count, ``--reports`` (40) organization inventory reports
(``--format``, xlsx) are queued through the API of a node without workers and
``depvault worker --processes K`` (``DEPVAULT_WORKERS`` threads each, 2 by default) is
started; the time runs from the first claim to the last report done (process start-up
excluded). Prints reports per minute and the load average.

Usage::

    .venv/bin/python bench/bench_report_throughput.py [--backend sqlite|postgres|both]
        [--processes 1,2] [--reports 40] [--components 2000] [--format xlsx]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_responsiveness import store
from bench_sbom_import import build_sbom
from sqlalchemy import func, select
from starlette.testclient import TestClient

from depvault.admin import bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.jobs.processes import NotifyingRunner
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.models import AsyncProcess


def counts(database: Database) -> dict[str, int]:
    with database.transaction(write=False) as db:
        rows = db.execute(
            select(AsyncProcess.status, func.count()).group_by(AsyncProcess.status)
        ).all()
    return {status: int(count) for status, count in rows}


def run(backend: str, args: argparse.Namespace) -> None:
    with store(backend) as settings:
        config = Config.from_env({**settings, "DEPVAULT_KB_SYNC_INTERVAL": "0"})
        database = create_database(config)
        upgrade(database)
        site = bootstrap(database)
        auth = {"userKey": site.user_key, "orgToken": site.org_token}
        with TestClient(create_app(config, database, migrate=False, inline_jobs=True)) as c:
            product = c.post(
                "/api/v1.3",
                json={"requestType": "createProduct", **auth, "productName": "bench"},
            ).json()["productToken"]
            c.post(
                "/api/v1.3",
                json={
                    "requestType": "importProjectSbom",
                    "userKey": site.user_key,
                    "productToken": product,
                    "projectName": "big",
                    "sbom": build_sbom(args.components),
                },
            )
        api = create_app(config, database, migrate=False, jobs=NotifyingRunner(None))
        for processes in (int(p) for p in args.processes.split(",")):
            done_before = counts(database).get("SUCCESS", 0)
            with TestClient(api) as client:
                for _ in range(args.reports):
                    client.post(
                        "/api/v1.3",
                        json={
                            "requestType": "generateOrganizationReportAsync",
                            **auth,
                            "reportType": "OrgInventoryReport",
                            "format": args.format,
                        },
                    )
            env = {**os.environ, **settings, "DEPVAULT_LOG_LEVEL": "WARNING"}
            command = [sys.executable, "-c", "from depvault.cli.main import main; main()"]
            with subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                [*command, "worker", "--processes", str(processes)],
                env=env,
                stderr=subprocess.DEVNULL,
            ) as worker:
                while counts(database).get("PENDING", 0) == args.reports:
                    time.sleep(0.05)
                started = time.monotonic()
                load_before = os.getloadavg()
                while True:
                    now = counts(database)
                    if now.get("PENDING", 0) + now.get("IN_PROGRESS", 0) == 0:
                        break
                    time.sleep(0.1)
                elapsed = time.monotonic() - started
                load_after = os.getloadavg()
                worker.terminate()
                worker.wait(timeout=90)
            done = counts(database).get("SUCCESS", 0) - done_before
            print(
                f"{backend:10} {processes} worker process(es): {done}/{args.reports} "
                f"{args.format} reports in {elapsed:5.1f} s = {done / elapsed * 60:6.1f}/min "
                f"| load {load_before[0]:.1f} → {load_after[0]:.1f}",
                flush=True,
            )
        database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--processes", default="1,2")
    parser.add_argument("--reports", type=int, default=40)
    parser.add_argument("--components", type=int, default=2000)
    parser.add_argument("--format", default="xlsx")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; project of {args.components} libraries")
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        run(backend, args)


if __name__ == "__main__":
    main()
