"""Synchronous reports: the raw file with its content type, or the documented JSON."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import openpyxl
import pytest
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.api.app import create_app
from depvault.config import Config
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_alerts import DJANGO_CVE, IOTDB_CVE, PYPI, Portfolio
from tests.functional.test_async_reports import build_portfolio

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")


@pytest.fixture
def portfolio(api: Api, site: Bootstrap, database: Database, tmp_path: Path) -> Portfolio:
    return build_portfolio(api, site, database, tmp_path)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_vulnerability_report_defaults_to_xlsx_and_answers_json(
    api: Api, site: Bootstrap, portfolio: Portfolio
) -> None:
    project = {"projectToken": portfolio.projects["app"]}
    content_type, body = api.raw("getProjectVulnerabilityReport", **project)
    assert content_type == XLSX  # no format: xlsx, as clients expect
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    names = sorted(str(r[0]) for r in list(sheet.iter_rows(values_only=True))[1:])
    assert names == sorted([DJANGO_CVE, IOTDB_CVE])
    answer = api.ok("getProjectVulnerabilityReport", **project, format="json")
    assert sorted(v["name"] for v in answer["vulnerabilities"]) == sorted([DJANGO_CVE, IOTDB_CVE])
    assert all(len(v["library"]["keyUuid"]) == 36 for v in answer["vulnerabilities"])
    # neither PYSEC record has a summary: the description is its details' first paragraph
    assert all(v["description"] and "\n" not in v["description"] for v in answer["vulnerabilities"])

    alerts = portfolio.alerts("app")
    uuid = next(a["alertUuid"] for a in alerts if a["vulnerability"]["name"] == DJANGO_CVE)
    api.ok("setAlertsStatus", orgToken=site.org_token, alertUuids=[uuid], status="Ignored")
    ignored = api.ok("getProjectVulnerabilityReport", **project, format="json", status="ignored")
    assert [v["name"] for v in ignored["vulnerabilities"]] == [DJANGO_CVE]
    _code, message = api.error("getProjectVulnerabilityReport", **project, status="sleeping")
    assert "status" in message


def test_inventory_due_diligence_and_changes(
    api: Api, site: Bootstrap, portfolio: Portfolio
) -> None:
    org = {"orgToken": site.org_token}
    libraries = api.ok("getOrganizationInventoryReport", **org, format="json")["libraries"]
    assert sorted((lib["project"], lib["name"]) for lib in libraries) == [
        ("app", "apache-iotdb"),
        ("app", "django"),
        ("app", "requests"),
        ("tool", "requests"),
    ]
    content_type, body = api.raw("getProductInventoryReport", productToken=portfolio.product)
    assert content_type == XLSX and body[:2] == b"PK"
    content_type, body = api.raw(
        "getProjectInventoryReport", projectToken=portfolio.projects["app"], format="xml"
    )
    assert content_type == "application/xml" and b"<libraries" in body
    assert api.ok("getOrganizationDueDiligenceReport", **org, format="json") == {"licenses": []}
    _code, message = api.error("getOrganizationDueDiligenceReport", **org, format="pdf")
    assert "xlsx, json" in message
    changes = api.ok("getChangesReport", **org)["changes"]
    created = [c for c in changes if c["changeAspect"] == "CREATED" and c["scope"] == "PROJECT"]
    assert {c["scopeName"] for c in created} == {"app", "tool"}
    assert api.ok("getChangesReport", **org, startDateTime="2999-01-01 00:00:00") == {"changes": []}


def test_a_large_synchronous_report_points_to_the_asynchronous_one(
    config: Config, database: Database, site: Bootstrap, portfolio: Portfolio
) -> None:
    small = dataclasses.replace(config, sync_report_max_rows=3)
    with TestClient(create_app(small, database, migrate=False, inline_jobs=True)) as client:
        api = Api(client, site.user_key)
        _code, message = api.error(
            "getOrganizationInventoryReport", orgToken=site.org_token, format="json"
        )
        assert "generateOrganizationReportAsync" in message and "OrgInventoryReport" in message
        project = api.ok(
            "getProjectInventoryReport", projectToken=portfolio.projects["app"], format="json"
        )
        assert len(project["libraries"]) == 3  # at the limit: answered


def empty_scopes(api: Api, site: Bootstrap) -> tuple[dict[str, str], ...]:
    """The organization, a product "P" and its project "p" without libraries, as scope
    parameters."""
    org = {"orgToken": site.org_token}
    product = {"productToken": api.ok("createProduct", productName="P", **org)["productToken"]}
    project = {"projectToken": api.ok("createProject", projectName="p", **product)["projectToken"]}
    return org, product, project


def test_requests_about_data_depvault_does_not_hold_say_so(api: Api, site: Bootstrap) -> None:
    """Registered only to refuse with the reason, not "unknown requestType"."""
    org, _product, project = empty_scopes(api, site)
    for request, scope, reason in (
        ("getOrganizationIntegrationActivationToken", org, "repository-integration"),
        ("setProjectSetupNotificationConfig", project, "notifications"),
    ):
        _code, message = api.error(request, **scope)
        assert message.startswith(f"{request} is not available: ") and reason in message


def test_reports_of_data_depvault_does_not_hold_answer_empty(api: Api, site: Bootstrap) -> None:
    """Bugs, container and cluster reports: the headers, no rows (client-compat.md: a
    tool looping over every report stops at the first error)."""
    org, product, project = empty_scopes(api, site)
    for request, scope, root in (
        ("getOrganizationContainerVulnerabilityReportRequest", org, "vulnerabilities"),
        ("getClusterVulnerabilityReportRequest", product, "vulnerabilities"),
        ("getOrganizationBugsReport", org, "bugs"),
        ("getProductBugsReport", product, "bugs"),
        ("getProjectBugsReport", project, "bugs"),
    ):
        assert api.ok(request, **scope, format="json") == {root: []}
        content_type, data = api.raw(request, **scope)  # xlsx, the default
        assert content_type.startswith("application/vnd.openxmlformats"), request
        sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
        assert sheet is not None
        [header] = list(sheet.iter_rows(values_only=True))
        assert header[0] and None not in header
