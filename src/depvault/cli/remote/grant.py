"""``depvault user grant EMAIL --role …``: give a person a role, over HTTP.

A person added with ``user add`` holds no role, so every request refuses them; this
adds them to one role's members, keeping the others (the ``set…Assignments`` requests
replace a role's whole membership, so the current one is read first):

- ``org-admin``: the organization's ``administrators``;
- ``member``: the organization's ``readOnlyUsers`` (reads everything in it), or with
  ``--product`` that product's ``productMembership``;
- ``product-admin`` (needs ``--product``): that product's ``productAdmins``.
"""

from __future__ import annotations

from typing import Any

import typer

from depvault.cli.common import fail
from depvault.cli.remote.client import Server, client_command
from depvault.cli.remote.output import JSON, answer
from depvault.cli.remote.scope import product_token

ROLES = {
    ("org-admin", False): "administrators",
    ("member", False): "readOnlyUsers",
    ("product-admin", True): "productAdmins",
    ("member", True): "productMembership",
}


def _granted(server: Server, noun: str, scope: dict[str, str], role: str, email: str) -> bool:
    current: dict[str, Any] = server.call(f"get{noun}Assignments", **scope)
    users = [u["email"] for u in current["userRoles"].get(role, [])]
    if email.lower() in (u.lower() for u in users):
        return False
    groups = [g["name"] for g in current["groupRoles"].get(role, [])]
    server.call(
        f"set{noun}Assignments",
        **scope,
        **{
            role: {
                "userAssignments": [{"email": e} for e in [*users, email]],
                "groupAssignments": [{"name": g} for g in groups],
            }
        },
    )
    return True


@client_command
def grant(
    server: Server,
    org: str,
    email: str = typer.Argument(..., help="E-mail of a member of the organization."),
    role: str = typer.Option(..., "--role", help="org-admin, product-admin or member."),
    product: str | None = typer.Option(None, "--product", help="Name or token of a product."),
    json_output: bool = JSON,
) -> None:
    """Grant a person a role in the organization or one of its products."""
    wire_role = ROLES.get((role, product is not None))
    if wire_role is None:
        if role == "product-admin":
            fail("--role product-admin needs --product")
        if role == "org-admin":
            fail("--role org-admin is organization-wide: drop --product")
        fail(f"--role {role!r}: expected org-admin, product-admin or member")
    if product is None:
        noun, scope, where = "Organization", {"orgToken": org}, "the organization"
    else:
        token = product_token(server, org, product)
        noun, scope, where = "Product", {"productToken": token}, f"product {product}"
    changed = _granted(server, noun, scope, wire_role, email)
    row = {"email": email, "role": wire_role, "scope": where, "changed": changed}
    answer(
        row,
        json_output,
        [row],
        [("email", "email"), ("role", "role"), ("scope", "in"), ("changed", "changed")],
    )
