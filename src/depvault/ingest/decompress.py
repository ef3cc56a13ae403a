"""Expanding gzip input with its limits checked while it streams, so that a
decompression bomb is refused having cost a megabyte of memory, never its expansion.

The expansion is inflated a megabyte at a time into a :class:`~depvault.ingest.spool.Spool`
(memory up to the spool threshold, a temporary file past it), counting bytes as they
come. It is refused as soon as it passes ``DEPVAULT_MAX_EXPANDED_BYTES``, or, once past
the spool threshold, as soon as it is more than ``DEPVAULT_MAX_EXPANSION_RATIO`` times
the compressed bytes read so far: real SBOMs and agent diffs compress 3 to 15 times,
a bomb of zeros or spaces about 1,000 times, so a bomb is refused after a few MB. Only
an expansion within both limits is read back, for the parser (orjson and the XML, YAML
and tag-value parsers take whole documents).
"""

from __future__ import annotations

import zlib

from depvault.errors import InvalidParameter
from depvault.ingest.expansion import ExpansionLimits
from depvault.ingest.spool import Spool

__all__ = ["GZIP_MAGIC", "gunzip_limited"]

GZIP_MAGIC = b"\x1f\x8b"
STEP = 1024 * 1024
INPUT_STEP = 64 * 1024


def gunzip_limited(data: bytes, limits: ExpansionLimits, what: str = "input") -> bytes:
    """The expansion of gzip ``data``; :class:`InvalidParameter` naming ``what`` when
    it is not gzip, is truncated, or breaks a limit. The caller holds an expansion slot
    (:meth:`ExpansionLimits.slot`) for as long as it keeps the result."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    view = memoryview(data)
    with Spool(limits.spool_threshold) as spool:
        try:
            # the input is fed a slice at a time: ``unconsumed_tail`` is a copy
            for start in range(0, len(data), INPUT_STEP):
                piece: bytes | memoryview = view[start : start + INPUT_STEP]
                while piece and not inflater.eof:
                    spool.write(inflater.decompress(piece, STEP))
                    piece = inflater.unconsumed_tail
                    consumed = min(start + INPUT_STEP, len(data)) - len(piece)
                    _check(spool.size, consumed, limits, what)
                if inflater.eof:
                    break
            spool.write(inflater.flush())
        except zlib.error as exc:
            raise InvalidParameter(what, f"not valid gzip ({exc})") from None
        _check(spool.size, len(data), limits, what)
        if not inflater.eof:
            raise InvalidParameter(what, "truncated gzip")
        return spool.read()


def _check(expanded: int, consumed: int, limits: ExpansionLimits, what: str) -> None:
    if expanded > limits.max_bytes:
        raise InvalidParameter(
            what, f"expands to more than {limits.max_bytes} bytes (DEPVAULT_MAX_EXPANDED_BYTES)"
        )
    if expanded > limits.spool_threshold and expanded > limits.max_ratio * max(consumed, 1):
        raise InvalidParameter(
            what,
            f"expands more than {limits.max_ratio} times its compressed size "
            "(DEPVAULT_MAX_EXPANSION_RATIO): refused as a decompression bomb",
        )
