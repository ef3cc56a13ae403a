"""Every console page by every kind of caller of the scope matrix: shown exactly where
the API's rules let the caller read, and otherwise one 403 page that says nothing of
what the token names (the same page as a made-up token's).

The expectations are written from the rules (the overview's "API Execution Scope" and
depvault's roles, as ``test_scope_matrix`` states them), not from ``console.access``:
organization pages product roles may open are the ones whose API requests product
roles may call (the dashboard as ``getOrganizationProjectVitals``, request states,
report processes); people and policies are organization-only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from depvault.admin import DEFAULT_ADMIN_EMAIL, Bootstrap
from depvault.store.engine.db import Database
from tests.console_client import ConsoleUser
from tests.functional.test_alerts import DJANGO_ADVISORY, DJANGO_CVE, knowledge, pypi, sbom
from tests.functional.test_scope_matrix import World, build_world

EMAILS = {
    "global admin": DEFAULT_ADMIN_EMAIL,
    "org admin": "orgadmin@example.com",
    "product A admin": "padmina@example.com",
    "product B admin": "padminb@example.com",
    "member": "member@example.com",
    "product A member": "pmember@example.com",
    "product A integrator": "pintegrator@example.com",
    "org read-only": "reader@example.com",
    "other org admin": "other@example.com",
}
PRODUCT_A_ROLES = {"product A admin", "product A member", "product A integrator"}
WHOLE_ORG = {"global admin", "org admin", "org read-only"}


@dataclass
class Place:
    """The tokens and ids the pages name."""

    world: World
    library: str
    alert: str
    process: str


@dataclass(frozen=True)
class ConsolePage:
    name: str
    path: Callable[[Place], str]
    kind: str  # "org+products", "org only", "product A"


PAGES = [
    ConsolePage("dashboard", lambda p: f"/ui/orgs/{p.world.site.org_token}", "org+products"),
    ConsolePage("reports", lambda p: f"/ui/orgs/{p.world.site.org_token}/reports", "org+products"),
    ConsolePage("updates", lambda p: f"/ui/orgs/{p.world.site.org_token}/requests", "org+products"),
    ConsolePage(
        "vulnerability",
        lambda p: f"/ui/orgs/{p.world.site.org_token}/vulnerabilities/{DJANGO_CVE}",
        "org+products",
    ),
    ConsolePage(
        "library",
        lambda p: f"/ui/orgs/{p.world.site.org_token}/libraries/{p.library}",
        "org+products, held in A",
    ),
    ConsolePage(
        "report process",
        lambda p: f"/ui/orgs/{p.world.site.org_token}/reports/{p.process}",
        "org+products, held in A",
    ),
    ConsolePage("policies", lambda p: f"/ui/orgs/{p.world.site.org_token}/policies", "org only"),
    ConsolePage("people", lambda p: f"/ui/orgs/{p.world.site.org_token}/people", "org only"),
    ConsolePage("product", lambda p: f"/ui/products/{p.world.product_a}", "product A"),
    ConsolePage("project", lambda p: f"/ui/projects/{p.world.project_a}", "product A"),
    ConsolePage("inventory", lambda p: f"/ui/projects/{p.world.project_a}/libraries", "product A"),
    ConsolePage("tree", lambda p: f"/ui/projects/{p.world.project_a}/tree", "product A"),
    ConsolePage("alerts", lambda p: f"/ui/projects/{p.world.project_a}/alerts", "product A"),
    ConsolePage(
        "alert", lambda p: f"/ui/projects/{p.world.project_a}/alerts/{p.alert}", "product A"
    ),
]


def expected(kind: str, caller: str) -> int:
    """The status the rules give: 200 shown, 403 refused, 404 (a thing of product A
    asked for by someone who sees the organization only through product B: it is not
    in their part of it, answered as one that does not exist)."""
    if caller in WHOLE_ORG:
        return 200
    if caller in {"member", "other org admin"}:
        return 403
    if kind == "org only":
        return 403
    if kind == "product A":
        return 200 if caller in PRODUCT_A_ROLES else 403
    if kind == "org+products, held in A":
        return 200 if caller in PRODUCT_A_ROLES else 404
    assert kind == "org+products"
    return 200


@pytest.fixture
def place(app_client: TestClient, database: Database, site: Bootstrap, tmp_path: Path) -> Place:
    world = build_world(app_client, database, site)
    knowledge(database, tmp_path, DJANGO_ADVISORY)
    world.api.ok(
        "importProjectSbom",
        projectToken=world.project_a,
        sbom=sbom(pypi("django", "3.2.0"), pypi("requests", "2.0.0")),
    )
    inventory = world.api.ok("getProjectInventory", projectToken=world.project_a)["libraries"]
    django = next(lib for lib in inventory if lib["artifactId"].startswith("django"))
    alerts = world.api.ok("getProjectAlerts", projectToken=world.project_a)["alerts"]
    process = world.api.ok(
        "generateProjectReportAsync",
        projectToken=world.project_a,
        reportType="ProjectVulnerabilityReport",
    )["asyncProcessStatus"]["uuid"]
    return Place(world, django["keyUuid"], alerts[0]["alertUuid"], process)


def _signed_in(app_client: TestClient, place: Place, caller: str) -> ConsoleUser:
    user = ConsoleUser(TestClient(app_client.app, follow_redirects=False))
    assert user.sign_in(EMAILS[caller], place.world.keys[caller]) == 303
    return user


@pytest.mark.parametrize("caller", list(EMAILS))
def test_every_page_for_every_caller(app_client: TestClient, place: Place, caller: str) -> None:
    user = _signed_in(app_client, place, caller)
    made_up = user.client.get("/ui/projects/" + "Z" * 64)
    assert made_up.status_code == 403
    outcomes = {}
    for page in PAGES:
        answer = user.client.get(page.path(place))
        outcomes[page.name] = answer.status_code
        if answer.status_code == 403:
            # nothing of the page's scope: the very page a made-up token gets
            assert answer.text == made_up.text, page.name
            assert place.world.project_a not in answer.text
    assert outcomes == {page.name: expected(page.kind, caller) for page in PAGES}


def test_a_product_role_sees_only_its_products_on_organization_pages(
    app_client: TestClient, place: Place
) -> None:
    w = place.world
    b_admin = _signed_in(app_client, place, "product B admin")
    dashboard = b_admin.client.get(f"/ui/orgs/{w.site.org_token}")
    assert dashboard.status_code == 200
    assert w.product_b in dashboard.text
    assert w.product_a not in dashboard.text and w.project_a not in dashboard.text
    assert "django" not in dashboard.text  # product A's vulnerable library
    vulnerability = b_admin.client.get(f"/ui/orgs/{w.site.org_token}/vulnerabilities/{DJANGO_CVE}")
    assert w.project_a not in vulnerability.text
    reports = b_admin.client.get(f"/ui/orgs/{w.site.org_token}/reports")
    assert place.process not in reports.text
    a_admin = _signed_in(app_client, place, "product A admin")
    reports = a_admin.client.get(f"/ui/orgs/{w.site.org_token}/reports")
    assert place.process in reports.text
    vulnerability = a_admin.client.get(f"/ui/orgs/{w.site.org_token}/vulnerabilities/{DJANGO_CVE}")
    assert w.project_a in vulnerability.text


def test_only_administrators_of_the_organization_change_alerts(
    app_client: TestClient, place: Place
) -> None:
    """``setAlertsStatus`` is an organization administrator's request: a product
    administrator sees the alert without the form, and a POST of it is refused."""
    w = place.world
    path = f"/ui/projects/{w.project_a}/alerts/{place.alert}"
    a_admin = _signed_in(app_client, place, "product A admin")
    assert 'name="action"' not in a_admin.client.get(path).text
    refused = a_admin.client.post(
        path, data={"csrf": a_admin.csrf, "action": "ignore", "comment": "mine now"}
    )
    assert refused.status_code == 403
    ignored = w.api.ok("getProjectIgnoredAlerts", projectToken=w.project_a)["alerts"]
    assert ignored == []
    org_admin = _signed_in(app_client, place, "org admin")
    assert 'name="action" value="ignore"' in org_admin.client.get(path).text


def test_people_who_cannot_sign_in(app_client: TestClient, place: Place) -> None:
    keys = place.world.keys
    browser = ConsoleUser(TestClient(app_client.app, follow_redirects=False))
    assert browser.sign_in(keys["service email"], keys["service user (integrator of A)"]) == 403
    assert browser.sign_in(EMAILS["org admin"], "W" * 64) == 401
    # a real key with another person's address
    assert browser.sign_in(EMAILS["org admin"], keys["product A admin"]) == 401
    assert browser.client.get(f"/ui/orgs/{place.world.site.org_token}").status_code == 303


def test_the_home_page_leads_to_the_callers_organization(
    app_client: TestClient, place: Place
) -> None:
    member = _signed_in(app_client, place, "member")
    home = member.client.get("/ui/")
    # one organization: straight to it (where a member without a role is refused)
    assert home.status_code == 303
    assert home.headers["location"] == f"/ui/orgs/{place.world.site.org_token}"
    other = _signed_in(app_client, place, "other org admin")
    landing = other.client.get("/ui/")
    assert place.world.site.org_token not in landing.headers.get("location", "")
    assert place.world.other_org in landing.headers.get("location", "")
