"""``depvault product create|list|delete``: products of an organization, over HTTP."""

from __future__ import annotations

from pathlib import Path

import typer

from depvault.cli.client import CA_FILE, URL, USER_KEY, connect
from depvault.cli.output import JSON, answer
from depvault.cli.scope import ORG, org_token, product_token

app = typer.Typer(help="Products of an organization (over HTTP).", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Name of the new product."),
    org: str | None = ORG,
    json_output: bool = JSON,
    url: str | None = URL,
    user_key: str | None = USER_KEY,
    ca_file: Path | None = CA_FILE,
) -> None:
    """Create a product (→ its token)."""
    server = connect(url, user_key, ca_file)
    created = server.call("createProduct", orgToken=org_token(org), productName=name)
    row = {"productName": name, "productToken": created["productToken"]}
    answer(row, json_output, [row], [("productName", "product"), ("productToken", "token")])


@app.command("list")
def list_command(
    org: str | None = ORG,
    json_output: bool = JSON,
    url: str | None = URL,
    user_key: str | None = USER_KEY,
    ca_file: Path | None = CA_FILE,
) -> None:
    """List the organization's products."""
    server = connect(url, user_key, ca_file)
    products = server.call("getAllProducts", orgToken=org_token(org))["products"]
    answer(
        {"products": products},
        json_output,
        products,
        [("productName", "product"), ("productToken", "token")],
        "products",
    )


@app.command("delete")
def delete(
    product: str = typer.Argument(..., help="Name or token of the product."),
    org: str | None = ORG,
    json_output: bool = JSON,
    url: str | None = URL,
    user_key: str | None = USER_KEY,
    ca_file: Path | None = CA_FILE,
) -> None:
    """Delete a product and its projects."""
    server = connect(url, user_key, ca_file)
    token = product_token(server, org_token(org), product)
    done = server.call("deleteProduct", productToken=token)
    row = {"productToken": token, "message": done.get("message", "deleted")}
    answer(row, json_output, [row], [("productToken", "product"), ("message", "result")])
