"""Global Org / Organization / Product / Project requests, through HTTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from depvault import admin
from depvault.admin import Bootstrap
from depvault.store.engine.db import Database
from depvault.store.models import ChangeLogEntry, Project, RoleAssignment
from tests.conftest import Api

VITALS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000$")
TOKEN = re.compile(r"^[0-9A-Za-z]{64}$")


def _product(api: Api, site: Bootstrap, name: str) -> str:
    return str(api.ok("createProduct", orgToken=site.org_token, productName=name)["productToken"])


def _project(api: Api, product: str, name: str) -> str:
    return str(api.ok("createProject", productToken=product, projectName=name)["projectToken"])


def _changes(database: Database, change_class: str, aspect: str) -> list[ChangeLogEntry]:
    with database.transaction(write=False) as db:
        return list(
            db.scalars(
                select(ChangeLogEntry).where(
                    ChangeLogEntry.change_class == change_class, ChangeLogEntry.aspect == aspect
                )
            )
        )


# --- global organizations --------------------------------------------------------------


def test_site_admin_creates_a_global_org_administered_by_an_existing_user(
    api: Api, site: Bootstrap
):
    answer = api.ok("createGlobalOrg", name="Holding", accountAdminEmail="admin@depvault.local")
    assert TOKEN.match(answer["globalOrgToken"])
    listed = api.ok("getAllOrganizations", globalOrgToken=answer["globalOrgToken"])
    assert listed == {"organizations": []}
    code, _ = api.error("createGlobalOrg", name="Holding", accountAdminEmail="admin@depvault.local")
    assert code == 3000
    code, _ = api.error("createGlobalOrg", name="Other", accountAdminEmail="nobody@example.com")
    assert code == 2011


def test_only_the_site_admin_creates_global_orgs(api: Api, site: Bootstrap, database: Database):
    other = admin.create_organization(database, "Org2", admin_email="o2@example.com")
    assert other.user_key is not None
    code, message = api.error(
        "createGlobalOrg", key=other.user_key, name="X", accountAdminEmail="o2@example.com"
    )
    assert code == 5001 and "site administrator" in message


def test_organizations_of_a_global_org_and_their_details(api: Api, site: Bootstrap):
    created = api.ok(
        "createOrganization",
        globalOrgToken=site.global_org_token,
        orgName="Second",
        adminEmail="admin@depvault.local",
    )
    product = _product(api, site, "P")
    _project(api, product, "X")
    api.ok("createGroup", orgToken=site.org_token, group={"name": "devs"})
    orgs = api.ok("getAllOrganizations", globalOrgToken=site.global_org_token)["organizations"]
    assert {o["orgName"] for o in orgs} == {"My Organization", "Second"}
    assert {o["orgToken"] for o in orgs} == {site.org_token, created["orgToken"]}
    details = api.ok("getOrganizationDetails", orgToken=site.org_token)
    assert details["orgName"] == "My Organization" and details["orgToken"] == site.org_token
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", details["creationDate"])
    assert (
        details["numberOfProducts"],
        details["numberOfProjects"],
        details["numberOfUsers"],
        details["numberOfGroups"],
    ) == (1, 1, 1, 1)
    assert details["globalOrgToken"] == site.global_org_token
    code, _ = api.error(
        "createOrganization", globalOrgToken=site.global_org_token, orgName="Second"
    )
    assert code == 2002


def test_an_organization_leaves_and_rejoins_its_global_org(api: Api, site: Bootstrap):
    params = {"orgToken": site.org_token, "globalOrgToken": site.global_org_token}
    api.ok("removeGlobalOrgFromOrg", **params)
    assert "globalOrgToken" not in api.ok("getOrganizationDetails", orgToken=site.org_token)
    orgs = api.ok("getAllOrganizations", globalOrgToken=site.global_org_token)["organizations"]
    assert orgs == []
    code, message = api.error("removeGlobalOrgFromOrg", **params)
    assert code == 3000 and "does not belong" in message
    api.ok("assignGlobalOrgToOrg", **params)
    details = api.ok("getOrganizationDetails", orgToken=site.org_token)
    assert details["globalOrgToken"] == site.global_org_token
    code, message = api.error(
        "assignGlobalOrgToOrg", orgToken=site.org_token, globalOrgToken="z" * 64
    )
    assert code == 3000 and "globalOrgToken" in message


# --- products, projects and vitals -----------------------------------------------------


def test_products_and_projects_are_listed_with_vitals(api: Api, site: Bootstrap):
    p1, p2 = _product(api, site, "Backend"), _product(api, site, "Frontend")
    x = _project(api, p1, "api")
    _project(api, p2, "web")
    products = api.ok("getAllProducts", orgToken=site.org_token)["products"]
    assert {(p["productName"], p["productToken"]) for p in products} == {
        ("Backend", p1),
        ("Frontend", p2),
    }
    assert all(isinstance(p["productId"], int) for p in products)
    vitals = api.ok("getOrganizationProductVitals", orgToken=site.org_token)["productVitals"]
    assert {v["name"] for v in vitals} == {"Backend", "Frontend"}
    for v in vitals:
        assert VITALS_TIME.match(v["creationDate"]) and VITALS_TIME.match(v["lastUpdatedDate"])
    one = api.ok("getProductVitals", productToken=p1)["productVitals"]
    assert [v["token"] for v in one] == [p1]
    projects = api.ok("getAllProjects", productToken=p1)["projects"]
    assert [(p["projectName"], p["projectToken"]) for p in projects] == [("api", x)]
    org_projects = api.ok("getOrganizationProjectVitals", orgToken=site.org_token)["projectVitals"]
    assert {(v["name"], v["productName"]) for v in org_projects} == {
        ("api", "Backend"),
        ("web", "Frontend"),
    }
    assert all(VITALS_TIME.match(v["lastUpdatedDate"]) for v in org_projects)
    assert [
        v["name"] for v in api.ok("getProductProjectVitals", productToken=p2)["projectVitals"]
    ] == ["web"]
    single = api.ok("getProjectVitals", projectToken=x)["projectVitals"]
    assert len(single) == 1 and single[0]["token"] == x and single[0]["productName"] == "Backend"


def test_duplicate_names_get_the_sdk_codes(api: Api, site: Bootstrap):
    p1, p2 = _product(api, site, "P1"), _product(api, site, "P2")
    code, message = api.error("createProduct", orgToken=site.org_token, productName="P1")
    assert code == 2001 and "P1" in message
    _project(api, p1, "X")
    code, message = api.error("createProject", productToken=p1, projectName="X")
    assert code == 2010 and "X" in message
    _project(api, p2, "X")  # the same name in another product is fine


def test_a_product_admin_sees_only_their_products_projects_at_org_level(
    api: Api, site: Bootstrap, database: Database
):
    a, b = _product(api, site, "A"), _product(api, site, "B")
    _project(api, a, "a1")
    _project(api, b, "b1")
    api.ok(
        "createUser", orgToken=site.org_token, addedUser={"name": "pa", "email": "pa@example.com"}
    )
    api.ok(
        "setProductAssignments",
        productToken=b,
        productAdmins={"userAssignments": [{"email": "pa@example.com"}]},
    )
    key = admin.issue_user_key(database, "pa@example.com", site.org_token)
    seen = api.ok("getOrganizationProjectVitals", key=key, orgToken=site.org_token)
    assert [v["name"] for v in seen["projectVitals"]] == ["b1"]
    code, _ = api.error("getOrganizationProductVitals", key=key, orgToken=site.org_token)
    assert code == 5001


@pytest.mark.parametrize(
    ("role", "level", "sees", "may_import"),
    [
        ("productMembership", "product", ["b1"], False),
        ("productIntegrators", "product", ["b1"], True),
        ("readOnlyUsers", "org", ["a1", "b1"], False),
    ],
)
def test_weaker_roles_act_exactly_as_far_as_their_grant(
    api: Api,
    site: Bootstrap,
    database: Database,
    role: str,
    level: str,
    sees: list[str],
    may_import: bool,
):
    """A product member or integrator (of B) holds at least the read access that the
    organization form of getProjectVitals needs, and sees B's projects only; an
    organization read-only user reads the whole organization. Importing into a project
    needs exactly an integrator's access; administrators' requests stay refused."""
    a, b = _product(api, site, "A"), _product(api, site, "B")
    _project(api, a, "a1")
    project_b = _project(api, b, "b1")
    api.ok("createUser", orgToken=site.org_token, addedUser={"name": "r", "email": "r@example.com"})
    holder = {role: {"userAssignments": [{"email": "r@example.com"}]}}
    if level == "product":
        api.ok("setProductAssignments", productToken=b, **holder)
    else:
        api.ok("setOrganizationAssignments", orgToken=site.org_token, **holder)
    key = admin.issue_user_key(database, "r@example.com", site.org_token)
    seen = api.ok("getOrganizationProjectVitals", key=key, orgToken=site.org_token)
    assert sorted(v["name"] for v in seen["projectVitals"]) == sees
    products = api.call("getOrganizationProductVitals", key=key, orgToken=site.org_token)
    assert (products.get("errorCode") == 5001) is (level == "product")
    code, _ = api.error("createProduct", key=key, orgToken=site.org_token, productName="C")
    assert code == 5001
    sbom = {"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": []}
    imported = api.call("importProjectSbom", key=key, projectToken=project_b, sbom=sbom)
    assert ("errorCode" not in imported) is may_import, imported
    assert not may_import or imported["projectToken"] == project_b
    products_now = api.ok("getAllProducts", orgToken=site.org_token)["products"]
    assert sorted(p["productName"] for p in products_now) == ["A", "B"]


def test_last_modified_projects_within_a_window(api: Api, site: Bootstrap, database: Database):
    product = _product(api, site, "P")
    old, new = _project(api, product, "old"), _project(api, product, "new")
    with database.transaction() as db:
        row = db.scalars(select(Project).where(Project.token == old)).one()
        row.updated_at = row.updated_at.replace(year=2020)
        fresh = db.scalars(select(Project).where(Project.token == new)).one()
        fresh.last_request_token = "R" * 64
    window = {"fromDateTime": "2021-01-01 00:00:00", "toDateTime": "2100-01-01 00:00:00"}
    answer = api.ok("getOrganizationLastModifiedProjects", orgToken=site.org_token, **window)
    items = answer["lastModifiedProjects"]
    assert [i["apiToken"] for i in items] == [new]
    assert "requestToken" not in items[0]
    with_token = api.ok(
        "getOrganizationLastModifiedProjects",
        orgToken=site.org_token,
        includeRequestToken=True,
        **window,
    )
    assert with_token["lastModifiedProjects"][0]["requestToken"] == "R" * 64
    everything = api.ok(
        "getOrganizationLastModifiedProjects",
        orgToken=site.org_token,
        fromDateTime="2000-01-01",
        toDateTime="2100-01-01 00:00:00",
    )
    assert {i["apiToken"] for i in everything["lastModifiedProjects"]} == {old, new}
    code, message = api.error(
        "getOrganizationLastModifiedProjects",
        orgToken=site.org_token,
        fromDateTime="2022-01-01 00:00:00",
        toDateTime="2021-01-01 00:00:00",
    )
    assert code == 3000 and "toDateTime" in message
    code, message = api.error(
        "getOrganizationLastModifiedProjects",
        orgToken=site.org_token,
        fromDateTime="2022-01-01 00:00:00",
    )
    assert code == 3010 and "toDateTime" in message


def test_projects_move_between_products(api: Api, site: Bootstrap, database: Database):
    a, b = _product(api, site, "A"), _product(api, site, "B")
    x, y = _project(api, a, "x"), _project(api, a, "y")
    _project(api, b, "y")
    api.ok("saveProjectTag", projectToken=x, tagKey="team", tagValue="core")
    code, message = api.error(
        "changeProjectsProduct", orgToken=site.org_token, projectTokens=[x, y], productToken=b
    )
    assert code == 2010 and "'y'" in message
    assert [p["projectName"] for p in api.ok("getAllProjects", productToken=a)["projects"]] == [
        "x",
        "y",
    ]  # nothing moved
    api.ok("changeProjectsProduct", orgToken=site.org_token, projectTokens=[x], productToken=b)
    assert {p["projectName"] for p in api.ok("getAllProjects", productToken=b)["projects"]} == {
        "x",
        "y",
    }
    moved = api.ok("getProjectVitals", projectToken=x)["projectVitals"][0]
    assert moved["productName"] == "B"
    assert api.ok("getProjectTags", projectToken=x)["projectTags"][0]["tags"] == {"team": ["core"]}
    code, _ = api.error(
        "changeProjectsProduct", orgToken=site.org_token, projectTokens=["q" * 64], productToken=b
    )
    assert code == 3000
    other = admin.create_organization(database, "Elsewhere", admin_email="admin@depvault.local")
    foreign = api.ok("createProduct", orgToken=other.org_token, productName="F")["productToken"]
    code, message = api.error(
        "changeProjectsProduct", orgToken=site.org_token, projectTokens=[x], productToken=foreign
    )
    assert code == 3000 and "productToken" in message
    assert [e.project_name for e in _changes(database, "PRODUCT", "MOVED")] == ["x"]


def test_deleting_a_product_removes_everything_under_it(
    api: Api, site: Bootstrap, database: Database
):
    doomed, kept = _product(api, site, "Doomed"), _product(api, site, "Kept")
    projects = [_project(api, doomed, f"p{i}") for i in range(3)]
    _project(api, kept, "k")
    api.ok("saveProductTag", productToken=doomed, tagKey="k", tagValue="v")
    api.ok("saveProjectTag", projectToken=projects[0], tagKey="k", tagValue="v")
    api.ok(
        "setProductAssignments",
        productToken=doomed,
        productAdmins={"userAssignments": [{"email": "admin@depvault.local"}]},
    )
    answer = api.ok("deleteProduct", productToken=doomed, orgToken=site.org_token)
    assert "Doomed" in answer["message"]
    assert [
        p["productName"] for p in api.ok("getAllProducts", orgToken=site.org_token)["products"]
    ] == ["Kept"]
    for token in projects:
        assert api.error("getProjectVitals", projectToken=token)[0] == 3000
    with database.transaction(write=False) as db:
        assert db.scalar(select(func.count()).select_from(Project)) == 1
        assert (
            db.scalar(
                select(func.count())
                .select_from(RoleAssignment)
                .where(RoleAssignment.product_id.is_not(None))
            )
            == 0
        )
    assert [e.product_name for e in _changes(database, "ENTITY", "DELETED")] == ["Doomed"]


def test_deleting_a_project(api: Api, site: Bootstrap, database: Database):
    product = _product(api, site, "P")
    x, y = _project(api, product, "x"), _project(api, product, "y")
    api.ok("deleteProject", projectToken=x, productToken=product)
    assert [
        p["projectToken"] for p in api.ok("getAllProjects", productToken=product)["projects"]
    ] == [y]
    assert api.error("deleteProject", projectToken=x)[0] == 3000
    created = _changes(database, "ENTITY", "CREATED")
    assert {"x", "y"} <= {e.project_name for e in created}
    deleted = _changes(database, "ENTITY", "DELETED")
    assert [(e.scope, e.project_name, e.user_email) for e in deleted] == [
        ("PROJECT", "x", "admin@depvault.local")
    ]


# --- tags ------------------------------------------------------------------------------


def test_tags_at_every_scope(api: Api, site: Bootstrap, database: Database):
    a, b = _product(api, site, "A"), _product(api, site, "B")
    x, y = _project(api, a, "x"), _project(api, b, "y")
    for value in ("blue", "red", "blue"):  # a repeated tag is stored once
        api.ok("saveProjectTag", projectToken=x, tagKey="color", tagValue=value)
    api.ok("saveProjectTag", projectToken=y, tagKey="tier", tagValue="1")
    api.ok("saveProductTag", productToken=a, tagKey="bu", tagValue="payments")
    org_tags = api.ok("getOrganizationProjectTags", orgToken=site.org_token)["projectTags"]
    assert {t["name"]: t["tags"] for t in org_tags} == {
        "x": {"color": ["blue", "red"]},
        "y": {"tier": ["1"]},
    }
    assert all(t["token"] in {x, y} for t in org_tags)
    product_projects = api.ok("getProductProjectTags", productToken=a)["projectTags"]
    assert [(t["name"], t["tags"]) for t in product_projects] == [("x", {"color": ["blue", "red"]})]
    assert api.ok("getProjectTags", projectToken=y)["projectTags"] == [
        {"name": "y", "token": y, "tags": {"tier": ["1"]}}
    ]
    product_tags = api.ok("getOrganizationProductTags", orgToken=site.org_token)["productTags"]
    assert {t["name"]: t["tags"] for t in product_tags} == {"A": {"bu": ["payments"]}, "B": {}}
    assert api.ok("getProductTags", productToken=a)["productTags"][0]["tags"] == {
        "bu": ["payments"]
    }
    api.ok("removeProjectTag", projectToken=x, tagKey="color", tagValue="blue")
    assert api.ok("getProjectTags", projectToken=x)["projectTags"][0]["tags"] == {"color": ["red"]}
    code, message = api.error("removeProjectTag", projectToken=x, tagKey="color", tagValue="blue")
    assert code == 3000 and "color:blue" in message
    api.ok("removeProductTag", productToken=a, tagKey="bu", tagValue="payments")
    assert api.ok("getProductTags", productToken=a)["productTags"][0]["tags"] == {}
    assert api.error("saveProductTag", productToken=a, tagKey="k")[0] == 3010
    added = _changes(database, "TAG", "ADDED")
    assert len(added) == 4  # blue, red, tier, bu: the repeated blue wrote nothing
    removed = _changes(database, "TAG", "REMOVED")
    assert [r.before for r in removed] == [
        [{"key": "color", "value": "blue"}],
        [{"key": "bu", "value": "payments"}],
    ]


# --- introspection ---------------------------------------------------------------------


def test_supported_requests_and_their_schemas(api: Api, site: Bootstrap):
    names = api.ok("getSupportedRequests", orgToken=site.org_token)["supportedRequests"]
    assert {"getAllProducts", "createProject", "setProjectSetupNotificationConfig"} & set(
        names
    ) == {
        "getAllProducts",
        "createProject",
    }
    schema = api.ok("getRequestSchema", orgToken=site.org_token, request="createProduct")
    assert schema["title"] == "createProduct"
    assert set(schema["required"]) == {"requestType", "userKey", "orgToken", "productName"}
    assert schema["properties"]["requestType"]["const"] == "createProduct"
    code, message = api.error("getRequestSchema", orgToken=site.org_token, request="nope")
    assert code == 3000 and "nope" in message


def test_assigning_another_global_org_says_the_organization_left_the_first(
    api: Api, site: Bootstrap, database: Database
):
    """An organization is in one global organization at most: assigning another moves it,
    and the answer says so; left in none, it stays administrable by its own
    administrators, and the operator's ``depvault org list`` still shows it."""
    other = api.ok("createGlobalOrg", name="Holding", accountAdminEmail="admin@depvault.local")
    params = {"orgToken": site.org_token, "globalOrgToken": other["globalOrgToken"]}
    answer = api.ok("assignGlobalOrgToOrg", **params)
    assert answer == {
        "message": "Successfully assigned organization My Organization to Holding; it left "
        "its previous global organization Global Organization"
    }
    first = api.ok("getAllOrganizations", globalOrgToken=site.global_org_token)["organizations"]
    assert first == []
    [moved] = api.ok("getAllOrganizations", globalOrgToken=other["globalOrgToken"])["organizations"]
    assert moved["orgToken"] == site.org_token

    api.ok("removeGlobalOrgFromOrg", **params)
    details = api.ok("getOrganizationDetails", orgToken=site.org_token)
    assert "globalOrgToken" not in details
    product = api.ok("createProduct", orgToken=site.org_token, productName="Still ours")
    assert product["productToken"]
    listed = {o.token: o for o in admin.list_organizations(database)}
    assert listed[site.org_token].global_org_name is None
    assert listed[site.org_token].name == "My Organization"
    again = api.ok("assignGlobalOrgToOrg", **params)  # from none: nothing was left
    assert again == {"message": "Successfully assigned organization My Organization to Holding"}
