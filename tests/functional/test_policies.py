"""Policies through the API: stored at four levels, read in deciding order, copied
between scopes unchanged, reordered, refused precisely when wrong; and the
REJECTED_BY_POLICY_RESOURCE alerts that follow them on existing inventories."""

from __future__ import annotations

import json
from typing import Any

import pytest

from depvault.admin import Bootstrap
from tests.conftest import Api
from tests.functional.test_async_reports import download

REJECTED = "REJECTED_BY_POLICY_RESOURCE"


def component(name: str, version: str, *licenses: str, group: str = "") -> dict[str, Any]:
    purl = f"pkg:maven/{group}/{name}@{version}" if group else f"pkg:pypi/{name}@{version}"
    found: dict[str, Any] = {"type": "library", "name": name, "version": version, "purl": purl}
    if group:
        found["group"] = group
    if licenses:
        found["licenses"] = [{"license": {"id": lid}} for lid in licenses]
    return found


def sbom(*components: dict[str, Any]) -> dict[str, Any]:
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": list(components),
    }


def gpl_rejected(name: str = "no GPL") -> dict[str, Any]:
    return {
        "name": name,
        "filter": {"type": "LICENSE", "licenses": [{"name": "GPL-3.0-only"}]},
        "action": {"type": "REJECT"},
    }


class World:
    """A product with projects whose inventories come through importProjectSbom."""

    def __init__(self, api: Api, site: Bootstrap) -> None:
        self.api, self.site = api, site
        self.org = {"orgToken": site.org_token}
        self.product = {
            "productToken": api.ok("createProduct", productName="P", **self.org)["productToken"]
        }
        self.projects: dict[str, dict[str, str]] = {}

    def scan(self, project: str, *components: dict[str, Any]) -> dict[str, str]:
        answer = self.api.ok(
            "importProjectSbom", projectName=project, sbom=sbom(*components), **self.product
        )
        state = self.api.ok("getRequestState", requestToken=answer["requestToken"], **self.org)
        assert state["requestState"] == "FINISHED"
        if project not in self.projects:
            listed = self.api.ok("getAllProjects", **self.product)["projects"]
            token = next(p["projectToken"] for p in listed if p["projectName"] == project)
            self.projects[project] = {"projectToken": token}
        return self.projects[project]

    def rejections(self, project: str) -> dict[str, dict[str, Any]]:
        """Active policy alerts of a project, by library name."""
        alerts = self.api.ok(
            "getProjectAlertsByType", alertType=REJECTED, **self.projects[project]
        )["alerts"]
        return {a["library"]["artifactId"]: a for a in alerts}


@pytest.fixture
def world(api: Api, site: Bootstrap) -> World:
    return World(api, site)


def test_policies_are_read_in_deciding_order_and_copy_between_scopes_unchanged(
    world: World, api: Api, site: Bootstrap
) -> None:
    project = world.scan("app", component("left-pad", "1.0.0", "MIT"))
    glob = {"globalOrgToken": site.global_org_token}
    api.ok("addGlobalOrganizationPolicy", policy=gpl_rejected("global"), **glob)
    api.ok("addOrganizationPolicy", policy=gpl_rejected("org"), **world.org)
    api.ok("addProductPolicy", policy=gpl_rejected("product"), **world.product)
    added = api.ok(
        "addProjectPolicy",
        policy={
            "name": "approve MIT",
            "owner": {"email": "admin@depvault.local"},
            "filter": {"type": "LICENSE", "licenses": [{"name": "MIT", "id": -1}]},
            "action": {"type": "APPROVE"},
            "inclusive": True,
        },
        **project,
    )["addedPolicy"]
    assert added["name"] == "approve MIT" and added["priority"] == 1
    assert added["policyContext"] == "PROJECT" and added["projectLevel"] is True
    assert added["productLevel"] is False and added["enabled"] is True
    assert added["inclusive"] is True and added["owner"]["email"] == "admin@depvault.local"
    assert added["filter"] == {"type": "LICENSE", "licenses": [{"id": -1, "name": "MIT"}]}
    assert added["action"] == {"type": "APPROVE"}

    own = api.ok("getProjectPolicies", **project)["policies"]
    assert [p["name"] for p in own] == ["approve MIT"]
    inherited = api.ok("getProjectPolicies", aggregatePolicies=True, **project)["policies"]
    assert [p["policyContext"] for p in inherited] == ["PROJECT", "PRODUCT", "DOMAIN", "GLOBAL"]
    assert [p["name"] for p in inherited] == ["approve MIT", "product", "org", "global"]
    org_view = api.ok("getOrganizationPolicies", aggregatePolicies=True, **world.org)["policies"]
    assert [p["name"] for p in org_view] == ["org", "global"]

    # ws-copy-policy: a policy read from one scope, without id and creationTime, is added
    # to another as it is, and compares equal on name, filter and action afterwards
    other = world.scan("other", component("left-pad", "1.0.0", "MIT"))
    template = dict(own[0])
    template.pop("id"), template.pop("creationTime")
    api.ok("addProjectPolicy", policy=template, **other)
    copied = api.ok("getProjectPolicies", **other)["policies"][0]
    for field in ("name", "filter", "action", "inclusive", "owner", "policyContext"):
        assert copied[field] == own[0][field]
    assert copied["id"] != own[0]["id"]


