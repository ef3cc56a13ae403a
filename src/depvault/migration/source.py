"""The source server, read through its own API (``POST /api/v1.3`` and ``/api/v1.4``).

A migration reads thousands of requests from a server people still use, so the client
paces itself (at most ``rate`` requests a second) and retries what is transient: a
connection that fails or times out, HTTP 429 and 5xx answers (the SDK retries the same).
An error envelope (``errorCode``) is the source's considered answer and is not retried:
it becomes a :class:`SourceError` naming the request and the source's message.
urllib is enough here (as for ``depvault import-sbom``): one request at a time, JSON in
and out, and no dependency to add.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from depvault.errors import DepvaultError

__all__ = ["SourceClient", "SourceError"]

TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


class SourceError(DepvaultError):
    """The source refused a request, or stayed unreachable through every retry."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class SourceClient:
    """Calls one organization's source server as one user (``user_key``)."""

    url: str
    user_key: str
    rate: float = 20.0  # requests per second at most
    retries: int = 5
    timeout: float = 300.0
    context: ssl.SSLContext | None = None
    sleep: Callable[[float], None] = time.sleep
    requests: int = field(default=0, init=False)
    retried: int = field(default=0, init=False)
    _last: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise SourceError(
                f"--from-url must be an http:// or https:// address, not {self.url!r}"
            )
        self.url = self.url.rstrip("/")
        for suffix in ("/api/v1.3", "/api/v1.4", "/api"):
            self.url = self.url.removesuffix(suffix)

    def call(self, request_type: str, version: str = "1.3", **params: Any) -> dict[str, Any]:
        """One request; its decoded JSON answer (an error envelope raises)."""
        body = json.dumps({"requestType": request_type, "userKey": self.user_key, **params})
        raw = self._post(f"{self.url}/api/v{version}", body.encode(), request_type)
        try:
            answer = json.loads(raw)
        except ValueError:
            raise SourceError(f"{request_type}: the source answered something not JSON") from None
        if not isinstance(answer, dict):
            raise SourceError(f"{request_type}: the source answered a JSON {type(answer).__name__}")
        if "errorCode" in answer:
            raise SourceError(
                f"{request_type}: {answer.get('errorMessage')} (code {answer['errorCode']})",
                code=int(answer["errorCode"]),
            )
        return answer

    def text(self, request_type: str, **params: Any) -> str:
        """A request answered with a text file (``getNoticesTextFile``)."""
        body = json.dumps({"requestType": request_type, "userKey": self.user_key, **params})
        raw = self._post(f"{self.url}/api/v1.3", body.encode(), request_type)
        if raw.startswith(b"{"):
            answer = json.loads(raw)
            if isinstance(answer, dict) and "errorCode" in answer:
                raise SourceError(f"{request_type}: {answer.get('errorMessage')}")
        return raw.decode("utf-8", errors="replace")

    def _pace(self) -> None:
        wait = self._last + 1.0 / self.rate - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last = time.monotonic()

    def _post(self, url: str, body: bytes, request_type: str) -> bytes:
        delay = 0.5
        for attempt in range(self.retries + 1):
            self._pace()
            self.requests += 1
            request = urllib.request.Request(  # noqa: S310 - the scheme is checked at creation
                url, data=body, headers={"content-type": "application/json"}
            )
            try:
                with urllib.request.urlopen(  # noqa: S310
                    request, timeout=self.timeout, context=self.context
                ) as response:
                    return bytes(response.read())
            except urllib.error.HTTPError as exc:
                if exc.code not in TRANSIENT_STATUSES:
                    payload = exc.read()
                    if payload.startswith(b"{"):
                        return bytes(payload)  # an error envelope: the caller names it
                    raise SourceError(f"{request_type}: HTTP {exc.code} from the source") from None
                problem = f"HTTP {exc.code}"
                retry_after = exc.headers.get("Retry-After") if exc.headers else None
                if retry_after and retry_after.isdigit():
                    delay = max(delay, float(retry_after))
            except (urllib.error.URLError, OSError) as exc:
                problem = str(getattr(exc, "reason", exc))
            if attempt == self.retries:
                break
            self.retried += 1
            self.sleep(delay)
            delay = min(delay * 2, 30.0)
        raise SourceError(
            f"{request_type}: the source at {self.url} failed {self.retries + 1} times ({problem})"
        )
