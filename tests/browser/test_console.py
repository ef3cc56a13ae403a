"""The web console in a real browser (issue 18): a person signs in, walks organization
→ product → project → alert, ignores the alert with a comment (and the API shows it),
opens the dependency tree, requests a report and downloads it, signs out; a product
administrator cannot open another product's pages by URL; a forged POST without the
CSRF token is refused. Every page passes the axe-core check; with
``DEPVAULT_SCREENSHOTS=1`` the walk writes docs/console/*.png (docs/console.md).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from depvault import admin
from depvault.config import Config
from depvault.store.engine.db import create_database
from tests.browser.checks import assert_accessible, screenshot
from tests.functional.test_alerts import DJANGO_ADVISORY, DJANGO_CVE, knowledge
from tests.live_server import LiveServer, live_server

if TYPE_CHECKING:
    from playwright.sync_api import Page

ADMIN = admin.DEFAULT_ADMIN_EMAIL
OTHER_ADMIN = "padmin-b@example.com"


def _sbom() -> dict[str, Any]:
    """A project whose django (vulnerable: PYSEC-2023-61) brings two dependencies."""

    def component(name: str, version: str) -> dict[str, Any]:
        purl = f"pkg:pypi/{name}@{version}"
        return {"type": "library", "bom-ref": purl, "name": name, "version": version, "purl": purl}

    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "shop", "bom-ref": "shop"}},
        "components": [
            component("django", "3.2.0"),
            component("asgiref", "3.3.2"),
            component("sqlparse", "0.4.1"),
            component("requests", "2.31.0"),
        ],
        "dependencies": [
            {"ref": "shop", "dependsOn": ["pkg:pypi/django@3.2.0", "pkg:pypi/requests@2.31.0"]},
            {
                "ref": "pkg:pypi/django@3.2.0",
                "dependsOn": ["pkg:pypi/asgiref@3.3.2", "pkg:pypi/sqlparse@0.4.1"],
            },
        ],
    }


@dataclass
class Shop:
    """The server and what the walk needs of it."""

    server: LiveServer
    base: str
    org: str
    product: str
    project: str
    other_product: str
    other_admin_key: str


def _finished(server: LiveServer, org: str, request_token: str) -> None:
    """Wait for the server's workers to finish the update (the pages show its outcome)."""
    deadline = time.monotonic() + 120
    while True:
        state = server.api("getRequestState", orgToken=org, requestToken=request_token)
        if state["requestState"] == "FINISHED":
            return
        assert state["requestState"] in {"UNKNOWN", "IN_PROGRESS", "UPDATED"}, state
        assert time.monotonic() < deadline, state
        time.sleep(0.2)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    folder = tmp_path_factory.mktemp("console-server")
    with live_server(folder, DEPVAULT_KB_SYNC_INTERVAL="0") as server:
        database = create_database(Config(data_dir=folder / "data"))
        knowledge(database, folder, DJANGO_ADVISORY)
        org = server.values["orgToken"]
        product = server.api("createProduct", orgToken=org, productName="Payments")["productToken"]
        queued = server.api(
            "importProjectSbom", productToken=product, projectName="shop", sbom=_sbom()
        )
        _finished(server, org, queued["requestToken"])
        vitals = server.api("getProductProjectVitals", productToken=product)["projectVitals"]
        project = vitals[0]["token"]
        other = server.api("createProduct", orgToken=org, productName="Mobile")["productToken"]
        server.api("createUser", orgToken=org, addedUser={"name": "Bea", "email": OTHER_ADMIN})
        key = admin.issue_user_key(database, OTHER_ADMIN, org)
        server.api(
            "setProductAssignments",
            productToken=other,
            productAdmins={"userAssignments": [{"email": OTHER_ADMIN}]},
        )
        database.dispose()
        yield Shop(server, f"http://127.0.0.1:{server.port}", org, product, project, other, key)


