"""Naming products and projects on the command line: by name or by token.

An operator knows "shop" and "shop/web", not 64-character tokens; these turn either
into the token the API wants, through the API (``getAllProducts``, ``getAllProjects``),
so a name is resolved with the caller's own access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer

from depvault.cli.common import fail
from depvault.cli.remote.client import Server

__all__ = ["SCOPE", "Scope", "parse_scope", "product_token", "project_token"]

SCOPE = typer.Option(
    "org", "--scope", help="org, product:PRODUCT or project:PRODUCT/PROJECT (names or tokens)."
)


def _token(items: list[dict[str, Any]], wanted: str, kind: str, where: str) -> str:
    """The ``<kind>Token`` of the item whose name or token is ``wanted``."""
    for item in items:
        if wanted in (item[f"{kind}Name"], item[f"{kind}Token"]):
            return str(item[f"{kind}Token"])
    names = ", ".join(sorted(item[f"{kind}Name"] for item in items)) or "none"
    fail(f"no {kind} {wanted!r} in {where} ({kind}s: {names})")


def product_token(server: Server, org: str, product: str) -> str:
    """The token of the product named ``product`` (or ``product`` when it is a token)."""
    products = server.call("getAllProducts", orgToken=org)["products"]
    return _token(products, product, "product", "the organization")


def project_token(server: Server, org: str, product: str, project: str) -> str:
    """The token of ``project`` of ``product`` (names or tokens)."""
    token = product_token(server, org, product)
    projects = server.call("getAllProjects", productToken=token)["projects"]
    return _token(projects, project, "project", f"product {product!r}")


@dataclass(frozen=True)
class Scope:
    """A resolved scope: its level (Organization, Product, Project) and token field."""

    noun: str
    token_field: str
    token: str
    org: str

    def params(self) -> dict[str, str]:
        """The scope as request parameters."""
        return {self.token_field: self.token}


def parse_scope(server: Server, org: str, text: str) -> Scope:
    """``org``, ``product:P`` or ``project:P/X`` as a resolved :class:`Scope`."""
    kind, _, name = text.partition(":")
    if kind == "org" and not name:
        return Scope("Organization", "orgToken", org, org)
    if kind == "product" and name:
        return Scope("Product", "productToken", product_token(server, org, name), org)
    if kind == "project" and "/" in name:
        product, _, project = name.partition("/")
        token = project_token(server, org, product, project)
        return Scope("Project", "projectToken", token, org)
    fail(f"--scope {text!r}: expected org, product:PRODUCT or project:PRODUCT/PROJECT")
