"""Worker processes, so that the work never competes with the API for one interpreter.

Inventory analyses and report renders are CPU-bound Python: run as threads of the API
process they held the GIL while requests waited (a 10 ms read took 900 ms p50 under 20
concurrent imports, issue 16). Here each worker is a process of its own, started with
``spawn`` (no inherited connections or locks), at a lower CPU priority than the API,
running :class:`~depvault.jobs.runner.LocalWorkerPool` threads.

:class:`Supervisor` keeps ``DEPVAULT_WORKER_PROCESSES`` of them alive for ``depvault
serve`` and ``depvault worker``: one that dies is started again, and the new one recovers
the work its predecessor had claimed (``jobs.liveness``: the dead process's lease went with
it). A worker stops by itself when its supervisor is gone, so none outlives its ``serve``.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from depvault.config import Config
from depvault.ingest.licensing import license_facts
from depvault.jobs.kb_sync import KnowledgeSync
from depvault.jobs.reports import ReportWorker
from depvault.jobs.runner import LocalWorkerPool, Wake
from depvault.jobs.updates import UpdateWorker
from depvault.jobs.worker import Worker
from depvault.store.engine.db import create_database

__all__ = [
    "NICENESS",
    "NotifyingRunner",
    "ProcessWake",
    "Supervisor",
    "supervisor_gone",
    "worker_main",
]

log = logging.getLogger(__name__)

#: How much lower the workers' CPU priority is than the API's (``nice``): under load the
#: scheduler serves requests first, and work takes what the API leaves.
NICENESS = 10
#: Idle workers look for work queued elsewhere (another API node) this often; work
#: queued by their own ``serve`` wakes them at once (:class:`ProcessWake`).
POLL_SECONDS = 1.0
#: A worker that keeps dying is restarted at most this often.
RESTART_SECONDS = 1.0


def worker_main(config: Config, wake: Wake | None = None) -> None:
    """The body of one worker process: run work until SIGTERM (the job in hand is
    finished first), or until the supervising process is gone. SIGINT is ignored: Ctrl-C
    reaches the whole process group, and the supervisor, which gets it too, stops its
    workers itself (rather than seeing them exit and starting them again)."""
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s",
    )
    try:
        os.nice(NICENESS)
    except OSError:  # not permitted here: the worker still runs, at the API's priority
        log.warning("worker process %d could not lower its priority", os.getpid())
    stopping = threading.Event()

    def stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    database = create_database(config)
    worker = Worker(
        UpdateWorker(database, license_facts, max_jobs_per_org=config.max_jobs_per_org),
        ReportWorker(database, config),
    )
    pool = LocalWorkerPool(worker, config.workers, poll_seconds=POLL_SECONDS, wake=wake)
    pool.start()
    # the knowledge base's scheduled sync runs in the workers, not the API: it is
    # CPU-bound too, and its cross-process lock lets one worker at a time do it
    kb_sync = KnowledgeSync(database, config)
    kb_sync.start()
    log.info("worker process %d started (%d threads)", os.getpid(), config.workers)
    try:
        while not stopping.wait(1.0):
            if supervisor_gone():
                log.warning("worker process %d: supervisor gone, stopping", os.getpid())
                break
    finally:
        kb_sync.stop()
        pool.stop()
        database.dispose()
        log.info("worker process %d stopped", os.getpid())


def supervisor_gone() -> bool:
    """Whether the process that started this one has ended. Asked of multiprocessing's
    handle on the parent (a pipe that closes when it dies), not by comparing
    ``os.getppid()`` with its value at start: a child slow to start under load read it
    after its ``serve`` had died, got 1 (init) both times, and outlived it for good."""
    parent = multiprocessing.parent_process()
    return parent is not None and not parent.is_alive()


class NotifyingRunner:
    """The API side of worker processes: queuing work wakes them through the shared
    event (when they are this ``serve``'s); the workers themselves run elsewhere."""

    def __init__(self, wake: Wake | None) -> None:
        self.wake = wake

    def notify(self) -> None:
        """Wake idle workers of this machine; others find the work by polling."""
        if self.wake is not None:
            self.wake.set()

    def start(self) -> None:
        """Nothing to start: the supervisor starts the workers."""

    def stop(self) -> None:
        """Nothing to stop: the supervisor stops the workers."""


class ProcessWake:
    """The wake-up shared by a ``serve``'s API and worker processes: a semaphore, one
    token per :meth:`set`, each ending one :meth:`wait`.

    Not a ``multiprocessing.Event``: its ``set`` waits until every registered waiter has
    acknowledged, and a worker SIGKILLed while waiting never does — every later request
    that queued work then hung in ``set`` for good. Posting a semaphore never waits. A
    few spare tokens only cost idle workers an extra look for work."""

    #: Tokens kept at most: enough to wake every idle thread of a machine at once.
    MAX_TOKENS = 64

    def __init__(self, context: Any) -> None:
        self._tokens = context.Semaphore(0)

    def set(self) -> None:
        """Wake one waiting worker thread (or the next to wait)."""
        try:
            if self._tokens.get_value() >= self.MAX_TOKENS:
                return
        except NotImplementedError:  # macOS has no sem_getvalue: post anyway
            pass
        self._tokens.release()

    def clear(self) -> None:
        """Nothing to rearm: each token is consumed by the wait it ends."""

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until a token comes or ``timeout``; whether one came."""
        return bool(self._tokens.acquire(True, timeout))


class Supervisor:
    """Keeps ``processes`` worker processes running until :meth:`stop`.

    Each runs ``target(config, wake, *args)`` (by default :func:`worker_main`); ``serve
    --processes N`` supervises its API processes with one too, handing them the workers'
    ``wake`` so that what they queue wakes this machine's workers."""

    def __init__(
        self,
        config: Config,
        processes: int,
        *,
        target: Callable[..., None] = worker_main,
        args: tuple[Any, ...] = (),
        wake: Wake | None = None,
        name: str = "depvault-worker",
    ) -> None:
        self.config = config
        self.processes = processes
        self._context = multiprocessing.get_context("spawn")
        self.wake: Wake = wake if wake is not None else ProcessWake(self._context)
        self._target = target
        self._args = args
        self._name = name
        self._children: list[BaseProcess] = []
        self._stopping = threading.Event()
        self._monitor: threading.Thread | None = None
        self.restarts = 0

    @property
    def pids(self) -> list[int]:
        """The process ids of the current workers."""
        return [child.pid for child in self._children if child.pid is not None]

    def start(self) -> None:
        """Start the workers and the thread that restarts them."""
        self._children = [self._spawn() for _ in range(self.processes)]
        self._monitor = threading.Thread(
            target=self._watch, name="depvault-supervisor", daemon=True
        )
        self._monitor.start()

    def _spawn(self) -> BaseProcess:
        child = self._context.Process(
            target=self._target, args=(self.config, self.wake, *self._args), name=self._name
        )
        child.start()
        return child

    def _watch(self) -> None:
        while not self._stopping.wait(RESTART_SECONDS):
            for index, child in enumerate(self._children):
                if child.is_alive() or self._stopping.is_set():
                    continue
                log.warning(
                    "%s process %s ended (exit code %s): starting another",
                    self._name,
                    child.pid,
                    child.exitcode,
                )
                child.close()
                self._children[index] = self._spawn()
                self.restarts += 1

    def stop(self, timeout: float = 60.0) -> None:
        """Ask every worker to finish its job in hand and end (SIGTERM); kill those
        still running after ``timeout`` seconds (their work is recovered later)."""
        self._stopping.set()
        if self._monitor is not None:
            self._monitor.join()
            self._monitor = None
        for child in self._children:
            if child.is_alive():
                child.terminate()
        deadline = time.monotonic() + timeout
        for child in self._children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                log.warning("%s process %s did not stop in time: killed", self._name, child.pid)
                child.kill()
                child.join()
        self._children = []