def test_priorities_insert_move_reorder_and_close_gaps(world: World, api: Api) -> None:
    def names() -> list[str]:
        policies = api.ok("getOrganizationPolicies", **world.org)["policies"]
        assert [p["priority"] for p in policies] == list(range(1, len(policies) + 1))
        return [p["name"] for p in policies]

    ids = {
        name: api.ok("addOrganizationPolicy", policy=gpl_rejected(name), **world.org)[
            "addedPolicy"
        ]["id"]
        for name in ("a", "b", "c")
    }
    assert names() == ["a", "b", "c"]
    first = {**gpl_rejected("first"), "priority": 1}
    ids["first"] = api.ok("addOrganizationPolicy", policy=first, **world.org)["addedPolicy"]["id"]
    assert names() == ["first", "a", "b", "c"]
    api.ok("updateOrganizationPolicy", policy={"id": ids["a"], "priority": 4}, **world.org)
    assert names() == ["first", "b", "c", "a"]
    order = [ids["c"], ids["a"], ids["first"], ids["b"]]
    answer = api.ok("updateOrganizationPolicyPriorities", policyIds=order, **world.org)
    assert [p["id"] for p in answer["policies"]] == order
    assert names() == ["c", "a", "first", "b"]
    removed = api.ok("removeOrganizationPolicies", policyIds=[ids["a"], ids["b"]], **world.org)
    assert removed == {"removedPolicies": 2}
    assert names() == ["c", "first"]

    # a reorder must name every policy of the scope exactly once
    code, message = api.error(
        "updateOrganizationPolicyPriorities", policyIds=[ids["c"]], **world.org
    )
    assert code == 3000 and "every policy of this scope exactly once" in message
    assert names() == ["c", "first"]


