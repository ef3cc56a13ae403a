"""Benchmark: writing a 10,000-component project's CycloneDX SBOM, JSON and XML (SQLite).

The ``bench_sbom_import`` document is imported into a project through
``importProjectSbom``; then ``write_cyclonedx`` writes the whole tree (``maxDepthLevel``
100) to memory in each format, alternately, ``--runs`` times each.

Usage::

    .venv/bin/python bench/bench_sbom_export.py [--components 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from pathlib import Path

from bench_sbom_import import build_sbom, import_project
from sqlalchemy import select
from starlette.testclient import TestClient

from depvault.admin import bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.reports.sbom.cyclonedx_json import SbomFilter, write_cyclonedx
from depvault.store.engine.db import create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.inventories.hierarchy import ProjectFilter
from depvault.store.models import Project


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--components", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sbom = build_sbom(args.components)
    with tempfile.TemporaryDirectory() as folder:
        config = Config(data_dir=Path(folder))
        database = create_database(config)
        upgrade(database)
        site = bootstrap(database)
        with TestClient(create_app(config, database, migrate=False, inline_jobs=True)) as client:
            import_project(client, site.user_key, site.org_token, sbom, "big")
        with database.transaction(write=False) as db:
            project = ProjectFilter(project_id=db.scalar(select(Project.id)))
        times: dict[str, list[float]] = {"json": [], "xml": []}
        sizes: dict[str, str] = {}
        for _ in range(args.runs):
            for fmt in times:
                with database.transaction(write=False) as db:
                    target = io.BytesIO()
                    started = time.perf_counter()
                    count = write_cyclonedx(
                        db, project, SbomFilter(max_depth_level=100), target, "big", fmt=fmt
                    )
                    times[fmt].append(time.perf_counter() - started)
                sizes[fmt] = f"{count:,} components, {len(target.getvalue()) / 1e6:.1f} MB"
        for fmt, runs in times.items():
            print(f"{fmt:5} {sizes[fmt]}: " + ", ".join(f"{t:.2f}" for t in runs) + " s")
        database.dispose()


if __name__ == "__main__":
    main()
