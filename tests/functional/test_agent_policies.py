"""The agent's CHECK_POLICY_COMPLIANCE and CHECK_POLICIES through ``POST /agent``: the
policy deciding for each sent library, in the tree the agent sent, storing nothing."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from depvault import admin
from depvault.admin import Bootstrap
from depvault.api.agent.policies import check_policy_compliance
from depvault.api.agent.policy_tree import MAX_NODE_DEPTH
from depvault.config import Config
from depvault.store.engine.db import Database
from depvault.store.models import Product, Project, UpdateItem
from tests.conftest import Api
from tests.functional.test_agent import dep, diff, post_agent, project
from tests.functional.test_alerts import DJANGO_ADVISORY, DJANGO_CVE, PYPI, knowledge
from tests.functional.test_async_reports import download

COMPLIANCE, POLICIES = "CHECK_POLICY_COMPLIANCE", "CHECK_POLICIES"
GPL, GPL_NAME, MIT_NAME = "GPL-3.0-only", "GNU General Public License v3.0 only", "MIT License"
GPL_LIB, GPL_CHILD, MIT_LIB = "gpl-lib-1.0.jar", "gpl-child-1.1.jar", "mit-lib-2.0.jar"
# mit-lib → gpl-child (transitive), and gpl-lib
TREE = [
    dep("org.mit", "mit-lib", "2.0", dep("org.gpl", "gpl-child", "1.1")),
    dep("org.gpl", "gpl-lib", "1.0"),
]
REJECT_GPL = {
    "name": "No GPL",
    "filter": {"type": "LICENSE", "licenses": [{"name": GPL}]},
    "action": {"type": "REJECT"},
}


def seed_catalog(api: Api, site: Bootstrap) -> None:
    """Make the catalog know the libraries with their licenses (agents send none)."""
    product = api.ok("createProduct", orgToken=site.org_token, productName="Catalog")
    libraries = [("org.gpl", "gpl-lib", "1.0", GPL), ("org.gpl", "gpl-child", "1.1", GPL)]
    libraries.append(("org.mit", "mit-lib", "2.0", "MIT"))
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "components": [
            {
                "type": "library",
                "group": g,
                "name": n,
                "version": v,
                "purl": f"pkg:maven/{g}/{n}@{v}",
                "licenses": [{"license": {"id": lic}}],
            }
            for g, n, v, lic in libraries
        ],
    }
    answer = api.ok(
        "importProjectSbom", productToken=product["productToken"], projectName="seed", sbom=sbom
    )
    state = api.ok("getRequestState", orgToken=site.org_token, requestToken=answer["requestToken"])
    assert state["requestState"] == "FINISHED"


def check(
    client: TestClient,
    site: Bootstrap,
    projects: list[dict[str, Any]],
    kind: str = COMPLIANCE,
    **fields: str,
) -> dict[str, Any]:
    """Post a policy check; the envelope data, after asserting success."""
    answer = post_agent(client, site, diff(projects), encoded=True, type=kind, **fields)
    assert answer["status"] == 1 and answer["message"] == "ok", answer
    assert answer["requestToken"] is None
    data: dict[str, Any] = json.loads(answer["data"])
    return data


def refused(client: TestClient, site: Bootstrap, value: str, **fields: str) -> str:
    """Post a policy check expected to fail; its message."""
    answer = post_agent(client, site, value, encoded=True, **{"type": COMPLIANCE, **fields})
    assert answer["status"] == 2 and answer["data"] is None, answer
    return str(answer["message"])


def shape(node: dict[str, Any]) -> list[Any]:
    """(displayName, action or None, children) for each child of a node."""
    return [
        (
            child["resource"]["displayName"],
            child["policy"]["actionType"] if child["policy"] else None,
            shape(child),
        )
        for child in node["children"]
    ]


def nodes(node: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every node below ``node`` by its displayName."""
    found = {}
    for child in node["children"]:
        found[child["resource"]["displayName"]] = child
        found.update(nodes(child))
    return found


