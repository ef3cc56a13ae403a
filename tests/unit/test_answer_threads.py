"""The threads API calls are answered in (api/answer_threads.py): what anyio's worker
threads gave the endpoints before, kept — the caller's context, errors passed through,
and a cancelled caller that waits for its call's end."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from depvault.api.answer_threads import AnswerThreads

REQUEST = contextvars.ContextVar("request", default="none")
T = TypeVar("T")


def _run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(main())`` in a thread of its own: the test's thread may hold a
    running event loop already (Playwright's sync API leaves one in its xdist worker)."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append(("value", asyncio.run(main())))
        except BaseException as exc:  # handed to the test's thread
            outcome.append(("error", exc))

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(30)
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


def test_a_call_runs_in_a_pool_thread_with_the_callers_context() -> None:
    threads = AnswerThreads(2)

    async def main() -> tuple[str, str]:
        REQUEST.set("r-1")
        return await threads.run(lambda: (threading.current_thread().name, REQUEST.get()))

    try:
        name, seen = _run(main)
    finally:
        threads.shutdown()
    assert name.startswith("depvault-api") and seen == "r-1"


def test_an_error_reaches_the_caller() -> None:
    threads = AnswerThreads(1)

    def fail() -> None:
        raise ValueError("refused")

    try:
        with pytest.raises(ValueError, match="refused"):
            _run(lambda: threads.run(fail))
    finally:
        threads.shutdown()


def test_a_cancelled_caller_waits_for_its_call_to_return() -> None:
    threads = AnswerThreads(1)
    release = threading.Event()
    finished: list[float] = []

    def slow() -> None:
        release.wait(5)
        finished.append(time.monotonic())

    async def main() -> float:
        task = asyncio.create_task(threads.run(slow))
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.sleep(0.1)
        assert not task.done(), "the caller went on while its call was still running"
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic()

    try:
        ended = _run(main)
    finally:
        threads.shutdown()
    assert finished and finished[0] <= ended


def test_no_thread_starts_before_the_first_call() -> None:
    """Built with the application, the pool starts in whichever process answers (a
    process forked after the application was built gets threads of its own)."""
    before = {t.name for t in threading.enumerate()}
    threads = AnswerThreads(4)
    assert not {t.name for t in threading.enumerate()} - before
    try:
        assert _run(lambda: threads.run(lambda: 42)) == 42
        assert any(t.name.startswith("depvault-api") for t in threading.enumerate())
    finally:
        threads.shutdown()
