"""The API reference the server serves (``GET /docs``), in a real browser: readable by
assistive technology, navigable, and safe against markup in the URL.

The first pages people open in a browser, and the harness's own check: if these pass,
Chromium, Playwright and axe-core work together on this machine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.browser.checks import assert_accessible, axe_violations, screenshot
from tests.live_server import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_reference_index_leads_to_a_request_page(page: Page, docs_server: LiveServer) -> None:
    base = f"http://127.0.0.1:{docs_server.port}"
    page.goto(f"{base}/docs")
    assert page.title() == "depvault API reference"
    assert_accessible(page)
    screenshot(page, "api-reference")

    page.locator('a[href="/docs/getOrganizationDetails"]').first.click()
    page.wait_for_url(f"{base}/docs/getOrganizationDetails")
    assert "getOrganizationDetails" in page.locator("h1").first.inner_text()
    assert page.locator("table th").count() > 0  # parameters are a table with headers
    assert_accessible(page)
    assert page.errors == []  # type: ignore[attr-defined]


def test_keyboard_reaches_the_links(page: Page, docs_server: LiveServer) -> None:
    page.goto(f"http://127.0.0.1:{docs_server.port}/docs")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement && document.activeElement.tagName")
    assert focused == "A"
    page.keyboard.press("Enter")
    page.wait_for_url("**/docs/*")
    assert page.locator("h1").count() == 1


def test_markup_in_an_unknown_name_is_shown_not_run(page: Page, docs_server: LiveServer) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    response = page.goto(
        f"http://127.0.0.1:{docs_server.port}/docs/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
    )
    assert response is not None and response.status == 404
    assert page.locator("img").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.locator("body").inner_text()
    assert dialogs == []
    assert_accessible(page)


def test_axe_finds_what_it_should(page: Page, docs_server: LiveServer) -> None:
    """The accessibility check bites: an image without a text alternative and a form
    field without a label are reported (so a clean page means something)."""
    page.goto(f"http://127.0.0.1:{docs_server.port}/docs")
    page.evaluate(
        """() => {
            const img = document.createElement('img');
            img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
            document.body.appendChild(img);
            const input = document.createElement('input');
            input.type = 'text';
            document.body.appendChild(input);
        }"""
    )
    found = {violation["id"] for violation in axe_violations(page)}
    assert {"image-alt", "label"} <= found