def product_with_project(api: Api, site: Bootstrap, product: str, name: str) -> tuple[str, str]:
    product_token = api.ok("createProduct", orgToken=site.org_token, productName=product)[
        "productToken"
    ]
    project_token = api.ok("createProject", productToken=product_token, projectName=name)[
        "projectToken"
    ]
    return product_token, project_token


def counts(database: Database) -> list[int | None]:
    """Products, projects and queued updates: what a check must never add to."""
    with database.transaction(write=False) as db:
        return [
            db.scalar(select(func.count()).select_from(model))
            for model in (Product, Project, UpdateItem)
        ]


def test_a_license_policy_rejects_direct_and_transitive_libraries(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database
) -> None:
    seed_catalog(api, site)
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    before = counts(database)
    data = check(app_client, site, [project("app", TREE)])
    assert set(data) == {"organization", "existingProjects", "newProjects"}
    assert data["existingProjects"] == {}
    root = data["newProjects"]["app"]
    assert root["resource"]["displayName"] == "app" and root["policy"] is None
    assert shape(root) == [
        (MIT_LIB, None, [(GPL_CHILD, "Reject", [])]),
        (GPL_LIB, "Reject", []),
    ]
    found = nodes(root)
    assert found[GPL_CHILD]["policy"] == {
        "displayName": "No GPL",
        "filterType": "LICENSE",
        "filterLogic": GPL,
        "actionType": "Reject",
        "actionLogic": "",
        "projectLevel": False,
        "inclusive": False,
        "policyLevel": "DOMAIN",
    }
    gpl = found[GPL_LIB]["resource"]
    assert gpl["licenses"] == [GPL_NAME] and gpl["vulnerabilities"] == []
    assert set(gpl) == {
        "displayName",
        "link",
        "licenses",
        "sha1",
        "homepageUrl",
        "description",
        "vulnerabilities",
    }
    assert found[MIT_LIB]["resource"]["licenses"] == [MIT_NAME]
    assert counts(database) == before  # no product, project or queued update


def test_the_organization_name_is_answered(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    org = api.ok("getOrganizationDetails", orgToken=site.org_token)["orgName"]
    assert check(app_client, site, [project("app", TREE)])["organization"] == org


def test_a_project_policy_approving_beats_the_organization_rejecting(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    seed_catalog(api, site)
    _, project_token = product_with_project(api, site, "Shop", "app")
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    approve = {**REJECT_GPL, "name": "GPL ok here", "action": {"type": "APPROVE"}}
    api.ok("addProjectPolicy", projectToken=project_token, policy=approve)
    data = check(app_client, site, [project("app", TREE), project("other", TREE)])
    app = nodes(data["existingProjects"]["app"])
    assert app[GPL_LIB]["policy"]["actionType"] == "Approve"
    assert app[GPL_LIB]["policy"]["displayName"] == "GPL ok here"
    assert app[GPL_LIB]["policy"]["projectLevel"] is True
    assert app[GPL_LIB]["policy"]["policyLevel"] == "PROJECT"
    assert app[GPL_CHILD]["policy"]["actionType"] == "Approve"
    # the project policy is app's alone: a sibling project still gets the rejection
    other = nodes(data["newProjects"]["other"])
    assert other[GPL_LIB]["policy"]["actionType"] == "Reject"


def test_new_and_existing_projects_get_the_policies_above_them(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database
) -> None:
    seed_catalog(api, site)
    product_token, _ = product_with_project(api, site, "Shop", "app")
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    no_mit = {
        "name": "No mit-*",
        "filter": {"type": "GAV_REGEX", "artifactId": "mit-.*"},
        "action": {"type": "REJECT"},
    }
    api.ok("addProductPolicy", productToken=product_token, policy=no_mit)
    before = counts(database)
    data = check(app_client, site, [project("app", TREE), project("fresh", TREE)], product="Shop")
    assert list(data["existingProjects"]) == ["app"] and list(data["newProjects"]) == ["fresh"]
    for root in (data["existingProjects"]["app"], data["newProjects"]["fresh"]):
        found = nodes(root)
        assert found[MIT_LIB]["policy"]["displayName"] == "No mit-*"
        assert found[MIT_LIB]["policy"]["policyLevel"] == "PRODUCT"
        assert found[MIT_LIB]["policy"]["filterLogic"] == "artifactId=mit-.*"
        assert found[GPL_LIB]["policy"]["policyLevel"] == "DOMAIN"
    assert counts(database) == before
    projects = api.ok("getAllProjects", productToken=product_token)["projects"]
    assert [p["projectName"] for p in projects] == ["app"]
    # a product by token finds the same project
    data = check(app_client, site, [project("app", TREE)], productToken=product_token)
    assert list(data["existingProjects"]) == ["app"]


def test_without_policies_every_node_is_undecided(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    data = check(app_client, site, [project("app", TREE)])
    assert shape(data["newProjects"]["app"]) == [
        (MIT_LIB, None, [(GPL_CHILD, None, [])]),
        (GPL_LIB, None, []),
    ]
    # unknown to the catalog: no licenses (the agent sends none)
    assert nodes(data["newProjects"]["app"])[GPL_LIB]["resource"]["licenses"] == []


def python_projects() -> list[dict[str, Any]]:
    python = [
        {"artifactId": "Django", "version": "3.2.18", "dependencyType": "PYTHON"},
        {"artifactId": "django", "version": "3.2.19", "dependencyType": "PYTHON"},
    ]
    return [project("py", python)]


needs_osv = pytest.mark.skipif(not PYPI.exists(), reason=f"OSV data not found at {PYPI}")


@needs_osv
def test_a_severity_policy_rejects_a_library_with_a_known_advisory(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    knowledge(database, tmp_path, DJANGO_ADVISORY)  # unscored: the default band, medium
    measured = {
        "name": "Measured medium and up",
        "filter": {"type": "VULNERABILITY_SEVERITY", "vulnerabilitySeverity": "MEDIUM"},
        "action": {"type": "REJECT"},
    }
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=measured)
    data = check(app_client, site, python_projects())  # a default band is not a finding
    assert [c["policy"] for c in data["newProjects"]["py"]["children"]] == [None, None]
    policies = api.ok("getOrganizationPolicies", orgToken=site.org_token)["policies"]
    api.ok("removeOrganizationPolicies", orgToken=site.org_token, policyIds=[policies[0]["id"]])
    severity = {**measured, "name": "Medium and up"}
    severity["filter"] = {**measured["filter"], "includeDefaulted": True}
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=severity)
    data = check(app_client, site, python_projects())
    [vulnerable, fixed] = data["newProjects"]["py"]["children"]
    assert vulnerable["resource"]["displayName"] == "django-3.2.18"
    assert vulnerable["policy"]["actionType"] == "Reject"
    assert vulnerable["policy"]["filterType"] == "VULNERABILITY_SEVERITY"
    assert vulnerable["policy"]["filterLogic"] == "severity MEDIUM or higher"
    assert vulnerable["resource"]["vulnerabilities"] == []  # not asked for
    assert fixed["resource"]["displayName"] == "django-3.2.19" and fixed["policy"] is None

    high = {**severity, "name": "High only"}
    high["filter"] = {"type": "VULNERABILITY_SEVERITY", "vulnerabilitySeverity": "HIGH"}
    policies = api.ok("getOrganizationPolicies", orgToken=site.org_token)["policies"]
    api.ok("removeOrganizationPolicies", orgToken=site.org_token, policyIds=[policies[0]["id"]])
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=high)
    data = check(app_client, site, python_projects())
    assert [c["policy"] for c in data["newProjects"]["py"]["children"]] == [None, None]


@needs_osv
def test_populate_vulnerabilities_fills_the_resources(
    config: Config, site: Bootstrap, database: Database, tmp_path: Path
) -> None:
    """The flag itself, on the parsed form (the test below sends it through the
    agent's own form)."""
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    fields = {
        "type": COMPLIANCE,
        "token": site.org_token,
        "userKey": site.user_key,
        "product": "Shop",
        "diff": diff(python_projects()),
    }
    quiet = check_policy_compliance(database, fields, config)
    assert quiet["newProjects"]["py"]["children"][0]["resource"]["vulnerabilities"] == []
    data = check_policy_compliance(database, {**fields, "populateVulnerabilities": "true"}, config)
    [vulnerable, fixed] = data["newProjects"]["py"]["children"]
    [vulnerability] = vulnerable["resource"]["vulnerabilities"]
    assert vulnerability["name"] == DJANGO_CVE and vulnerability["severity"] == "medium"
    assert vulnerability["scored"] is False and vulnerability["score"] == 0.0
    assert fixed["resource"]["vulnerabilities"] == []


def test_the_agents_own_form_is_understood(app_client: TestClient, site: Bootstrap) -> None:
    # the Unified Agent's order: ... scanSummaryInfo, forceCheckAllDependencies, diff
    answer = post_agent(
        app_client,
        site,
        diff([project("app", TREE)]),
        type=COMPLIANCE,
        scanSummaryInfo="{}",
        forceCheckAllDependencies="false",
        populateVulnerabilities="true",
    )
    assert answer["status"] == 1, answer


def member_key(api: Api, database: Database, site: Bootstrap, email: str) -> str:
    api.ok(
        "createUser",
        orgToken=site.org_token,
        addedUser={"name": email.split("@")[0], "email": email},
    )
    return admin.issue_user_key(database, email, site.org_token)


def test_callers_without_read_access_are_refused_as_updates_are(
    app_client: TestClient, api: Api, site: Bootstrap, database: Database
) -> None:
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    value = diff([project("app", TREE)])
    outsider = admin.create_organization(database, "Other", admin_email="o@example.com").user_key
    assert outsider is not None
    # another organization's administrator is not told this organization exists
    message = refused(app_client, site, value, userKey=outsider)
    assert message == refused(app_client, site, value, userKey=outsider, token="T" * 36)
    assert message == "Invalid token: no such token"

    product_token, _ = product_with_project(api, site, "Shop", "app")
    member = member_key(api, database, site, "member@example.com")
    message = refused(app_client, site, value, userKey=member, product="Shop")
    assert message == "User is not allowed to perform a policy check on this product"
    update = post_agent(app_client, site, value, userKey=member, product="Shop")
    assert update["status"] == 2 and update["message"].startswith("User is not allowed")

    # read access to the product is enough
    api.ok(
        "setProductAssignments",
        productToken=product_token,
        productMembership={
            "userAssignments": [{"email": "member@example.com"}],
            "groupAssignments": None,
        },
    )
    data = check(app_client, site, [project("app", TREE)], userKey=member, product="Shop")
    assert list(data["existingProjects"]) == ["app"]
    # … but not to a product it would take creating
    message = refused(app_client, site, value, userKey=member, product="Elsewhere")
    assert message == "User is not allowed to perform a policy check on this organization"


@pytest.mark.parametrize("kind", [COMPLIANCE, POLICIES])
@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"token": "x" * 64}, "Invalid token"),
        ({"userKey": "y" * 64}, "Invalid userKey"),
        ({"diff": ""}, "Missing required parameter 'diff'"),
        ({"diff": base64.b64encode(b"\x1f\x8bnot really gzip").decode()}, "gzip"),
        ({"diff": "!!!not base64"}, "Invalid diff"),
        ({"diff": '[{"projectToken": "nope", "dependencies": []}]'}, "has the token 'nope'"),
        ({"product": "a<b"}, "product"),
    ],
)
def test_bad_checks_get_a_precise_envelope_and_write_nothing(
    app_client: TestClient,
    site: Bootstrap,
    database: Database,
    kind: str,
    fields: dict[str, str],
    fragment: str,
) -> None:
    fields = dict(fields)  # parametrized values are shared between the backends
    value = fields.pop("diff", diff([project("p", TREE)]))
    before = counts(database)
    message = refused(app_client, site, value, type=kind, **fields)
    assert fragment in message, message
    assert counts(database) == before


