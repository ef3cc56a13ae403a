"""Benchmark: the web console's server time per page on a large organization.

Runs against a store ``bench/bench_reports.py prepare`` made (the 2,000 x 500 portfolio
with the OSV exports imported: 1,000,000 project-library rows and their alerts), in
process: the application is built on that store, the organization's administrator gets
a fresh key and signs in through the form, and each page is fetched ``--repeat`` times
after one warm-up. The figure is the page's own ``Server-Timing`` (what the console
logs: session lookup, store reads, rendering), so the test client's overhead is not in
it; the first view apart (cold caches: the dashboard's first count of the organization,
``console/figures.py``), then p50, p95 and max per page, with the load average.

Usage::

    .venv/bin/python bench/bench_reports.py prepare --data-dir /tmp/rbig \\
        --projects 2000 --libraries 500
    .venv/bin/python bench/bench_console.py --data-dir /tmp/rbig [--repeat 20]
    (--database-url postgresql+psycopg://… for PostgreSQL)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.console_client import ConsoleUser

from depvault import admin
from depvault.api.app import create_app
from depvault.config import Config
from depvault.domain.alert_rules import AlertStatus, AlertType
from depvault.store.engine.db import Database, create_database
from depvault.store.engine.migrate import upgrade
from depvault.store.models import (
    Advisory,
    Alert,
    Library,
    Organization,
    Product,
    Project,
    ProjectDependency,
    RoleAssignment,
    User,
)

ORG_NAME = "Reports bench"
TIMING = re.compile(r"app;dur=([0-9.]+)")


def _config(args: argparse.Namespace) -> Config:
    if args.database_url:
        return Config.from_env(database_url=args.database_url, kb_sync_interval=0)
    return Config.from_env(data_dir=Path(args.data_dir), database_url="", kb_sync_interval=0)


def _targets(database: Database) -> tuple[str, str, dict[str, str]]:
    """The organization's token, its administrator's e-mail address, and the tokens and
    ids the pages name: the first product, the project with the most active
    vulnerability alerts, one of its alerts, that alert's library and advisory, and a
    library of the project with children in its tree."""
    with database.transaction(write=False) as db:
        org_id, org_token = db.execute(
            select(Organization.id, Organization.token).where(Organization.name == ORG_NAME)
        ).one()
        email = db.scalar(
            select(User.email)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.org_id == org_id, RoleAssignment.role == "administrators")
            .limit(1)
        )
        product = db.scalar(
            select(Product.token).where(Product.org_id == org_id).order_by(Product.name).limit(1)
        )
        vulnerable = (
            select(Alert.project_id)
            .where(
                Alert.org_id == org_id,
                Alert.status == AlertStatus.ACTIVE.value,
                Alert.type == AlertType.SECURITY_VULNERABILITY.value,
            )
            .group_by(Alert.project_id)
            .order_by(func.count().desc())
            .limit(1)
            .scalar_subquery()
        )
        project_id, project = db.execute(
            select(Project.id, Project.token).where(Project.id == vulnerable)
        ).one()
        alert, library, advisory = db.execute(
            select(Alert.uuid, Library.key_uuid, Advisory.name)
            .join(Library, Library.id == Alert.library_id)
            .join(Advisory, Advisory.id == Alert.advisory_id)
            .where(Alert.project_id == project_id)
            .limit(1)
        ).one()
        parent = db.scalar(
            select(ProjectDependency.parent_id)
            .where(ProjectDependency.project_id == project_id)
            .limit(1)
        )
    assert email is not None and product is not None
    return (
        org_token,
        email,
        {
            "product": product,
            "project": project,
            "alert": alert,
            "library": library,
            "advisory": advisory,
            "parent": str(parent),
        },
    )


def _pages(org: str, t: dict[str, str]) -> list[tuple[str, str]]:
    project = f"/ui/projects/{t['project']}"
    return [
        ("organization dashboard", f"/ui/orgs/{org}"),
        ("product (first page)", f"/ui/products/{t['product']}"),
        ("project overview", project),
        ("project libraries", f"{project}/libraries"),
        ("libraries, searched + filtered", f"{project}/libraries?q=a&vulnerable=yes&direct=no"),
        ("dependency tree", f"{project}/tree"),
        ("tree level (htmx)", f"{project}/tree?parent={t['parent']}"),
        ("project alerts", f"{project}/alerts"),
        ("alerts, filtered", f"{project}/alerts?severity=high&status=Active"),
        ("one alert", f"{project}/alerts/{t['alert']}"),
        ("library", f"/ui/orgs/{org}/libraries/{t['library']}"),
        ("vulnerability", f"/ui/orgs/{org}/vulnerabilities/{t['advisory']}"),
        ("reports", f"/ui/orgs/{org}/reports"),
        ("policies", f"/ui/orgs/{org}/policies"),
        ("people", f"/ui/orgs/{org}/people"),
        ("updates", f"/ui/orgs/{org}/requests"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=False, default="")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="", help="pages whose name contains this")
    args = parser.parse_args()
    config = _config(args)
    database = create_database(config)
    upgrade(database)  # a store prepared before the console's tables came
    org, email, targets = _targets(database)
    key = admin.issue_user_key(database, email, org)
    app = create_app(config, database, migrate=False, inline_jobs=True)
    print(f"backend {database.dialect}, load average {os.getloadavg()}")
    print("| page | first view ms | p50 ms | p95 ms | max ms | status |")
    print("|---|---|---|---|---|---|")
    with TestClient(app, follow_redirects=False) as client:
        user = ConsoleUser(client)
        assert user.sign_in(email, key, csrf_from=None) == 303  # no page seen yet
        for name, path in _pages(org, targets):
            if args.only and args.only not in name:
                continue
            times = []
            first = 0.0
            status = 0
            for attempt in range(args.repeat + 1):
                answer = client.get(path)
                status = answer.status_code
                found = TIMING.search(answer.headers.get("server-timing", ""))
                assert found and status == 200, (path, status)
                if attempt:  # the first is the warm-up, shown apart
                    times.append(float(found.group(1)))
                else:
                    first = float(found.group(1))
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            print(
                f"| {name} | {first:.1f} | {statistics.median(times):.1f} | {p95:.1f} "
                f"| {times[-1]:.1f} "
                f"| {status} |",
                flush=True,
            )
            time.sleep(0)
    print(f"load average after: {os.getloadavg()}")
    database.dispose()


if __name__ == "__main__":
    main()
