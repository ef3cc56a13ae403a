"""``depvault report generate TYPE``: an asynchronous report, waited for and saved."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import typer

from depvault.cli.common import fail
from depvault.cli.remote.async_report import run_report
from depvault.cli.remote.client import Server, client_command
from depvault.cli.remote.output import JSON, answer
from depvault.cli.remote.scope import SCOPE, parse_scope

app = typer.Typer(help="Asynchronous reports (over HTTP).", no_args_is_help=True)


@app.command("generate")
@client_command
def generate(
    server: Server,
    org: str,
    report_type: str = typer.Argument(
        ..., help="reportType (docs/api-coverage.md lists them per scope)."
    ),
    scope: str = SCOPE,
    fmt: str = typer.Option("xlsx", "--format", help="xlsx, json, xml or pdf."),
    out: Path = typer.Option(..., "--out", help="The ZIP to write (a folder with --unzip)."),
    unzip: bool = typer.Option(False, "--unzip", help="Extract the ZIP's files into --out."),
    timeout: float = typer.Option(3600, help="Seconds to wait at most."),
    json_output: bool = JSON,
) -> None:
    """Queue a report, wait for it with a progress display, and download it."""
    where = parse_scope(server, org, scope)
    status, body = run_report(server, where, report_type, fmt, timeout)
    if unzip:
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                out.mkdir(parents=True, exist_ok=True)
                names = archive.namelist()
                archive.extractall(out)
        except zipfile.BadZipFile:
            fail("the server's answer is not a ZIP")
        files = [str((out / n).resolve()) for n in names]
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(body)
        files = [str(out.resolve())]
    payload = {"uuid": status["uuid"], "reportType": report_type, "files": files}
    answer(payload, json_output, [{"file": f} for f in files], [("file", "written")], "files")
