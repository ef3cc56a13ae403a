"""Every registered request type, times every kind of caller: allowed exactly where the
scope rules say, refused with the envelope everywhere else — and where the caller cannot
see the scope a token names, answered exactly as a made-up token is (issue 14: a
refusal must not tell a foreign token from one that does not exist).

The expectations below are written from the rules of the overview ("API Execution
Scope") and depvault's documented roles, independently of ``domain/access.py``; a
request type without sample parameters here fails the test, so new request types
join the matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import Bootstrap
from depvault.api.handlers.reports import sync as report_requests
from depvault.api.registry import build_registry
from depvault.api.request_types import ApiVersion
from depvault.domain.access import Access, Level
from depvault.store.engine.db import Database
from tests.conftest import Api
from tests.samples import SMALL_SBOM

REGISTRY = build_registry()
# The overview's two exceptions to "product administrators cannot call organization
# requests" (seed 000: getProjectVitals in its organization form, getRequestState).
ORG_REQUESTS_PRODUCT_ROLES_MAY_CALL = {
    "getOrganizationProjectVitals",
    "getRequestState",
    # issue 5: "a product administrator sees only their own scope's processes"
    "getAsyncProcessStatus",
    "downloadAsyncReport",
}
# Organization requests about one object of a product: a product role of another product
# may call them, and is told the object does not exist (not refused with 5001).
SEEN_THROUGH_PRODUCTS = {"getAsyncProcessStatus", "downloadAsyncReport"}

CALLERS = [
    "global admin",
    "org admin",
    "product A admin",
    "product B admin",
    "member",
    "product A member",
    "product A integrator",
    "org read-only",
    "service user (integrator of A)",
    "other org admin",
    "wrong key",
]


def expected_allowed(name: str, level: Level, access: Access, caller: str) -> bool:
    """The rules, stated per caller."""
    if caller == "global admin":  # the bootstrap administrator: site + global admin
        return True
    if caller in {"member", "other org admin", "wrong key"} or level in {
        Level.NONE,
        Level.GLOBAL_ORG,
    }:
        return False
    if name in {"assignGlobalOrgToOrg", "removeGlobalOrgFromOrg"}:
        # attaching an organization to a global organization also needs administration
        # of the global organization (site-level in Mend, catalog §1)
        return False
    if caller == "org admin":
        return True
    org_exception = level is Level.ORG and name in ORG_REQUESTS_PRODUCT_ROLES_MAY_CALL
    if caller == "product A admin":
        return level is not Level.ORG or org_exception
    if caller == "product B admin":  # every product/project target below is in product A
        return org_exception
    if caller in {"service user (integrator of A)", "product A integrator"}:
        return (level is not Level.ORG or org_exception) and access <= Access.INTEGRATE
    if caller == "product A member":
        return (level is not Level.ORG or org_exception) and access <= Access.READ
    if caller == "org read-only":  # reads anything of the organization, changes nothing
        return access <= Access.READ
    raise AssertionError(caller)


GLOBAL_ORG_PARAMETER = {"assignGlobalOrgToOrg", "removeGlobalOrgFromOrg"}


def expected_outcome(name: str, level: Level, access: Access, caller: str) -> str:
    """ "allowed", "refused" (5001: the caller sees the scope but may not act on it), or
    "unseen" (the caller cannot see what a token names: the answer of a made-up token).
    Seeing: a role that reads the scope (an organization through a product role in it
    too), or membership of the organization."""
    if expected_allowed(name, level, access, caller):
        return "allowed"
    if caller == "wrong key" or level is Level.NONE:
        return "refused"
    if caller == "other org admin" or level is Level.GLOBAL_ORG:
        return "unseen"
    if level is Level.ORG:
        # the organization's administrator sees it, not the global organization named
        return "unseen" if name in GLOBAL_ORG_PARAMETER and caller == "org admin" else "refused"
    # a product or project of product A: B's administrator and a member without a role
    # cannot read it
    return "unseen" if caller in {"product B admin", "member"} else "refused"


@dataclass
class World:
    """An organization with two products, a project in A, and one caller per kind."""

    site: Bootstrap
    api: Api
    product_a: str
    product_b: str
    project_a: str
    other_org: str
    keys: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"


def _person(api: Api, database: Database, site: Bootstrap, email: str) -> str:
    api.ok(
        "createUser",
        orgToken=site.org_token,
        addedUser={"name": email.split("@")[0], "email": email},
    )
    return admin.issue_user_key(database, email, site.org_token)


def build_world(app_client: TestClient, database: Database, site: Bootstrap) -> World:
    api = Api(app_client, site.user_key)
    org = site.org_token
    product_a = api.ok("createProduct", orgToken=org, productName="A")["productToken"]
    product_b = api.ok("createProduct", orgToken=org, productName="B")["productToken"]
    project_a = api.ok("createProject", productToken=product_a, projectName="a1")["projectToken"]
    api.ok("createProject", productToken=product_b, projectName="b1")
    keys = {"global admin": site.user_key, "wrong key": "W" * 64}
    keys["org admin"] = _person(api, database, site, "orgadmin@example.com")
    api.ok(
        "setOrganizationAssignments",
        orgToken=org,
        administrators={
            "userAssignments": [
                {"email": "orgadmin@example.com"},
                {"email": "admin@depvault.local"},
            ],
            "groupAssignments": None,
        },
    )
    for letter, product in (("A", product_a), ("B", product_b)):
        email = f"padmin{letter.lower()}@example.com"
        keys[f"product {letter} admin"] = _person(api, database, site, email)
        api.ok(
            "setProductAssignments",
            productToken=product,
            productAdmins={"userAssignments": [{"email": email}], "groupAssignments": None},
        )
    keys["member"] = _person(api, database, site, "member@example.com")
    keys["org read-only"] = _person(api, database, site, "reader@example.com")
    api.ok(
        "setOrganizationAssignments",
        orgToken=org,
        readOnlyUsers={"userAssignments": [{"email": "reader@example.com"}]},
    )
    keys["product A member"] = _person(api, database, site, "pmember@example.com")
    keys["product A integrator"] = _person(api, database, site, "pintegrator@example.com")
    service = api.ok("createServiceUser", orgToken=org, addedUser={"name": "ci-bot"})
    keys["service user (integrator of A)"] = service["userToken"]
    service_email = api.ok("getOrganizationServiceUsers", orgToken=org)["serviceUsers"][0]["email"]
    keys["service email"] = service_email
    api.ok(
        "setProductAssignments",
        productToken=product_a,
        productMembership={"userAssignments": [{"email": "pmember@example.com"}]},
        productIntegrators={
            "userAssignments": [{"email": service_email}, {"email": "pintegrator@example.com"}],
            "groupAssignments": None,
        },
    )
    other = admin.create_organization(database, "Other Org", admin_email="other@example.com")
    assert other.user_key is not None
    keys["other org admin"] = other.user_key
    return World(site, api, product_a, product_b, project_a, other.org_token, keys)


Sample = Callable[[World], dict[str, Any]]


def _org(w: World) -> dict[str, Any]:
    return {"orgToken": w.site.org_token}


def _product(w: World) -> dict[str, Any]:
    return {"productToken": w.product_a}


def _project(w: World) -> dict[str, Any]:
    return {"projectToken": w.project_a}


def _tag(scope: Sample) -> Sample:
    return lambda w: {**scope(w), "tagKey": "team", "tagValue": w.unique("t")}


def _fresh_product_like_a(w: World) -> dict[str, Any]:
    """A new product on which every role of product A is held as on A (a delete consumes
    its target, and every allowed caller needs one; a refused one must see it)."""
    token = w.api.ok("createProduct", orgToken=w.site.org_token, productName=w.unique("doomed"))[
        "productToken"
    ]
    w.api.ok(
        "setProductAssignments",
        productToken=token,
        productAdmins={"userAssignments": [{"email": "padmina@example.com"}]},
        productMembership={"userAssignments": [{"email": "pmember@example.com"}]},
        productIntegrators={
            "userAssignments": [
                {"email": w.keys["service email"]},
                {"email": "pintegrator@example.com"},
            ]
        },
    )
    return {"productToken": token}


def _fresh_project_in_a(w: World) -> dict[str, Any]:
    return w.api.ok("createProject", productToken=w.product_a, projectName=w.unique("doomed"))


def _fresh_member(w: World) -> dict[str, Any]:
    email = w.unique("leaver") + "@example.com"
    w.api.ok("createUser", orgToken=w.site.org_token, addedUser={"name": "l", "email": email})
    return {"orgToken": w.site.org_token, "user": {"email": email}}


def _reattached(w: World) -> dict[str, Any]:
    params = {**_org(w), "globalOrgToken": w.site.global_org_token}
    w.api.ok("assignGlobalOrgToOrg", **params)
    return params


def _library_in_a(w: World) -> str:
    """The keyUuid of a library of project a1 (imported the first time it is asked for)."""
    libraries = w.api.ok("getProjectInventory", projectToken=w.project_a)["libraries"]
    if not libraries:
        w.api.ok("importProjectSbom", projectToken=w.project_a, sbom=SMALL_SBOM)
        libraries = w.api.ok("getProjectInventory", projectToken=w.project_a)["libraries"]
    return str(libraries[0]["keyUuid"])


def _alert_in_a(w: World) -> str:
    """The uuid of an alert of project a1, whatever its status."""
    _library_in_a(w)
    answer = w.api.ok(
        "getProjectAlertsByType", **_project(w), alertType="MULTIPLE_LIBRARY_VERSIONS"
    )
    if answer["alerts"]:
        return str(answer["alerts"][0]["alertUuid"])
    answer = w.api.ok("getProjectIgnoredAlerts", **_project(w))
    return str(answer["alerts"][0]["alertUuid"])


def _issue_in_a(w: World) -> str:
    """The uuid of a policy issue of project a1 (a CREATE_ISSUE policy on its
    libraries is added the first time it is asked for)."""
    _library_in_a(w)
    fetch = {"requestType": "fetchProjectPolicyIssues", "userKey": w.site.user_key, **_project(w)}
    issues = w.api.client.post("/api/v1.4", json=fetch).json()["issues"]
    if not issues:
        policy = {
            "name": "track everything",
            "filter": {"type": "GAV_REGEX", "artifactId": ".*"},
            "action": {"type": "CREATE_ISSUE"},
        }
        w.api.ok("addProjectPolicy", **_project(w), policy=policy)
        issues = w.api.client.post("/api/v1.4", json=fetch).json()["issues"]
    return str(issues[0]["policyViolations"][0]["issueUuid"])


def _task_in_a(w: World) -> str:
    """The uuid of an open approval task of project a1: a REASSIGN policy (to the
    group "devs") is put first each time, so every call finds a task still open."""
    _library_in_a(w)
    groups = w.api.ok("getAllGroups", **_org(w))["groups"]
    devs = next(g["id"] for g in groups if g["name"] == "devs")
    policy = {
        "name": w.unique("approve first"),
        "filter": {"type": "GAV_REGEX", "artifactId": ".*"},
        "action": {"type": "REASSIGN", "group": {"id": devs}},
        "priority": 1,
    }
    w.api.ok("addProjectPolicy", **_project(w), policy=policy)
    tasks = w.api.ok("getDomainPendingTasks", **_org(w))["pendingTaskInfos"]
    return str(tasks[-1]["uuid"])


def _alert_status(w: World) -> dict[str, Any]:
    return {**_org(w), "alertUuids": [_alert_in_a(w)], "status": "Ignored", "comments": "c"}


def _report(scope: Sample) -> Sample:
    return lambda w: {**scope(w), "format": "json"}


def _by_type(scope: Sample) -> Sample:
    return lambda w: {**scope(w), "alertType": "SECURITY_VULNERABILITY"}


def _process_in_a(w: World) -> str:
    """The uuid of a finished report process of product A (jobs run inline)."""
    answer = w.api.ok(
        "generateProductReportAsync",
        **_product(w),
        reportType="ProductInventoryReport",
        format="json",
    )
    return str(answer["asyncProcessStatus"]["uuid"])


def _library_lookup(w: World) -> dict[str, Any]:
    return {**_org(w), "libraryName": "left-pad", "libraryVersion": "1.3.0", "libraryType": "npm"}


def _in_house(w: World) -> dict[str, Any]:
    return {**_org(w), "libraries": [_library_in_a(w)]}


def _project_library(w: World) -> dict[str, Any]:
    return {**_project(w), "keyUuid": _library_in_a(w)}


def _call(w: World, name: str, key: str, params: dict[str, Any]) -> dict[str, Any]:
    """One call's answer; a file (zip, text) is a success and is not decoded. A request
    type served at v1.4 only is sent there."""
    body = {"requestType": name, "userKey": key, **params}
    request_type = REGISTRY.get(name)
    served = request_type.versions if request_type else ()
    version = w.api.version if ApiVersion(w.api.version) in served else "1.4"
    response = w.api.client.post(f"/api/v{version}", json=body)
    assert response.status_code == 200, response.text
    if response.headers["content-type"].startswith("application/json"):
        answer: dict[str, Any] = response.json()
        return answer
    return {}


def _global(w: World) -> dict[str, Any]:
    return {"globalOrgToken": w.site.global_org_token}


_POLICY_SCOPES: dict[str, Sample] = {
    "GlobalOrganization": _global,
    "Organization": _org,
    "Product": _product,
    "Project": _project,
}


def _new_policy(w: World) -> dict[str, Any]:
    return {
        "name": w.unique("policy"),
        "filter": {"type": "LICENSE", "licenses": [{"name": "GPL-3.0-only"}]},
        "action": {"type": "REJECT"},
    }


def _policy_samples() -> dict[str, Sample]:
    """Each write acts on a policy the bootstrap administrator has just added."""

    def added(w: World, noun: str) -> int:
        answer = w.api.ok(f"add{noun}Policy", **_POLICY_SCOPES[noun](w), policy=_new_policy(w))
        return int(answer["addedPolicy"]["id"])

    def ids(w: World, noun: str) -> list[int]:
        answer = w.api.ok(f"get{noun}Policies", **_POLICY_SCOPES[noun](w))
        return [p["id"] for p in answer["policies"]]

    samples: dict[str, Sample] = {}
    for noun, scope in _POLICY_SCOPES.items():
        samples[f"get{noun}Policies"] = lambda w, scope=scope: {
            **scope(w),
            "aggregatePolicies": True,
        }
        samples[f"add{noun}Policy"] = lambda w, scope=scope: {
            **scope(w),
            "policy": _new_policy(w),
        }
        samples[f"update{noun}Policy"] = lambda w, scope=scope, noun=noun: {
            **scope(w),
            "policy": {"id": added(w, noun), "enabled": False},
        }
        samples[f"remove{noun}Policies"] = lambda w, scope=scope, noun=noun: {
            **scope(w),
            "policyIds": [added(w, noun)],
        }
        samples[f"update{noun}PolicyPriorities"] = lambda w, scope=scope, noun=noun: {
            **scope(w),
            "policyIds": ids(w, noun)[::-1],
        }
    return samples


SAMPLES: dict[str, Sample] = {
    "createGlobalOrg": lambda w: {
        "name": w.unique("G"),
        "accountAdminEmail": "admin@depvault.local",
    },
    "createOrganization": lambda w: {
        "globalOrgToken": w.site.global_org_token,
        "orgName": w.unique("Org"),
    },
    "getAllOrganizations": lambda w: {"globalOrgToken": w.site.global_org_token},
    "assignGlobalOrgToOrg": lambda w: {**_org(w), "globalOrgToken": w.site.global_org_token},
    "removeGlobalOrgFromOrg": lambda w: _reattached(w),
    "getOrganizationDetails": _org,
    "getAllProducts": _org,
    "getOrganizationProductVitals": _org,
    "getProductVitals": _product,
    "getAllProjects": _product,
    "getOrganizationProjectVitals": _org,
    "getProductProjectVitals": _product,
    "getProjectVitals": _project,
    "getOrganizationLastModifiedProjects": lambda w: {
        **_org(w),
        "fromDateTime": "2000-01-01 00:00:00",
        "toDateTime": "2100-01-01 00:00:00",
    },
    "changeProjectsProduct": lambda w: {
        **_org(w),
        "projectTokens": [w.project_a],
        "productToken": w.product_a,
    },
    "getSupportedRequests": _org,
    "getKnowledgeBaseStatus": _org,
    "getRequestSchema": lambda w: {**_org(w), "request": "getAllProducts"},
    "createProduct": lambda w: {**_org(w), "productName": w.unique("P")},
    "deleteProduct": _fresh_product_like_a,
    "createProject": lambda w: {**_product(w), "projectName": w.unique("p")},
    "deleteProject": lambda w: {"projectToken": _fresh_project_in_a(w)["projectToken"]},
    "saveProductTag": _tag(_product),
    "removeProductTag": _tag(_product),
    "saveProjectTag": _tag(_project),
    "removeProjectTag": _tag(_project),
    "getOrganizationProductTags": _org,
    "getProductTags": _product,
    "getOrganizationProjectTags": _org,
    "getProductProjectTags": _product,
    "getProjectTags": _project,
    "importProjectSbom": lambda w: {**_project(w), "sbom": SMALL_SBOM},
    "getRequestState": lambda w: {**_org(w), "requestToken": "unknown-token"},
    "getProjectInventory": _project,
    "getProjectHierarchy": _project,
    "getProjectState": _project,
    "getProjectLastModification": _project,
    "getAllUsers": _org,
    "createUser": lambda w: {
        **_org(w),
        "addedUser": {"name": "n", "email": w.unique("u") + "@example.com"},
    },
    "inviteUsers": lambda w: {**_org(w), "emails": [w.unique("i") + "@example.com"]},
    "removeUserFromOrganization": _fresh_member,
    "createServiceUser": lambda w: {**_org(w), "addedUser": {"name": w.unique("svc")}},
    "regenerateUserKey": lambda w: {
        **_org(w),
        "serviceUserKey": w.keys["service user (integrator of A)"],
    },
    "getOrganizationServiceUsers": _org,
    "getProductServiceUsers": _product,
    "inviteUserToWebAdvisor": lambda w: {**_org(w), "userEmail": "member@example.com"},
    "getAllGroups": _org,
    "createGroup": lambda w: {**_org(w), "group": {"name": w.unique("g")}},
    "addUsersToGroups": lambda w: {
        **_org(w),
        "assignedUsers": [[{"name": "devs"}, [{"email": "member@example.com"}]]],
    },
    "removeUserFromGroup": lambda w: {
        **_org(w),
        "group": {"name": "devs"},
        "user": {"email": "member@example.com"},
    },
    "getOrganizationAssignments": _org,
    "setOrganizationAssignments": lambda w: {
        **_org(w),
        "readOnlyUsers": {
            "userAssignments": [{"email": "member@example.com"}],
            "groupAssignments": None,
        },
    },
    "getProductAssignments": _product,
    "setProductAssignments": lambda w: {
        **_product(w),
        "productMembership": {
            "userAssignments": [{"email": "member@example.com"}],
            "groupAssignments": None,
        },
    },
    "getOrganizationLicenses": _org,
    "getProductLicenses": _product,
    "getProjectLicenses": _project,
    "getOrganizationLicenseHistogram": _org,
    "getProductLicenseHistogram": _product,
    "getProjectLicenseHistogram": _project,
    "getLicensesTextZip": _product,
    "getOrganizationLicensesTextZip": _org,
    "getProductLicensesTextZip": _product,
    "getProjectLicensesTextZip": _project,
    "getProductCopyrightsTextFile": _product,
    "getProjectCopyrightsTextFile": _project,
    "getNoticesTextFile": _product,
    "setLibraryNotice": lambda w: {**_org(w), "libraryUUID": _library_in_a(w), "text": "n"},
    "getProductLibraryLocations": _product,
    "getProjectLibraryLocations": _project,
    "changeOriginLibrary": lambda w: {
        **_org(w),
        "targetKeyUuid": _library_in_a(w),
        "sourceFiles": ["a" * 40],
    },
    "librarySearch": lambda w: {**_org(w), "searchValue": "left"},
    "getLibraryInfo": _library_lookup,
    "getBasicLibraryInfo": _library_lookup,
    "getOrganizationInHouseLibraries": _org,
    "getProductInHouseLibraries": _product,
    "getProjectInHouseLibraries": _project,
    "markInHouseLibraries": _in_house,
    "unmarkInHouseLibraries": _in_house,
    "getOrganizationAlerts": _org,
    "getProductAlerts": _product,
    "getProjectAlerts": _project,
    "getOrganizationAlertsByType": _by_type(_org),
    "getProductAlertsByType": _by_type(_product),
    "getProjectAlertsByType": _by_type(_project),
    "getAlertsByProjectTag": lambda w: {**_org(w), "tagKey": "team", "tagValue": "x"},
    "getOrganizationAlertsByProjectTag": lambda w: {**_org(w), "tagKey": "team", "tagValue": "x"},
    "getOrganizationIgnoredAlerts": _org,
    "getProductIgnoredAlerts": _product,
    "getProjectIgnoredAlerts": _project,
    "getOrganizationSecurityAlertsByVulnerabilityReport": _report(_org),
    "getProductSecurityAlertsByVulnerabilityReport": _report(_product),
    "getProjectSecurityAlertsByVulnerabilityReport": _report(_project),
    "getOrganizationSecurityAlertsByLibraryReport": _report(_org),
    "getProductSecurityAlertsByLibraryReport": _report(_product),
    "getProjectSecurityAlertsByLibraryReport": _report(_project),
    "setAlertsStatus": _alert_status,
    "ignoreAlerts": lambda w: {**_org(w), "alertUuids": [_alert_in_a(w)], "comments": "c"},
    "generateOrganizationReportAsync": lambda w: {
        **_org(w),
        "reportType": "OrgInventoryReport",
        "format": "json",
    },
    "generateProductReportAsync": lambda w: {
        **_product(w),
        "reportType": "ProductInventoryReport",
        "format": "json",
    },
    "generateProjectReportAsync": lambda w: {
        **_project(w),
        "reportType": "ProjectInventoryReport",
        "format": "json",
    },
    "getAsyncProcessStatus": lambda w: {**_org(w), "uuid": _process_in_a(w)},
    "downloadAsyncReport": lambda w: {**_org(w), "reportStatusUUID": _process_in_a(w)},
    "getLibrarySourceFiles": _project_library,
    "getDomainPendingTasks": _org,
    "getOrganizationContainerVulnerabilityReportRequest": _report(_org),
    "getClusterVulnerabilityReportRequest": _report(_product),
    "getOrganizationEffectiveUsageAnalysis": _org,
    "getOrganizationBugsReport": _org,
    "getProductBugsReport": _product,
    "getProjectBugsReport": _project,
    "getOrganizationIntegrationActivationToken": lambda w: {**_org(w), "integrationType": "GITHUB"},
    "setProjectSetupNotificationConfig": _project,
    "closePendingTask": lambda w: {**_org(w), "taskUUID": _task_in_a(w)},
    "changePolicyOwner": lambda w: {**_org(w), "newOwner": {"email": "admin@depvault.local"}},
    "fetchProjectPolicyIssues": lambda w: {**_project(w), "policyActionType": "CREATE_ISSUE"},
    "updateExternalIntegrationIssues": lambda w: {
        **_project(w),
        "wsPolicyIssueItemUuid": _issue_in_a(w),
        "externalIssues": [{"identifier": "WI-1", "url": "https://t.example/1", "status": "New"}],
    },
    "getProjectLibraryDependencies": _project_library,
    "getProductsComparisonReport": lambda w: {
        **_org(w),
        "sourceProductToken": w.product_a,
        "targetProductToken": w.product_b,
        "format": "json",
    },
    "getProjectsComparisonReport": lambda w: {
        **_org(w),
        "sourceProjectToken": w.project_a,
        "targetProjectToken": w.project_a,
    },
}


SAMPLES.update(_policy_samples())

# The synchronous reports take only their scope token (format and filters are optional).
for _report in report_requests.REQUEST_TYPES:
    SAMPLES.setdefault(
        _report.name,
        {Level.ORG: _org, Level.PRODUCT: _product, Level.PROJECT: _project}[_report.level],
    )


def _unseen_problems(
    world: World, name: str, caller: str, params: dict[str, Any], answer: dict[str, Any]
) -> list[str]:
    """The answer must say the token names nothing, and be word for word the answer
    to the same call with that token made up."""
    message = str(answer.get("errorMessage", ""))
    field = message.removeprefix("Invalid ").partition(":")[0]
    if answer.get("errorCode") != 3000 or not message.endswith("no such token"):
        return [f"{caller}: cannot see the scope, yet told it exists ({answer})"]
    if field not in params:
        return [f"{caller}: the answer names {field!r}, not a parameter ({answer})"]
    made_up = _call(world, name, world.keys[caller], {**params, field: "M" * 36})
    if made_up != answer:
        return [f"{caller}: {answer} differs from the made-up token's {made_up}"]
    return []


def test_every_registered_request_type_has_a_sample() -> None:
    missing = sorted(set(REGISTRY.names()) - set(SAMPLES))
    assert not missing, f"add sample parameters to the scope matrix for: {missing}"


@pytest.mark.parametrize("name", REGISTRY.names())
def test_scope_matrix(
    name: str, app_client: TestClient, database: Database, site: Bootstrap
) -> None:
    request_type = REGISTRY.get(name)
    assert request_type is not None
    world = build_world(app_client, database, site)
    world.api.ok("createGroup", orgToken=site.org_token, group={"name": "devs"})
    # refused callers first, then the allowed ones (a delete must not run before a check)
    outcomes = {
        c: expected_outcome(name, request_type.level, request_type.access, c) for c in CALLERS
    }
    verdicts = {c: outcomes[c] == "allowed" for c in CALLERS}
    order = sorted(CALLERS, key=lambda c: (verdicts[c], CALLERS.index(c)))
    problems = []
    for caller in order:
        if name == "removeUserFromGroup":
            world.api.ok(
                "addUsersToGroups",
                orgToken=site.org_token,
                assignedUsers=[[{"name": "devs"}, [{"email": "member@example.com"}]]],
            )
        if name in {"removeProductTag", "removeProjectTag"}:
            params = SAMPLES[name](world)
            save = "saveProductTag" if name == "removeProductTag" else "saveProjectTag"
            world.api.ok(save, **params)
        else:
            params = SAMPLES[name](world)
        answer = _call(world, name, world.keys[caller], params)
        refused = answer.get("errorCode") == 5001
        if verdicts[caller] and refused:
            problems.append(f"{caller}: refused but the rules allow it ({answer})")
        if outcomes[caller] == "refused" and not refused:
            problems.append(f"{caller}: allowed but the rules refuse it ({answer})")
        if outcomes[caller] == "unseen":
            problems.extend(_unseen_problems(world, name, caller, params, answer))
        unseen = name in SEEN_THROUGH_PRODUCTS and caller == "product B admin"
        if verdicts[caller] and "errorCode" in answer and request_type.supported and not unseen:
            problems.append(f"{caller}: allowed, yet the call failed ({answer})")
        if unseen and answer.get("errorCode") in (None, 5001):
            problems.append(f"{caller}: must be told the process does not exist ({answer})")
        if name == "regenerateUserKey" and "userToken" in answer:
            world.keys["service user (integrator of A)"] = answer["userToken"]
    assert not problems, "\n".join(problems)


# The callers holding one role each: the access it grants and the levels it covers.
ROLE_CALLERS = {
    "org admin": (Access.ADMIN, {Level.ORG, Level.PRODUCT, Level.PROJECT}),
    "org read-only": (Access.READ, {Level.ORG, Level.PRODUCT, Level.PROJECT}),
    "product A admin": (Access.ADMIN, {Level.PRODUCT, Level.PROJECT}),
    "product A integrator": (Access.INTEGRATE, {Level.PRODUCT, Level.PROJECT}),
    "product A member": (Access.READ, {Level.PRODUCT, Level.PROJECT}),
}


def test_the_matrix_holds_requests_a_role_exactly_suffices_for() -> None:
    """A grant includes the access it names: each role caller meets request types that
    need exactly its access (and are expected allowed), and a product member meets an
    organization request of the product-roles exception that needs exactly read."""
    for caller, (granted, levels) in ROLE_CALLERS.items():
        exact = [
            name
            for name in REGISTRY.names()
            if (rt := REGISTRY.get(name)) is not None
            and rt.supported
            and rt.level in levels
            and rt.access is granted
            and name not in {"assignGlobalOrgToOrg", "removeGlobalOrgFromOrg"}
        ]
        assert exact, f"no request type needs exactly {granted.name} for {caller}"
        for name in exact:
            rt = REGISTRY.get(name)
            assert rt is not None and expected_allowed(name, rt.level, rt.access, caller), name
    exception = [
        name
        for name in ORG_REQUESTS_PRODUCT_ROLES_MAY_CALL
        if (rt := REGISTRY.get(name)) is not None
        and rt.product_roles_may_call_org
        and rt.access is Access.READ
    ]
    assert exception and all(
        expected_allowed(name, Level.ORG, Access.READ, "product A member") for name in exception
    )
