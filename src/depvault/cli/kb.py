"""``depvault kb …``: the vulnerability knowledge base."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from depvault.cli.common import fail, load_config, open_database, print_json
from depvault.ingest.osv import import_osv, read_osv_documents

app = typer.Typer(help="Vulnerability knowledge base.", no_args_is_help=True)


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="OSV all.zip exports or folders of OSV JSON."),
    default_band: str = typer.Option(
        "medium", help="Severity band of advisories no source scores (high/medium/low/none)."
    ),
) -> None:
    """Import OSV advisories, incrementally by their modified time (prints one JSON)."""
    if default_band not in {"high", "medium", "low", "none"}:
        fail("--default-band must be high, medium, low or none")
    for path in paths:
        if not path.exists():
            fail(f"{path} does not exist")
    database = open_database(load_config())
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("importing advisories", total=None)

        def reanalysing(stage: str, done: int) -> None:
            label = "matching libraries" if stage == "match" else "deriving project alerts"
            progress.update(task, description=label, completed=done)

        stats = import_osv(
            database,
            read_osv_documents(paths),
            default_band=default_band,
            progress=lambda n: progress.advance(task, n),
            reanalysis_progress=reanalysing,
        )
    database.dispose()
    print_json(asdict(stats))