def test_removal_is_all_or_nothing_and_stays_in_its_scope(world: World, api: Api) -> None:
    kept = api.ok("addOrganizationPolicy", policy=gpl_rejected("org"), **world.org)["addedPolicy"]
    product_policy = api.ok("addProductPolicy", policy=gpl_rejected("p"), **world.product)[
        "addedPolicy"
    ]
    _, message = api.error(
        "removeOrganizationPolicies", policyIds=[kept["id"], product_policy["id"]], **world.org
    )
    assert f"no policy in this scope with id {product_policy['id']}" in message
    _, message = api.error(
        "updateOrganizationPolicy", policy={"id": product_policy["id"], "name": "x"}, **world.org
    )
    assert f"no policy with id {product_policy['id']} in this scope" in message
    assert len(api.ok("getOrganizationPolicies", **world.org)["policies"]) == 1
    assert api.ok("getProductPolicies", **world.product)["policies"][0]["name"] == "p"
    changes = api.ok("getChangesReport", **world.org)["changes"]
    policy_changes = [
        (c["scope"], c["changeAspect"]) for c in changes if c["changeClass"] == "POLICY"
    ]
    assert policy_changes.count(("ORGANIZATION", "CREATED")) == 1
    assert policy_changes.count(("PRODUCT", "CREATED")) == 1


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ({"filter": {"type": "LICENSE"}, "action": {"type": "REJECT"}}, "'name' is required"),
        ({"name": "x", "action": {"type": "REJECT"}}, "'filter' is required"),
        (
            {"name": "x", "filter": {"type": "COLOUR"}, "action": {"type": "REJECT"}},
            "unknown filter type 'COLOUR'",
        ),
        (
            {
                "name": "x",
                "filter": {"type": "LICENSE", "licenses": [{"id": 7}]},
                "action": {"type": "REJECT"},
            },
            "needs a 'name' or 'spdxName'",
        ),
        (
            {
                "name": "x",
                "filter": {"type": "GAV_REGEX", "artifactId": "(["},
                "action": {"type": "REJECT"},
            },
            "'artifactId' is not a valid RE2 regular expression: missing ]",
        ),
        (
            {
                "name": "x",
                "filter": {"type": "VULNERABILITY_SEVERITY", "vulnerabilitySeverity": "SEVERE"},
                "action": {"type": "REJECT"},
            },
            "'vulnerabilitySeverity' must be LOW, MEDIUM or HIGH",
        ),
        ({**gpl_rejected(), "action": {"type": "DESTROY"}}, "unknown action type 'DESTROY'"),
        ({**gpl_rejected(), "action": {"type": "REASSIGN"}}, "needs a 'group' or 'user'"),
        (
            {**gpl_rejected(), "action": {"type": "REASSIGN", "group": {"id": 999999}}},
            "'action.group' names no group of this organization",
        ),
        ({**gpl_rejected(), "owner": {"email": "nobody@example.com"}}, "'owner' names no user"),
        ({**gpl_rejected(), "priority": 0}, "'priority' must be from 1 to 1,000,000"),
        ({**gpl_rejected(), "priority": "1"}, "'priority' must be a positive integer"),
        ({**gpl_rejected(), "enabled": "yes"}, "'enabled' must be true or false"),
        ({**gpl_rejected(), "owner": {"id": 2**40}}, "'owner.id' must be an integer id"),
        (
            {**gpl_rejected(), "action": {"type": "REASSIGN", "group": {"id": 2**40}}},
            "'action.group.id' must be an integer id",
        ),
        (
            {**gpl_rejected(), "action": {"type": "REASSIGN", "user": {"email": "no@x.io"}}},
            "'action.user' names no user of this organization",
        ),
    ],
)
def test_wrong_policies_are_refused_with_the_field_named(
    world: World, api: Api, policy: dict[str, Any], expected: str
) -> None:
    code, message = api.error("addOrganizationPolicy", policy=policy, **world.org)
    assert code == 3000 and expected in message, message
    assert message.startswith("Invalid value of parameter 'policy'")
    assert api.ok("getOrganizationPolicies", **world.org)["policies"] == []


def test_update_needs_an_id(world: World, api: Api) -> None:
    _, message = api.error("updateOrganizationPolicy", policy={"name": "x"}, **world.org)
    assert "'id' is required" in message
    for wrong in (True, "7", 2**40, 0, -1, 2**31):
        _, message = api.error("updateOrganizationPolicy", policy={"id": wrong}, **world.org)
        assert "'id' must be the integer id of a policy" in message, wrong
    # the largest id is an id: looked up, and not found
    _, message = api.error("updateOrganizationPolicy", policy={"id": 2**31 - 1}, **world.org)
    assert f"no policy with id {2**31 - 1} in this scope" in message


@pytest.mark.parametrize(
    ("policy", "code", "expected"),
    [
        (None, 3010, "Missing required parameter 'policy'"),
        ([gpl_rejected()], 3000, "Invalid value of parameter 'policy'"),
        (7, 3000, "Invalid value of parameter 'policy'"),
        ({**gpl_rejected(), "name": "n" * 256}, 3000, "'name' is longer than 255 characters"),
        (
            {**gpl_rejected(), "filter": {"type": "LICENSE", "licenses": []}},
            3000,
            "a LICENSE filter needs a non-empty 'licenses' list",
        ),
        ({**gpl_rejected(), "owner": {"id": 0}}, 3000, "'owner.id' must be an integer id"),
    ],
    ids=["null", "list", "number", "long name", "no licenses", "owner id 0"],
)
def test_a_policy_that_is_no_policy_object_is_refused(
    world: World, api: Api, policy: Any, code: int, expected: str
) -> None:
    answer = api.error("addOrganizationPolicy", policy=policy, **world.org)
    assert answer[0] == code and expected in answer[1], answer
    assert api.ok("getOrganizationPolicies", **world.org)["policies"] == []


