"""Benchmark: the agent's CHECK_POLICY_COMPLIANCE on a 10,000-dependency project.

A build pipeline asks it before every build: the sent dependency tree comes back with
the deciding policy on every node. Per backend: the three OSV exports are imported, the
organization gets ``bench_matching.BENCH_POLICIES`` (five policies), a project "app"
holds the ``bench_sbom_import`` document (10,000 components, through
``importProjectSbom``), and the same components are sent as an agent diff (purl,
group, artifact, version; flat) to ``POST /agent`` in-process. Timed from sending the
form to the answer: authentication, decompression, identification, the catalog and
knowledge-base reads, judging every library, the answer's JSON, and the count of
rejections (the check's one write). Cases: the existing project (its own inventory
already holds every library), and a new project name (judged by the organization's
policies; the libraries are known to the catalog either way).

Usage::

    .venv/bin/python bench/bench_policy_check.py [--components 10000] [--runs 5]
        [--postgres URL]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import statistics
import time
from typing import Any
from urllib.parse import urlencode

from bench_matching import BENCH_POLICIES, add_policies, osv_paths
from bench_sbom_import import backend_stores, build_sbom, import_project
from starlette.testclient import TestClient

from depvault.admin import bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.store.engine.db import Database


def agent_diff(sbom: dict[str, Any], project: str) -> str:
    """The document's components as one agent project, base64(gzip(JSON))."""
    dependencies = [
        {
            "groupId": c.get("group", ""),
            "artifactId": c["name"],
            "version": c["version"],
            "purl": c["purl"],
        }
        for c in sbom["components"]
    ]
    raw = json.dumps([{"coordinates": {"artifactId": project}, "dependencies": dependencies}])
    return base64.b64encode(gzip.compress(raw.encode())).decode()


def run(database: Database, config: Config, sbom: dict[str, Any], label: str, runs: int) -> str:
    """Prepare one store and time the checks; returns the summary row."""
    started = time.perf_counter()
    import_osv(database, read_osv_documents(osv_paths()))
    site = bootstrap(database)
    add_policies(database, site.org_token)
    print(f"{label}: knowledge base and policies ready in {time.perf_counter() - started:.1f} s")
    app = create_app(config, database, migrate=False, inline_jobs=True)
    figures: dict[str, list[float]] = {"existing": [], "new": []}
    rejected = 0
    with TestClient(app) as client:
        product = import_project(client, site.user_key, site.org_token, sbom, "app")
        for case, project in (("existing", "app"), ("new", "new-service")):
            form = urlencode(
                {
                    "type": "CHECK_POLICY_COMPLIANCE",
                    "agent": "fs-agent",
                    "agentVersion": "24.1.1",
                    "token": site.org_token,
                    "userKey": site.user_key,
                    "productToken": product,
                    "timeStamp": "1700000000000",
                    "forceCheckAllDependencies": "true",
                    "diff": agent_diff(sbom, project),
                }
            )
            for _ in range(runs):
                began = time.perf_counter()
                answer = client.post(
                    "/agent",
                    content=form.encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                ).json()
                figures[case].append(time.perf_counter() - began)
                assert answer["status"] == 1, answer["message"]
            data = json.loads(answer["data"])
            where = "existingProjects" if case == "existing" else "newProjects"
            rejected = sum(
                1
                for node in data[where][project]["children"]
                if node["policy"] and node["policy"]["actionType"] == "Reject"
            )
            print(
                f"{label:10} {case:8} project: "
                + ", ".join(f"{s:.2f}" for s in figures[case])
                + f" s; {rejected:,} of {len(sbom['components']):,} dependencies rejected"
            )
    return (
        f"| {label} | {statistics.median(figures['existing']):.2f} s "
        f"({', '.join(f'{s:.2f}' for s in figures['existing'])}) | "
        f"{statistics.median(figures['new']):.2f} s "
        f"({', '.join(f'{s:.2f}' for s in figures['new'])}) | {rejected:,} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    sbom = build_sbom(args.components)
    rows = [
        run(database, config, sbom, label, args.runs)
        for label, database, config in backend_stores(args.postgres, "depvault_bench_check")
    ]
    print(f"\n{len(BENCH_POLICIES)} organization policies, {args.components:,} dependencies:\n")
    print("| backend | existing project (median) | new project (median) | rejected |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
