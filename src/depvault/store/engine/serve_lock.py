"""The exclusive lock a server process holds on an SQLite store.

An SQLite store has one ``depvault serve`` (docs/operations.md), whose API and worker
processes share the file: a second ``serve`` on the same file would run its own workers
over the same queues. The lock is an advisory ``flock``
on a file beside the database, held for the process's life and released by the kernel
when it ends however it ends (no stale lock after a crash). The file records the
holder's process id so the refusal can name it. Operator commands (``kb import``,
``user add`` …) do not take it: they are short writers SQLite's own locking orders.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

__all__ = ["StoreLocked", "hold_serve_lock"]


class StoreLocked(Exception):
    """Another process serves this store."""

    def __init__(self, lock_file: Path, holder: str) -> None:
        super().__init__(f"{lock_file} is held by process {holder or '(unknown)'}")
        self.lock_file = lock_file
        self.holder = holder


def hold_serve_lock(database_file: Path) -> IO[str]:
    """Take the serving lock of the SQLite store at ``database_file``; the returned file
    holds it until it is closed or the process ends. Raises :class:`StoreLocked`."""
    lock_file = database_file.with_name(database_file.name + ".serve.lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_file.open("a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()
        handle.close()
        raise StoreLocked(lock_file, holder) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle
