"""The report engine: a report's row source streamed into its format's writer.

One path for every report, synchronous or not: :func:`render_files` writes the rows into
one file, or several numbered files when there are more than ``rows_per_file`` (a
report of a million rows is never held in memory, and never one file too large to
open), and :func:`zip_files` packs them flat into the ZIP a download returns.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from depvault.reports.catalog import ReportSpec
from depvault.reports.writers import WRITERS, write_json_objects
from depvault.store.hierarchy import ProjectFilter

__all__ = ["Rendered", "member_name", "render_files", "zip_files"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# reportlab holds every page of a PDF until it saves it (about 60 MB per 100,000 rows,
# measured): PDF files are split at this size whatever DEPVAULT_REPORT_ROWS_PER_FILE says.
PDF_ROWS_PER_FILE = 100_000


@dataclass(frozen=True)
class Rendered:
    """The files a report became and how many rows they hold."""

    files: tuple[Path, ...]
    rows: int


def member_name(report_type: str, scope_name: str, context_id: int, fmt: str, part: int = 0) -> str:
    """A flat file name, unique per scope and report: clients save members under their
    own names, and equal names would overwrite each other."""
    scope = _UNSAFE.sub("_", scope_name).strip("_")[:60] or "scope"
    suffix = f"-part{part:03d}" if part else ""
    return f"{report_type}-{scope}-{context_id}{suffix}.{fmt}"


def render_files(
    db: Session,
    spec: ReportSpec,
    which: ProjectFilter,
    options: Any,
    fmt: str,
    folder: Path,
    names: tuple[str, str, int],
    *,
    rows_per_file: int,
    metadata: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> Rendered:
    """Write the report into ``folder``; ``names`` is (report type, scope name, scope id).
    With ``limit``, at most that many rows are read from the source."""
    if spec.document is not None:
        path = folder / member_name(*names, fmt)
        with path.open("wb") as target:
            count = spec.document(db, which, options, target, names[1])
        return Rendered((path,), count)
    if spec.source is None:
        raise ValueError(f"{spec.key} is not built")
    writer = WRITERS[fmt]
    if fmt == "pdf":  # reportlab keeps a file's pages until it is saved
        rows_per_file = min(rows_per_file, PDF_ROWS_PER_FILE)
    rows: Iterator[Sequence[object]] = iter(spec.source(db, which, options))
    if limit is not None:
        rows = islice(rows, limit)
    files: list[Path] = []
    total, part = 0, 0
    while True:
        first = next(rows, None)
        if first is None and files:
            break
        batch = islice(chain([first], rows), rows_per_file) if first is not None else iter(())
        part += 1
        path = folder / member_name(*names, fmt, part)
        with path.open("wb") as target:
            if fmt == "json" and spec.json_object is not None:
                objects = (spec.json_object(row) for row in batch)
                written = write_json_objects(target, objects, root=spec.root, metadata=metadata)
            else:
                written = writer(
                    target,
                    spec.title,
                    spec.columns,
                    batch,
                    root=spec.root,
                    item=spec.item,
                    metadata=metadata,
                )
        files.append(path)
        total += written
        if first is None or written < rows_per_file:
            break
    if len(files) == 1:  # one file: no part number in its name
        single = folder / member_name(*names, fmt)
        files[0].rename(single)
        files = [single]
    return Rendered(tuple(files), total)


def zip_files(files: Sequence[Path], target: Path) -> int:
    """Pack the files flat into a ZIP; returns its size in bytes. Deflate level 1: on a
    508 MB JSON report level 6 took 9.7 s for a 15 % smaller file, level 1 3.6 s."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in files:
            zf.write(path, arcname=path.name)
    return target.stat().st_size
