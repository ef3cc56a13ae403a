"""``depvault product create|list|delete``: products of an organization, over HTTP."""

from __future__ import annotations

import typer

from depvault.cli.remote.client import Server, client_command
from depvault.cli.remote.output import JSON, answer
from depvault.cli.remote.scope import product_token

app = typer.Typer(help="Products of an organization (over HTTP).", no_args_is_help=True)

_COLUMNS = [("productName", "product"), ("productToken", "token")]


@app.command("create")
@client_command
def create(
    server: Server,
    org: str,
    name: str = typer.Argument(..., help="Name of the new product."),
    json_output: bool = JSON,
) -> None:
    """Create a product (→ its token)."""
    created = server.call("createProduct", orgToken=org, productName=name)
    row = {"productName": name, "productToken": created["productToken"]}
    answer(row, json_output, [row], _COLUMNS)


@app.command("list")
@client_command
def list_command(server: Server, org: str, json_output: bool = JSON) -> None:
    """List the organization's products."""
    products = server.call("getAllProducts", orgToken=org)["products"]
    answer({"products": products}, json_output, products, _COLUMNS, "products")


@app.command("delete")
@client_command
def delete(
    server: Server,
    org: str,
    product: str = typer.Argument(..., help="Name or token of the product."),
    json_output: bool = JSON,
) -> None:
    """Delete a product and its projects."""
    token = product_token(server, org, product)
    done = server.call("deleteProduct", productToken=token)
    row = {"productToken": token, "message": done.get("message", "deleted")}
    answer(row, json_output, [row], [("productToken", "product"), ("message", "result")])
