"""Bytes that stay in memory while small and move to a temporary file past a threshold.

Request bodies and expanded (gunzipped) documents are written here as they arrive, so
that a large or hostile input costs disk, not memory, until something decides to read
it — and most hostile inputs are refused before that (over the body limit, over the
expansion limits). ``tempfile`` puts the file in ``$TMPDIR``; it has no name on disk
and disappears when closed, even if the process dies.
"""

from __future__ import annotations

import io
import tempfile
from types import TracebackType
from typing import IO

__all__ = ["Spool"]


class Spool:
    """An append-only byte buffer, in memory up to ``threshold`` bytes, then on disk."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.size = 0
        self._file: IO[bytes] = io.BytesIO()
        self.on_disk = False

    def write(self, chunk: bytes) -> None:
        """Append ``chunk`` (moving everything to a temporary file past the threshold)."""
        if not self.on_disk and self.size + len(chunk) > self.threshold:
            memory = self._file
            assert isinstance(memory, io.BytesIO)
            self._file = tempfile.TemporaryFile(prefix="depvault-spool-")  # noqa: SIM115
            self._file.write(memory.getbuffer())
            memory.close()
            self.on_disk = True
        self._file.write(chunk)
        self.size += len(chunk)

    def read(self) -> bytes:
        """Everything written, as one bytes object (the caller decided it may cost
        memory: the body or document is within its limits and must be parsed whole)."""
        if isinstance(self._file, io.BytesIO):
            return self._file.getvalue()
        self._file.seek(0)
        data = self._file.read()
        self._file.seek(0, io.SEEK_END)
        return data

    def close(self) -> None:
        """Free the memory or delete the temporary file."""
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
