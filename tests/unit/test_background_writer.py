"""The background writer: everything written arrives in order, errors reach the producer."""

from __future__ import annotations

import io

import pytest

from depvault.reports.formats.background import BackgroundWriter


class Sink(io.BytesIO):
    """A BytesIO that keeps its bytes after close."""

    def close(self) -> None:
        self.kept = self.getvalue()
        super().close()


class FailingSink(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raise OSError("disk full")


def test_bytes_arrive_in_order_and_the_sink_is_closed() -> None:
    sink = Sink()
    pieces = [bytes([i % 251]) * (i * 997 % 300_000) for i in range(40)]
    with BackgroundWriter(sink) as writer:
        for piece in pieces:
            assert writer.write(piece) == len(piece)
    assert sink.closed
    assert sink.kept == b"".join(pieces)


def test_a_sink_error_reaches_the_producer() -> None:
    writer = BackgroundWriter(FailingSink())
    with pytest.raises(OSError, match="disk full"):
        for _ in range(64):  # more than one hand-over, so the thread meets the sink
            writer.write(b"x" * (1 << 20))
    writer.close()  # raised once already: closing neither hangs nor raises it again
    assert writer.closed


def test_an_error_met_at_the_end_is_raised_by_close() -> None:
    writer = BackgroundWriter(FailingSink())
    writer.write(b"small")
    with pytest.raises(OSError, match="disk full"):
        writer.close()
