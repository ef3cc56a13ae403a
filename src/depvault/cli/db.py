"""``depvault db …``: schema operations."""

from __future__ import annotations

import typer

from depvault.cli.common import load_config, open_database, print_json
from depvault.store.engine.migrate import current_revision, head_revision

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration (the server also does this at start)."""
    database = open_database(load_config(), create=True)
    print_json({"revision": current_revision(database), "head": head_revision()})
    database.dispose()
