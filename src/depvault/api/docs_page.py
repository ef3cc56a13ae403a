"""``GET /docs`` and ``GET /docs/{requestType}``: the API reference as HTML.

The same blocks ``make docs`` writes to ``docs/api/`` (``depvault.api_reference``),
rendered once per process from the request table the server dispatches on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import cache

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from depvault.api.registry import Registry
from depvault.api_reference import (
    EXAMPLES_FILE,
    Block,
    load_examples,
    reference_blocks,
    request_blocks,
)
from depvault.api_reference_render import to_html

__all__ = ["docs_endpoint"]


def docs_endpoint(registry: Registry) -> Callable[[Request], Awaitable[Response]]:
    """The reference's index (``/docs``) and one page per request type."""
    examples = load_examples(EXAMPLES_FILE)

    @cache
    def index() -> str:
        return to_html(reference_blocks(registry, examples)["index"], "depvault API reference")

    async def endpoint(request: Request) -> Response:
        name = request.path_params.get("name")
        if name is None:
            return HTMLResponse(index())
        request_type = registry.get(name)
        if request_type is None:
            # the name comes from the URL: escaped, or a crafted link would run its
            # script on this origin
            return HTMLResponse(
                to_html(
                    [Block("p", f"No request type {name!r}: see the index.")],
                    "Unknown request type — depvault API reference",
                ).replace("</body>", '<p><a href="/docs">API reference index</a></p></body>'),
                status_code=404,
            )
        page = _standalone(request_blocks(request_type, examples))
        return HTMLResponse(to_html(page, f"{name} — depvault API reference"))

    return endpoint


_PROMOTED = {"h2": "h1", "h3": "h2"}


def _standalone(blocks: list[Block]) -> list[Block]:
    """A request's blocks as a page of their own: in ``docs/api/`` they sit under their
    category's ``h1``; alone, the request's name is the page's one ``h1`` (screen
    readers navigate by heading levels, and none may be skipped)."""
    return [replace(b, kind=_PROMOTED.get(b.kind, b.kind)) for b in blocks]
