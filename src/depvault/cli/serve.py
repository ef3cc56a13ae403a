"""``depvault serve``: run the API server (bootstrapping an empty store first).

It fails before it promises: the socket is bound first, so a busy port is one clear
error before the store is touched (an earlier version bootstrapped, printed the
one-time key, then died on the port, and the retry printed no key); an SQLite store is
locked against a second server; and "serving" is said only once uvicorn listens.
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import socket
from pathlib import Path

import typer
import uvicorn

from depvault import admin
from depvault.api.app import create_app
from depvault.cli.common import fail, load_config, open_database, print_json, store_location
from depvault.config import Config
from depvault.jobs.processes import NotifyingRunner, Supervisor
from depvault.store.engine.serve_lock import StoreLocked, hold_serve_lock

log = logging.getLogger("depvault.serve")


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or a clear failure."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        fail(f"cannot listen on {host!r}: {exc.strerror}")
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fail(
                f"port {port} on {host} is already in use (another depvault serve?): stop "
                "what holds it, or choose another port with --port, DEPVAULT_PORT or "
                "`make run PORT=…`; nothing was started"
            )
        fail(f"cannot listen on {host}:{port}: {exc.strerror}")
    return sock


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Server(uvicorn.Server):
    """uvicorn's server, saying "serving" only once it listens."""

    def __init__(self, config: uvicorn.Config, announce: str) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            typer.echo(f"depvault: serving {self.announce}", err=True)


def _lock_store(config: Config) -> object:
    """The SQLite store's serving lock (None for PostgreSQL), or a clear failure."""
    if not config.is_sqlite:
        return None
    try:
        return hold_serve_lock(Path(store_location(config)))
    except StoreLocked as exc:
        fail(
            f"the store {store_location(config)} is already served by process "
            f"{exc.holder or '(unknown)'}: SQLite serves one process; stop that server, "
            "or use PostgreSQL (DEPVAULT_DATABASE_URL) for several"
        )


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
    sock = _bind(config.host, config.port)
    _held_lock = _lock_store(config)  # held until the process ends
    if not config.tls_cert_file and not _is_loopback(config.host):
        log.warning(
            "listening on %s without TLS: keys and data cross the network in clear; "
            "set DEPVAULT_TLS_CERT_FILE and DEPVAULT_TLS_KEY_FILE (docs/operations.md)",
            config.host,
        )
    database = open_database(config, create=True)
    if not admin.is_bootstrapped(database):
        print_json(admin.bootstrap(database).as_json())
    supervisor = Supervisor(config, config.worker_processes)
    runner = NotifyingRunner(supervisor.wake if config.worker_processes else None)
    app = create_app(config, database, migrate=False, jobs=runner)
    scheme = "https" if config.tls_cert_file else "http"
    server = _Server(
        uvicorn.Config(
            app,
            ssl_certfile=str(config.tls_cert_file) if config.tls_cert_file else None,
            ssl_keyfile=str(config.tls_key_file) if config.tls_key_file else None,
            # "auto" picks httptools and uvloop, dependencies wherever the platform has
            # them, and falls back to h11 and asyncio where it does not
            http="auto",
            loop="auto",
            access_log=config.access_log,
            log_level=config.log_level.lower(),
        ),
        f"{scheme}://{config.host}:{config.port}/api/v1.3",
    )
    supervisor.start()
    try:
        server.run(sockets=[sock])
    finally:
        supervisor.stop()
        sock.close()
