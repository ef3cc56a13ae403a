"""``depvault project create|list|show|delete``: projects of a product, over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from depvault.cli.client import CA_FILE, URL, USER_KEY, connect
from depvault.cli.output import JSON, answer
from depvault.cli.scope import ORG, org_token, product_token, project_token

app = typer.Typer(help="Projects of a product (over HTTP).", no_args_is_help=True)

_PRODUCT = typer.Option(..., "--product", help="Name or token of the product.")
_VITALS = [
    ("projectName", "project"),
    ("productName", "product"),
    ("token", "token"),
    ("lastUpdatedDate", "last updated"),
]


@app.command("create")
def create(
    name: str = typer.Argument(..., help="Name of the new project."),
    product: str = _PRODUCT,
    org: str | None = ORG,
    json_output: bool = JSON,
    url: str | None = URL,
    user_key: str | None = USER_KEY,
    ca_file: Path | None = CA_FILE,
) -> None:
    """Create a project in a product (→ its token)."""
    server = connect(url, user_key, ca_file)
    token = product_token(server, org_token(org), product)
    created = server.call("createProject", productToken=token, projectName=name)
    row = {"projectName": name, "projectToken": created["projectToken"]}
    answer(row, json_output, [row], [("projectName", "project"), ("projectToken", "token")])


def _vitals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "projectName": r.get("name"), "productName": r.get("productName")} for r in rows]


@app.command("list")
def list_command(
    product: str | None = typer.Option(None, "--product", help="Only this product's."),
    org: str | None = ORG,
    json_output: bool = JSON,
    url: str | None = URL,
    user_key: str | None = USER_KEY,
    ca_file: Path | None = CA_FILE,
) -> None:
    """List the projects of the organization, or of one product."""
    server = connect(url, user_key, ca_file)
    organization = org_token(org)
    if product is None:
        vitals = server.call("getOrganizationProjectVitals", orgToken=organization)
    else:
        token = product_token(server, organization, product)
        vitals = server.call("getProductProjectVitals", productToken=token)
    rows = _vitals(vitals["projectVitals"])
    answer({"projects": vitals["projectVitals"]}, json_output, rows, _VITALS, "projects")


@app.command("show")
def show(
    project: str = typer.Argument(..., help="Name or token of the project."),
    product: str = _PRODUCT,
    org: str | None = ORG,
    json_output: bool = JSON,
    url: str | None = URL,
    user_key: str | None = USER_KEY,
    ca_file: Path | None = CA_FILE,
) -> None:
    """A project's vitals and its alerts counted by type."""
    server = connect(url, user_key, ca_file)
    token = project_token(server, org_token(org), product, project)
    [vitals] = server.call("getProjectVitals", projectToken=token)["projectVitals"]
    alerts = server.call("getProjectAlerts", projectToken=token)["alerts"]
    counts: dict[str, int] = {}
    for alert in alerts:
        counts[alert["type"]] = counts.get(alert["type"], 0) + 1
    payload = {**vitals, "activeAlerts": counts}
    rows = [{"field": k, "value": v} for k, v in vitals.items()]
    rows += [{"field": f"active {k}", "value": n} for k, n in sorted(counts.items())]
    answer(payload, json_output, rows, [("field", "field"), ("value", "value")], "project")


@app.command("delete")
def delete(
    project: str = typer.Argument(..., help="Name or token of the project."),
    product: str = _PRODUCT,
    org: str | None = ORG,
    json_output: bool = JSON,
    url: str | None = URL,
    user_key: str | None = USER_KEY,
    ca_file: Path | None = CA_FILE,
) -> None:
    """Delete a project, its inventory and its alerts."""
    server = connect(url, user_key, ca_file)
    token = project_token(server, org_token(org), product, project)
    done = server.call("deleteProject", projectToken=token)
    row = {"projectToken": token, "message": done.get("message", "deleted")}
    answer(row, json_output, [row], [("projectToken", "project"), ("message", "result")])
