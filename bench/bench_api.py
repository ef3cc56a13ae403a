"""Benchmark: depvault's small reads and organization lists against a bare Starlette +
uvicorn app answering the same bytes, in the same run, alternating, on both backends.

Per backend it prepares a store (in-process, then closed): the bootstrap organization
with one project imported through ``importProjectSbom`` (200 components, about 40 of
them affected by real PyPI advisories of ``tests/data/osv``, imported first, so the
project has alerts), and organizations of 2,000 and 10,000 projects (20 products,
rows inserted directly: the vitals read no inventory). Then it starts ``depvault serve``
and the bare app (``api_load.py``) as real server processes on 127.0.0.1 and, for each
request, alternates timed rounds against the two with 16 keep-alive clients, printing
the rates, the latency percentiles, their ratio and the load average at that moment.

Usage::

    .venv/bin/python bench/bench_api.py [--seconds 4] [--rounds 2] [--clients 16]
        [--backend sqlite|postgresql] [--only getProjectVitals] [--profile DIR]

``--profile DIR`` adds, per request, one more depvault round under ``py-spy record``
and prints the functions holding the most samples (raw stacks saved in DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from api_load import Measure, fetch, measure, serve_bare
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from depvault.admin import bootstrap, create_organization
from depvault.api.app import create_app
from depvault.config import Config
from depvault.domain.secrets import new_token
from depvault.domain.timefmt import utcnow
from depvault.ingest.knowledge.osv import import_osv
from depvault.store.engine.db import create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.models import Product, Project

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PYPI = DATA / "osv" / "PyPI-all.zip"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Case:
    """One request measured: a label and its body."""

    label: str
    body: dict[str, Any]


def load_average() -> str:
    """The 1-minute load average (``uptime``'s first figure)."""
    return Path("/proc/loadavg").read_text().split()[0]


# --- the store -------------------------------------------------------------------------


def _advisories(count: int) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """The first ``count`` PyPI advisories listing affected versions, and one affected
    (name, version) of each."""
    documents, affected = [], []
    with zipfile.ZipFile(PYPI) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            entry = (orjson.loads(raw).get("affected") or [{}])[0]
            if entry.get("versions") and entry.get("package", {}).get("ecosystem") == "PyPI":
                documents.append((name, raw))
                affected.append((entry["package"]["name"], entry["versions"][0]))
            if len(documents) == count:
                break
    return documents, affected


def _sbom(affected: list[tuple[str, str]], total: int) -> dict[str, Any]:
    packages = list(affected) + [(f"bench-filler-{i}", "1.0.0") for i in range(total)]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [
            {"type": "library", "name": n, "version": v, "purl": f"pkg:pypi/{n}@{v}"}
            for n, v in dict.fromkeys(packages)
        ][:total],
    }


def _vitals_org(database: Any, projects: int, products: int = 20) -> tuple[str, str]:
    """An organization of ``projects`` bare projects; (orgToken, administrator key)."""
    org = create_organization(database, f"Vitals {projects}")
    assert org.user_key is not None
    now = utcnow()
    with database.transaction() as db:
        org_id = db.scalar(
            text("SELECT id FROM organizations WHERE token = :t"), {"t": org.org_token}
        )
        product_rows = [
            {
                "token": new_token(),
                "org_id": org_id,
                "name": f"Product {p:02d}",
                "created_at": now,
                "updated_at": now,
            }
            for p in range(products)
        ]
        db.execute(insert(Product), product_rows)
        ids = [
            r[0]
            for r in db.execute(
                text("SELECT id FROM products WHERE org_id = :o ORDER BY id"), {"o": org_id}
            )
        ]
        db.execute(
            insert(Project),
            [
                {
                    "token": new_token(),
                    "org_id": org_id,
                    "product_id": ids[i % products],
                    "name": f"service-{i:05d}",
                    "created_at": now,
                    "updated_at": now,
                    "plugin_name": "bench",
                    "uploaded_by": "bench@example.com",
                }
                for i in range(projects)
            ],
        )
    return org.org_token, org.user_key


