"""Alerts through the API: derived from real advisories after inventory updates and
knowledge changes, changed by people with a history, resolved and restored by
depvault as inventories change."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from depvault.admin import Bootstrap
from depvault.ingest.knowledge.osv import import_osv, read_osv_documents
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.data_files import DATA

DATA = DATA
OSV = DATA / "osv"
PYPI = OSV / "PyPI-all.zip"
pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")

# PYSEC-2023-61 (CVE-2023-31047): Django introduced 3.2, fixed 3.2.19; no severity data.
# PYSEC-2024-11 (CVE-2023-46226): apache-iotdb introduced 1.0.0, fixed 1.3.0; CVSS 3 9.8.
DJANGO_ADVISORY, DJANGO_CVE = "PYSEC-2023-61", "CVE-2023-31047"
IOTDB_ADVISORY, IOTDB_CVE = "PYSEC-2024-11", "CVE-2023-46226"
SECURITY = "SECURITY_VULNERABILITY"


def sbom(*packages: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [
            {"type": "library", "name": n, "version": v, "purl": f"pkg:{eco}/{n}@{v}"}
            for eco, n, v in packages
        ],
    }


def pypi(name: str, version: str) -> tuple[str, str, str]:
    return ("pypi", name, version)


def knowledge(database: Database, tmp_path: Path, *ids: str) -> None:
    """Import these real PyPI advisories (a folder of their JSON documents)."""
    folder = tmp_path / "osv"
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(PYPI) as archive:
        for advisory in ids:
            (folder / f"{advisory}.json").write_bytes(archive.read(f"{advisory}.json"))
    import_osv(database, read_osv_documents([folder]))


class Portfolio:
    """Projects of one product, updated through importProjectSbom."""

    def __init__(self, api: Api, site: Bootstrap) -> None:
        self.api, self.site = api, site
        self.product = api.ok("createProduct", orgToken=site.org_token, productName="P")[
            "productToken"
        ]
        self.projects: dict[str, str] = {}

    def update(self, project: str, *packages: tuple[str, str, str]) -> str:
        answer = self.api.ok(
            "importProjectSbom",
            productToken=self.product,
            projectName=project,
            sbom=sbom(*packages),
        )
        state = self.api.ok(
            "getRequestState", orgToken=self.site.org_token, requestToken=answer["requestToken"]
        )
        assert state["requestState"] == "FINISHED"
        token = answer["projectToken"] if "projectToken" in answer else self._token(project)
        self.projects[project] = token
        return token

    def _token(self, project: str) -> str:
        projects = self.api.ok("getAllProjects", productToken=self.product)["projects"]
        return next(p["projectToken"] for p in projects if p["projectName"] == project)

    def alerts(self, project: str, alert_type: str = SECURITY) -> list[dict[str, Any]]:
        answer = self.api.ok(
            "getProjectAlertsByType", projectToken=self.projects[project], alertType=alert_type
        )
        alerts: list[dict[str, Any]] = answer["alerts"]
        return alerts

    def report(self, project: str, status: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"projectToken": self.projects[project], "format": "json"}
        if status:
            params["status"] = status
        answer = self.api.ok("getProjectSecurityAlertsByVulnerabilityReport", **params)
        alerts: list[dict[str, Any]] = answer["alerts"]
        return alerts


def names(alerts: list[dict[str, Any]]) -> set[str]:
    return {a["vulnerability"]["name"] for a in alerts}


def test_real_advisories_alert_affected_versions_and_not_fixed_ones(
    api: Api, site: Bootstrap, database: Database
) -> None:
    stats = import_osv(database, read_osv_documents(sorted(OSV.glob("*-all.zip"))))
    assert stats.new > 8000
    portfolio = Portfolio(api, site)
    portfolio.update("old", pypi("django", "3.2.18"), pypi("apache-iotdb", "1.2.0"))
    portfolio.update("new", pypi("django", "3.2.19"), pypi("apache-iotdb", "1.3.0"))
    old = portfolio.alerts("old")
    assert {DJANGO_CVE, IOTDB_CVE} <= names(old)
    assert not {DJANGO_CVE, IOTDB_CVE} & names(portfolio.alerts("new"))

    iotdb = next(a for a in old if a["vulnerability"]["name"] == IOTDB_CVE)
    assert iotdb["type"] == SECURITY and iotdb["level"] == "MAJOR"
    assert iotdb["status"] == "Active" and iotdb["library"]["version"] == "1.2.0"
    assert iotdb["project"] == "old" and iotdb["product"] == "P"
    vulnerability = iotdb["vulnerability"]
    assert vulnerability["type"] == "CVE" and vulnerability["osvId"] == IOTDB_ADVISORY
    assert vulnerability["cvss3_score"] == 9.8 and vulnerability["score"] == 9.8
    assert vulnerability["severity"] == "high"  # v1.3 clients fail on "critical"
    assert vulnerability["cvss3_severity"] == "high"
    assert vulnerability["scoreMetadataVector"].startswith("CVSS:3")
    assert vulnerability["topFix"]["fixResolution"] == "Upgrade to version 1.3.0"
    assert [f["fixResolution"] for f in vulnerability["allFixes"]] == ["Upgrade to version 1.3.0"]
    assert vulnerability["url"].endswith(IOTDB_ADVISORY)

    django = next(a for a in old if a["vulnerability"]["name"] == DJANGO_CVE)
    unscored = django["vulnerability"]
    assert unscored["scored"] is False and unscored["score"] is None
    assert unscored["severity"] == "medium"  # the configured default band
    assert unscored["topFix"]["fixResolution"] == "Upgrade to version 3.2.19"

    api.version = "1.4"
    v14 = api.ok("getProjectAlerts", projectToken=portfolio.projects["old"])["alerts"]
    critical = next(a for a in v14 if a.get("vulnerability", {}).get("name") == IOTDB_CVE)
    assert critical["vulnerability"]["cvss3_severity"] == "critical"
    assert critical["vulnerability"]["severity"] == "high"


def test_vulnerabilities_appear_on_inventory_and_license_libraries(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    portfolio = Portfolio(api, site)
    token = portfolio.update("app", pypi("django", "3.2.18"), pypi("requests", "2.31.0"))
    inventory = api.ok("getProjectInventory", projectToken=token)["libraries"]
    by_name = {lib["name"]: lib for lib in inventory}
    assert [v["name"] for v in by_name["django"]["vulnerabilities"]] == [DJANGO_CVE]
    assert by_name["requests"]["vulnerabilities"] == []
    licensed = api.ok("getProjectLicenses", projectToken=token)["libraries"]
    assert [
        v["name"] for v in next(x for x in licensed if x["name"] == "django")["vulnerabilities"]
    ] == [DJANGO_CVE]


def test_an_alert_resolves_on_upgrade_and_returns_with_the_same_uuid(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    portfolio = Portfolio(api, site)
    portfolio.update("app", pypi("django", "3.2.18"))
    [alert] = portfolio.alerts("app")
    uuid = alert["alertUuid"]

    portfolio.update("app", pypi("django", "3.2.19"))  # the fix
    assert portfolio.alerts("app") == []
    [resolved] = portfolio.report("app", status="Resolved")
    assert resolved["alertUuid"] == uuid and resolved["status"] == "Resolved"
    assert resolved["statusHistory"][-1]["comments"] == "The library is no longer in the inventory"
    assert resolved["statusHistory"][-1]["user"] == ""  # depvault did it

    portfolio.update("app", pypi("django", "3.2.18"))  # a rollback
    [back] = portfolio.alerts("app")
    assert back["alertUuid"] == uuid and back["status"] == "Active"
    assert [c["status"] for c in portfolio.report("app")[0]["statusHistory"]] == [
        "Resolved",
        "Active",
    ]


def test_people_ignore_and_reactivate_alerts_with_history(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY, IOTDB_ADVISORY)
    portfolio = Portfolio(api, site)
    token = portfolio.update("app", pypi("django", "3.2.18"), pypi("apache-iotdb", "1.2.0"))
    alerts = {a["vulnerability"]["name"]: a["alertUuid"] for a in portfolio.alerts("app")}
    django, iotdb = alerts[DJANGO_CVE], alerts[IOTDB_CVE]

    answer = api.ok(
        "setAlertsStatus",
        orgToken=site.org_token,
        alertUuids=[django],
        status="Ignored",
        comments="not reachable from our code",
    )
    # exactly Mend's answer: clients compare the whole string (client-compat.md)
    assert answer == {"message": "Successfully set the alert's status"}
    assert names(portfolio.alerts("app")) == {IOTDB_CVE}
    [ignored] = api.ok("getProjectIgnoredAlerts", projectToken=token)["alerts"]
    assert ignored["alertUuid"] == django and ignored["comments"] == "not reachable from our code"
    [change] = ignored["statusHistory"]
    assert change["status"] == "Ignored" and change["user"] == "admin@depvault.local"
    assert change["comments"] == "not reachable from our code"

    # an ignored alert stays ignored through an upgrade and a rollback
    portfolio.update("app", pypi("django", "3.2.19"), pypi("apache-iotdb", "1.2.0"))
    portfolio.update("app", pypi("django", "3.2.18"), pypi("apache-iotdb", "1.2.0"))
    assert [
        a["alertUuid"] for a in api.ok("getProjectIgnoredAlerts", projectToken=token)["alerts"]
    ] == [django]

    answer = api.ok(
        "setAlertsStatus", orgToken=site.org_token, alertUuids=[django], status="Active"
    )
    assert answer == {"message": "Successfully set the alert's status"}
    assert names(portfolio.alerts("app")) == {DJANGO_CVE, IOTDB_CVE}
    assert api.ok("getProjectIgnoredAlerts", projectToken=token)["alerts"] == []

    api.ok("ignoreAlerts", orgToken=site.org_token, alertUuids=[iotdb], comments="accepted risk")
    assert names(portfolio.alerts("app")) == {DJANGO_CVE}


def test_status_changes_are_refused_whole_and_precisely(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    portfolio = Portfolio(api, site)
    portfolio.update("app", pypi("django", "3.2.18"))
    [alert] = portfolio.alerts("app")
    uuid = alert["alertUuid"]
    _code, message = api.error(
        "setAlertsStatus",
        orgToken=site.org_token,
        alertUuids=[uuid, "00000000-0000-0000-0000-000000000000"],
        status="Ignored",
    )
    assert "00000000-0000-0000-0000-000000000000" in message
    assert [a["status"] for a in portfolio.alerts("app")] == ["Active"]  # nothing written
    _code, message = api.error(
        "setAlertsStatus", orgToken=site.org_token, alertUuids=[uuid], status="Resolved"
    )
    assert "Active or Ignored" in message
    _code, message = api.error(
        "setAlertsStatus", orgToken=site.org_token, alertUuids=[uuid], status="Snoozed"
    )
    assert "status" in message
    _code, message = api.error("ignoreAlerts", orgToken=site.org_token, alertUuids=[uuid])
    assert "comments" in message
    _code, message = api.error(
        "getProjectAlertsByType", projectToken=portfolio.projects["app"], alertType="NOPE"
    )
    assert "alertType" in message

    portfolio.update("app", pypi("django", "3.2.19"))
    _code, message = api.error(
        "setAlertsStatus", orgToken=site.org_token, alertUuids=[uuid], status="Ignored"
    )
    assert "resolved" in message


def test_another_organization_cannot_touch_alerts(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    from depvault import admin

    knowledge(database, tmp_path, DJANGO_ADVISORY)
    portfolio = Portfolio(api, site)
    portfolio.update("app", pypi("django", "3.2.18"))
    [alert] = portfolio.alerts("app")
    other = admin.create_organization(database, "Other", admin_email="o@example.com")
    assert other.user_key is not None
    outsider = Api(api.client, other.user_key)
    _code, message = outsider.error(
        "setAlertsStatus",
        orgToken=other.org_token,
        alertUuids=[alert["alertUuid"]],
        status="Ignored",
    )
    assert alert["alertUuid"] in message
    assert outsider.ok("getOrganizationAlerts", orgToken=other.org_token)["alerts"] == []


def test_a_knowledge_change_opens_and_resolves_alerts_of_existing_inventories(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    portfolio = Portfolio(api, site)
    portfolio.update("app", pypi("django", "3.2.18"))
    assert portfolio.alerts("app") == []
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    [alert] = portfolio.alerts("app")
    record = json.loads((tmp_path / "osv" / f"{DJANGO_ADVISORY}.json").read_text())
    record["withdrawn"] = "2024-01-01T00:00:00Z"
    record["modified"] = "2099-01-01T00:00:00Z"
    (tmp_path / "osv" / f"{DJANGO_ADVISORY}.json").write_text(json.dumps(record))
    import_osv(database, read_osv_documents([tmp_path / "osv"]))
    assert portfolio.alerts("app") == []
    [resolved] = portfolio.report("app", status="resolved")
    assert resolved["alertUuid"] == alert["alertUuid"]
    assert resolved["statusHistory"][-1]["comments"] == "The library version is no longer affected"


def test_multiple_versions_and_newer_versions(
    api: Api, site: Bootstrap, database: Database
) -> None:
    portfolio = Portfolio(api, site)
    npm = [("npm", "left-pad", "1.2.0"), ("npm", "left-pad", "1.3.0"), ("npm", "lodash", "3.10.1")]
    portfolio.update("web", *npm)
    portfolio.update("api", ("npm", "lodash", "4.17.21"))
    multiple = portfolio.alerts("web", "MULTIPLE_LIBRARY_VERSIONS")
    assert sorted(a["library"]["version"] for a in multiple) == ["1.2.0", "1.3.0"]
    assert all(
        a["description"] == "2 versions of left-pad are in use: 1.2.0, 1.3.0" for a in multiple
    )
    [minor] = portfolio.alerts("web", "NEW_MINOR_VERSION")
    assert minor["library"]["version"] == "1.2.0" and minor["level"] == "MINOR"
    assert minor["description"] == "Version 1.3.0 is available"
    # lodash 4 became known when "api" was analysed; "web" sees it at its next analysis
    portfolio.update("web", *npm)
    [major] = portfolio.alerts("web", "NEW_MAJOR_VERSION")
    assert major["library"]["version"] == "3.10.1"
    assert major["description"] == "Version 4.17.21 is available"
    assert portfolio.alerts("api", "NEW_MAJOR_VERSION") == []
    portfolio.update("web", ("npm", "left-pad", "1.3.0"), ("npm", "lodash", "4.17.21"))
    for alert_type in ("MULTIPLE_LIBRARY_VERSIONS", "NEW_MINOR_VERSION", "NEW_MAJOR_VERSION"):
        assert portfolio.alerts("web", alert_type) == []


def test_a_fix_named_by_new_knowledge_is_offered_as_a_newer_version(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    """The newest release of a package is cached between analyses; an advisory that
    names a newer fixed version must make the next analysis see it."""
    portfolio = Portfolio(api, site)
    portfolio.update("web", ("npm", "left-pad", "1.2.0"))
    assert portfolio.alerts("web", "NEW_MAJOR_VERSION") == []  # 1.2.0 is all that is known
    folder = tmp_path / "osv"
    folder.mkdir()
    record = {
        "schema_version": "1.6.0",
        "id": "GHSA-test-left-pad",
        "modified": "2026-01-01T00:00:00Z",
        "summary": "left-pad pads wrongly",
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "left-pad"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.0.1"}]}],
            }
        ],
    }
    (folder / "GHSA-test-left-pad.json").write_text(json.dumps(record))
    import_osv(database, read_osv_documents([folder]))
    [major] = portfolio.alerts("web", "NEW_MAJOR_VERSION")
    assert major["description"] == "Version 2.0.1 is available"
    assert [a["vulnerability"]["name"] for a in portfolio.alerts("web")] == ["GHSA-test-left-pad"]


def test_alerts_by_scope_tag_and_window(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    portfolio = Portfolio(api, site)
    portfolio.update("tagged", pypi("django", "3.2.18"))
    portfolio.update("plain", pypi("django", "3.2.17"))
    api.ok("saveProjectTag", projectToken=portfolio.projects["tagged"], tagKey="team", tagValue="a")
    org = site.org_token
    # each project: the security alert, and NEW_MAJOR_VERSION (the advisory's fixes name
    # Django 4.2.1, which is the newest release depvault knows)
    for request in ("getAlertsByProjectTag", "getOrganizationAlertsByProjectTag"):
        tagged = api.ok(request, orgToken=org, tagKey="team", tagValue="a")["alerts"]
        assert sorted((a["project"], a["type"]) for a in tagged) == [
            ("tagged", "NEW_MAJOR_VERSION"),
            ("tagged", SECURITY),
        ]
    major = next(a for a in tagged if a["type"] == "NEW_MAJOR_VERSION")
    assert major["description"] == "Version 4.2.1 is available"
    assert len(api.ok("getOrganizationAlerts", orgToken=org)["alerts"]) == 4
    assert len(api.ok("getProductAlerts", productToken=portfolio.product)["alerts"]) == 4
    window = {"orgToken": org, "alertType": SECURITY}
    past = api.ok(
        "getOrganizationAlertsByType", **window, fromDate="2000-01-01", toDate="2000-12-31"
    )
    assert past["alerts"] == []
    now = api.ok("getOrganizationAlertsByType", **window, fromDate="2000-01-01 00:00:00")
    assert len(now["alerts"]) == 2
    _code, message = api.error(
        "getOrganizationAlertsByType", **window, fromDate="2020-02-01", toDate="2020-01-01"
    )
    assert "toDate" in message


def test_security_reports_in_json_and_xlsx(
    api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY, IOTDB_ADVISORY)
    portfolio = Portfolio(api, site)
    token = portfolio.update("app", pypi("django", "3.2.18"), pypi("apache-iotdb", "1.2.0"))
    org = site.org_token
    by_library = {
        r["libraryName"]: r
        for r in api.ok(
            "getProjectSecurityAlertsByLibraryReport", projectToken=token, format="json"
        )["alerts"]
    }
    iotdb = next(r for name, r in by_library.items() if "iotdb" in name)
    assert iotdb["severity"] == {"high": 1} and iotdb["totalAlerts"] == 1
    django = next(r for name, r in by_library.items() if "django" in name.lower())
    assert django["severity"] == {"medium": 1} and django["ignoredAlerts"] == 0

    content_type, body = api.raw(
        "getProjectSecurityAlertsByVulnerabilityReport", projectToken=token, format="xlsx"
    )
    assert content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Vulnerability"
    assert sorted(r[0] for r in rows[1:]) == sorted([DJANGO_CVE, IOTDB_CVE])
    content_type, body = api.raw(
        "getOrganizationSecurityAlertsByLibraryReport", orgToken=org, format="XLSX"
    )
    rows = list(
        openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(  # type: ignore[union-attr]
            values_only=True
        )
    )
    assert len(rows) == 3 and rows[0][0] == "Library"
    _code, message = api.error("getOrganizationSecurityAlertsByLibraryReport", orgToken=org)
    assert "format" in message
