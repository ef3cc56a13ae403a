"""``depvault serve``: run the API server (bootstrapping an empty store first)."""

from __future__ import annotations

import logging

import typer
import uvicorn

from depvault import admin
from depvault.api.app import create_app
from depvault.cli.common import fail, load_config, open_database, print_json
from depvault.jobs.processes import NotifyingRunner, Supervisor


def serve(
    host: str | None = typer.Option(None, help="Address to listen on [DEPVAULT_HOST]."),
    port: int | None = typer.Option(None, help="Port to listen on [DEPVAULT_PORT]."),
) -> None:
    """Serve the API, with DEPVAULT_WORKER_PROCESSES worker processes beside it. The
    first start on an empty store bootstraps it and prints the new tokens and the
    administrator's key once, as one JSON line."""
    config = load_config(host=host, port=port)
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if bool(config.tls_cert_file) != bool(config.tls_key_file):
        fail("DEPVAULT_TLS_CERT_FILE and DEPVAULT_TLS_KEY_FILE go together")
    database = open_database(config)
    if not admin.is_bootstrapped(database):
        print_json(admin.bootstrap(database).as_json())
    supervisor = Supervisor(config, config.worker_processes)
    runner = NotifyingRunner(supervisor.wake if config.worker_processes else None)
    app = create_app(config, database, migrate=False, jobs=runner)
    scheme = "https" if config.tls_cert_file else "http"
    typer.echo(f"depvault: serving {scheme}://{config.host}:{config.port}/api/v1.3", err=True)
    supervisor.start()
    try:
        uvicorn.run(
            app,
            host=config.host,
            port=config.port,
            ssl_certfile=str(config.tls_cert_file) if config.tls_cert_file else None,
            ssl_keyfile=str(config.tls_key_file) if config.tls_key_file else None,
            access_log=config.access_log,
            log_level=config.log_level.lower(),
        )
    finally:
        supervisor.stop()
