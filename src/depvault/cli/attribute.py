"""``depvault attribute …``: custom attributes and their values.

Mend sets custom attribute values in its web UI; depvault's operator sets them here,
and the Attributes report shows them. Without ``--product`` a value belongs to the
organization; a project is named within its product (``--product P --project X``).
"""

from __future__ import annotations

from typing import Any

import typer

from depvault import attribute_admin
from depvault.attribute_admin import ValueChange
from depvault.cli.common import fail, operator_database, print_json
from depvault.domain.timefmt import format_timestamp

app = typer.Typer(help="Manage custom attributes and their values.", no_args_is_help=True)

_ORG = typer.Argument(..., help="Name or token of the organization.")
_NAME = typer.Argument(..., help="Name of the attribute.")
_PRODUCT = typer.Option(None, "--product", help="Name or token of a product of the organization.")
_PROJECT = typer.Option(
    None, "--project", help="Name or token of a project of --product (needs --product)."
)
_JSON = typer.Option(False, "--json", help="Print one JSON object.")


def _where(change: ValueChange) -> str:
    parts = [change.level.lower()]
    parts += [f"{change.product!r}"] if change.product else []
    parts += [f"/ {change.project!r}"] if change.project else []
    return " ".join(parts)


def _needs_product(product: str | None, project: str | None) -> None:
    if project is not None and product is None:
        fail("--project needs --product: a project is named within its product")


def _print_change(change: ValueChange, json_output: bool) -> None:
    if json_output:
        payload: dict[str, Any] = {
            "attribute": change.attribute,
            "level": change.level,
            "product": change.product,
            "project": change.project,
            "before": change.before,
            "after": change.after,
            "changed": change.changed,
        }
        print_json(payload)
    elif not change.changed:
        typer.echo(f"{change.attribute} on {_where(change)}: unchanged")
    elif change.after is None:
        typer.echo(f"{change.attribute} on {_where(change)}: removed {change.before!r}")
    else:
        typer.echo(f"{change.attribute} on {_where(change)}: {change.after!r}")


@app.command("define")
def define(
    org: str = _ORG,
    name: str = _NAME,
    description: str | None = typer.Option(None, help="What the attribute records."),
    json_output: bool = _JSON,
) -> None:
    """Define a custom attribute of an organization (names are unique in it)."""
    with operator_database() as database:
        created = attribute_admin.define_attribute(database, org, name, description)
    if json_output:
        print_json({"name": created.name, "description": created.description})
    else:
        typer.echo(f"defined attribute {created.name!r}")


@app.command("set")
def set_value(
    org: str = _ORG,
    name: str = _NAME,
    value: str = typer.Argument(..., help="The value."),
    product: str | None = _PRODUCT,
    project: str | None = _PROJECT,
    json_output: bool = _JSON,
) -> None:
    """Set an attribute's value on the organization, a product or a project."""
    _needs_product(product, project)
    with operator_database() as database:
        change = attribute_admin.set_attribute_value(
            database, org, name, value, product=product, project=project
        )
    _print_change(change, json_output)


@app.command("unset")
def unset_value(
    org: str = _ORG,
    name: str = _NAME,
    product: str | None = _PRODUCT,
    project: str | None = _PROJECT,
    json_output: bool = _JSON,
) -> None:
    """Remove an attribute's value from the organization, a product or a project."""
    _needs_product(product, project)
    with operator_database() as database:
        change = attribute_admin.unset_attribute_value(
            database, org, name, product=product, project=project
        )
    _print_change(change, json_output)


@app.command("list")
def list_command(org: str = _ORG, json_output: bool = _JSON) -> None:
    """List an organization's attributes with how many values each has."""
    with operator_database() as database:
        found = attribute_admin.list_attributes(database, org)
    if json_output:
        print_json(
            {
                "attributes": [
                    {
                        "name": a.name,
                        "description": a.description,
                        "created": format_timestamp(a.created_at),
                        "values": a.values,
                    }
                    for a in found
                ]
            }
        )
        return
    for a in found:
        about = f" — {a.description}" if a.description else ""
        typer.echo(f"{a.name}{about} ({a.values} value{'' if a.values == 1 else 's'})")
