"""``depvault serve``: run the API server (bootstrapping an empty store first).

With ``--processes N`` (``DEPVAULT_API_PROCESSES``) N API processes share the socket
(``cli.api_process``) and this process only supervises them and the worker processes.

It fails before it promises: the socket is bound first, so a busy port is one clear
error before the store is touched (an earlier version bootstrapped, printed the
one-time key, then died on the port, and the retry printed no key); an SQLite store is
locked against a second server; and "serving" is said only once uvicorn listens.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import logging
import multiprocessing
import queue
import signal
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import typer
import uvicorn

from depvault import admin
from depvault.api.app import create_app
from depvault.cli.api_process import api_main, uvicorn_config
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

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's signal capture, without raising the caught signal again once the
        server has shut down: raised with the default handler back in place, a SIGTERM
        ended ``serve`` there, before it stopped its worker processes (they found their
        supervisor gone a second later, and a service manager killing what a stopped
        service leaves would have cut the job in hand). ``serve`` returns instead."""
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def _lock_store(config: Config) -> object:
    """The SQLite store's serving lock (None for PostgreSQL), or a clear failure."""
    if not config.is_sqlite:
        return None
    try:
        return hold_serve_lock(Path(store_location(config)))
    except StoreLocked as exc:
        fail(
            f"the store {store_location(config)} is already served by process "
            f"{exc.holder or '(unknown)'}: an SQLite store has one `depvault serve` (give it "
            "more processes with --processes); stop that server, or use PostgreSQL "
            "(DEPVAULT_DATABASE_URL) for several servers"
        )


def _check_tls(config: Config) -> None:
    """Fail now on an unusable certificate pair, not in every API process."""
    if bool(config.tls_cert_file) != bool(config.tls_key_file):
        fail("DEPVAULT_TLS_CERT_FILE and DEPVAULT_TLS_KEY_FILE go together")
    if config.tls_cert_file and config.tls_key_file:
        try:
            ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(
                config.tls_cert_file, config.tls_key_file
            )
        except (OSError, ssl.SSLError) as exc:
            fail(f"cannot use the TLS certificate and key: {exc}")


def serve(
    host: str | None = typer.Option(None, help="Address to listen on [DEPVAULT_HOST]."),
    port: int | None = typer.Option(None, help="Port to listen on [DEPVAULT_PORT]."),
    processes: int | None = typer.Option(
        None, min=1, help="API processes sharing the port [DEPVAULT_API_PROCESSES]."
    ),
) -> None:
    """Serve the API, with DEPVAULT_WORKER_PROCESSES worker processes beside it. The
    first start on an empty store bootstraps it and prints the new tokens and the
    administrator's key once, as one JSON line."""
    config = load_config(host=host, port=port, api_processes=processes)
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    _check_tls(config)
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
    scheme = "https" if config.tls_cert_file else "http"
    announce = f"{scheme}://{config.host}:{config.port}/api/v1.3"
    supervisor = Supervisor(config, config.worker_processes)
    if config.api_processes > 1:
        database.dispose()  # each API process opens its own pool
        _serve_processes(config, sock, supervisor, announce)
        return
    runner = NotifyingRunner(supervisor.wake if config.worker_processes else None)
    app = create_app(config, database, migrate=False, jobs=runner)
    server = _Server(uvicorn_config(app, config), announce)
    supervisor.start()
    try:
        server.run(sockets=[sock])
    finally:
        supervisor.stop()
        sock.close()


def _serve_processes(
    config: Config, sock: socket.socket, workers: Supervisor, announce: str
) -> None:
    """Run ``config.api_processes`` API processes on ``sock`` and the worker processes,
    both supervised (restarted when they die), until SIGTERM or Ctrl-C."""
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    started: multiprocessing.Queue[int] = multiprocessing.get_context("spawn").Queue()
    api = Supervisor(
        config,
        config.api_processes,
        target=api_main,
        args=(sock, started),
        wake=workers.wake,
        name="depvault-api",
    )
    workers.start()
    api.start()
    try:
        listening = 0
        while listening < config.api_processes and not stopping.is_set():
            try:
                started.get(timeout=1.0)
            except queue.Empty:
                continue
            listening += 1
        if not stopping.is_set():
            typer.echo(
                f"depvault: serving {announce} ({config.api_processes} API processes, "
                f"{config.worker_processes} worker processes)",
                err=True,
            )
        while not stopping.wait(1.0):
            while True:  # announcements of restarted API processes
                try:
                    started.get_nowait()
                except queue.Empty:
                    break
    finally:
        api.stop(timeout=30.0)
        workers.stop()
        sock.close()
