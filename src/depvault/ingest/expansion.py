"""How much memory turning a large input into its parsed form may cost, and how many
such expansions one process runs at once.

An *expansion* is the work whose memory grows with the input, not with the request:
gunzipping a compressed ``diff`` or SBOM and parsing it, or parsing a request body
large enough to have been spooled to disk. At most ``max_concurrent`` run at once per
process (``DEPVAULT_MAX_CONCURRENT_EXPANSIONS``); a request that finds every slot taken
waits up to ``wait_seconds``, then is answered :class:`~depvault.errors.ServerBusy`.
So the memory a server can be made to spend is about ``max_concurrent`` times that of
one expansion, whatever the number of clients.

Once a request that took a slot is answered, freed memory is handed back to the
operating system with glibc's ``malloc_trim``: CPython frees large buffers to malloc,
whose arenas keep freed pages (measured in issue 14: +1.2 GB kept after one refused
bomb). Other C libraries return memory their own way, and the call is skipped.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from depvault.errors import ServerBusy

if TYPE_CHECKING:
    from depvault.config import Config

__all__ = ["ExpansionLimits", "ExpansionUsage", "release_memory", "track_expansions"]

_GATES: dict[int, threading.BoundedSemaphore] = {}
_GATES_LOCK = threading.Lock()
# Whether the current request already holds a slot: parsing a spooled body and then
# gunzipping the document inside it is one expansion, not two (two would deadlock
# when every slot is held by a request waiting for its second).
_HOLDING: ContextVar[bool] = ContextVar("depvault_expansion_slot", default=False)


@dataclass
class ExpansionUsage:
    """Whether a request took an expansion slot: then, once it is answered and its
    objects are freed, the memory they took is released (:func:`release_memory`).
    Releasing any earlier would miss what the refusal's traceback still holds."""

    expanded: bool = False


_USAGE: ContextVar[ExpansionUsage | None] = ContextVar("depvault_expansion_usage", default=None)


def track_expansions() -> ExpansionUsage:
    """Start recording, for the current request (its context and the worker threads
    it runs code in), whether it takes an expansion slot."""
    usage = ExpansionUsage()
    _USAGE.set(usage)
    return usage


def _malloc_trim() -> Callable[[], None] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0) and None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Give the pages malloc keeps after a large free back to the system (glibc)."""
    if _TRIM is not None:
        _TRIM()


@dataclass(frozen=True)
class ExpansionLimits:
    """The limits on expanding one input, and the process's expansion slots."""

    max_bytes: int
    max_ratio: int
    spool_threshold: int
    max_concurrent: int = 2
    wait_seconds: int = 5

    @classmethod
    def of(cls, config: Config) -> ExpansionLimits:
        """The limits a configuration sets."""
        return cls(
            max_bytes=config.max_expanded_bytes,
            max_ratio=config.max_expansion_ratio,
            spool_threshold=config.spool_threshold_bytes,
            max_concurrent=config.max_concurrent_expansions,
            wait_seconds=config.expansion_wait_seconds,
        )

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the process's expansion slots for the block (once per request:
        nested blocks share the outer one); :class:`ServerBusy` when none frees up in
        time. The request's :class:`ExpansionUsage` records it."""
        if _HOLDING.get():
            yield
            return
        gate = _gate(self.max_concurrent)
        if not gate.acquire(timeout=self.wait_seconds):
            raise ServerBusy(
                f"The server is busy expanding other large or compressed inputs (at most "
                f"{self.max_concurrent} at once): retry in a few seconds",
                retry_after=self.wait_seconds,
            )
        reset = _HOLDING.set(True)
        usage = _USAGE.get()
        if usage is not None:
            usage.expanded = True
        try:
            yield
        finally:
            _HOLDING.reset(reset)
            gate.release()


def _gate(max_concurrent: int) -> threading.BoundedSemaphore:
    """The process's slots for that setting (one semaphore per process and value, so
    that every application built with the same settings shares it)."""
    with _GATES_LOCK:
        gate = _GATES.get(max_concurrent)
        if gate is None:
            gate = _GATES[max_concurrent] = threading.BoundedSemaphore(max_concurrent)
        return gate
