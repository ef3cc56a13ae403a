"""``depvault import-sbom``: send an SBOM to a running server and, with ``--wait``,
follow it to the end.

The document travels as ``importProjectSbom``: a JSON document as an object, any other
syntax (XML, YAML, tag-value, gzip) as base64. ``--wait`` follows the import through
``getProjectLastModification`` (it needs only the project token the import returns,
where ``getRequestState`` would need the organization token).
"""

from __future__ import annotations

import base64
import json
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from depvault.cli.common import fail, print_json

DONE = {"FINISHED", "FAILED", "SKIPPED"}


def _post(url: str, body: dict[str, Any], context: ssl.SSLContext | None) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        fail(f"--url must be an http:// or https:// address, not {url!r}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        f"{url.rstrip('/')}/api/v1.3",
        data=orjson.dumps(body),
        headers={"content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, context=context, timeout=600) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        answer = json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, OSError) as exc:
        fail(f"cannot reach {url}: {exc}")
    if "errorCode" in answer:
        fail(f"{body['requestType']}: {answer.get('errorMessage')} (code {answer['errorCode']})")
    return answer


def _sbom_parameter(path: Path) -> Any:
    raw = path.read_bytes()
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return base64.b64encode(raw).decode()
    return document if isinstance(document, dict) else base64.b64encode(raw).decode()


def import_sbom(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The SBOM document."),
    project_token: str | None = typer.Option(None, help="Project to import into."),
    product_token: str | None = typer.Option(None, help="Product of the project (by name)."),
    project_name: str | None = typer.Option(None, help="Project name, created when missing."),
    update_type: str = typer.Option("OVERRIDE", help="OVERRIDE, APPEND or REMOVE."),
    wait: bool = typer.Option(False, "--wait", help="Follow the import until it ends."),
    url: str = typer.Option("http://127.0.0.1:8080", envvar="DEPVAULT_URL", help="Server."),
    user_key: str = typer.Option(..., envvar="DEPVAULT_USER_KEY", help="Your user key."),
    ca_file: Path | None = typer.Option(None, help="CA bundle for an HTTPS server."),
    timeout: float = typer.Option(600, help="Seconds --wait waits at most."),
) -> None:
    """Import a CycloneDX or SPDX document into a project (prints one JSON object)."""
    if bool(project_token) == bool(product_token and project_name):
        fail("give --project-token, or --product-token with --project-name")
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    body: dict[str, Any] = {
        "requestType": "importProjectSbom",
        "userKey": user_key,
        "updateType": update_type,
    }
    if project_token:
        body["projectToken"] = project_token
    else:
        body.update(productToken=product_token, projectName=project_name)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(f"uploading {file.name}", total=None)
        body["sbom"] = _sbom_parameter(file)
        answer = _post(url, body, context)
        state = "QUEUED"
        if wait:
            deadline = time.monotonic() + timeout
            while state not in DONE and time.monotonic() < deadline:
                progress.update(task, description=f"{answer['message']}: {state}")
                time.sleep(1)
                updates = _post(
                    url,
                    {
                        "requestType": "getProjectLastModification",
                        "userKey": user_key,
                        "projectToken": answer["projectToken"],
                    },
                    context,
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
    print_json(result)
    if wait and state != "FINISHED":
        raise typer.Exit(1)
