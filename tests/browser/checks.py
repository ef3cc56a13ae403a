"""What every browser test checks on a page: accessibility (axe-core) and, when asked,
a screenshot for the docs.

axe-core is vendored (``vendor/axe.min.js``, its version in ``AXE_VERSION``, its MPL-2.0
licence beside it), taken from the npm package ``axe-core``: the tests never fetch it.
Refresh it with ``npm pack axe-core@<version>`` and copy ``package/axe.min.js``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["AXE_VERSION", "assert_accessible", "axe_violations", "screenshot"]

VENDOR = Path(__file__).parent / "vendor"
AXE_VERSION = "4.14.1"
#: The impacts that fail a page (axe's four levels: minor, moderate, serious, critical).
FAILING_IMPACTS = frozenset({"serious", "critical"})
DOCS = Path(__file__).resolve().parents[2] / "docs"


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA rules and
    axe's best practices), each with its ``id``, ``impact``, ``help`` and ``nodes``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(VENDOR / "axe.min.js"))
    result: dict[str, Any] = page.evaluate(
        "async () => await window.axe.run(document, {resultTypes: ['violations']})"
    )
    return list(result["violations"])


def assert_accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page; the message names each
    rule and the first elements it found."""
    failing = [v for v in axe_violations(page) if v.get("impact") in FAILING_IMPACTS]
    if failing:
        lines = [
            f"{v['impact']}: {v['id']} ({v['help']}) at "
            + ", ".join(str(node["target"]) for node in v["nodes"][:3])
            for v in failing
        ]
        raise AssertionError(f"{page.url}: accessibility violations:\n" + "\n".join(lines))


def screenshot(page: Page, name: str) -> Path | None:
    """Save the page as ``docs/console/<name>.png`` when ``DEPVAULT_SCREENSHOTS=1``
    (how docs/console.md's pictures are made); otherwise nothing."""
    if os.environ.get("DEPVAULT_SCREENSHOTS") != "1":
        return None
    target = DOCS / "console" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target