def prepare(config: Config, sizes: list[int]) -> list[Case]:
    """Fill an empty store; the requests to measure."""
    database = create_database(config)
    upgrade(database)
    site = bootstrap(database)
    documents, affected = _advisories(40)
    import_osv(database, documents)
    key = {"userKey": site.user_key}
    with TestClient(create_app(config, database, migrate=False, inline_jobs=True)) as client:

        def call(**body: Any) -> Any:
            answer = client.post("/api/v1.3", json={**key, **body}).json()
            assert "errorCode" not in answer, answer
            return answer

        product = call(requestType="createProduct", orgToken=site.org_token, productName="Shop")
        call(
            requestType="importProjectSbom",
            productToken=product["productToken"],
            projectName="web",
            sbom=_sbom(affected, 200),
        )
        project = call(requestType="getAllProjects", productToken=product["productToken"])
        project_token = project["projects"][0]["projectToken"]
        alerts = call(requestType="getProjectAlerts", projectToken=project_token)["alerts"]
        print(f"  prepared: project of 200 libraries, {len(alerts)} alerts", flush=True)
    cases = [
        Case(
            "getOrganizationDetails",
            {**key, "requestType": "getOrganizationDetails", "orgToken": site.org_token},
        ),
        Case(
            "getProjectVitals",
            {**key, "requestType": "getProjectVitals", "projectToken": project_token},
        ),
        Case(
            "getProjectAlerts",
            {**key, "requestType": "getProjectAlerts", "projectToken": project_token},
        ),
        Case(
            "getProjectInventory",
            {**key, "requestType": "getProjectInventory", "projectToken": project_token},
        ),
    ]
    for size in sizes:
        org_token, admin_key = _vitals_org(database, size)
        cases.append(
            Case(
                f"getOrganizationProjectVitals/{size}",
                {
                    "requestType": "getOrganizationProjectVitals",
                    "userKey": admin_key,
                    "orgToken": org_token,
                },
            )
        )
    database.dispose()
    return cases


def stores(backends: list[str], folder: Path) -> Iterator[tuple[str, Config, dict[str, str]]]:
    """(backend, config, server environment) of an empty store per backend."""
    for backend in backends:
        if backend == "sqlite":
            config = Config(data_dir=folder / "sqlite")
            yield backend, config, {"DEPVAULT_DATA_DIR": str(config.data_dir)}
            continue
        admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        name = f"depvault_bench_api_{int(time.time())}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        try:
            yield (
                backend,
                Config(database_url=url, data_dir=folder / "pg"),
                {"DEPVAULT_DATABASE_URL": url, "DEPVAULT_DATA_DIR": str(folder / "pg")},
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


# --- the servers -----------------------------------------------------------------------


def _wait(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not answer")


@contextmanager
def servers(env: dict[str, str], port: int) -> Iterator[tuple[int, int, int]]:
    """depvault serve and the bare app; (depvault port, bare port, depvault pid)."""
    environ = {
        **os.environ,
        **env,
        "DEPVAULT_PORT": str(port),
        "DEPVAULT_LOG_LEVEL": "WARNING",
        "DEPVAULT_KB_SYNC_INTERVAL": "0",  # no scheduled knowledge sync while measuring
    }
    depvault = subprocess.Popen(
        [sys.executable, "-c", "from depvault.cli.main import main; main()", "serve"],
        env=environ,
    )
    bare = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port + 1)])  # noqa: S603
    try:
        _wait(port, depvault)
        _wait(port + 1, bare)
        yield port, port + 1, depvault.pid
    finally:
        for process in (depvault, bare):
            process.terminate()
            process.wait(30)


# --- measuring -------------------------------------------------------------------------


def _merged(measures: list[Measure]) -> Measure:
    return Measure(
        sum(m.requests for m in measures),
        sum(m.seconds for m in measures),
        [x for m in measures for x in m.latencies_ms],
        measures[0].body_bytes,
    )


