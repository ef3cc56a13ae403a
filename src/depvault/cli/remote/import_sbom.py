"""``depvault import-sbom``: send an SBOM to a running server and, with ``--wait``,
follow it to the end.

The document travels as ``importProjectSbom``: a JSON document as an object, any other
syntax (XML, YAML, tag-value, gzip) as base64. ``--wait`` follows the import through
``getProjectLastModification`` (it needs only the project token the import returns,
where ``getRequestState`` would need the organization token).
"""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from depvault.cli.common import fail, print_json
from depvault.cli.remote.client import Server, client_command
from depvault.cli.remote.output import progress_console

DONE = {"FINISHED", "FAILED", "SKIPPED"}
WAITED = {
    "FINISHED": "imported and analysed",
    "FAILED": "the import failed",
    "SKIPPED": "skipped: a later update of the project replaced it",
}


def _sbom_parameter(path: Path) -> Any:
    raw = path.read_bytes()
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return base64.b64encode(raw).decode()
    return document if isinstance(document, dict) else base64.b64encode(raw).decode()


@client_command
def import_sbom(
    server: Server,
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The SBOM document."),
    project_token: str | None = typer.Option(None, help="Project to import into."),
    product_token: str | None = typer.Option(None, help="Token of the project's product."),
    project_name: str | None = typer.Option(None, help="Project name, created when missing."),
    update_type: str = typer.Option("OVERRIDE", help="OVERRIDE, APPEND or REMOVE."),
    wait: bool = typer.Option(False, "--wait", help="Follow the import until it ends."),
    timeout: float = typer.Option(600, help="Seconds --wait waits at most."),
) -> None:
    """Import a CycloneDX or SPDX document into a project (prints one JSON object)."""
    if bool(project_token) == bool(product_token and project_name):
        fail("give --project-token, or --product-token with --project-name")
    body: dict[str, Any] = {"updateType": update_type}
    if project_token:
        body["projectToken"] = project_token
    else:
        body.update(productToken=product_token, projectName=project_name)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=progress_console()) as progress:
        task = progress.add_task(f"uploading {file.name}", total=None)
        body["sbom"] = _sbom_parameter(file)
        answer = server.call("importProjectSbom", **body)
        state = "QUEUED"
        if wait:
            deadline = time.monotonic() + timeout
            while state not in DONE and time.monotonic() < deadline:
                progress.update(task, description=f"{answer['message']}: {state}")
                time.sleep(1)
                updates = server.call(
                    "getProjectLastModification", projectToken=answer["projectToken"]
                )
                state = next(
                    (
                        u["state"]
                        for u in updates["projectLastModifications"]
                        if u["extraData"]["requestToken"] == answer["requestToken"]
                    ),
                    state,
                )
    result = {**answer, "state": state}
    if wait:
        # the import's answer said "queued"; after waiting, the message says how it ended
        result["message"] = WAITED.get(state, f"still {state} after {timeout:g} s")
    print_json(result)
    if wait and state != "FINISHED":
        raise typer.Exit(1)