def test_check_policies_adds_the_libraries_new_to_each_project(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    seed_catalog(api, site)
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    update = post_agent(
        app_client, site, diff([project("app", [dep("org.mit", "mit-lib", "2.0")])])
    )
    assert update["status"] == 1, update
    sent = [project("app", TREE), project("fresh", TREE[1:])]
    data = check(app_client, site, sent, kind=POLICIES)
    assert set(data) == {"organization", "existingProjects", "newProjects", "projectNewResources"}
    compliance = check(app_client, site, sent)
    assert data["existingProjects"] == compliance["existingProjects"]
    assert data["newProjects"] == compliance["newProjects"]
    new = data["projectNewResources"]
    assert [r["displayName"] for r in new["app"]] == [GPL_CHILD, GPL_LIB]
    assert [r["displayName"] for r in new["fresh"]] == [GPL_LIB]
    assert new["fresh"][0]["licenses"] == [GPL_NAME]
    assert shape(data["existingProjects"]["app"]) == [
        (MIT_LIB, None, [(GPL_CHILD, "Reject", [])]),
        (GPL_LIB, "Reject", []),
    ]


def test_repeated_libraries_are_judged_at_each_place(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    seed_catalog(api, site)
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    tree = [*TREE, dep("org.gpl", "gpl-child", "1.1")]
    data = check(app_client, site, [project("app", tree)])
    assert shape(data["newProjects"]["app"])[-1] == (GPL_CHILD, "Reject", [])
    assert shape(data["newProjects"]["app"])[0][2] == [(GPL_CHILD, "Reject", [])]


def test_a_very_deep_tree_is_answered_with_every_library_judged(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    seed_catalog(api, site)
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    node = dep("org.gpl", "gpl-lib", "1.0")
    for level in range(150):
        node = dep("g", f"n{level}", "1", node)
    data = check(app_client, site, [project("deep", [node])])
    current, depth = data["newProjects"]["deep"], 0
    while current["children"] and len(current["children"]) == 1:
        current, depth = current["children"][0], depth + 1
    assert depth == MAX_NODE_DEPTH  # nesting stops here; the rest hangs flat below
    flat = current["children"]
    assert len(flat) == 151 - MAX_NODE_DEPTH
    assert all(child["children"] == [] for child in flat)
    assert flat[-1]["resource"]["displayName"] == GPL_LIB
    assert flat[-1]["policy"]["actionType"] == "Reject"


def test_rejections_are_counted_for_the_plugin_policy_violation_report(
    app_client: TestClient, api: Api, site: Bootstrap
) -> None:
    seed_catalog(api, site)
    api.ok("addOrganizationPolicy", orgToken=site.org_token, policy=REJECT_GPL)
    for _ in range(2):  # a pipeline checking the same project twice
        check(app_client, site, [project("app", TREE)], product="Shop", agentVersion="24.1")
    check(app_client, site, [project("tool", [dep("org.mit", "mit-lib", "2.0")])], product="Shop")
    status = api.ok(
        "generateOrganizationReportAsync",
        orgToken=site.org_token,
        reportType="PluginPolicyViolationReport",
        format="json",
    )
    [body] = download(api, site, status["asyncProcessStatus"]["uuid"]).values()
    rows = json.loads(body)["violations"]
    assert sorted((r["project"], r["library"], r["checks"]) for r in rows) == [
        ("app", GPL_CHILD, 2),
        ("app", GPL_LIB, 2),
    ]  # the MIT-only project had nothing rejected
    first = rows[0]
    assert first["product"] == "Shop" and first["policy"] == "No GPL"
    assert first["policyLevel"] == "DOMAIN" and first["agentVersion"] == "24.1"
    assert first["user"] == "admin@depvault.local"
    assert first["firstSeen"] <= first["lastSeen"]
