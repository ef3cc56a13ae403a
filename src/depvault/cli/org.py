"""``depvault org …``: organizations."""

from __future__ import annotations

import typer

from depvault import admin
from depvault.cli.common import operator_database, print_json

app = typer.Typer(help="Manage organizations.", no_args_is_help=True)


@app.command("list")
def list_organizations(
    json_output: bool = typer.Option(False, "--json", help="Print one JSON array."),
) -> None:
    """Every organization of the store with its global organization (none when it left
    every one): the site administrator's view, which the API gives per global
    organization only."""
    with operator_database() as database:
        found = admin.list_organizations(database)
    rows = [
        {"orgName": o.name, "orgToken": o.token, "globalOrgName": o.global_org_name} for o in found
    ]
    if json_output:
        print_json(rows)
        return
    for row in rows:
        global_org = row["globalOrgName"] or "(no global organization)"
        typer.echo(f"{row['orgName']}\t{row['orgToken']}\t{global_org}")


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Name of the new organization."),
    admin_email: str | None = typer.Option(None, help="E-mail of its first administrator."),
    global_org_token: str | None = typer.Option(None, help="Global organization to join."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Create an organization and its first administrator (→ orgToken, userKey)."""
    with operator_database() as database:
        result = admin.create_organization(
            database, name, admin_email=admin_email, global_org_token=global_org_token
        )
    payload = {
        "orgToken": result.org_token,
        "adminEmail": result.admin_email,
        "userKey": result.user_key,
    }
    if json_output:
        print_json(payload)
    else:
        for key, value in payload.items():
            typer.echo(
                f"{key}: {value if value is not None else '(existing user keeps their key)'}"
            )
