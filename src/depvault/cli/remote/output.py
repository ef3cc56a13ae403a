"""How the everyday commands answer: a table for people, one JSON value for scripts.

Tables are rich's; progress displays go to standard error, so standard output holds
only the answer (a script's ``json.loads`` of it never meets a blank line).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from depvault.cli.common import print_json

__all__ = ["JSON", "answer", "progress_console"]

JSON = typer.Option(False, "--json", help="Print one JSON value instead of a table.")


def progress_console() -> Console:
    """The console of progress displays: standard error."""
    return Console(stderr=True)


def answer(
    payload: Any,
    json_output: bool,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    title: str | None = None,
) -> None:
    """``payload`` as JSON with ``--json``, else ``rows`` as a table of ``columns``
    ((key, heading) pairs)."""
    if json_output:
        print_json(payload)
        return
    if not rows:
        typer.echo(f"no {title or 'rows'}")
        return
    table = Table(title=title)
    for _, heading in columns:
        table.add_column(heading, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(k) is None else str(row.get(k)) for k, _ in columns))
    Console(width=200 if not Console().is_terminal else None).print(table)
