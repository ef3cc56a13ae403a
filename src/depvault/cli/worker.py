"""``depvault worker``: run worker processes alone, for machines that serve no API."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import typer

from depvault.cli.common import fail, load_config, open_database
from depvault.jobs.processes import Supervisor


def worker(
    processes: int | None = typer.Option(
        None, min=1, help="Worker processes to run [DEPVAULT_WORKER_PROCESSES]."
    ),
) -> None:
    """Run worker processes until SIGTERM or Ctrl-C. They take queued work (inventory
    updates, analyses, reports) from the configured database, as ``serve``'s do."""
    config = load_config()
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    count = processes if processes is not None else config.worker_processes
    if count < 1:
        fail("DEPVAULT_WORKER_PROCESSES is 0: give --processes 1 or more")
    open_database(config).dispose()  # migrated before any worker claims work
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    supervisor = Supervisor(config, count)
    supervisor.start()
    typer.echo(f"depvault: {count} worker process(es) running", err=True)
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        supervisor.stop()
