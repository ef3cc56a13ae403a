"""Streaming XLSX writer for reports: XlsxWriter in constant-memory mode, limits enforced.

XlsxWriter *returns* -1/-2 instead of raising for a row past 1,048,576 or a cell past 32,767
characters, so ignoring the codes silently loses data. This writer stays inside both limits
(long text is cut, ending in a visible "…"; a full sheet rolls over to "Title (2)", … with the
header repeated) and raises XlsxWriteError on any code XlsxWriter still returns.

Values are written by Python type: None leaves the cell empty; bool is an XLSX boolean, so
filters treat it as logical; int/float/Decimal a number (a double); date/datetime a date
(aware ones in UTC: XLSX has no zones); anything else ``str()`` as literal text, so "=cmd|..."
never becomes a formula, nor "0012" a number, nor "http://..." a link.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, BinaryIO, Literal, get_args

from xlsxwriter import Workbook  # type: ignore[import-untyped]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CELL_CHARS = 32_767  # counted in UTF-16 units, as Excel does
ELLIPSIS = "…"
ColumnKind = Literal["text", "number", "date", "datetime"]
Rows = Iterable[Sequence[object]]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_OPTIONS = {  # write_string is used for text anyway; these keep any other path literal too
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,  # NaN/inf become #NUM!/#DIV/0! instead of a TypeError mid-report
}


class XlsxWriteError(RuntimeError):
    """XlsxWriter returned a failure code that the writer's own limit checks should prevent."""


@dataclass(frozen=True)
class Column:
    """One report column. ``kind`` sets the column's display format (empty cells included)
    and how a date or datetime in it is shown; it never converts values (see module doc)."""

    title: str
    width: float = 18
    kind: ColumnKind = "text"

    def __post_init__(self) -> None:
        if self.kind not in get_args(ColumnKind):
            raise ValueError(f"column {self.title!r}: unknown kind {self.kind!r}")


def _utf16_cut(text: str, limit: int) -> str:
    """The longest prefix of ``text`` within ``limit`` UTF-16 units; Excel counts characters
    above U+FFFF (emoji) twice, and the cut must not split one."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def fit_cell_text(text: str) -> str:
    """``text`` cut to Excel's cell limit, ending in "…" when cut so the loss is visible."""
    if len(text) <= EXCEL_MAX_CELL_CHARS // 2:  # cannot exceed the limit even if all emoji
        return text
    if len(text.encode("utf-16-le", "surrogatepass")) // 2 <= EXCEL_MAX_CELL_CHARS:
        return text
    return _utf16_cut(text, EXCEL_MAX_CELL_CHARS - len(ELLIPSIS)) + ELLIPSIS


def sheet_name(title: str, part: int = 1) -> str:
    """The valid Excel name for sheet ``part`` of a report called ``title``: Excel rejects (and
    XlsxWriter raises on) names over 31 units, holding []:*?/\\ or control characters, or
    starting or ending with an apostrophe, and reserves "History"; " (n)" fits within 31."""
    suffix = "" if part == 1 else f" ({part})"
    base = _BAD_SHEET_CHARS.sub("_", title).strip(" '")
    name = _utf16_cut(base, 31 - len(suffix)).strip(" '") or "Sheet"
    if not suffix and name.casefold() == "history":
        name += "_"
    return name + suffix


def _check(code: Any, what: str, sheet: Any) -> None:
    if code not in (0, None):
        raise XlsxWriteError(f"XlsxWriter returned {code} for {what} on sheet {sheet.name!r}")


def _write_cell(sheet: Any, row: int, col: int, value: object, kind: str, fmts: Any) -> None:
    if value is None or value == "":  # an empty string is an empty cell: nothing to write
        return
    if isinstance(value, bool):  # before int: bool is an int subclass
        code = sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float | Decimal):
        code = sheet.write_number(row, col, float(value) if isinstance(value, Decimal) else value)
    elif isinstance(value, date):  # datetime included; a date column shows only the day
        shown = "datetime" if isinstance(value, datetime) else "date"
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        code = sheet.write_datetime(row, col, value, fmts.get(kind, fmts[shown]))
    else:
        code = sheet.write_string(row, col, fit_cell_text(str(value)))
    _check(code, f"row {row + 1}, column {col + 1}", sheet)


def _fill(workbook: Any, title: str, columns: Sequence[Column], rows: Rows, limit: int) -> int:
    fmts = {
        "bold": workbook.add_format({"bold": True}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }

    def new_sheet(part: int) -> Any:
        sheet = workbook.add_worksheet(sheet_name(title, part))
        for col, column in enumerate(columns):
            _check(sheet.set_column(col, col, column.width, fmts.get(column.kind)), "width", sheet)
            code = sheet.write_string(0, col, fit_cell_text(column.title), fmts["bold"])
            _check(code, f"header of column {col + 1}", sheet)
        sheet.freeze_panes(1, 0)
        return sheet

    def finish(sheet: Any, last_row: int) -> None:  # the row count is known only now
        _check(sheet.autofilter(0, 0, last_row, len(columns) - 1), "autofilter", sheet)

    part, row, total = 1, 0, 0
    sheet = new_sheet(part)
    for values in rows:
        if len(values) != len(columns):
            raise ValueError(f"row {total + 1}: {len(values)} values for {len(columns)} columns")
        if row == limit - 1:
            finish(sheet, row)
            part, row = part + 1, 0
            sheet = new_sheet(part)
        row += 1
        for col, value in enumerate(values):
            _write_cell(sheet, row, col, value, columns[col].kind, fmts)
        total += 1
    finish(sheet, row)
    return total


def write_xlsx(
    target: BinaryIO | str | os.PathLike[str],
    sheet_title: str,
    columns: Sequence[Column],
    rows: Rows,
    *,
    max_rows_per_sheet: int = EXCEL_MAX_ROWS,
) -> int:
    """Write ``rows`` (consumed once, in order) under a header of ``columns``; return the number
    of data rows written. ``max_rows_per_sheet`` counts the header row.

    ``target`` is written only by the final close(), so a failing ``rows`` iterator leaves no
    partial file. Constant-memory mode spools each sheet to a temp file that XlsxWriter removes
    only in close(); a private temp directory and closing the spools on failure (XlsxWriter has
    no abort) make sure nothing leaks then either.
    """
    if not columns:
        raise ValueError("an XLSX report needs at least one column")
    if not 2 <= max_rows_per_sheet <= EXCEL_MAX_ROWS:
        raise ValueError(f"max_rows_per_sheet must be in 2..{EXCEL_MAX_ROWS}")
    out = os.fspath(target) if isinstance(target, str | os.PathLike) else target
    with tempfile.TemporaryDirectory(prefix="depvault-xlsx-", ignore_cleanup_errors=True) as tmp:
        workbook = Workbook(out, {**_OPTIONS, "tmpdir": tmp})
        try:
            total = _fill(workbook, sheet_title, columns, rows, max_rows_per_sheet)
            workbook.close()
        except BaseException:
            for sheet in workbook.worksheets():
                sheet._opt_close()  # what close() does for the spools; idempotent
            raise
    return total


def xlsx_bytes(
    sheet_title: str,
    columns: Sequence[Column],
    rows: Rows,
    *,
    max_rows_per_sheet: int = EXCEL_MAX_ROWS,
) -> bytes:
    """The workbook as bytes, for small reports; the whole file is held in memory."""
    buffer = io.BytesIO()
    write_xlsx(buffer, sheet_title, columns, rows, max_rows_per_sheet=max_rows_per_sheet)
    return buffer.getvalue()
