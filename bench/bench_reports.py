"""Report generation on a large organization: time and peak memory per report.

Prepares (once, ``prepare``) a portfolio organization with ``bench/portfolio/`` and
imports the OSV exports of ``shared/data/osv`` so its inventories are matched and its
alerts derived; then (``run``) generates each asked report through the same code the
asynchronous process runs (``ReportWorker.process``), each in a fresh child process so
that its peak memory (``ru_maxrss``) is its own. ``small`` times a small project report
through the HTTP API, from ``generateProjectReportAsync`` to SUCCESS, with the embedded
server's worker threads.

Usage::

    .venv/bin/python bench/bench_reports.py prepare --data-dir /tmp/reports-bench \\
        --projects 2000 --libraries 500
    .venv/bin/python bench/bench_reports.py run --data-dir /tmp/reports-bench \\
        --report OrgInventoryReport:json --report OrgInventoryReport:xlsx \\
        --report OrgVulnerabilityReport:xlsx
    .venv/bin/python bench/bench_reports.py small --data-dir /tmp/reports-bench
    (--database-url postgresql+psycopg://… instead of --data-dir for PostgreSQL; the
    report files then go to --reports-dir)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))

import portfolio

from depvault.api.app import create_app
from depvault.config import Config
from depvault.domain.access import Level
from depvault.domain.scope import Ref
from depvault.domain.timefmt import utcnow
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.jobs.reports import ProcessStatus, ReportWorker, enqueue_report
from depvault.reports.catalog import report_type
from depvault.store.engine.db import create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.models import (
    Alert,
    AsyncProcess,
    Organization,
    ProjectLibrary,
)

ORG_NAME = "Reports bench"


def _config(args: argparse.Namespace) -> Config:
    reports = Path(args.reports_dir) if args.reports_dir else None
    if args.database_url:
        return Config.from_env(
            database_url=args.database_url, reports_dir=reports, kb_sync_interval=0
        )
    return Config.from_env(
        data_dir=Path(args.data_dir), database_url="", reports_dir=reports, kb_sync_interval=0
    )


def prepare(args: argparse.Namespace) -> None:
    config = _config(args)
    database = create_database(config)
    upgrade(database)
    loaded = portfolio.load(
        database, ORG_NAME, args.products, args.projects, args.libraries, args.seed
    )
    started = time.perf_counter()
    zips = sorted((portfolio.shared_data() / "osv").glob("*-all.zip"))
    stats = import_osv(database, read_osv_documents(zips))
    with database.transaction(write=False) as db:
        alerts = db.scalar(select(func.count()).select_from(Alert))
    print(
        json.dumps(
            {
                "org_token": loaded.org_token,
                "user_key": loaded.user_key,
                "project_library_rows": loaded.project_libraries,
                "load_seconds": round(loaded.seconds, 1),
                "kb_and_reanalysis_seconds": round(time.perf_counter() - started, 1),
                "matches": stats.rematched,
                "alerts": alerts,
            }
        )
    )
    database.dispose()


def _one(args: argparse.Namespace) -> None:
    """Child process: generate one report, print its figures as one JSON line."""
    config = _config(args)
    database = create_database(config)
    name, fmt = args.one.split(":")
    kind = report_type(Level.ORG, name)
    assert kind is not None and kind.spec.built, name
    with database.transaction() as db:
        org_id = db.scalar(select(Organization.id).where(Organization.name == ORG_NAME))
        assert org_id is not None, "run prepare first"
        rows = db.scalar(select(func.count()).select_from(ProjectLibrary))
        org = db.get_one(Organization, org_id)
        process = enqueue_report(
            db,
            org_id=org_id,
            product_id=None,
            level=Level.ORG,
            context=Ref(org.id, org.token, org.name),
            kind=kind,
            fmt=fmt,
            options={},
            user_email="bench@depvault.local",
            body_sha1="0" * 40,
            now=utcnow(),
        )
        process.status, process.attempts = ProcessStatus.IN_PROGRESS.value, 1
        process_id = process.id
    worker = ReportWorker(database, config)
    started = time.perf_counter()
    worker.process(process_id)
    seconds = time.perf_counter() - started
    with database.transaction(write=False) as db:
        done = db.get_one(AsyncProcess, process_id)
        status, size, report_rows, reason = (
            done.status,
            done.artifact_bytes,
            done.rows,
            done.failure_reason,
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "report": name,
                "format": fmt,
                "status": status,
                "reason": reason,
                "seconds": round(seconds, 2),
                "rows": report_rows,
                "zip_mb": round((size or 0) / 1e6, 1),
                "peak_rss_mb": round(peak_mb),
                "project_library_rows": rows,
            }
        )
    )
    database.dispose()


def run(args: argparse.Namespace) -> None:
    for spec in args.report:
        results = []
        for _ in range(args.repeat):
            command = [sys.executable, __file__, "one", spec, *_where(args)]
            answer = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
            results.append(json.loads(answer.stdout.strip().splitlines()[-1]))
        seconds = [r["seconds"] for r in results]
        summary = {**results[-1], "seconds": round(statistics.median(seconds), 2)}
        summary["runs"] = seconds
        summary["peak_rss_mb"] = max(r["peak_rss_mb"] for r in results)
        print(json.dumps(summary))


def small(args: argparse.Namespace) -> None:
    """A project of ~50 libraries: generate → SUCCESS through the API, worker threads on."""
    config = _config(args)
    database = create_database(config)
    with database.transaction(write=False) as db:
        org = db.scalar(select(Organization).where(Organization.name == ORG_NAME))
        assert org is not None, "run prepare first"
    app = create_app(config, database, migrate=False)
    times = []
    with TestClient(app) as client:
        user_key = args.user_key
        project_token = _small_project(client, user_key, org.token)
        for _ in range(args.repeat):
            started = time.perf_counter()
            status = client.post(
                "/api/v1.3",
                json={
                    "requestType": "generateProjectReportAsync",
                    "userKey": user_key,
                    "projectToken": project_token,
                    "reportType": "ProjectInventoryReport",
                    "format": "xlsx",
                },
            ).json()["asyncProcessStatus"]
            while True:
                state = client.post(
                    "/api/v1.3",
                    json={
                        "requestType": "getAsyncProcessStatus",
                        "userKey": user_key,
                        "orgToken": org.token,
                        "uuid": status["uuid"],
                    },
                ).json()["asyncProcessStatus"]["status"]
                if state in {"SUCCESS", "FAILED"}:
                    break
                time.sleep(0.01)
            assert state == "SUCCESS"
            times.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "small_project_report_seconds": round(statistics.median(times), 3),
                "runs": [round(t, 3) for t in times],
            }
        )
    )


def _small_project(client: TestClient, user_key: str, org_token: str) -> str:
    products = client.post(
        "/api/v1.3",
        json={"requestType": "getAllProducts", "userKey": user_key, "orgToken": org_token},
    ).json()["products"]
    projects = client.post(
        "/api/v1.3",
        json={
            "requestType": "getAllProjects",
            "userKey": user_key,
            "productToken": products[0]["productToken"],
        },
    ).json()["projects"]
    return str(projects[0]["projectToken"])


def _where(args: argparse.Namespace) -> list[str]:
    where = (
        ["--database-url", args.database_url]
        if args.database_url
        else ["--data-dir", args.data_dir]
    )
    return [*where, *(["--reports-dir", args.reports_dir] if args.reports_dir else [])]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("command", choices=["prepare", "run", "one", "small"])
    parser.add_argument("one_spec", nargs="?", help=argparse.SUPPRESS)
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url")
    where.add_argument("--data-dir")
    parser.add_argument("--reports-dir", default=None)
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--libraries", type=int, default=500)
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--report", action="append", default=[], help="ReportType:format")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--user-key", help="small: the organization administrator's key")
    args = parser.parse_args()
    if args.command == "one":
        args.one = args.one_spec
        _one(args)
    elif args.command == "prepare":
        prepare(args)
    elif args.command == "run":
        run(args)
    else:
        small(args)


if __name__ == "__main__":
    main()
