"""Benchmark: `kb sync` from an OSV mirror served on loopback, on SQLite and PostgreSQL.

Builds the OSV data-dump layout from the shared exports (PyPI, Go, crates.io: all.zip,
one JSON per record, generated modified_id.csv files), serves it on 127.0.0.1 with the
test suite's mirror server, and measures, per backend:

- the first sync of the three ecosystems (three all.zip downloads, checked, imported);
- an incremental sync after 50 records change upstream (a new ``modified``, the same
  facts) while 20 projects hold the packages those records name: the HTTP requests made,
  the records written, and the projects re-derived (zero: the facts did not change).

Usage::

    .venv/bin/python bench/bench_kb_sync.py [--postgres URL] [--projects 20]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.data_files import OSV
from tests.osv_mirror_server import MirrorServer, build_mirror, serving, touch_records

from depvault.admin import bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.ingest.knowledge.osv_mirror import HttpMirror
from depvault.ingest.knowledge.osv_sync import sync_osv
from depvault.store.engine.db import create_database
from depvault.store.engine.migrate import upgrade

EXPORTS = {"PyPI": "PyPI-all.zip", "Go": "Go-all.zip", "crates.io": "crates.io-all.zip"}
PURL_TYPES = {"PyPI": "pypi", "Go": "golang", "crates.io": "cargo"}
TOUCHED = {"PyPI": 20, "Go": 20, "crates.io": 10}


def touched_packages(root: Path) -> list[dict[str, Any]]:
    """SBOM components for the first package of each record the benchmark touches."""
    components = []
    for ecosystem, count in TOUCHED.items():
        for file in sorted((root / ecosystem).glob("*.json"))[:count]:
            record = json.loads(file.read_bytes())
            affected = next(iter(record.get("affected") or []), None)
            if affected is None:
                continue
            name = affected["package"]["name"]
            version = next(iter(affected.get("versions") or []), "0.0.1")
            purl = f"pkg:{PURL_TYPES[ecosystem]}/{name}@{version}"
            components.append({"type": "library", "name": name, "version": version, "purl": purl})
    return components


def run(config: Config, projects: int, folder: Path) -> None:
    database = create_database(config)
    upgrade(database)
    site = bootstrap(database)
    root = build_mirror(folder / "mirror", {e: OSV / z for e, z in EXPORTS.items()})
    with serving(MirrorServer(root)) as server:
        assert isinstance(server, MirrorServer)

        def sync() -> tuple[float, list[Any]]:
            mirror = HttpMirror(server.url, config.kb_downloads_dir)
            start = time.perf_counter()
            outcomes = sync_osv(database, config, list(EXPORTS), mirror=mirror)
            return time.perf_counter() - start, outcomes

        seconds, outcomes = sync()
        records = sum(o.fetched for o in outcomes)
        print(f"  first sync: {seconds:.1f} s, {records} records, {len(server.requests)} requests")
        app = create_app(config, database, migrate=False, inline_jobs=True)
        sbom = {
            "bomFormat": "CycloneDX",
            "specVersion": "1.4",
            "version": 1,
            "components": touched_packages(root),
        }
        with TestClient(app) as client:
            body = {"requestType": "createProduct", "userKey": site.user_key}
            product = client.post(
                "/api/v1.3", json={**body, "orgToken": site.org_token, "productName": "P"}
            ).json()["productToken"]
            for index in range(projects):
                client.post(
                    "/api/v1.3",
                    json={
                        "requestType": "importProjectSbom",
                        "userKey": site.user_key,
                        "productToken": product,
                        "projectName": f"p{index}",
                        "sbom": sbom,
                    },
                ).raise_for_status()
        for ecosystem, count in TOUCHED.items():
            touch_records(root, ecosystem, count, "2031-01-01T00:00:00Z")
        server.requests.clear()
        seconds, outcomes = sync()
        changed = sum(o.changed for o in outcomes)
        derived = sum(o.stats.reanalysed_projects for o in outcomes if o.stats)
        print(
            f"  incremental sync: {seconds:.2f} s, {len(server.requests)} requests "
            f"({len(server.paths('.json'))} records), {changed} records written, "
            f"{derived} of {projects} projects holding them re-derived"
        )
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server to bench too")
    parser.add_argument("--projects", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        run(Config(data_dir=Path(folder), kb_sync_interval=0), args.projects, Path(folder))
    if args.postgres:
        name = f"kbsync_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        try:
            with tempfile.TemporaryDirectory() as folder:
                print("PostgreSQL")
                config = Config(data_dir=Path(folder), database_url=url, kb_sync_interval=0)
                run(config, args.projects, Path(folder))
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
