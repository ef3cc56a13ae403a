"""What both endpoints (the JSON API and ``/agent``) do around every call, before the
protocol is even looked at: who the client is, whether it is being throttled, receiving
the body within its limits, taking an expansion slot for a large one, and the threads
the call is answered in."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from depvault.api.answer_threads import AnswerThreads
from depvault.api.body import Body, read_body
from depvault.api.throttle import KeyThrottle, Network, client_address, parse_trusted_proxies
from depvault.config import Config, ConfigError
from depvault.errors import DepvaultError, InvalidUserKey
from depvault.gc_pause import paused_collection
from depvault.ingest.expansion import ExpansionLimits, release_memory, track_expansions

__all__ = ["PAUSE_COLLECTION_BYTES", "Edge"]

# Bodies from this size on are parsed and answered with the cyclic collector paused.
PAUSE_COLLECTION_BYTES = 1024 * 1024

log = logging.getLogger("depvault.api")


@dataclass(frozen=True)
class Edge:
    """The limits, the throttle and the answering threads of one application."""

    max_body_bytes: int
    limits: ExpansionLimits
    throttle: KeyThrottle
    proxies: tuple[Network, ...]
    threads: AnswerThreads

    @classmethod
    def of(cls, config: Config) -> Edge:
        """The edge a configuration describes (:class:`ConfigError` for a bad proxy)."""
        try:
            proxies = parse_trusted_proxies(config.trusted_proxies)
        except ValueError as exc:
            raise ConfigError(f"DEPVAULT_TRUSTED_PROXIES: {exc}") from None
        return cls(
            max_body_bytes=config.max_body_bytes,
            limits=ExpansionLimits.of(config),
            throttle=KeyThrottle(config.auth_failures_per_minute),
            proxies=proxies,
            threads=AnswerThreads(config.db_pool_size),
        )

    def admit(self, request: Request) -> str:
        """The client's address, once it is not refused for its failed keys."""
        address = client_address(request, self.proxies)
        self.throttle.check(address)
        return address

    async def receive(self, request: Request) -> Body:
        """The body, within the size limit, spooled past the threshold. Raises
        starlette's ``ClientDisconnect`` when the client goes away meanwhile."""
        return await read_body(
            request.stream(),
            request.headers.get("content-length"),
            self.max_body_bytes,
            self.limits.spool_threshold,
        )

    @staticmethod
    @contextlib.asynccontextmanager
    async def releasing() -> AsyncIterator[None]:
        """Around a whole request: if it took an expansion slot, the memory its objects
        took is given back to the system once they are freed (after the block)."""
        usage = track_expansions()
        try:
            yield
        finally:
            if usage.expanded:
                await run_in_threadpool(release_memory)

    @contextlib.contextmanager
    def parsing(self, body: Body) -> Iterator[None]:
        """An expansion slot while a large body is parsed and answered (none for a
        small one), and no cyclic garbage collection while a body of a megabyte or
        more is: parsing and reading a document allocates objects by the hundred
        thousand, none in cycles, and each burst set off collections that walked them
        all (a 2 MB SBOM parsed in 20 ms without them, 65-450 ms with; issue 15)."""
        pause = paused_collection() if body.size >= PAUSE_COLLECTION_BYTES else nullcontext()
        with pause:
            if not body.large:
                yield
                return
            with self.limits.slot():
                yield

    def refused(self, exc: DepvaultError, address: str, path: str) -> None:
        """Account for a deliberate refusal: a wrong key counts against the address.
        The refusal's traceback is dropped: through the worker thread's frames it forms
        a reference cycle holding the request's body and documents until the next full
        garbage collection (+100 MB after four refused bombs)."""
        if isinstance(exc, InvalidUserKey):
            self.throttle.failed(address)
        log.info("refused %s: %s", path, type(exc).__name__)
        link: BaseException | None = exc
        while link is not None:
            link.__traceback__ = None
            link = link.__cause__ or link.__context__

    @staticmethod
    def log_gone(address: str, path: str) -> None:
        """A client that went away mid-request: routine, not a server fault."""
        log.info("client %s disconnected before its request to %s was read", address, path)
