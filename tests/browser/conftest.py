"""Browser tests: Playwright for Python driving the machine's own Chromium.

No browser is ever downloaded: the tests launch Debian's ``chromium`` by its executable
path (``DEPVAULT_CHROMIUM``, default ``/usr/bin/chromium``; ``.ci/run`` installs it
with apt-get). Without it they skip, saying why, unless ``DEPVAULT_REQUIRE_BROWSER=1``
(set by ``.ci/run``) turns the absence into a failure.

What the fixtures give:

- ``browser``: one headless Chromium per test process (xdist worker), shared by its
  tests; each test gets a fresh ``context`` and ``page`` (no cookies carried over);
- ``docs_server``: a real ``depvault serve`` on a fresh SQLite store (tests/live_server);
- :func:`tests.browser.checks.assert_accessible` (axe-core, vendored) and
  :func:`tests.browser.checks.screenshot` (written to ``docs/`` only when
  ``DEPVAULT_SCREENSHOTS=1``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.live_server import LiveServer, live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path(os.environ.get("DEPVAULT_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("DEPVAULT_REQUIRE_BROWSER") == "1"


def _browser_problem() -> str | None:
    if not CHROMIUM.is_file():
        return (
            f"no Chromium at {CHROMIUM} (apt-get install chromium, or DEPVAULT_CHROMIUM=PATH); "
            "browser tests never download one"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"Playwright for Python is not installed ({exc}): make install"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for this test process."""
    problem = _browser_problem()
    if problem:
        if REQUIRE_BROWSER:
            pytest.fail(f"{problem} (DEPVAULT_REQUIRE_BROWSER=1)")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # root in CI containers has no user namespace for Chromium's sandbox
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (cookies, storage) for one test."""
    fresh = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    fresh.set_default_timeout(30_000)  # a loaded machine renders slowly
    try:
        yield fresh
    finally:
        fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page of the fresh profile; console errors of the page fail the test."""
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.errors = errors  # type: ignore[attr-defined]
    return opened


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``depvault serve`` on an empty SQLite store (bootstrapped), for a module's tests."""
    with live_server(tmp_path_factory.mktemp("browser-server")) as server:
        yield server
