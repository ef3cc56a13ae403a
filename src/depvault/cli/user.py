"""``depvault user …``: people and their keys."""

from __future__ import annotations

import typer

from depvault import admin
from depvault.cli.common import operator_database, print_json

app = typer.Typer(help="Manage users and their keys.", no_args_is_help=True)


@app.command("add")
def add(
    email: str = typer.Argument(..., help="E-mail address of the person."),
    org: str = typer.Option(..., "--org", help="Token of the organization to join."),
    name: str | None = typer.Option(None, help="Display name (default: the e-mail's user)."),
    make_admin: bool = typer.Option(False, "--admin", help="Make them an administrator."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Add a person to an organization (→ userKey for a person who had none)."""
    with operator_database() as database:
        key = admin.add_user(database, email, org, name=name, admin=make_admin)
    if json_output:
        print_json({"email": email, "userKey": key})
    else:
        typer.echo(f"userKey: {key}" if key else "existing user keeps their key")


@app.command("rotate-key")
def rotate_key(
    email: str = typer.Argument(..., help="E-mail address of the member."),
    org: str = typer.Option(..., "--org", help="Token of an organization they belong to."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Issue a new key; the previous one stops working at once (→ userKey)."""
    with operator_database() as database:
        key = admin.issue_user_key(database, email, org)
    if json_output:
        print_json({"email": email, "userKey": key})
    else:
        typer.echo(f"userKey: {key}")