def test_a_name_of_255_characters_is_kept_whole(world: World, api: Api) -> None:
    added = api.ok("addOrganizationPolicy", policy=gpl_rejected("n" * 255), **world.org)
    assert added["addedPolicy"]["name"] == "n" * 255
    read = api.ok("getOrganizationPolicies", **world.org)["policies"]
    assert [p["name"] for p in read] == ["n" * 255]


def test_a_rejecting_policy_alerts_existing_inventories_and_the_alerts_follow_it(
    world: World, api: Api
) -> None:
    project = world.scan(
        "app",
        component("gpl-lib", "1.0.0", "GPL-3.0-only"),
        component("mit-lib", "1.0.0", "MIT"),
        component("dual-lib", "1.0.0", "GPL-3.0-only", "MIT"),
    )
    assert world.rejections("app") == {}
    rule = api.ok("addOrganizationPolicy", policy=gpl_rejected("no GPL"), **world.org)[
        "addedPolicy"
    ]
    alerts = world.rejections("app")
    assert set(alerts) == {"gpl-lib", "dual-lib"}  # any license listed, not inclusive
    first = alerts["gpl-lib"]
    assert first["type"] == REJECTED and first["level"] == "MAJOR"
    assert first["description"] == "Rejected by policy 'no GPL'"
    assert first["status"] == "Active"

    # inclusive: every license of the library must be listed
    api.ok("updateOrganizationPolicy", policy={"id": rule["id"], "inclusive": True}, **world.org)
    assert set(world.rejections("app")) == {"gpl-lib"}

    # a project policy decides before the organization's: approving wins
    approve = {
        "name": "approved here",
        "filter": {"type": "GAV_REGEX", "artifactId": "gpl-.*"},
        "action": {"type": "APPROVE"},
    }
    approved = api.ok("addProjectPolicy", policy=approve, **project)["addedPolicy"]
    assert world.rejections("app") == {}
    api.ok("removeProjectPolicies", policyIds=[approved["id"]], **project)
    back = world.rejections("app")
    assert set(back) == {"gpl-lib"}
    assert back["gpl-lib"]["alertUuid"] == first["alertUuid"]  # the same alert comes back

    # a disabled policy decides nothing; an ignored alert stays ignored when it returns
    api.ok("updateOrganizationPolicy", policy={"id": rule["id"], "enabled": False}, **world.org)
    assert world.rejections("app") == {}
    api.ok("updateOrganizationPolicy", policy={"id": rule["id"], "enabled": True}, **world.org)
    api.ok(
        "setAlertsStatus",
        alertUuids=[first["alertUuid"]],
        status="Ignored",
        comments="accepted risk",
        **world.org,
    )
    assert world.rejections("app") == {}
    ignored = api.ok("getProjectIgnoredAlerts", **project)["alerts"]
    assert [a["alertUuid"] for a in ignored] == [first["alertUuid"]]

    # a new scan that drops the library resolves its alert
    world.scan("app", component("mit-lib", "1.0.0", "MIT"))
    assert api.ok("getProjectIgnoredAlerts", **project)["alerts"] == []


def test_policies_of_other_filters_alert_the_libraries_they_match(world: World, api: Api) -> None:
    world.scan(
        "java",
        component("commons-text", "1.9", "Apache-2.0", group="org.apache.commons"),
        component("guava", "31.0", "Apache-2.0", group="com.google.guava"),
    )
    gav = {
        "name": "no old commons",
        "filter": {"type": "GAV_REGEX", "groupId": r"org\.apache\..*", "version": r"1\..*"},
        "action": {"type": "REJECT"},
    }
    api.ok("addProductPolicy", policy=gav, **world.product)
    assert set(world.rejections("java")) == {"commons-text"}
    by_type = {
        "name": "no maven",
        "filter": {"type": "LIBRARY_TYPE", "libraryTypes": ["maven"]},
        "action": {"type": "REJECT"},
        "priority": 1,
    }
    api.ok("addProductPolicy", policy=by_type, **world.product)
    alerts = world.rejections("java")
    assert set(alerts) == {"commons-text", "guava"}
    assert {a["description"] for a in alerts.values()} == {"Rejected by policy 'no maven'"}


