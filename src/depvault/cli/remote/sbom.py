"""``depvault sbom export``: a project's SBOM (CycloneDX or SPDX) written to a file.

The document comes as the ``ProjectSBOMReport`` asynchronous report; its ZIP holds the
one document, which is written to ``--out`` as it is.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import typer

from depvault.cli.common import fail
from depvault.cli.remote.async_report import run_report
from depvault.cli.remote.client import Server, client_command
from depvault.cli.remote.output import JSON, answer
from depvault.cli.remote.scope import parse_scope

app = typer.Typer(help="SBOM documents (over HTTP).", no_args_is_help=True)


@app.command("export")
@client_command
def export(
    server: Server,
    org: str,
    project: str = typer.Option(..., "--project", help="PRODUCT/PROJECT (names or tokens)."),
    standard: str = typer.Option("CycloneDX", help="CycloneDX or SPDX."),
    fmt: str = typer.Option("json", "--format", help="json or xml (CycloneDX); json or tv."),
    out: Path = typer.Option(..., "--out", help="The document to write."),
    timeout: float = typer.Option(3600, help="Seconds to wait at most."),
    json_output: bool = JSON,
) -> None:
    """Export a project's SBOM."""
    where = parse_scope(server, org, f"project:{project}")
    status, body = run_report(server, where, "ProjectSBOMReport", fmt, timeout, standard=standard)
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            [name] = archive.namelist()
            document = archive.read(name)
    except (zipfile.BadZipFile, ValueError):
        fail("the server's answer is not a ZIP holding one document")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(document)
    payload = {"uuid": status["uuid"], "standard": standard, "file": str(out.resolve())}
    answer(payload, json_output, [payload], [("file", "written"), ("standard", "standard")])
