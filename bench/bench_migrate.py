"""Benchmark: ``depvault migrate`` of an organization of P projects x L libraries
(default 200 x 500) from a source server on this machine into an empty store.

The source is a real ``depvault serve`` (subprocess, SQLite) whose store is loaded
first through ``importProjectSbom`` in-process: 10 products of P/10 projects, each
project a CycloneDX document of L components drawn (with a dependency graph) from a
pool of 4 x L distinct libraries built from the real package identities of
``tests/data/sbom``, so projects share libraries as real portfolios do; a tag and a
policy per product, and a group. The target is an empty SQLite store (or, with
``--target-postgres URL``, a new PostgreSQL database on that server). Reported: the
run's wall time from the command's start to its report, the source requests it made
and the counts of its report; the load average of the machine beside it.

Usage::

    .venv/bin/python bench/bench_migrate.py [--projects 200] [--libraries 500]
        [--target-postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench_sbom_import import build_sbom
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from depvault.admin import bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.store.engine.db import create_database
from depvault.store.engine.migrate import upgrade

DEPVAULT = [sys.executable, "-c", "from depvault.cli.main import main; main()"]


def pool(size: int) -> list[dict[str, Any]]:
    """``size`` distinct components from the real CycloneDX files (versions varied)."""
    return list(build_sbom(size)["components"])


def project_sbom(libraries: list[dict[str, Any]], count: int, rng: random.Random) -> dict[str, Any]:
    chosen = rng.sample(libraries, count)
    refs = [c["bom-ref"] for c in chosen]
    depends: dict[str, list[str]] = {r: [] for r in refs}
    for index, ref in enumerate(refs[count // 10 :], start=count // 10):
        depends[refs[rng.randrange(index)]].append(ref)
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "root"}},
        "components": chosen,
        "dependencies": [{"ref": "root", "dependsOn": refs[: count // 10]}]
        + [{"ref": r, "dependsOn": d} for r, d in depends.items()],
    }


def load_source(folder: Path, projects: int, libraries: int) -> dict[str, str]:
    """The source store, loaded through the API in-process; returns its bootstrap."""
    config = Config(data_dir=folder)
    database = create_database(config)
    upgrade(database)
    site = bootstrap(database)
    rng = random.Random(7)
    components = pool(libraries * 4)
    app = create_app(config, database, migrate=False, inline_jobs=True)
    with TestClient(app) as client:

        def call(request_type: str, **params: Any) -> Any:
            body = {"requestType": request_type, "userKey": site.user_key, **params}
            answer = client.post("/api/v1.3", json=body).json()
            assert "errorCode" not in answer, answer
            return answer

        org = {"orgToken": site.org_token}
        call("createGroup", group={"name": "developers"}, **org)
        products = [
            call("createProduct", productName=f"product-{p:02}", **org)["productToken"]
            for p in range(10)
        ]
        for product in products:
            call("saveProductTag", productToken=product, tagKey="tier", tagValue="gold")
            policy = {
                "name": "no GPL",
                "filter": {"type": "LICENSE", "licenses": [{"name": "GPL-3.0-only"}]},
                "action": {"type": "REJECT"},
            }
            call("addProductPolicy", policy=policy, productToken=product)
        started = time.monotonic()
        for index in range(projects):
            sbom = project_sbom(components, libraries, rng)
            where = {"productToken": products[index % 10], "projectName": f"project-{index:04}"}
            call("importProjectSbom", sbom=sbom, **where)
        print(
            f"source loaded: {projects} x {libraries} in {time.monotonic() - started:.0f} s",
            flush=True,
        )
    database.dispose()
    return site.as_json()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def target_store(folder: Path, postgres: str | None) -> tuple[dict[str, str], str | None]:
    """The target's environment (an empty store) and the PostgreSQL database to drop."""
    if postgres is None:
        return {"DEPVAULT_DATA_DIR": str(folder), "DEPVAULT_DATABASE_URL": ""}, None
    name = f"bench_migrate_{int(time.time())}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    return {"DEPVAULT_DATA_DIR": str(folder), "DEPVAULT_DATABASE_URL": url}, name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--libraries", type=int, default=500)
    parser.add_argument("--target-postgres", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source_dir, target_dir = Path(tmp) / "source", Path(tmp) / "target"
        source_dir.mkdir()
        target_dir.mkdir()
        site = load_source(source_dir, args.projects, args.libraries)
        port = free_port()
        env = {**os.environ, "DEPVAULT_DATA_DIR": str(source_dir), "DEPVAULT_DATABASE_URL": "",
               "DEPVAULT_PORT": str(port), "DEPVAULT_LOG_LEVEL": "WARNING"}  # fmt: skip
        target_env, pg_name = target_store(target_dir, args.target_postgres)
        with subprocess.Popen([*DEPVAULT, "serve"], env=env, stderr=subprocess.DEVNULL) as server:  # noqa: S603
            try:
                url = f"http://127.0.0.1:{port}"
                for _ in range(150):
                    try:
                        urllib.request.urlopen(f"{url}/health", timeout=2).close()  # noqa: S310
                        break
                    except OSError:
                        time.sleep(0.2)
                full_env = {**os.environ, **target_env}
                upgrading = [*DEPVAULT, "db", "upgrade"]
                subprocess.run(upgrading, env=full_env, check=True, capture_output=True)  # noqa: S603
                load = os.getloadavg()
                started = time.monotonic()
                done = subprocess.run(  # noqa: S603
                    [*DEPVAULT, "migrate", "--from-url", url, "--from-user-key", site["userKey"],
                     "--from-org-token", site["orgToken"], "--rate", "1000"],
                    env=full_env, capture_output=True, text=True, check=False,
                )  # fmt: skip
                elapsed = time.monotonic() - started
            finally:
                server.terminate()
                server.wait(timeout=30)
        if pg_name and args.target_postgres:
            admin = create_engine(args.target_postgres, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    if done.returncode != 0:
        sys.exit(f"migrate failed: {done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    target = "PostgreSQL" if args.target_postgres else "SQLite"
    print(f"migrate {args.projects} x {args.libraries} into {target}: {elapsed:.0f} s "
          f"({report['sourceRequests']} source requests, {report['sourceRetries']} retries); "
          f"load average at start {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, "
          f"after {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(json.dumps(report["counts"]))


if __name__ == "__main__":
    main()
