"""The ``depvault`` command: every subcommand lives in its own module."""

from __future__ import annotations

from pathlib import Path

import typer

from depvault import __version__
from depvault.cli import attribute, bootstrap, db, kb, migrate, org, serve, tls, user, worker
from depvault.cli.common import set_config_file
from depvault.cli.remote import alerts, grant, import_sbom, product, project, report, sbom, status
from depvault.config import CONFIG_ENV, CONFIG_FILE

app = typer.Typer(
    help="depvault: a self-hosted SCA server speaking the Mend HTTP API v1.3.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"depvault {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    config: Path | None = typer.Option(
        None,
        "--config",
        help=f"Settings file (TOML) [{CONFIG_ENV}; default ./{CONFIG_FILE} when present].",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Options of every command."""
    set_config_file(config)


app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.command("bootstrap")(bootstrap.bootstrap)
app.command("import-sbom")(import_sbom.import_sbom)
app.command("status")(status.status)
app.command("migrate")(migrate.migrate)
app.add_typer(org.app, name="org")
app.add_typer(user.app, name="user")
user.app.command("grant")(grant.grant)
app.add_typer(product.app, name="product")
app.add_typer(project.app, name="project")
app.add_typer(alerts.app, name="alerts")
app.add_typer(report.app, name="report")
app.add_typer(sbom.app, name="sbom")
app.add_typer(attribute.app, name="attribute")
app.add_typer(tls.app, name="tls")
app.add_typer(db.app, name="db")
app.add_typer(kb.app, name="kb")


def main() -> None:
    """Entry point of the console script."""
    app()
