"""Where finished report files live, so that whichever node generated a report, any
node can serve its download.

One small interface, :class:`ReportFiles` (put / open as chunks / delete / exists), and
three places behind it:

- :class:`FolderFiles`, a folder (the embedded default, ``DEPVAULT_REPORTS_DIR``): one
  machine, or several sharing a volume. A render is moved in with ``os.replace``.
- :class:`DatabaseFiles`, the ``report_chunks`` table (the default when the database is
  PostgreSQL and no folder is configured): nothing to share but the database the nodes
  already share. A file goes in and out a chunk at a time (1 MiB), never whole in memory;
  it is written in one transaction, so it is there whole or not at all.
- :class:`~depvault.store.jobs.object_files.ObjectFiles`, S3-compatible object storage
  (``DEPVAULT_REPORT_STORAGE=s3``): what multi-node deployments have, streamed both ways.

Renders are written to a local work folder first (``work_folder``) either way: the ZIP
writer needs a seekable file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, insert, select

from depvault.config import Config
from depvault.store.engine.db import Database
from depvault.store.jobs.object_files import ObjectFiles
from depvault.store.models import ReportChunk

__all__ = [
    "CHUNK_BYTES",
    "DatabaseFiles",
    "FolderFiles",
    "ObjectFiles",
    "ReportFiles",
    "report_files",
]

CHUNK_BYTES = 1024 * 1024


class ReportFiles(Protocol):
    """A store of report files by name."""

    @property
    def work_folder(self) -> Path:
        """A local folder where renders are written before :meth:`put`."""

    def put(self, name: str, source: Path) -> None:
        """Store the finished file ``source`` (a file in :attr:`work_folder`, consumed)
        as ``name``, whole or not at all, replacing any earlier one."""

    def chunks(self, name: str) -> Iterator[bytes]:
        """The file's bytes, a piece at a time."""

    def local_path(self, name: str) -> Path | None:
        """The file on this machine's disk, when it is kept there (served as is)."""

    def exists(self, name: str) -> bool:
        """Whether the file is stored."""

    def delete(self, name: str) -> None:
        """Remove the file (nothing when it is absent)."""


class FolderFiles:
    """Report files in a folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def work_folder(self) -> Path:
        """Renders happen inside the folder itself, so the final move is a rename."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self.folder

    def put(self, name: str, source: Path) -> None:
        """Rename the render into place (atomic on one filesystem)."""
        os.replace(source, self.folder / name)

    def chunks(self, name: str) -> Iterator[bytes]:
        """Read the file a chunk at a time (nothing when it is absent)."""
        try:
            file = (self.folder / name).open("rb")
        except FileNotFoundError:
            return
        with file:
            while chunk := file.read(CHUNK_BYTES):
                yield chunk

    def local_path(self, name: str) -> Path | None:
        """Every file is local."""
        return self.folder / name

    def exists(self, name: str) -> bool:
        """Whether the file is in the folder."""
        return (self.folder / name).is_file()

    def delete(self, name: str) -> None:
        """Unlink the file."""
        (self.folder / name).unlink(missing_ok=True)


class DatabaseFiles:
    """Report files as chunked rows of ``report_chunks``."""

    def __init__(self, database: Database, work_folder: Path) -> None:
        self.database = database
        self._work_folder = work_folder

    @property
    def work_folder(self) -> Path:
        """A folder of this node's data directory."""
        self._work_folder.mkdir(parents=True, exist_ok=True)
        return self._work_folder

    def put(self, name: str, source: Path) -> None:
        """Insert the file chunk by chunk in one transaction, then remove ``source``."""
        with self.database.transaction() as db, source.open("rb") as file:
            db.execute(delete(ReportChunk).where(ReportChunk.name == name))
            seq = 0
            while chunk := file.read(CHUNK_BYTES):
                db.execute(insert(ReportChunk).values(name=name, seq=seq, data=chunk))
                seq += 1
        source.unlink()

    def chunks(self, name: str) -> Iterator[bytes]:
        """Each chunk read by its own short query: a slow download holds no
        transaction open."""
        seq = 0
        while True:
            with self.database.transaction(write=False) as db:
                chunk = db.scalar(
                    select(ReportChunk.data).where(ReportChunk.name == name, ReportChunk.seq == seq)
                )
            if chunk is None:
                return
            yield bytes(chunk)
            seq += 1

    def local_path(self, name: str) -> Path | None:
        """Never local."""
        return None

    def exists(self, name: str) -> bool:
        """Whether the file's first chunk is stored (files are written whole)."""
        with self.database.transaction(write=False) as db:
            found = db.scalar(
                select(ReportChunk.seq).where(ReportChunk.name == name, ReportChunk.seq == 0)
            )
        return found is not None

    def delete(self, name: str) -> None:
        """Delete every chunk of the file."""
        with self.database.transaction() as db:
            db.execute(delete(ReportChunk).where(ReportChunk.name == name))


def report_files(config: Config, database: Database) -> ReportFiles:
    """The store ``DEPVAULT_REPORT_STORAGE`` names; by default the database when it is
    PostgreSQL and no ``DEPVAULT_REPORTS_DIR`` is set, else the folder."""
    storage = config.report_storage
    if not storage:
        shared = database.dialect == "postgresql" and config.reports_dir is None
        storage = "database" if shared else "local"
    if storage == "database":
        return DatabaseFiles(database, config.data_dir / "report-work")
    if storage == "s3":
        return ObjectFiles(config, config.data_dir / "report-work")
    return FolderFiles(config.effective_reports_dir)