def test_a_read_only_caller_reads_policies_but_cannot_write_them(
    world: World, api: Api, site: Bootstrap, database: Any
) -> None:
    from depvault import admin

    api.ok("createUser", addedUser={"name": "ro", "email": "ro@example.com"}, **world.org)
    api.ok(
        "setOrganizationAssignments",
        readOnlyUsers={"userAssignments": [{"email": "ro@example.com"}], "groupAssignments": None},
        **world.org,
    )
    key = admin.issue_user_key(database, "ro@example.com", site.org_token)
    api.ok("addOrganizationPolicy", policy=gpl_rejected(), **world.org)
    answer = api.call("getOrganizationPolicies", key=key, **world.org)
    assert [p["name"] for p in answer["policies"]] == ["no GPL"]
    refused = api.call("addOrganizationPolicy", key=key, policy=gpl_rejected("x"), **world.org)
    assert refused["errorCode"] == 5001
    assert len(api.ok("getOrganizationPolicies", **world.org)["policies"]) == 1


def test_the_license_and_compliance_alert_report_lists_the_policy_alerts(
    world: World, api: Api, site: Bootstrap
) -> None:
    project = world.scan(
        "app",
        component("gpl-lib", "1.0.0", "GPL-3.0-only"),
        component("mit-lib", "1.0.0", "MIT"),
    )
    api.ok("addProductPolicy", policy=gpl_rejected("no GPL"), **world.product)
    for request, scope, report in (
        ("generateProjectReportAsync", project, "ProjectLicenseAndComplianceAlertReport"),
        ("generateOrganizationReportAsync", world.org, "OrgLicenseAndComplianceAlertReport"),
    ):
        status = api.ok(request, reportType=report, format="json", **scope)
        [body] = download(api, site, status["asyncProcessStatus"]["uuid"]).values()
        alerts = json.loads(body)["alerts"]
        assert [(a["alertType"], a["library"], a["description"]) for a in alerts] == [
            (REJECTED, "gpl-lib-1.0.0", "Rejected by policy 'no GPL'")
        ], alerts


def test_the_organization_s_policies_change_owner_together(
    world: World, api: Api, site: Bootstrap
) -> None:
    project = world.scan("app", component("left-pad", "1.0.0", "MIT"))
    api.ok("createUser", addedUser={"name": "Bea", "email": "bea@example.com"}, **world.org)
    api.ok("addOrganizationPolicy", policy=gpl_rejected("org"), **world.org)
    api.ok("addProductPolicy", policy=gpl_rejected("product"), **world.product)
    api.ok("addProjectPolicy", policy=gpl_rejected("project"), **project)
    glob = {"globalOrgToken": site.global_org_token}
    api.ok("addGlobalOrganizationPolicy", policy=gpl_rejected("global"), **glob)

    def owners() -> dict[str, str]:
        found = api.ok("getProjectPolicies", aggregatePolicies=True, **project)["policies"]
        return {p["name"]: p["owner"]["email"] for p in found}

    answer = api.ok("changePolicyOwner", newOwner={"email": "bea@example.com"}, **world.org)
    assert answer == {"message": "Successfully changed the owner of 3 policies"}
    assert owners() == {
        "org": "bea@example.com",
        "product": "bea@example.com",
        "project": "bea@example.com",
        "global": "admin@depvault.local",  # not the organization's
    }
    back = api.ok(
        "changePolicyOwner",
        newOwner={"email": "admin@depvault.local"},
        currentOwner={"email": "bea@example.com"},
        **world.org,
    )
    assert back == {"message": "Successfully changed the owner of 3 policies"}
    assert set(owners().values()) == {"admin@depvault.local"}
    _, message = api.error("changePolicyOwner", newOwner={"email": "nobody@x.io"}, **world.org)
    assert "names no user" in message
    _, message = api.error("changePolicyOwner", newOwner={}, **world.org)
    assert "newOwner" in message


def test_a_removed_policys_id_is_never_given_again(world: World, api: Api) -> None:
    """Issue 12: removing policy 8 and adding another gave the new one id 8 again, so a
    client holding the old id acted on the wrong policy."""
    first = api.ok("addOrganizationPolicy", policy=gpl_rejected("a"), **world.org)
    newest = api.ok("addOrganizationPolicy", policy=gpl_rejected("b"), **world.org)
    gone = newest["addedPolicy"]["id"]
    api.ok("removeOrganizationPolicies", policyIds=[gone], **world.org)
    again = api.ok("addOrganizationPolicy", policy=gpl_rejected("c"), **world.org)
    assert again["addedPolicy"]["id"] > gone > first["addedPolicy"]["id"]
    code, _message = api.error(
        "updateOrganizationPolicy", policy={"id": gone, "priority": 1}, **world.org
    )
    assert code != 0
