"""The ``depvault`` command: every subcommand lives in its own module."""

from __future__ import annotations

import typer

from depvault.cli import attribute, bootstrap, db, import_sbom, kb, org, serve, tls, user, worker

app = typer.Typer(
    help="depvault: a self-hosted SCA server speaking the Mend HTTP API v1.3.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.command("bootstrap")(bootstrap.bootstrap)
app.command("import-sbom")(import_sbom.import_sbom)
app.add_typer(org.app, name="org")
app.add_typer(user.app, name="user")
app.add_typer(attribute.app, name="attribute")
app.add_typer(tls.app, name="tls")
app.add_typer(db.app, name="db")
app.add_typer(kb.app, name="kb")


def main() -> None:
    """Entry point of the console script."""
    app()
