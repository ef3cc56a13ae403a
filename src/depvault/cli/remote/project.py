"""``depvault project create|list|show|delete``: projects of a product, over HTTP."""

from __future__ import annotations

import typer

from depvault.cli.remote.client import Server, client_command
from depvault.cli.remote.output import JSON, answer
from depvault.cli.remote.scope import product_token, project_token

app = typer.Typer(help="Projects of a product (over HTTP).", no_args_is_help=True)

_PRODUCT = typer.Option(..., "--product", help="Name or token of the product.")
_PROJECT = typer.Argument(..., help="Name or token of the project.")
_VITALS = [
    ("name", "project"),
    ("productName", "product"),
    ("token", "token"),
    ("lastUpdatedDate", "last updated"),
]


@app.command("create")
@client_command
def create(
    server: Server,
    org: str,
    name: str = typer.Argument(..., help="Name of the new project."),
    product: str = _PRODUCT,
    json_output: bool = JSON,
) -> None:
    """Create a project in a product (→ its token)."""
    token = product_token(server, org, product)
    created = server.call("createProject", productToken=token, projectName=name)
    row = {"projectName": name, "projectToken": created["projectToken"]}
    answer(row, json_output, [row], [("projectName", "project"), ("projectToken", "token")])


@app.command("list")
@client_command
def list_command(
    server: Server,
    org: str,
    product: str | None = typer.Option(None, "--product", help="Only this product's."),
    json_output: bool = JSON,
) -> None:
    """List the projects of the organization, or of one product."""
    if product is None:
        vitals = server.call("getOrganizationProjectVitals", orgToken=org)
    else:
        token = product_token(server, org, product)
        vitals = server.call("getProductProjectVitals", productToken=token)
    rows = vitals["projectVitals"]
    answer({"projects": rows}, json_output, rows, _VITALS, "projects")


@app.command("show")
@client_command
def show(
    server: Server,
    org: str,
    project: str = _PROJECT,
    product: str = _PRODUCT,
    json_output: bool = JSON,
) -> None:
    """A project's vitals and its Active alerts counted by type."""
    token = project_token(server, org, product, project)
    [vitals] = server.call("getProjectVitals", projectToken=token)["projectVitals"]
    counts: dict[str, int] = {}
    for alert in server.call("getProjectAlerts", projectToken=token)["alerts"]:
        counts[alert["type"]] = counts.get(alert["type"], 0) + 1
    rows = [{"field": k, "value": v} for k, v in vitals.items()]
    rows += [{"field": f"active {k}", "value": n} for k, n in sorted(counts.items())]
    payload = {**vitals, "activeAlerts": counts}
    answer(payload, json_output, rows, [("field", "field"), ("value", "value")], "project")


@app.command("delete")
@client_command
def delete(
    server: Server,
    org: str,
    project: str = _PROJECT,
    product: str = _PRODUCT,
    json_output: bool = JSON,
) -> None:
    """Delete a project, its inventory and its alerts."""
    token = project_token(server, org, product, project)
    done = server.call("deleteProject", projectToken=token)
    row = {"projectToken": token, "message": done.get("message", "deleted")}
    answer(row, json_output, [row], [("projectToken", "project"), ("message", "result")])
