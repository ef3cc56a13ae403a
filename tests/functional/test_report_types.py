"""The inventory-detail, history and log reports: locations, in-house libraries,
licenses, library security alerts, update history, plugin requests, the change log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_agent import TREE, diff, post_agent, project
from tests.functional.test_alerts import DJANGO_ADVISORY, DJANGO_CVE, PYPI, knowledge
from tests.functional.test_async_reports import download, rows_of

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")

LICENSED_SBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.4",
    "version": 1,
    "components": [
        {
            "type": "library",
            "name": "django",
            "version": "3.2.18",
            "purl": "pkg:pypi/django@3.2.18",
            "licenses": [{"license": {"id": "BSD-3-Clause"}}],
        },
        {
            "type": "library",
            "name": "mysqlclient",
            "version": "2.1.1",
            "purl": "pkg:pypi/mysqlclient@2.1.1",
            "licenses": [{"license": {"id": "GPL-2.0-only"}}],
        },
    ],
}


@pytest.fixture
def organization(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> Api:
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    answer = post_agent(app_client, site, diff([project("svc", TREE)]))
    assert answer["status"] == 1, answer
    product = api.ok("getAllProducts", orgToken=site.org_token)["products"][0]["productToken"]
    api.ok("importProjectSbom", productToken=product, projectName="web", sbom=LICENSED_SBOM)
    inventory = api.ok("getOrganizationLicenses", orgToken=site.org_token)["libraries"]
    junit = next(lib["keyUuid"] for lib in inventory if lib["name"] == "junit")
    api.ok("markInHouseLibraries", orgToken=site.org_token, libraries=[junit])
    return api


def report(api: Api, site: Bootstrap, name: str, fmt: str = "json") -> tuple[str, bytes]:
    status = api.ok(
        "generateOrganizationReportAsync", orgToken=site.org_token, reportType=name, format=fmt
    )["asyncProcessStatus"]
    [(member, data)] = download(api, site, status["uuid"]).items()
    return member, data


def json_rows(api: Api, site: Bootstrap, name: str, root: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = orjson.loads(report(api, site, name)[1])[root]
    return rows


def test_library_locations_and_in_house(organization: Api, site: Bootstrap) -> None:
    rows = json_rows(organization, site, "OrgLibraryLocationReport", "libraryLocations")
    junit = [r for r in rows if r["library"].startswith("junit")]
    assert [(r["path"], r["dependencyFile"]) for r in junit] == [
        ("/repo/junit-4.12.jar", "/repo/pom.xml")
    ]
    [in_house] = json_rows(organization, site, "OrgInHouseReport", "libraries")
    assert in_house["library"].startswith("junit") and in_house["project"] == "svc"
    assert json_rows(organization, site, "OrgSourceFileInventoryReport", "sourceFiles") == []


def test_licenses_with_their_risk(organization: Api, site: Bootstrap) -> None:
    rows = json_rows(organization, site, "OrgLicensesReport", "licenses")
    by_id = {r["spdxId"]: r for r in rows}
    assert set(by_id) == {"BSD-3-Clause", "GPL-2.0-only"}
    assert by_id["GPL-2.0-only"]["copyleft"] != by_id["BSD-3-Clause"]["copyleft"]
    assert by_id["BSD-3-Clause"]["project"] == "web"


def test_library_security_alerts(organization: Api, site: Bootstrap) -> None:
    [row] = json_rows(organization, site, "OrgLibrarySecurityAlertsReport", "alerts")
    assert row["library"].lower().startswith("django") and row["project"] == "web"
    assert (row["medium"], row["totalAlerts"], row["ignoredAlerts"]) == (1, 1, 0)
    alerts = organization.ok("getOrganizationAlerts", orgToken=site.org_token)["alerts"]
    uuid = next(
        a["alertUuid"] for a in alerts if a.get("vulnerability", {}).get("name") == DJANGO_CVE
    )
    organization.ok("setAlertsStatus", orgToken=site.org_token, alertUuids=[uuid], status="Ignored")
    [row] = json_rows(organization, site, "OrgLibrarySecurityAlertsReport", "alerts")
    assert row["ignoredAlerts"] == 1


def test_history_plugin_requests_and_change_log(organization: Api, site: Bootstrap) -> None:
    history = json_rows(organization, site, "OrgHistoryReport", "updates")
    assert sorted((r["project"], r["channel"], r["state"]) for r in history) == [
        ("svc", "AGENT", "FINISHED"),
        ("web", "SBOM", "FINISHED"),
    ]
    requests = json_rows(organization, site, "PluginRequestHistoryReport", "requests")
    agent = next(r for r in requests if r["channel"] == "AGENT")
    assert agent["agent"] == "fs-agent" and agent["projects"] == 1
    changes = json_rows(organization, site, "ChangeLogReport", "changes")
    assert any(c["changeAspect"] == "CREATED" and c["scope"] == "PROJECT" for c in changes)


@pytest.mark.parametrize("fmt", ["xlsx", "xml", "pdf"])
def test_every_new_report_in_other_formats(organization: Api, site: Bootstrap, fmt: str) -> None:
    for name, root in [
        ("OrgLibraryLocationReport", "libraryLocations"),
        ("OrgInHouseReport", "libraries"),
        ("OrgLicensesReport", "licenses"),
        ("OrgLibrarySecurityAlertsReport", "alerts"),
        ("OrgHistoryReport", "updates"),
        ("PluginRequestHistoryReport", "requests"),
        ("ChangeLogReport", "changes"),
    ]:
        expected = len(json_rows(organization, site, name, root))
        member, data = report(organization, site, name, fmt)
        assert member.endswith(f".{fmt}")
        rows = rows_of(fmt, data, root)
        if fmt == "pdf":
            assert "Page 1" in "\n".join(r[0] for r in rows)
        else:
            assert len(rows) == expected, name


def test_members_with_their_roles(organization: Api, site: Bootstrap) -> None:
    org = site.org_token
    organization.ok("createUser", orgToken=org, addedUser={"name": "Dev", "email": "dev@x.org"})
    organization.ok("createGroup", orgToken=org, group={"name": "devs"})
    organization.ok(
        "addUsersToGroups",
        orgToken=org,
        assignedUsers=[[{"name": "devs"}, [{"email": "dev@x.org"}]]],
    )
    product = organization.ok("getAllProducts", orgToken=org)["products"][0]
    organization.ok(
        "setProductAssignments",
        productToken=product["productToken"],
        productMembership={"userAssignments": [], "groupAssignments": [{"name": "devs"}]},
    )
    members = {m["email"]: m for m in json_rows(organization, site, "OrgMembersReport", "members")}
    assert members["dev@x.org"]["groups"] == "devs"
    assert members["dev@x.org"]["roles"] == f"{product['productName']}: productMembership via devs"
    assert "administrators" in members["admin@depvault.local"]["roles"]
    status = organization.ok(
        "generateProductReportAsync", productToken=product["productToken"],
        reportType="ProductMembersReport", format="json",
    )["asyncProcessStatus"]  # fmt: skip
    [(_, data)] = download(organization, site, status["uuid"]).items()
    assert [m["email"] for m in orjson.loads(data)["members"]] == ["dev@x.org"]
