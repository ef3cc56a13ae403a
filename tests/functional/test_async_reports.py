"""Asynchronous reports through the API: generate, poll, download, unzip, parse.

Each built report type is generated in every format from a known inventory and its
file parsed back (orjson, lxml, openpyxl, pypdf) to check its rows.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pytest
from lxml import etree
from pypdf import PdfReader
from sqlalchemy import func, select
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.jobs.reports import MAX_ATTEMPTS, ReportWorker, claim_report, recover_reports
from depvault.store.engine.db import Database
from depvault.store.jobs.report_files import DatabaseFiles, report_files
from depvault.store.models import ReportChunk
from tests.conftest import Api
from tests.functional.test_alerts import (
    DJANGO_ADVISORY,
    DJANGO_CVE,
    IOTDB_ADVISORY,
    IOTDB_CVE,
    PYPI,
    Portfolio,
    knowledge,
    pypi,
)

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")

PACKAGES = (pypi("django", "3.2.18"), pypi("apache-iotdb", "1.2.0"), pypi("requests", "2.31.0"))


@pytest.fixture
def portfolio(api: Api, site: Bootstrap, database: Database, tmp_path: Path) -> Portfolio:
    return build_portfolio(api, site, database, tmp_path)


def build_portfolio(api: Api, site: Bootstrap, database: Database, tmp_path: Path) -> Portfolio:
    """Projects "app" (three PyPI libraries, two vulnerable) and "tool" of product P."""
    knowledge(database, tmp_path, DJANGO_ADVISORY, IOTDB_ADVISORY)
    portfolio = Portfolio(api, site)
    portfolio.update("app", *PACKAGES)
    portfolio.update("tool", pypi("requests", "2.31.0"))
    return portfolio


def generate(api: Api, scope: dict[str, str], request: str, **params: Any) -> dict[str, Any]:
    status: dict[str, Any] = api.ok(request, **scope, **params)["asyncProcessStatus"]
    return status


def download(api: Api, site: Bootstrap, process: str) -> dict[str, bytes]:
    state = api.ok("getAsyncProcessStatus", orgToken=site.org_token, uuid=process)
    assert state["asyncProcessStatus"]["status"] == "SUCCESS", state
    content_type, body = api.raw(
        "downloadAsyncReport", orgToken=site.org_token, reportStatusUUID=process
    )
    assert content_type == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows_of(fmt: str, data: bytes, root: str) -> list[list[str]]:
    """The report's data rows as text cells, whatever the format."""
    if fmt == "json":
        return [[str(v) for v in item.values()] for item in orjson.loads(data)[root]]
    if fmt == "xml":
        document = etree.fromstring(data)
        return [[child.text or "" for child in item] for item in document if item.tag != "metadata"]
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        assert sheet is not None
        return [
            ["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)
        ][1:]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return [[line] for line in text.splitlines()]


def flat(rows: list[list[str]]) -> str:
    return "\n".join(" | ".join(r) for r in rows)


@pytest.mark.parametrize("fmt", ["json", "xml", "xlsx", "pdf"])
def test_project_reports_in_every_format(
    api: Api, site: Bootstrap, portfolio: Portfolio, fmt: str
) -> None:
    project = {"projectToken": portfolio.projects["app"]}
    expectations = {
        "ProjectInventoryReport": ("libraries", 3, ["django", "apache-iotdb", "requests"]),
        "ProjectVulnerabilityReport": ("vulnerabilities", 2, [DJANGO_CVE, IOTDB_CVE]),
        "ProjectSecurityAlertsReport": ("alerts", 2, [DJANGO_CVE, IOTDB_CVE]),
        "ProjectAlertsReport": ("alerts", None, [DJANGO_CVE, "Active", "Version 4.2.1"]),
        "ProjectIgnoreAlertsReport": ("alerts", 0, []),
        "ProjectResolvedAlertsReport": ("alerts", 0, []),
    }
    for report, (root, count, fragments) in expectations.items():
        status = generate(api, project, "generateProjectReportAsync", reportType=report, format=fmt)
        assert status["contextType"] == "PROJECT" and status["status"] == "PENDING"
        assert len(status["messageContentSha1"]) == 40
        files = download(api, site, status["uuid"])
        [(name, data)] = files.items()
        assert name.startswith(f"{report}-app-") and name.endswith(f".{fmt}")
        rows = rows_of(fmt, data, root)
        text = flat(rows)
        for fragment in fragments:
            assert fragment in text, (report, fragment)
        if count is not None and fmt != "pdf":
            assert len(rows) == count, (report, rows)


def test_inventory_rows_and_scopes(api: Api, site: Bootstrap, portfolio: Portfolio) -> None:
    org = {"orgToken": site.org_token}
    status = generate(
        api, org, "generateOrganizationReportAsync", reportType="OrgInventoryReport", format="json"
    )
    assert status["contextType"] == "DOMAIN" and status["processType"] == "ORG_INVENTORY_REPORT"
    [(_, data)] = download(api, site, status["uuid"]).items()
    libraries = orjson.loads(data)["libraries"]
    assert sorted((r["project"], r["name"]) for r in libraries) == [
        ("app", "apache-iotdb"),
        ("app", "django"),
        ("app", "requests"),
        ("tool", "requests"),
    ]
    django = next(r for r in libraries if r["name"] == "django")
    assert django["version"] == "3.2.18" and django["numberOfVulnerabilities"] == 1
    assert django["directDependency"] is True and django["purl"] == "pkg:pypi/django@3.2.18"
    assert django["filename"] and len(django["keyUuid"]) == 36
    assert [license_["name"] for license_ in django["licenses"]] == []  # the SBOM named none
    product = {"productToken": portfolio.product}
    status = generate(
        api, product, "generateProductReportAsync", reportType="ProductVulnerabilityReport",
        format="json",
    )  # fmt: skip
    [(_, data)] = download(api, site, status["uuid"]).items()
    rows = orjson.loads(data)["vulnerabilities"]
    iotdb = next(r for r in rows if r["name"] == IOTDB_CVE)
    assert iotdb["topFix"] == {"fixResolution": "Upgrade to version 1.3.0"}
    assert iotdb["cvss3_score"] == 9.8 and iotdb["cvss3_severity"] == "high"
    assert iotdb["severity"] == "high" and iotdb["project"] == "app"
    assert iotdb["library"]["version"] == "1.2.0" and len(iotdb["library"]["keyUuid"]) == 36


def test_requests_are_refused_precisely(api: Api, site: Bootstrap, portfolio: Portfolio) -> None:
    project = {"projectToken": portfolio.projects["app"]}
    request = "generateProjectReportAsync"
    _code, message = api.error(request, **project, reportType="OrgInventoryReport", format="json")
    assert "ProjectInventoryReport" in message  # the project's report types are listed
    status = generate(api, project, request, reportType="ProjectBugsReport", format="json")
    assert orjson.loads(download(api, site, status["uuid"]).popitem()[1])["bugs"] == []
    _code, message = api.error(
        request, **project, reportType="ProjectInventoryReport", format="csv"
    )
    assert "xlsx, json, xml, pdf" in message
    _code, message = api.error(
        request, **project, reportType="ProjectAlertsReport", format="json",
        filter={"status": "snoozed"},
    )  # fmt: skip
    assert "filter.status" in message
    _code, message = api.error(request, **project, format="json")
    assert "reportType" in message
    org = site.org_token
    _code, message = api.error("getAsyncProcessStatus", orgToken=org, uuid="nope")
    assert "nope" in message
    _code, message = api.error("downloadAsyncReport", orgToken=org)
    assert "reportStatusUUID" in message


def test_alert_reports_honour_the_status_filter(
    api: Api, site: Bootstrap, portfolio: Portfolio
) -> None:
    project = {"projectToken": portfolio.projects["app"]}
    alerts = portfolio.alerts("app")
    ignored = next(a["alertUuid"] for a in alerts if a["vulnerability"]["name"] == DJANGO_CVE)
    api.ok("setAlertsStatus", orgToken=site.org_token, alertUuids=[ignored], status="Ignored")
    status = generate(
        api, project, "generateProjectReportAsync", reportType="ProjectSecurityAlertsReport",
        format="json", filter={"status": "ignored", "unknownKey": 1},
    )  # fmt: skip
    [(_, data)] = download(api, site, status["uuid"]).items()
    assert [a["alertUuid"] for a in orjson.loads(data)["alerts"]] == [ignored]
    status = generate(
        api, project, "generateProjectReportAsync", reportType="ProjectIgnoreAlertsReport",
        format="json",
    )  # fmt: skip
    [(_, data)] = download(api, site, status["uuid"]).items()
    [row] = orjson.loads(data)["alerts"]
    assert row["status"] == "Ignored" and row["vulnerability"] == DJANGO_CVE


def test_a_large_report_is_split_into_numbered_files(
    config: Config, database: Database, site: Bootstrap, portfolio: Portfolio
) -> None:
    small = dataclasses.replace(config, report_rows_per_file=2)
    with TestClient(create_app(small, database, migrate=False, inline_jobs=True)) as client:
        api = Api(client, site.user_key)
        status = generate(
            api, {"orgToken": site.org_token}, "generateOrganizationReportAsync",
            reportType="OrgInventoryReport", format="xlsx",
        )  # fmt: skip
        files = download(api, site, status["uuid"])
    assert len(files) == 2
    first = next(name for name in files if "-part" not in name)
    assert first.startswith("OrgInventoryReport-") and first.endswith(".xlsx")
    assert set(files) == {first, first.replace(".xlsx", "-part002.xlsx")}
    assert sum(len(rows_of("xlsx", data, "")) for data in files.values()) == 4


def test_product_roles_see_only_their_processes(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database, portfolio: Portfolio
) -> None:
    from depvault import admin

    other = api.ok("createProduct", orgToken=site.org_token, productName="Other")["productToken"]
    api.ok("createUser", orgToken=site.org_token, addedUser={"name": "p", "email": "p@x.org"})
    key = admin.issue_user_key(database, "p@x.org", site.org_token)
    api.ok(
        "setProductAssignments",
        productToken=other,
        productAdmins={"userAssignments": [{"email": "p@x.org"}]},
    )
    status = generate(
        api, {"productToken": portfolio.product}, "generateProductReportAsync",
        reportType="ProductInventoryReport", format="json",
    )  # fmt: skip
    outsider = Api(app_client, key)
    _code, message = outsider.error(
        "getAsyncProcessStatus", orgToken=site.org_token, uuid=status["uuid"]
    )
    assert status["uuid"] in message
    mine = generate(
        outsider, {"productToken": other}, "generateProductReportAsync",
        reportType="ProductInventoryReport", format="json",
    )  # fmt: skip
    seen = outsider.ok("getAsyncProcessStatus", orgToken=site.org_token, uuid=mine["uuid"])
    assert seen["asyncProcessStatus"]["status"] == "SUCCESS"


def test_interrupted_processes_end_after_a_restart(
    config: Config, database: Database, api: Api, site: Bootstrap, portfolio: Portfolio
) -> None:
    # a process claimed by a worker that then died: the server's worker pool is never
    # started here (no lifespan), so the process waits until claimed by hand
    worker = ReportWorker(database, config)
    idle = Api(TestClient(create_app(config, database, migrate=False)), site.user_key)
    status = generate(
        idle, {"projectToken": portfolio.projects["app"]}, "generateProjectReportAsync",
        reportType="ProjectInventoryReport", format="json",
    )  # fmt: skip
    assert claim_report(database) is not None
    state = api.ok("getAsyncProcessStatus", orgToken=site.org_token, uuid=status["uuid"])
    assert state["asyncProcessStatus"]["status"] == "IN_PROGRESS"
    assert recover_reports(database) == 1
    assert worker.run_once()
    assert download(api, site, status["uuid"])  # SUCCESS, with its file

    status = generate(
        api, {"projectToken": portfolio.projects["app"]}, "generateProjectReportAsync",
        reportType="ProjectInventoryReport", format="json",
    )  # fmt: skip
    with database.transaction() as db:
        from sqlalchemy import update

        from depvault.store.models import AsyncProcess

        db.execute(
            update(AsyncProcess)
            .where(AsyncProcess.uuid == status["uuid"])
            .values(
                status="IN_PROGRESS", attempts=MAX_ATTEMPTS, claimed_by=None
            )  # its process died
        )
    recover_reports(database)
    state = api.ok("getAsyncProcessStatus", orgToken=site.org_token, uuid=status["uuid"])
    assert state["asyncProcessStatus"]["status"] == "FAILED"
    assert "interrupted" in state["asyncProcessStatus"]["failureReason"]
    _code, message = api.error(
        "downloadAsyncReport", orgToken=site.org_token, reportStatusUUID=status["uuid"]
    )
    assert "failed" in message


def test_expired_report_files_are_deleted(
    config: Config, database: Database, api: Api, site: Bootstrap, portfolio: Portfolio
) -> None:
    from datetime import timedelta

    from depvault.domain.timefmt import utcnow
    from depvault.jobs.reports import expire_reports

    status = generate(
        api, {"projectToken": portfolio.projects["app"]}, "generateProjectReportAsync",
        reportType="ProjectInventoryReport", format="xlsx",
    )  # fmt: skip
    assert download(api, site, status["uuid"])
    files = report_files(config, database)  # the folder on SQLite, the database on PostgreSQL
    assert isinstance(files, DatabaseFiles) == (database.dialect == "postgresql")
    name = f"{status['uuid']}.zip"
    assert files.exists(name)
    assert expire_reports(database, files, utcnow() + timedelta(hours=1)) == 0  # still kept
    later = utcnow() + timedelta(hours=config.report_retention_hours + 1)
    assert expire_reports(database, files, later) == 1
    assert not files.exists(name)
    if database.dialect == "sqlite":
        assert list(config.effective_reports_dir.iterdir()) == []
    else:
        with database.transaction(write=False) as db:
            assert db.scalar(select(func.count()).select_from(ReportChunk)) == 0
    _code, message = api.error(
        "downloadAsyncReport", orgToken=site.org_token, reportStatusUUID=status["uuid"]
    )
    assert "expired" in message