def compare(case: Case, ports: tuple[int, int], args: argparse.Namespace) -> dict[str, Any]:
    """Alternating rounds against depvault and the bare app; the merged figures."""
    depvault_port, bare_port = ports
    answer = orjson.loads(fetch(depvault_port, case.body))
    assert "errorCode" not in answer, answer
    fetch(bare_port, {"name": case.label, "answer": answer}, "/register")
    bare_body = {"requestType": case.label}
    measure(depvault_port, case.body, args.clients, 1.0)  # warm both
    measure(bare_port, bare_body, args.clients, 1.0)
    ours, theirs, loads = [], [], []
    for _ in range(args.rounds):
        loads.append(load_average())
        ours.append(measure(depvault_port, case.body, args.clients, args.seconds))
        theirs.append(measure(bare_port, bare_body, args.clients, args.seconds))
    a, b = _merged(ours), _merged(theirs)
    result = {
        "request": case.label,
        "bytes": a.body_bytes,
        "load": "/".join(loads),
        "depvault": {
            "rate": a.rate,
            "p50": a.percentile(50),
            "p95": a.percentile(95),
            "p99": a.percentile(99),
        },
        "bare": {
            "rate": b.rate,
            "p50": b.percentile(50),
            "p95": b.percentile(95),
            "p99": b.percentile(99),
        },
        "ratio": a.rate / b.rate,
    }
    print(f"  {case.label:34} {a.body_bytes:>8} B  load {result['load']}", flush=True)
    print(f"    depvault {a.summary()}", flush=True)
    print(f"    bare     {b.summary()}   ratio {a.rate / b.rate:.3f}", flush=True)
    return result


def profile(case: Case, port: int, pid: int, args: argparse.Namespace, out: Path) -> None:
    """One more depvault round under py-spy; the frames in the most samples."""
    raw = out / f"{args.backend_label}-{case.label.replace('/', '-')}.txt"
    spy = subprocess.Popen(  # noqa: S603
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--output",
            str(raw),
            "--duration",
            str(int(args.seconds) + 1),
            "--rate",
            "200",
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    measure(port, case.body, args.clients, args.seconds)
    spy.wait(120)
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        # request work runs in the worker threads; a thread waiting for work is idle
        if not any("WorkerThread.run" in f for f in frames) or frames[-1].startswith(
            ("Queue.get", "Condition.wait")
        ):
            continue
        total += int(count)
        names = {f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0] + ")" for f in frames}
        inclusive.update({n: int(count) for n in names if "/" in n})
    print(f"    py-spy, {total} samples of request threads; most inclusive:", flush=True)
    top = [(f, c) for f, c in inclusive.most_common(80) if "_asyncio.py" not in f][:18]
    for frame, count in top:
        print(f"      {100 * count / max(total, 1):5.1f} %  {frame}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--sizes", type=int, nargs="*", default=[2000, 10000])
    parser.add_argument("--only", action="append", help="measure only requests with this label")
    parser.add_argument("--port", type=int, default=18431)
    parser.add_argument("--profile", type=Path, help="py-spy each request into this folder")
    parser.add_argument("--json", type=Path, help="append the results to this file")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        serve_bare(args.bare_server)
        return
    print(f"load average at start: {Path('/proc/loadavg').read_text().strip()}")
    results = []
    with tempfile.TemporaryDirectory(prefix="depvault-bench-api-") as folder:
        for backend, config, env in stores(args.backend or ["sqlite", "postgresql"], Path(folder)):
            print(f"{backend}: preparing", flush=True)
            cases = prepare(config, args.sizes)
            args.backend_label = backend
            with servers(env, args.port) as (ours, bare, pid):
                for case in cases:
                    if args.only and not any(o in case.label for o in args.only):
                        continue
                    results.append({"backend": backend, **compare(case, (ours, bare), args)})
                    if args.profile:
                        args.profile.mkdir(parents=True, exist_ok=True)
                        profile(case, ours, pid, args, args.profile)
    if args.json:
        with args.json.open("a") as out:
            for result in results:
                out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
