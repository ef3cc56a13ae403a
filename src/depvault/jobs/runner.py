"""Where background work executes: inline (tests, deterministic) or in a pool of local
worker threads (inside each worker process, ``jobs.processes``). Both run
:class:`~depvault.jobs.worker.Worker`."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from depvault.jobs.worker import Worker

__all__ = ["InlineRunner", "LocalWorkerPool", "Runner", "Wake"]

log = logging.getLogger(__name__)


class Wake(Protocol):
    """An event that wakes idle workers: a thread's, or a process-shared one."""

    def set(self) -> None:
        """Wake the waiters."""

    def clear(self) -> None:
        """Rearm."""

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until set or ``timeout``."""


class Runner(Protocol):
    """Told when work was queued (after the queuing transaction committed)."""

    def notify(self) -> None:
        """New work may be ready."""

    def start(self) -> None:
        """Begin executing work (recovering what a previous run left)."""

    def stop(self) -> None:
        """Finish the job in hand and stop."""


class InlineRunner:
    """Runs every ready job in the notifying thread before returning."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def notify(self) -> None:
        """Process everything that is ready, now."""
        while self.worker.run_once():
            pass

    def start(self) -> None:
        """Start the worker (it recovers), then process what is ready."""
        self.worker.start()
        self.notify()

    def stop(self) -> None:
        """Nothing runs in the background: stop the worker."""
        self.worker.stop()


class LocalWorkerPool:
    """Worker threads that claim jobs from the database.

    They wake when notified and also poll, so work queued by another process (or
    re-queued by recovery) is found too. Per-project ordering comes from the claim, not
    from the threads.
    """

    def __init__(
        self,
        worker: Worker,
        threads: int = 2,
        poll_seconds: float = 2.0,
        wake: Wake | None = None,
    ):
        self.worker = worker
        self.threads = threads
        self.poll_seconds = poll_seconds
        # A worker process is woken by the API process of its ``serve`` through a
        # process-shared wake-up (``ProcessWake``); the embedded threads by their own.
        self._wake: Wake = wake if wake is not None else threading.Event()
        self._stopping = threading.Event()
        self._pool: list[threading.Thread] = []

    def notify(self) -> None:
        """Wake an idle worker."""
        self._wake.set()

    def start(self) -> None:
        """Recover interrupted work and start the threads."""
        requeued = self.worker.start()
        if requeued:
            log.info("re-queued %d interrupted job(s)", requeued)
        for index in range(self.threads):
            thread = threading.Thread(
                target=self._loop, name=f"depvault-worker-{index}", daemon=True
            )
            thread.start()
            self._pool.append(thread)

    def stop(self) -> None:
        """Let the threads finish their current job, then end them."""
        self._stopping.set()
        for _ in self._pool:  # one wake-up each (a process-shared wake is a semaphore)
            self._wake.set()
        for thread in self._pool:
            thread.join(timeout=60)
        self._pool.clear()
        self.worker.stop()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                worked = self.worker.run_once()
            except Exception:
                log.exception("worker loop error")
                worked = False
            if not worked:
                self._wake.wait(self.poll_seconds)
                self._wake.clear()
