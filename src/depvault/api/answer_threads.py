"""The threads that answer API calls: a plain thread pool the event loop hands each call
to, instead of starlette's ``run_in_threadpool``.

Handlers use the synchronous SQLAlchemy session, so every call leaves the event loop
for a thread. anyio's worker threads (what ``run_in_threadpool`` uses) cost 64-75 µs a
hop with 16 calls in flight, ``loop.run_in_executor`` 22-33 µs; with two API servers
on one store answering alternately, the executor answered 10-15 % more small reads a
second on both backends (issue 15, docs/performance.md).

What anyio gave and this keeps: the call runs in a copy of the caller's context (the
request's expansion accounting is a context variable), and a caller cancelled while
its call runs is cancelled only once the call has returned, so nothing the call uses
(the request's body spool) is released under it. The pool has as many threads as the
process has database connections: a call beyond that would only wait for a connection.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["AnswerThreads"]

T = TypeVar("T")


class AnswerThreads:
    """A lazily started pool of ``size`` threads (created at first use, so a process
    forked after the application was built starts its own)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.size, thread_name_prefix="depvault-api")
            return self._pool

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """``function(*args)`` in one of the threads, in a copy of this context."""
        context = contextvars.copy_context()
        call = functools.partial(context.run, function, *args)
        future = asyncio.get_running_loop().run_in_executor(self._executor(), call)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            while not future.done():  # the call goes on in its thread: wait for its end
                try:
                    await asyncio.wait([future])
                except asyncio.CancelledError:
                    continue
            if not future.cancelled():
                future.exception()  # its outcome is nobody's now: not an unread error
            raise

    def shutdown(self) -> None:
        """Stop the threads once the calls in them have returned."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
