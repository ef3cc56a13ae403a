"""Slowing down the guessing of user keys: failed authentications counted per client
address, and the address refused for a while once it has too many.

A wrong ``userKey`` is one failure. After ``DEPVAULT_AUTH_FAILURES_PER_MINUTE`` failures
in the last minute, every request from the address is refused — before its key is
looked at, so guessing stops — until the oldest of those failures is a minute old;
then a few more guesses are checked, and so on: at most the limit per minute. Other
addresses are not affected. The state lives in the server process (one table per
process, forgotten at restart); several processes each allow the limit.

Which address: the connection's peer, or, when the peer is one of
``DEPVAULT_TRUSTED_PROXIES``, the client its ``X-Forwarded-For`` names (the right-most
entry that is not itself a trusted proxy: the left-most ones are whatever the client
chose to send).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection

from depvault.errors import TooManyFailedKeys

__all__ = ["KeyThrottle", "client_address", "parse_trusted_proxies"]

log = logging.getLogger("depvault.security")

WINDOW = 60.0
# addresses remembered at most: past it, the quiet ones are forgotten first
MAX_ADDRESSES = 100_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(setting: str) -> tuple[Network, ...]:
    """The networks of ``DEPVAULT_TRUSTED_PROXIES`` (``ValueError`` naming a bad one)."""
    networks = []
    for item in setting.split(","):
        if item.strip():
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return tuple(networks)


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(connection: HTTPConnection, proxies: tuple[Network, ...]) -> str:
    """The address requests are counted against (see the module's docstring)."""
    peer = connection.client.host if connection.client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded = [
        part.strip()
        for header in connection.headers.getlist("x-forwarded-for")
        for part in header.split(",")
        if part.strip()
    ]
    for hop in reversed(forwarded):
        if not _trusted(hop, proxies):
            return hop
    return forwarded[0] if forwarded else peer


@dataclass
class _Record:
    failures: deque[float] = field(default_factory=deque)
    refused: int = 0
    warned_at: float | None = None


class KeyThrottle:
    """Failed keys per address over the last minute, and the refusals they earn."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        """Raise :class:`TooManyFailedKeys` while the address is over its limit."""
        with self._lock:
            record = self._records.get(address)
            if record is None:
                return
            now = self._clock()
            self._expire(record, now)
            if len(record.failures) < self.per_minute:
                return
            record.refused += 1
            retry = max(1, int(record.failures[0] + WINDOW - now + 0.999))
            self._warn(address, record, now)
        raise TooManyFailedKeys(
            f"Too many invalid userKeys from this address: retry in {retry} seconds",
            retry_after=retry,
        )

    def failed(self, address: str) -> None:
        """Count one wrong key from the address."""
        with self._lock:
            now = self._clock()
            record = self._records.pop(address, None) or _Record()
            self._records[address] = record  # most recently failing last
            self._expire(record, now)
            record.failures.append(now)
            if len(record.failures) >= self.per_minute:
                self._warn(address, record, now)
            if len(self._records) > MAX_ADDRESSES:
                self._forget(now)

    def _expire(self, record: _Record, now: float) -> None:
        while record.failures and record.failures[0] <= now - WINDOW:
            record.failures.popleft()

    def _warn(self, address: str, record: _Record, now: float) -> None:
        """One WARNING per address and minute, with the counts (never a key)."""
        if record.warned_at is not None and now - record.warned_at < WINDOW:
            return
        log.warning(
            "%d invalid userKeys from %s in the last minute (limit %d); %d of its "
            "requests refused since the last warning",
            len(record.failures),
            address,
            self.per_minute,
            record.refused,
        )
        record.warned_at = now
        record.refused = 0

    def _forget(self, now: float) -> None:
        for address in [
            a for a, r in self._records.items() if not r.failures or r.failures[-1] <= now - WINDOW
        ]:
            del self._records[address]
        while len(self._records) > MAX_ADDRESSES:
            del self._records[next(iter(self._records))]
