"""``depvault migrate``: move an organization in from a server that speaks the protocol
(Mend, or another depvault), tokens kept, straight into this server's store."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from depvault.cli.common import fail, operator_database, print_json
from depvault.migration.run import Options
from depvault.migration.run import migrate as run_migration
from depvault.migration.source import SourceClient


class _RichPhases:
    """One progress line per phase, on standard error (standard output is the report)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, name: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.update(self.task, visible=True)
            self.progress.stop_task(self.task)
        self.task = self.progress.add_task(name, total=total)

    def advance(self, done: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=done)


def migrate(
    from_url: str = typer.Option(..., help="The source server (https://saas.mend.io …)."),
    from_user_key: str = typer.Option(
        ..., envvar="DEPVAULT_FROM_USER_KEY", help="An administrator's user key there."
    ),
    from_org_token: str = typer.Option(..., help="The organization to move (its token there)."),
    into_org: str | None = typer.Option(None, help="Move into this existing organization here."),
    new_org: str | None = typer.Option(None, help="Name of the new organization here."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only list what would be created."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run."),
    rate: float = typer.Option(20.0, help="Requests per second to the source at most."),
    ca_file: Path | None = typer.Option(None, help="CA bundle for an HTTPS source."),
) -> None:
    """Copy an organization from another server, tokens kept (prints one JSON report)."""
    if into_org and new_org:
        fail("give --into-org or --new-org, not both")
    if rate <= 0:
        fail("--rate must be positive")
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    options = Options(from_url, from_org_token, into_org, new_org, dry_run, resume)
    printed: list[dict[str, Any]] = []

    def emit(report: dict[str, Any]) -> None:
        print_json(report)  # before the keys count as delivered: printed once, here
        printed.append(report)

    with operator_database() as database:
        client = SourceClient(from_url, from_user_key, rate=rate, context=context)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=Console(stderr=True)) as progress:
            report = run_migration(database, client, options, _RichPhases(progress), emit)
    if not printed:
        print_json(report)
