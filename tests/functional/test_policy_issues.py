"""The issue-tracker integration of API v1.4: CREATE_ISSUE policies open policy issues
on existing inventories, one per vulnerability for a vulnerability filter; they close
and reopen with the same issueUuid as the inventory changes; trackers report their
tickets back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.functional.test_alerts import (
    DJANGO_ADVISORY,
    DJANGO_CVE,
    IOTDB_ADVISORY,
    IOTDB_CVE,
    PYPI,
    knowledge,
    pypi,
    sbom,
)

pytestmark = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")

TRACK_VULNERABLE = {
    "name": "track vulnerable",
    # the Django advisory is unscored: its medium is the default band, counted here
    "filter": {
        "type": "VULNERABILITY_SEVERITY",
        "vulnerabilitySeverity": "MEDIUM",
        "includeDefaulted": True,
    },
    "action": {
        "type": "CREATE_ISSUE",
        "issueSettings": {"issueTrackerType": "COMMON_ISSUE_TRACKER"},
    },
}


class Tracker:
    """A work-item sync tool: v1.4 calls with the organization and project tokens."""

    def __init__(self, client: TestClient, site: Bootstrap, project_token: str) -> None:
        self.client, self.site, self.project = client, site, project_token

    def call(self, request_type: str, version: str = "1.4", **params: Any) -> dict[str, Any]:
        body = {
            "requestType": request_type,
            "userKey": self.site.user_key,
            "orgToken": self.site.org_token,
            "projectToken": self.project,
            **params,
        }
        answer: dict[str, Any] = self.client.post(f"/api/v{version}", json=body).json()
        return answer

    def fetch(self, **window: str) -> dict[str, Any]:
        answer = self.call("fetchProjectPolicyIssues", policyActionType="CREATE_ISSUE", **window)
        assert "errorCode" not in answer, answer
        return answer

    def violations(self, **window: str) -> dict[str, dict[str, Any]]:
        """Violations by vulnerability name (or library name when none)."""
        found = {}
        for issue in self.fetch(**window)["issues"]:
            for violation in issue["policyViolations"]:
                name = violation.get("vulnerability", {}).get("name") or issue["library"]["name"]
                found[name] = {**violation, "library": issue["library"], "policy": issue["policy"]}
        return found


@pytest.fixture
def scanned(api: Api, site: Bootstrap, database: Database, tmp_path: Path) -> Tracker:
    knowledge(database, tmp_path, DJANGO_ADVISORY, IOTDB_ADVISORY)
    product = api.ok("createProduct", orgToken=site.org_token, productName="Shop")["productToken"]
    answer = api.ok(
        "importProjectSbom",
        productToken=product,
        projectName="app",
        sbom=sbom(pypi("django", "3.2.18"), pypi("apache-iotdb", "1.2.0"), pypi("six", "1.16.0")),
    )
    projects = api.ok("getAllProjects", productToken=product)["projects"]
    assert answer["requestToken"]
    token = next(p["projectToken"] for p in projects if p["projectName"] == "app")
    return Tracker(api.client, site, token)


def rescan(api: Api, tracker: Tracker, *packages: tuple[str, str, str]) -> None:
    api.ok("importProjectSbom", projectToken=tracker.project, sbom=sbom(*packages))


def test_a_create_issue_policy_opens_one_issue_per_vulnerability(
    api: Api, scanned: Tracker
) -> None:
    assert scanned.fetch()["issues"] == []
    api.ok("addProjectPolicy", projectToken=scanned.project, policy=TRACK_VULNERABLE)
    answer = scanned.fetch()
    assert answer["product"]["productName"] == "Shop"
    assert answer["project"]["projectName"] == "app"
    found = scanned.violations()
    assert set(found) == {DJANGO_CVE, IOTDB_CVE}  # six has no advisory: no issue
    django = found[DJANGO_CVE]
    assert django["violationType"] == "VULNERABILITY" and django["status"] == "OPEN"
    assert len(django["issueUuid"]) == 36 and django["externalIssues"] == []
    assert django["library"]["name"] == "django" and django["library"]["version"] == "3.2.18"
    assert isinstance(django["library"]["keyId"], int) and django["library"]["keyUuid"]
    assert "url" in django["library"]
    assert django["policy"] == {
        "name": "track vulnerable",
        "enabled": True,
        "policyMatch": {"type": "VULNERABILITY_SEVERITY"},
        "action": {"type": "CREATE_ISSUE"},
    }
    assert django["vulnerability"]["severity"] == "medium"
    assert django["vulnerability"]["topFix"]["fixResolution"] == "Upgrade to version 3.2.19"
    assert found[IOTDB_CVE]["vulnerability"]["cvss3_score"] == 9.8


def test_issues_close_and_reopen_with_the_same_uuid(api: Api, scanned: Tracker) -> None:
    api.ok("addProjectPolicy", projectToken=scanned.project, policy=TRACK_VULNERABLE)
    first = scanned.violations()[DJANGO_CVE]
    rescan(api, scanned, pypi("django", "3.2.19"), pypi("apache-iotdb", "1.2.0"))
    closed = scanned.violations()[DJANGO_CVE]
    assert closed["status"] == "CLOSED" and closed["issueUuid"] == first["issueUuid"]
    assert closed["lastModified"] >= first["lastModified"]
    assert scanned.violations()[IOTDB_CVE]["status"] == "OPEN"
    rescan(api, scanned, pypi("django", "3.2.18"), pypi("apache-iotdb", "1.2.0"))
    reopened = scanned.violations()[DJANGO_CVE]
    assert reopened["status"] == "OPEN" and reopened["issueUuid"] == first["issueUuid"]
    assert reopened["created"] == first["created"]


def test_a_disabled_policy_closes_its_issues_and_shows_disabled(api: Api, scanned: Tracker) -> None:
    added = api.ok("addProjectPolicy", projectToken=scanned.project, policy=TRACK_VULNERABLE)
    policy_id = added["addedPolicy"]["id"]
    api.ok(
        "updateProjectPolicy",
        projectToken=scanned.project,
        policy={"id": policy_id, "enabled": False},
    )
    found = scanned.violations()
    assert {v["status"] for v in found.values()} == {"CLOSED"}
    assert {v["policy"]["enabled"] for v in found.values()} == {False}


def test_other_filters_raise_one_issue_per_library(api: Api, scanned: Tracker) -> None:
    policy = {
        "name": "track six",
        "filter": {"type": "GAV_REGEX", "artifactId": "six"},
        "action": {"type": "CREATE_ISSUE"},
    }
    api.ok("addProjectPolicy", projectToken=scanned.project, policy=policy)
    [(name, violation)] = scanned.violations().items()
    assert name == "six" and violation["violationType"] == "GAV_REGEX"
    assert "vulnerability" not in violation


def test_the_window_selects_what_changed_in_it(api: Api, scanned: Tracker) -> None:
    api.ok("addProjectPolicy", projectToken=scanned.project, policy=TRACK_VULNERABLE)
    assert len(scanned.violations(fromDateTime="2000-01-01 00:00:00")) == 2
    assert scanned.violations(fromDateTime="2999-01-01 00:00:00") == {}
    assert scanned.violations(toDateTime="2000-01-01 00:00:00") == {}
    answer = scanned.call("fetchProjectPolicyIssues", fromDateTime="yesterday")
    assert answer["errorCode"] == 3000 and "fromDateTime" in answer["errorMessage"]


def test_trackers_report_their_tickets_back(api: Api, scanned: Tracker) -> None:
    api.ok("addProjectPolicy", projectToken=scanned.project, policy=TRACK_VULNERABLE)
    uuid = scanned.violations()[DJANGO_CVE]["issueUuid"]
    ticket = {
        "identifier": "WS Issue_1",
        "url": "https://dev.azure.com/acme/_workitems/edit/7",
        "status": "New",
        "lastModified": "2026-12-01T10:00:00Z",
        "created": "2026-12-01T10:00:00Z",
    }
    answer = scanned.call(
        "updateExternalIntegrationIssues", wsPolicyIssueItemUuid=uuid, externalIssues=[ticket]
    )
    assert "errorCode" not in answer, answer
    moved = {**ticket, "status": "Active"}
    scanned.call(
        "updateExternalIntegrationIssues", wsPolicyIssueItemUuid=uuid, externalIssues=[moved]
    )
    assert scanned.violations()[DJANGO_CVE]["externalIssues"] == [moved]
    assert scanned.violations()[IOTDB_CVE]["externalIssues"] == []

    unknown = scanned.call(
        "updateExternalIntegrationIssues",
        wsPolicyIssueItemUuid="00000000-0000-4000-8000-000000000000",
        externalIssues=[ticket],
    )
    assert "no policy issue" in unknown["errorMessage"]
    empty = scanned.call(
        "updateExternalIntegrationIssues", wsPolicyIssueItemUuid=uuid, externalIssues=[{}]
    )
    assert empty["errorCode"] in {3000, 3010} and "identifier" in empty["errorMessage"]


def test_requests_are_refused_precisely(api: Api, scanned: Tracker) -> None:
    at_13 = scanned.call("fetchProjectPolicyIssues", version="1.3", policyActionType="CREATE_ISSUE")
    assert "fetchProjectPolicyIssues" in at_13["errorMessage"]
    wrong = scanned.call("fetchProjectPolicyIssues", policyActionType="REJECT")
    assert "only CREATE_ISSUE" in wrong["errorMessage"]
