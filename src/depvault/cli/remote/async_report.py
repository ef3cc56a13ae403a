"""An asynchronous report from the command line: queue it, follow it, fetch its ZIP.

``generate<Scope>ReportAsync`` answers a process; ``getAsyncProcessStatus`` is polled
with a progress display on standard error until SUCCESS or FAILED; then
``downloadAsyncReport`` fetches the ZIP. Shared by ``report generate`` and ``sbom
export``.
"""

from __future__ import annotations

import time
from typing import Any

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from depvault.cli.common import fail
from depvault.cli.remote.client import Server
from depvault.cli.remote.output import progress_console
from depvault.cli.remote.scope import Scope

__all__ = ["run_report"]


def run_report(
    server: Server, where: Scope, report_type: str, fmt: str, timeout: float, **options: Any
) -> tuple[dict[str, Any], bytes]:
    """The finished process's status and its ZIP; a failure or timeout ends the command."""
    queued = server.call(
        f"generate{where.noun}ReportAsync",
        reportType=report_type,
        format=fmt,
        **options,
        **where.params(),
    )["asyncProcessStatus"]
    status = queued
    deadline = time.monotonic() + timeout
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, transient=True, console=progress_console()) as progress:
        task = progress.add_task(f"{report_type}: {status['status']}", total=None)
        while status["status"] not in {"SUCCESS", "FAILED"}:
            if time.monotonic() > deadline:
                fail(
                    f"{report_type} still {status['status']} after {timeout:g} s ({queued['uuid']})"
                )
            time.sleep(0.5)
            status = server.call("getAsyncProcessStatus", orgToken=where.org, uuid=queued["uuid"])[
                "asyncProcessStatus"
            ]
            progress.update(task, description=f"{report_type}: {status['status']}")
    if status["status"] == "FAILED":
        fail(f"{report_type} failed: {status.get('failureReason') or 'no reason given'}", code=1)
    body, _ = server.raw("downloadAsyncReport", orgToken=where.org, reportStatusUUID=queued["uuid"])
    return status, body
