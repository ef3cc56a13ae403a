"""``depvault bootstrap``: the first organization and administrator of a data store."""

from __future__ import annotations

import typer

from depvault import admin
from depvault.cli.common import operator_database, print_json


def bootstrap(
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object."),
    org_name: str = typer.Option(admin.DEFAULT_ORG, help="Name of the first organization."),
    admin_email: str = typer.Option(admin.DEFAULT_ADMIN_EMAIL, help="E-mail of its administrator."),
) -> None:
    """Create the global organization, an organization and its administrator."""
    with operator_database(create=True) as database:
        result = admin.bootstrap(database, org_name=org_name, admin_email=admin_email)
    if json_output:
        print_json(result.as_json())
    else:
        typer.echo(
            f"globalOrgToken: {result.global_org_token}\n"
            f"orgToken:       {result.org_token}\n"
            f"userKey:        {result.user_key}   (shown once: keep it)"
        )
