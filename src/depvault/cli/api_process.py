"""The API processes of ``depvault serve --processes N``: a pre-fork of our own.

``serve`` binds the listening socket, locks and bootstraps the store, then starts N
processes (``spawn``: nothing inherited but the socket, handed over by multiprocessing)
that each build their own application and database pool from the configuration and run
uvicorn on that one socket; the kernel spreads the connections between them. We do not
use uvicorn's own ``--workers``: it wants the application as an import string and binds
the socket itself, where ``serve`` must bind first (a busy port fails before the store
is touched) and hand each process the workers' wake-up.

An API process ignores SIGINT (Ctrl-C reaches the whole process group; its supervisor
stops it with SIGTERM, which uvicorn turns into a graceful shutdown) and stops by itself
when its ``serve`` is gone.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from types import FrameType
from typing import Any, Protocol

import uvicorn

from depvault.api.app import create_app
from depvault.config import Config
from depvault.jobs.processes import NotifyingRunner, supervisor_gone
from depvault.jobs.runner import Wake
from depvault.store.engine.db import create_database

__all__ = ["Started", "api_main", "uvicorn_config"]

log = logging.getLogger(__name__)


class Started(Protocol):
    """Where an API process says it listens (a process-shared queue)."""

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        """Announce a process id."""


def uvicorn_config(app: Any, config: Config) -> uvicorn.Config:
    """uvicorn's settings for ``app``, the same in one process or several."""
    return uvicorn.Config(
        app,
        ssl_certfile=str(config.tls_cert_file) if config.tls_cert_file else None,
        ssl_keyfile=str(config.tls_key_file) if config.tls_key_file else None,
        # "auto" picks httptools and uvloop, dependencies wherever the platform has
        # them, and falls back to h11 and asyncio where it does not
        http="auto",
        loop="auto",
        access_log=config.access_log,
        log_level=config.log_level.lower(),
    )


class _ApiServer(uvicorn.Server):
    """uvicorn in an API process: announces itself once listening, leaves SIGINT to the
    supervisor."""

    def __init__(self, config: uvicorn.Config, started: Started) -> None:
        super().__init__(config)
        self._started = started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and not self.should_exit:
            self._started.put(os.getpid())

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGINT:
            return  # the supervisor got it too, and stops this process with SIGTERM
        super().handle_exit(sig, frame)


def api_main(config: Config, wake: Wake, sock: socket.socket, started: Started) -> None:
    """The body of one API process: serve ``sock`` until SIGTERM (requests in flight
    are finished) or until the supervising ``serve`` is gone. Work it queues wakes the
    worker processes of this ``serve`` through ``wake``."""
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s",
    )
    database = create_database(config)  # this process's own pool, DEPVAULT_DB_POOL_SIZE
    app = create_app(config, database, migrate=False, jobs=NotifyingRunner(wake))
    server = _ApiServer(uvicorn_config(app, config), started)

    def watch_parent() -> None:
        while not server.should_exit:
            if supervisor_gone():
                log.warning("API process %d: supervisor gone, stopping", os.getpid())
                server.should_exit = True
            threading.Event().wait(1.0)

    threading.Thread(target=watch_parent, name="depvault-parent-watch", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        database.dispose()