def _sign_in(page: Page, shop: Shop, email: str, key: str) -> None:
    page.goto(f"{shop.base}/")
    page.wait_for_url("**/ui/signin*")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("User key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def _check(page: Page, name: str | None = None) -> None:
    """Every page: accessible; at 200 % zoom (half the width) nothing spills sideways."""
    assert_accessible(page)
    if name:
        screenshot(page, name)
    wide = page.viewport_size
    assert wide is not None
    page.set_viewport_size({"width": wide["width"] // 2, "height": wide["height"]})
    spill = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    page.set_viewport_size(wide)
    assert spill <= 1, f"{page.url} scrolls sideways by {spill}px at 200 % zoom"


def test_walk_triage_report_and_sign_out(page: Page, shop: Shop) -> None:
    _sign_in(page, shop, ADMIN, shop.server.values["userKey"])
    page.wait_for_url(f"**/ui/orgs/{shop.org}")
    assert page.locator("h1").count() == 1
    _check(page, "organization")

    page.get_by_role("link", name="Payments").first.click()
    page.wait_for_url(f"**/ui/products/{shop.product}")
    _check(page, "product")

    page.get_by_role("link", name="shop").first.click()
    page.wait_for_url(f"**/ui/projects/{shop.project}")
    _check(page, "project")

    page.get_by_role("link", name="Libraries").click()
    page.wait_for_url("**/libraries")
    assert page.locator("tbody tr").count() == 4
    page.get_by_label("Vulnerabilities").select_option("yes")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**vulnerable=yes*")
    assert page.locator("tbody tr").count() == 1
    _check(page, "inventory")

    page.get_by_role("link", name="Dependency tree").click()
    page.wait_for_url("**/tree")
    page.locator("summary", has_text="django").click()  # htmx fetches the next level
    page.locator(".children li", has_text="sqlparse").wait_for()
    assert page.locator(".children li", has_text="asgiref").count() == 1
    _check(page, "tree")

    page.get_by_role("link", name="Alerts", exact=True).click()
    page.wait_for_url("**/alerts")
    _check(page, "alerts")
    page.get_by_role("link", name=DJANGO_CVE).first.click()
    page.wait_for_url("**/alerts/*")
    _check(page)
    page.get_by_label("Comment (kept in the history)").fill("Not reachable: admin only")
    page.get_by_role("button", name="Ignore").click()
    page.wait_for_url("**done=Ignored")
    assert page.locator("#alert-status").inner_text() == "Ignored"
    assert "Not reachable: admin only" in page.locator("table").last.inner_text()
    _check(page, "alert")
    ignored = shop.server.api("getProjectIgnoredAlerts", projectToken=shop.project)["alerts"]
    assert [a["comments"] for a in ignored] == ["Not reachable: admin only"]
    active = shop.server.api("getProjectAlerts", projectToken=shop.project)["alerts"]
    assert ignored[0]["alertUuid"] not in {a["alertUuid"] for a in active}

    page.get_by_role("link", name=DJANGO_CVE).click()
    page.wait_for_url(f"**/vulnerabilities/{DJANGO_CVE}")
    assert "3.2.19" in page.locator("body").inner_text()  # the fix version
    _check(page, "vulnerability")
    page.get_by_role("link", name="django 3.2.0").first.click()
    page.wait_for_url("**/libraries/*")
    _check(page, "library")

    page.goto(f"{shop.base}/ui/projects/{shop.project}")
    page.get_by_role("button", name="Make the SBOM").click()
    page.wait_for_url("**/reports/*")
    download_link = page.locator("#download")
    download_link.wait_for(timeout=60_000)  # htmx polls the status until SUCCESS
    _check(page, "report")
    with page.expect_download() as fetched:
        download_link.click()
    saved = Path(fetched.value.path())
    with zipfile.ZipFile(io.BytesIO(saved.read_bytes())) as archive:
        document = json.loads(archive.read(archive.namelist()[0]))
    assert document["bomFormat"] == "CycloneDX"
    # CycloneDX's default depth is the direct dependencies (as Mend's)
    assert {c["name"] for c in document["components"]} == {"django", "requests"}

    for path, name in (
        ("reports", "reports"),
        ("policies", None),
        ("people", "people"),
        ("requests", "updates"),
    ):
        page.goto(f"{shop.base}/ui/orgs/{shop.org}/{path}")
        _check(page, name)

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/ui/signin")
    _check(page, "sign-in")
    page.goto(f"{shop.base}/ui/orgs/{shop.org}")
    page.wait_for_url("**/ui/signin?next=*")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_product_administrator_cannot_open_another_product(page: Page, shop: Shop) -> None:
    _sign_in(page, shop, OTHER_ADMIN, shop.other_admin_key)
    page.wait_for_url(f"**/ui/orgs/{shop.org}")
    assert "Payments" not in page.locator("main").inner_text()  # only their product
    assert "Mobile" in page.locator("main").inner_text()
    for path in (
        f"/ui/projects/{shop.project}",
        f"/ui/projects/{shop.project}/alerts",
        f"/ui/products/{shop.product}",
        f"/ui/orgs/{shop.org}/people",
    ):
        response = page.goto(shop.base + path)
        assert response is not None and response.status == 403
        body = page.locator("main").inner_text()
        assert "shop" not in body and "Payments" not in body
        assert_accessible(page)


def test_a_forged_post_is_refused(page: Page, shop: Shop) -> None:
    """A POST carrying the session cookie but not the session's CSRF token changes
    nothing, from a form or from script."""
    _sign_in(page, shop, ADMIN, shop.server.values["userKey"])
    page.wait_for_url(f"**/ui/orgs/{shop.org}")
    alerts = shop.server.api("getProjectAlerts", projectToken=shop.project)["alerts"]
    target = f"{shop.base}/ui/projects/{shop.project}/alerts/{alerts[0]['alertUuid']}"
    forged = page.request.post(target, form={"action": "ignore", "comment": "forged"})
    assert forged.status == 403
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: 'POST',
             headers: {'content-type': 'application/x-www-form-urlencoded'},
             body: 'action=ignore&comment=forged'})).status""",
        target,
    )
    assert status == 403
    ignored = shop.server.api("getProjectIgnoredAlerts", projectToken=shop.project)["alerts"]
    assert "forged" not in {a.get("comments") for a in ignored}


def test_keyboard_and_focus(page: Page, shop: Shop) -> None:
    page.goto(f"{shop.base}/ui/signin")
    _check(page)
    page.keyboard.press("Tab")
    skip = page.evaluate("() => document.activeElement.textContent")
    assert skip == "Skip to content"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "email"
    page.get_by_label("E-mail address").fill(ADMIN)
    page.get_by_label("User key").fill("W" * 64)
    page.keyboard.press("Enter")
    page.locator(".error").wait_for()
    assert "do not match" in page.locator(".error").inner_text()
    _check(page)
