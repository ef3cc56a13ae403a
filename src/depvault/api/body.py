"""Reading a request body safely: the size cap, spooling, the declared type, the JSON
parse."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson

from depvault.errors import BodyTooLarge, MalformedBody, UnsupportedMediaType
from depvault.ingest.spool import Spool

__all__ = ["Body", "media_type", "parse_json_object", "read_body"]


def media_type(content_type: str | None) -> tuple[str, str | None]:
    """Split a ``Content-Type`` header into (media type, charset or None)."""
    if not content_type:
        return "", None
    kind, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return kind.strip().lower(), charset


@dataclass
class Body:
    """A request body as received: spooled (in memory while small, else in a temporary
    file) with its SHA-1. ``large`` bodies are parsed in an expansion slot."""

    spool: Spool
    sha1: str

    @property
    def large(self) -> bool:
        """Whether the body passed the spool threshold (and lies on disk)."""
        return self.spool.on_disk

    @property
    def size(self) -> int:
        """The body's length in bytes."""
        return self.spool.size

    def read(self) -> bytes:
        """The whole body, for a parser that needs it whole."""
        return self.spool.read()

    def close(self) -> None:
        self.spool.close()


async def read_body(
    chunks: AsyncIterator[bytes], declared_length: str | None, limit: int, spool_threshold: int
) -> Body:
    """Receive a body of at most ``limit`` bytes into a spool.

    A declared ``Content-Length`` over the limit is refused before anything is read;
    an undeclared (chunked) body is refused as soon as it passes the limit. Past
    ``spool_threshold`` bytes the body goes to a temporary file as it arrives, so
    neither costs memory in proportion to its size.
    """
    if declared_length is not None:
        try:
            declared = int(declared_length)
        except ValueError:
            raise MalformedBody("Content-Length is not a number") from None
        if declared > limit:
            raise BodyTooLarge(limit)
    spool = Spool(spool_threshold)
    digest = hashlib.sha1(usedforsecurity=False)
    try:
        async for chunk in chunks:
            if spool.size + len(chunk) > limit:
                raise BodyTooLarge(limit)
            spool.write(chunk)
            digest.update(chunk)
    except BaseException:
        spool.close()
        raise
    return Body(spool, digest.hexdigest())


def parse_json_object(raw: bytes, content_type: str | None) -> dict[str, Any]:
    """The body as a JSON object, from an ``application/json`` request.

    A ``charset`` parameter other than UTF-8 is honoured; JSON that is not an object,
    or not JSON at all, is a :class:`MalformedBody` with the parser's reason.
    """
    kind, charset = media_type(content_type)
    if kind != "application/json":
        shown = kind or "none"
        raise UnsupportedMediaType(f"Content-Type must be application/json (got {shown})")
    if charset and charset not in {"utf-8", "utf8"}:
        try:
            raw = codecs.decode(raw, charset).encode("utf-8")
        except LookupError:
            raise MalformedBody(f"Unknown charset {charset!r} in Content-Type") from None
        except UnicodeDecodeError as exc:
            raise MalformedBody(f"Body is not valid {charset}: {exc.reason}") from None
    if not raw.strip():
        raise MalformedBody("Request body is empty: expected a JSON object")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(f"Request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise MalformedBody(f"Request body must be a JSON object, not {type(body).__name__}")
    return body
