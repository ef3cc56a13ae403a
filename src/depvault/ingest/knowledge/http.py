"""HTTP for the knowledge sources: one way to build the client and to retry.

The OSV mirror (``osv_mirror``) and the NVD, EPSS and KEV feeds (``feed_fetch``) fetch
over the same client settings: httpx building its own transport, so the standard proxy
variables (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) apply through
``trust_env``; ``DEPVAULT_KB_CA_BUNDLE`` for a TLS-inspecting proxy's CA;
``DEPVAULT_KB_HTTP_TIMEOUT`` for each connect and read. Transient failures (network
errors, timeouts, 408, 429, 5xx) are retried a bounded number of times with doubling
waits; anything else fails at once. Every failure is a
:class:`~depvault.errors.KnowledgeSyncError` naming the URL.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from depvault import __version__
from depvault.errors import KnowledgeSyncError

__all__ = ["RETRY_STATUSES", "Retrying", "Transient", "check_status", "knowledge_client"]

T = TypeVar("T")
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class Transient(Exception):
    """A failure worth another attempt."""


def knowledge_client(timeout: float, ca_bundle: Path | None) -> httpx.Client:
    """The client every knowledge download goes through (see the module's docstring)."""
    verify: ssl.SSLContext | bool = True
    if ca_bundle is not None:
        if not ca_bundle.is_file():
            raise KnowledgeSyncError(f"the CA bundle {ca_bundle} does not exist")
        verify = ssl.create_default_context(cafile=str(ca_bundle))
    # No custom transport: httpx reads the proxy variables only when it builds its own.
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        verify=verify,
        trust_env=True,
        follow_redirects=True,
        headers={"User-Agent": f"depvault/{__version__} (knowledge-base sync)"},
    )


def check_status(
    response: httpx.Response, url: str, accepted: tuple[int, ...] = (200, 206)
) -> None:
    """Raise :class:`Transient` for a status worth retrying, a
    :class:`KnowledgeSyncError` for any other not in ``accepted``."""
    if response.status_code in RETRY_STATUSES:
        raise Transient(f"HTTP {response.status_code}")
    if response.status_code not in accepted:
        raise KnowledgeSyncError(f"{url}: HTTP {response.status_code}")


class Retrying:
    """Runs an action up to ``attempts`` times while it fails transiently, waiting
    ``backoff`` seconds after the first failure, twice that after the second, and so on."""

    def __init__(
        self, attempts: int, backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    def wait(self, attempt: int) -> None:
        """The pause after failed attempt number ``attempt`` (from 1)."""
        self.sleep(self.backoff * 2 ** (attempt - 1))

    def gave_up(self, url: str, reason: str) -> KnowledgeSyncError:
        """The error of the last attempt."""
        return KnowledgeSyncError(f"{url}: {reason} (gave up after {self.attempts} attempts)")

    def __call__(self, url: str, action: Callable[[], T]) -> T:
        reason = ""
        for attempt in range(1, self.attempts + 1):
            try:
                return action()
            except (Transient, httpx.TransportError) as exc:
                reason = str(exc) or type(exc).__name__
                if attempt < self.attempts:
                    self.wait(attempt)
        raise self.gave_up(url, reason)
