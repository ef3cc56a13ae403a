"""The report engine: a report's row source streamed into its format's writer.

One path for every report, synchronous or not: the rows go into one file, or several
numbered files when there are more than ``rows_per_file`` (a report of a million rows
is never held in memory, and never one file too large to open). :func:`render_files`
writes them into a folder (the synchronous answers); :func:`render_zip` straight into
the flat ZIP an asynchronous download returns.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy.orm import Session

from depvault.domain.timefmt import utcnow
from depvault.reports.attribution.report import EXPORT_FORMATS as ATTRIBUTION_FORMATS
from depvault.reports.attribution.report import MEDIA_TYPES as ATTRIBUTION_MEDIA_TYPES
from depvault.reports.attribution.report import AttributionFilter, write_attribution
from depvault.reports.catalog import ReportSpec
from depvault.reports.formats.background import BackgroundWriter
from depvault.reports.formats.writers import MEDIA_TYPES, WRITERS, write_json_objects
from depvault.reports.formats.xlsx import Column, xlsx_bytes
from depvault.reports.risk.report import write_risk_report
from depvault.reports.sbom.cyclonedx_json import SbomFilter
from depvault.reports.sbom.spdx import write_spdx
from depvault.reports.sources.core import signal_cells
from depvault.store.inventories.hierarchy import ProjectFilter

# The engine is the protocol layer's one door into the reports (an import-linter
# contract holds it): besides rendering, the documents and writers that synchronous
# requests answer with directly are named here.
__all__ = [
    "ATTRIBUTION_FORMATS",
    "ATTRIBUTION_MEDIA_TYPES",
    "EXTENSIONS",
    "MEDIA_TYPES",
    "AttributionFilter",
    "Column",
    "Rendered",
    "SbomFilter",
    "member_name",
    "render_files",
    "render_zip",
    "signal_cells",
    "write_attribution",
    "write_risk_report",
    "write_spdx",
    "xlsx_bytes",
]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# reportlab holds every page of a PDF until it saves it (about 60 MB per 100,000 rows,
# measured): PDF files are split at this size whatever DEPVAULT_REPORT_ROWS_PER_FILE says.
PDF_ROWS_PER_FILE = 100_000
_COMPRESSED_ALREADY = frozenset({"xlsx"})
# Formats whose files take another extension than the format's name: SPDX tag-value is
# a ``.spdx`` file, as ``getProjectSpdxReport`` names it.
EXTENSIONS: Mapping[str, str] = {"tv": "spdx"}


@dataclass(frozen=True)
class Rendered:
    """The files a report became in a folder (:func:`render_files`) and how many rows
    they hold."""

    files: tuple[Path, ...]
    rows: int


# Opens the part of this name for writing; the part is complete when the stream closes.
PartOpener = Callable[[str], AbstractContextManager[BinaryIO]]


def member_name(report_type: str, scope_name: str, context_id: int, fmt: str, part: int = 1) -> str:
    """A flat file name, unique per scope and report: clients save members under their
    own names, and equal names would overwrite each other. A report too large for one
    file continues in ``-part002``, ``-part003``, …: the first part's name is decided
    before its rows are read, so it is the same whether more follow or not."""
    scope = _UNSAFE.sub("_", scope_name).strip("_")[:60] or "scope"
    suffix = f"-part{part:03d}" if part > 1 else ""
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

    def open_file(name: str) -> AbstractContextManager[BinaryIO]:
        return (folder / name).open("wb")

    parts, rows = _render(
        db, spec, which, options, fmt, names, open_file, rows_per_file, metadata, limit
    )
    return Rendered(tuple(folder / name for name in parts), rows)


def _dated(name: str) -> zipfile.ZipInfo:
    """A deflated member dated now (UTC, the store's clock): ``ZipFile.open(name)``
    would date it 1980-01-01, which unzip shows and archivers sort by (issue 17)."""
    info = zipfile.ZipInfo(name, date_time=utcnow().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = 1  # type: ignore[attr-defined]  # what ZipFile.open(str) sets
    return info


def render_zip(
    db: Session,
    spec: ReportSpec,
    which: ProjectFilter,
    options: Any,
    fmt: str,
    target: Path,
    names: tuple[str, str, int],
    *,
    rows_per_file: int,
    metadata: Mapping[str, str] | None = None,
) -> tuple[tuple[str, ...], int]:
    """Write the report straight into the flat ZIP ``target`` a download returns: its
    member names and row count. Members are deflated (level 1: on a 508 MB JSON report
    level 6 took 9.7 s for a 15 % smaller file, level 1 3.6 s) by a background thread
    while the rows are built; an XLSX file, a deflated ZIP already, is stored as it is."""
    with (
        tempfile.TemporaryDirectory(prefix="parts-", dir=target.parent) as scratch,
        zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
    ):

        @contextmanager
        def open_member(name: str) -> Iterator[BinaryIO]:
            if fmt in _COMPRESSED_ALREADY:
                # written whole first: an XLSX holds no data descriptors that way
                path = Path(scratch) / name
                with path.open("wb") as stream:
                    yield stream
                zf.write(path, arcname=name, compress_type=zipfile.ZIP_STORED)
                path.unlink()
                return
            with BackgroundWriter(zf.open(_dated(name), "w", force_zip64=True)) as stream:
                yield cast(BinaryIO, stream)

        return _render(
            db, spec, which, options, fmt, names, open_member, rows_per_file, metadata, None
        )


def _render(
    db: Session,
    spec: ReportSpec,
    which: ProjectFilter,
    options: Any,
    fmt: str,
    names: tuple[str, str, int],
    open_part: PartOpener,
    rows_per_file: int,
    metadata: Mapping[str, str] | None,
    limit: int | None,
) -> tuple[tuple[str, ...], int]:
    """The one part loop behind both: rows from the source into numbered parts."""
    if spec.document is not None:
        name = member_name(*names, EXTENSIONS.get(fmt, fmt))
        with open_part(name) as target:
            count = spec.document(db, which, options, target, names[1], fmt=fmt)
        return (name,), count
    if spec.source is None:
        raise ValueError(f"{spec.key} is not built")
    writer = WRITERS[fmt]
    if fmt == "pdf":  # reportlab keeps a file's pages until it is saved
        rows_per_file = min(rows_per_file, PDF_ROWS_PER_FILE)
    rows: Iterator[Sequence[object]] = iter(spec.source(db, which, options))
    if limit is not None:
        rows = islice(rows, limit)
    parts: list[str] = []
    total = 0
    while True:
        first = next(rows, None)
        if first is None and parts:
            break
        batch = islice(chain([first], rows), rows_per_file) if first is not None else iter(())
        name = member_name(*names, fmt, len(parts) + 1)
        with open_part(name) as target:
            if fmt == "json" and spec.json_objects is not None:
                objects = spec.json_objects(batch)
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
        parts.append(name)
        total += written
        if first is None or written < rows_per_file:
            break
    return tuple(parts), total
