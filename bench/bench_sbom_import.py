"""Benchmark: a large CycloneDX SBOM from request to UPDATED, on SQLite and PostgreSQL.

Builds a CycloneDX 1.4 JSON document of N components (default 10,000) from the real
package identities of ``shared/data/sbom`` (names, groups, licenses; versions varied to
make N distinct libraries) with a dependency graph, then imports it through
``importProjectSbom`` in-process and reports, per backend:

- the time from sending the request until the update is UPDATED (inventory written: the
  whole request less the analysis step that follows it inline) and until it is FINISHED
  (analysis done);
- the number of SQL statements the write took (to show it does not grow per component).

Usage::

    .venv/bin/python bench/bench_sbom_import.py [--components 10000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

import depvault.jobs.updates as updates
from depvault.admin import bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.domain.identity import _identify
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade

# the real SBOMs of the test data (tests/data_files.py: DEPVAULT_SHARED_DATA overrides)
SHARED = (
    Path(
        os.environ.get("DEPVAULT_SHARED_DATA")
        or Path(__file__).resolve().parents[1] / "tests" / "data"
    )
    / "sbom"
)


def real_identities() -> list[dict[str, Any]]:
    """Components of the real CycloneDX JSON files (purl, name, group, licenses)."""
    found = []
    for name in (
        "juice-shop-npm.cdx-1.4.json",
        "keycloak-10.0.2.cdx.json",
        "laravel-7.12.0.cdx-1.4.json",
    ):
        document = json.loads((SHARED / name).read_text())
        for c in document["components"]:
            if c.get("purl"):
                found.append(c)
    return found


def build_sbom(count: int, seed: int = 7) -> dict[str, Any]:
    """A CycloneDX 1.4 document of ``count`` distinct components with a graph."""
    rng = random.Random(seed)
    real = real_identities()
    components = []
    for index in range(count):
        base = real[index % len(real)]
        generation = index // len(real)
        version = (
            f"{base.get('version', '1.0.0')}-b{generation}"
            if generation
            else base.get("version", "1.0.0")
        )
        purl_base = base["purl"].split("@")[0]
        component = {
            "type": "library",
            "bom-ref": f"c{index}",
            "name": base["name"],
            "version": version,
            "purl": f"{purl_base}@{version}",
        }
        if base.get("group"):
            component["group"] = base["group"]
        if base.get("licenses"):  # ids and names only: some real URLs break the 1.4 schema
            component["licenses"] = [
                {"license": {k: v for k, v in entry["license"].items() if k in {"id", "name"}}}
                for entry in base["licenses"]
                if "license" in entry
            ]
        components.append(component)
    dependencies = [{"ref": "root", "dependsOn": [f"c{i}" for i in range(min(50, count))]}]
    for index in range(50, count):
        parent = rng.randrange(0, index)
        dependencies.append({"ref": f"c{parent}", "dependsOn": [f"c{index}"]})
    merged: dict[str, list[str]] = {}
    for d in dependencies:
        merged.setdefault(d["ref"], []).extend(d["dependsOn"])
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "bench", "bom-ref": "root"}},
        "components": components,
        "dependencies": [{"ref": r, "dependsOn": d} for r, d in merged.items()],
    }


def run(database: Database, config: Config, sbom: dict[str, Any], label: str) -> None:
    """Import the document twice (new libraries, then known ones) and print timings.

    The identity cache is emptied first, so that the first import computes every
    library's identity as a server meeting those libraries for the first time would.
    """
    _identify.cache_clear()
    site = bootstrap(database)
    statements = {"n": 0}
    analysis: list[float] = []  # seconds in the analysis step (UPDATED → FINISHED)
    analyse = updates.analyse

    def timed_analyse(database: Database, item_id: int) -> None:
        began = time.perf_counter()
        try:
            analyse(database, item_id)
        finally:
            analysis.append(time.perf_counter() - began)

    @event.listens_for(database.engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements["n"] += 1

    app = create_app(config, database, migrate=False, inline_jobs=True)
    with TestClient(app) as client:
        product = client.post(
            "/api/v1.3",
            json={
                "requestType": "createProduct",
                "userKey": site.user_key,
                "orgToken": site.org_token,
                "productName": "bench",
            },
        ).json()["productToken"]
        for attempt in ("first import (new libraries)", "re-import (known libraries)"):
            body = {
                "requestType": "importProjectSbom",
                "userKey": site.user_key,
                "productToken": product,
                "projectName": "big",
                "sbom": sbom,
            }
            statements["n"] = 0
            analysis.clear()
            started = time.perf_counter()
            with mock.patch.object(updates, "analyse", timed_analyse):
                answer = client.post("/api/v1.3", json=body).json()
            elapsed = time.perf_counter() - started
            state = client.post(
                "/api/v1.3",
                json={
                    "requestType": "getRequestState",
                    "userKey": site.user_key,
                    "orgToken": site.org_token,
                    "requestToken": answer["requestToken"],
                },
            ).json()
            assert state["requestState"] == "FINISHED", state
            print(
                f"{label:10} {attempt:32} {elapsed - sum(analysis):6.2f} s to UPDATED, "
                f"{elapsed:6.2f} s to FINISHED, {statements['n']} SQL statements"
            )


def backend_stores(postgres: str, prefix: str) -> Iterator[tuple[str, Database, Config]]:
    """A migrated empty store per backend, in turn: SQLite in a temporary folder, then a
    PostgreSQL database created on the ``postgres`` server and dropped after."""
    with tempfile.TemporaryDirectory() as folder:
        config = Config(data_dir=Path(folder))
        database = create_database(config)
        upgrade(database)
        yield "SQLite", database, config
        database.dispose()
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{int(time.time())}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
        config = Config(database_url=url, data_dir=Path(tempfile.gettempdir()))
        database = create_database(config)
        upgrade(database)
        yield "PostgreSQL", database, config
        database.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def import_project(
    client: TestClient, user_key: str, org_token: str, sbom: dict[str, Any], project: str
) -> str:
    """Create a product and import ``sbom`` into its project ``project`` through
    ``importProjectSbom`` (jobs inline); returns the product token."""
    api = {"userKey": user_key}
    product = client.post(
        "/api/v1.3",
        json={**api, "requestType": "createProduct", "orgToken": org_token, "productName": "bench"},
    ).json()["productToken"]
    body = {"productToken": product, "projectName": project, "sbom": sbom}
    client.post("/api/v1.3", json={**api, "requestType": "importProjectSbom", **body})
    return str(product)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    sbom = build_sbom(args.components)
    print(
        f"document: {args.components} components, "
        f"{sum(len(d['dependsOn']) for d in sbom['dependencies'])} edges, "
        f"{len(json.dumps(sbom)) / 1e6:.1f} MB JSON"
    )
    for label, database, config in backend_stores(args.postgres, "depvault_bench"):
        run(database, config, sbom, label)


if __name__ == "__main__":
    main()
