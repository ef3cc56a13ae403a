"""Decompression bombs for the tests: valid gzip streams that expand to gigabytes,
built in milliseconds without ever holding (or deflating) their expansion.

Each 1 MiB of zeros is deflated once and ended by a full flush, which resets the
compressor's history: every following MiB deflates to the very same bytes, so the
stream is those bytes repeated. The gzip trailer's CRC-32 of gigabytes of zeros comes
from zlib's own ``crc32_combine`` algorithm (GF(2) matrix squaring), written out
because Python's ``zlib`` does not expose it.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["GIB", "MIB", "zero_bomb"]

MIB = 1024 * 1024
GIB = 1024 * MIB
_CRC_POLY = 0xEDB88320


def _times(matrix: list[int], vector: int) -> int:
    total, row = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[row]
        vector >>= 1
        row += 1
    return total


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, matrix[n]) for n in range(32)]


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc(A), crc(B) and len(B) (zlib's crc32_combine)."""
    odd = [_CRC_POLY] + [1 << n for n in range(31)]  # the operator for one zero bit
    even = _square(odd)  # two zero bits
    odd = _square(even)  # four zero bits
    while length2:
        even = _square(odd)
        if length2 & 1:
            crc1 = _times(even, crc1)
        length2 >>= 1
        if not length2:
            break
        odd = _square(even)
        if length2 & 1:
            crc1 = _times(odd, crc1)
        length2 >>= 1
    return crc1 ^ crc2


def zero_bomb(zeros: int, prefix: bytes = b"") -> bytes:
    """A gzip stream of ``prefix`` followed by ``zeros`` zero bytes (a whole number of
    MiB)."""
    expanded = len(prefix) + zeros
    if zeros <= 0 or zeros % MIB:
        raise ValueError("the zeros must be a positive whole number of MiB")
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = deflater.compress(prefix) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(bytes(MIB)) + deflater.flush(zlib.Z_FULL_FLUSH)
    tail = deflater.flush()  # the empty final block (its trailer is replaced below)
    end = tail[:-8]
    crc = crc32_combine(zlib.crc32(prefix), _zeros_crc(zeros), zeros)
    trailer = struct.pack("<II", crc, expanded & 0xFFFFFFFF)
    return head + block * (zeros // MIB) + end + trailer


def _zeros_crc(length: int) -> int:
    """CRC-32 of ``length`` zero bytes (a whole number of MiB), by doubling."""
    crc, size, total, done = zlib.crc32(bytes(MIB)), MIB, 0, 0
    count = length // MIB
    while count:
        if count & 1:
            total = crc32_combine(total, crc, size) if done else crc
            done += size
        crc = crc32_combine(crc, crc, size)
        size *= 2
        count >>= 1
    return total
