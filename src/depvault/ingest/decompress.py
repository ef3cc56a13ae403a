"""Expanding compressed input with a cap checked while expanding, so that a
decompression bomb is refused after reading at most the cap, never held in memory."""

from __future__ import annotations

import zlib

from depvault.errors import MalformedBody

__all__ = ["GZIP_MAGIC", "gunzip_capped"]

GZIP_MAGIC = b"\x1f\x8b"
STEP = 1024 * 1024


def gunzip_capped(data: bytes, limit: int, what: str = "input") -> bytes:
    """The expansion of gzip ``data``; :class:`MalformedBody` when it is not gzip or
    when it would expand past ``limit`` bytes."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    out = bytearray()
    pending = data
    try:
        while pending:
            out += inflater.decompress(pending, STEP)
            if len(out) > limit:
                raise MalformedBody(f"{what} expands to more than {limit} bytes")
            pending = inflater.unconsumed_tail
            if inflater.eof:
                break
        out += inflater.flush()
    except zlib.error as exc:
        raise MalformedBody(f"{what} is not valid gzip: {exc}") from None
    if len(out) > limit:
        raise MalformedBody(f"{what} expands to more than {limit} bytes")
    if not inflater.eof:
        raise MalformedBody(f"{what} is truncated gzip")
    return bytes(out)
