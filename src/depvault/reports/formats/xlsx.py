"""Streaming XLSX writer for reports: each sheet's rows go straight into the compressed
package, one pass, in constant memory, inside Excel's limits.

Why not XlsxWriter, the library DESIGN.md names: measured on the 16-column inventory, it
costs about 3.5 µs a cell in constant-memory mode (156.7 s for 1,000,000 rows, where the
target is 30 s), spent in its per-cell dispatch, cell objects and escaping; and in that
mode it writes any text of the form ``<r>…</r>`` into the sheet unescaped, so a project
name like that breaks the file. This writer emits the same SpreadsheetML XlsxWriter does
(inline strings, the same styles, escapes and date serials) with one formatted string per
row, and the tests read both writers' workbooks back with openpyxl and compare them:
XlsxWriter is the oracle.

Limits: long text is cut, ending in a visible "…"; a full sheet rolls over to "Title (2)",
… with the header repeated.

Values are written by Python type: None leaves the cell empty; bool is an XLSX boolean, so
filters treat it as logical; int/float/Decimal a number (a double; NaN and infinities the
errors #NUM! and #DIV/0!); date/datetime a date (aware ones in UTC: XLSX has no zones);
anything else ``str()`` as literal text, so "=cmd|..." never becomes a formula, nor "0012"
a number, nor "http://..." a link.
"""

from __future__ import annotations

import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import IO, BinaryIO, Literal, get_args
from xml.sax.saxutils import escape, quoteattr

from depvault.reports.formats.background import BackgroundWriter

__all__ = [
    "ELLIPSIS",
    "EXCEL_MAX_CELL_CHARS",
    "EXCEL_MAX_ROWS",
    "Column",
    "XlsxWorkbook",
    "XlsxWriteError",
    "column_letters",
    "excel_serial",
    "fit_cell_text",
    "sheet_name",
    "write_xlsx",
    "xlsx_bytes",
]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_CHARS = 32_767  # counted in UTF-16 units, as Excel does
ELLIPSIS = "…"
ColumnKind = Literal["text", "number", "date", "datetime"]
Rows = Iterable[Sequence[object]]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_EDGE_SPACE = re.compile(r"^\s|\s$")
_ROWS_PER_WRITE = 512
_DEFLATE_LEVEL = 1  # level 6 makes the file ~15 % smaller and the sheet ~3x slower to pack

# Style indexes of styles.xml below: 1 bold (headers), 2 date, 3 datetime.
_KIND_STYLE = {"date": ' s="2"', "datetime": ' s="3"'}
_COLUMN_STYLE = {"date": ' style="2"', "datetime": ' style="3"'}
_EPOCH_ORDINAL = datetime(1899, 12, 31).toordinal()

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_STYLES = (
    f'{_XML_DECLARATION}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0"/></styleSheet>'
)
_PACKAGE_RELS = (
    f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


class XlsxWriteError(ValueError):
    """A workbook Excel could not open was asked for (too many columns)."""


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
    """The valid Excel name for sheet ``part`` of a report called ``title``: Excel rejects
    names over 31 units, holding []:*?/\\ or control characters, or starting or ending with
    an apostrophe, and reserves "History"; " (n)" fits within 31."""
    suffix = "" if part == 1 else f" ({part})"
    base = _BAD_SHEET_CHARS.sub("_", title).strip(" '")
    name = _utf16_cut(base, 31 - len(suffix)).strip(" '") or "Sheet"
    if not suffix and name.casefold() == "history":
        name += "_"
    return name + suffix


def column_letters(index: int) -> str:
    """``0`` → ``A``, ``25`` → ``Z``, ``26`` → ``AA``."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _is_plain(text: str) -> bool:
    """Whether ``text`` goes into the XML as it is: short enough for any cell, nothing to
    escape, no edge space. ``isprintable`` rules out control characters, non-characters
    and every space but U+0020, so the checks after it are plain substring tests (a
    regular expression over the text costs several times more)."""
    return (
        len(text) <= EXCEL_MAX_CELL_CHARS // 2
        and text.isprintable()
        and "&" not in text
        and "<" not in text
        and ">" not in text
        and "_x" not in text
        and text[0] != " "
        and text[-1] != " "
    )


def _text_cell(ref: str, style: str, text: str) -> str:
    text = fit_cell_text(text)
    if text and _is_plain(text):  # the common case: copied as is
        return f'<c r="{ref}"{style} t="inlineStr"><is><t>{text}</t></is></c>'
    text = _LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda found: f"_x{ord(found.group()):04X}_", text)
    space = ' xml:space="preserve"' if _EDGE_SPACE.search(text) else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _number_cell(ref: str, style: str, number: float) -> str:
    if math.isfinite(number):
        return f'<c r="{ref}"{style}><v>{number:.16G}</v></c>'
    error = "#NUM!" if math.isnan(number) else "#DIV/0!"
    return f'<c r="{ref}"{style} t="e"><f>{error}</f><v>{error}</v></c>'


def excel_serial(value: date) -> float:
    """The Excel (1900 system) serial of a date or naive datetime: days since 1899-12-31,
    plus the day Excel's phantom 1900-02-29 adds from March 1900 on."""
    serial: float = value.toordinal() - _EPOCH_ORDINAL
    if isinstance(value, datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        serial += (seconds + value.microsecond / 1e6) / 86400
    return serial + 1 if serial > 59 else serial


def _cell(ref: str, style: str, value: object, kind: str) -> str:
    """The XML of one non-empty cell, by the value's Python type (see module doc)."""
    if isinstance(value, str):
        return _text_cell(ref, style, value)
    if isinstance(value, bool):  # before int: bool is an int subclass
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return _number_cell(ref, style, float(value))
    if isinstance(value, date):  # datetime included; a date column shows only the day
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if kind not in _KIND_STYLE:
            style = _KIND_STYLE["datetime" if isinstance(value, datetime) else "date"]
        return f'<c r="{ref}"{style}><v>{excel_serial(value):.16G}</v></c>'
    return _text_cell(ref, style, str(value))


class _Sheet:
    """One worksheet part being streamed: header, rows, then the closing elements."""

    def __init__(
        self, out: IO[bytes] | io.BufferedIOBase, columns: Sequence[Column], selected: bool
    ) -> None:
        self.out = out
        self.count = len(columns)
        self.letters = [column_letters(i) for i in range(self.count)]
        self.styles = [_KIND_STYLE.get(column.kind, "") for column in columns]
        self.kinds = [column.kind for column in columns]
        self.cells = list(zip(self.letters, self.styles, self.kinds, strict=True))
        self.rows = 1
        self.pending: list[str] = []
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{column.width + 0.7109375:.16G}"'
            f'{_COLUMN_STYLE.get(column.kind, "")} customWidth="1"/>'
            for i, column in enumerate(columns, start=1)
        )
        header = "".join(
            _text_cell(f"{letter}1", ' s="1"', column.title)
            for letter, column in zip(self.letters, columns, strict=True)
        )
        tab = ' tabSelected="1"' if selected else ""
        self._write(
            f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f'<sheetViews><sheetView{tab} workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{widths}</cols>'
            f'<sheetData><row r="1">{header}</row>'
        )

    def _write(self, text: str) -> None:
        # "replace": a lone surrogate (not text) must not abort a million-row report
        self.out.write(text.encode("utf-8", "replace"))

    def add(self, values: Sequence[object]) -> None:
        """Append one row. The inner loop of every XLSX report, so plain text (most cells)
        is written inline; anything else goes through :func:`_cell`."""
        self.rows += 1
        number = self.rows
        cells = [f'<row r="{number}">']
        append = cells.append
        for (letter, style, kind), value in zip(self.cells, values, strict=True):
            if value.__class__ is str:  # narrows: exactly str, not a subclass
                if not value:
                    continue
                if _is_plain(value):
                    append(
                        f'<c r="{letter}{number}"{style} t="inlineStr"><is><t>{value}</t></is></c>'
                    )
                    continue
            elif value is None:
                continue
            append(_cell(f"{letter}{number}", style, value, kind))
        append("</row>")
        self.pending.append("".join(cells))
        if len(self.pending) == _ROWS_PER_WRITE:
            self._write("".join(self.pending))
            self.pending.clear()

    @property
    def filter_range(self) -> str:
        return f"A1:{self.letters[-1]}{self.rows}"

    def close(self) -> None:
        self.pending.append(
            f'</sheetData><autoFilter ref="{self.filter_range}"/>'
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            'footer="0.3"/></worksheet>'
        )
        self._write("".join(self.pending))
        self.pending.clear()


def _workbook_parts(names: Sequence[str], filters: Sequence[str]) -> dict[str, str]:
    """The package parts around the sheets, once their names and row counts are known."""
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quoted_sheet(name))}!{_absolute(ref)}</definedName>"
        for i, (name, ref) in enumerate(zip(names, filters, strict=True))
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(names) + 1)
    )
    styles_id = len(names) + 1
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(names) + 1)
    )
    return {
        "[Content_Types].xml": (
            f"{_XML_DECLARATION}<Types "
            'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": _PACKAGE_RELS,
        "xl/workbook.xml": (
            f'{_XML_DECLARATION}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>"
            f'<definedNames>{defined}</definedNames><calcPr calcId="124519"/></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_XML_DECLARATION}<Relationships xmlns="{_PACKAGE_REL_NS}">{sheet_rels}'
            f'<Relationship Id="rId{styles_id}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _STYLES,
    }


def _quoted_sheet(name: str) -> str:
    """A sheet name as a formula reference spells it: quoted unless a plain word."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
        return name
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """``A1:P20`` → ``$A$1:$P$20``."""
    return re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", ref)


class XlsxWorkbook:
    """A workbook of several sheets written one after another into ``package``: rows go
    to the sheet :meth:`sheet` opened last; a sheet past ``limit`` rows continues in
    "Title (2)", … with the header repeated. :meth:`close` writes the parts around the
    sheets (the package itself stays the caller's to close)."""

    def __init__(self, package: zipfile.ZipFile, limit: int = EXCEL_MAX_ROWS) -> None:
        self._package = package
        self._limit = limit
        self._names: list[str] = []
        self._filters: list[str] = []
        self._current: _Sheet | None = None
        self._title = ""
        self._columns: Sequence[Column] = ()
        self._part = 0

    def sheet(self, title: str, columns: Sequence[Column]) -> None:
        """Close the current sheet and start ``title`` with its header of ``columns``."""
        if not columns:
            raise ValueError("an XLSX sheet needs at least one column")
        if len(columns) > EXCEL_MAX_COLUMNS:
            raise XlsxWriteError(f"{len(columns)} columns: Excel has at most {EXCEL_MAX_COLUMNS}")
        self._close_sheet()
        self._title, self._columns, self._part = title, columns, 0
        self._current = self._open_sheet()

    def _open_sheet(self) -> _Sheet:
        self._part += 1
        self._names.append(sheet_name(self._title, self._part))
        number = len(self._names)
        part = self._package.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True)
        # deflated on another core while the next rows are formatted
        return _Sheet(BackgroundWriter(part), self._columns, selected=number == 1)

    def _close_sheet(self) -> None:
        if self._current is not None:
            self._current.close()
            self._current.out.close()
            self._filters.append(self._current.filter_range)
            self._current = None

    def add(self, values: Sequence[object]) -> None:
        """One row of the current sheet (as many values as it has columns)."""
        sheet = self._current
        if sheet is None:
            raise ValueError("no sheet is open")
        if len(values) != sheet.count:
            raise ValueError(f"row {sheet.rows}: {len(values)} values for {sheet.count} columns")
        if sheet.rows == self._limit:
            self._close_sheet()
            sheet = self._current = self._open_sheet()
        sheet.add(values)

    def abandon(self) -> None:
        """Close the open sheet's part after a failure (the package cannot close over
        an open part); the workbook is not usable after."""
        if self._current is not None:
            self._current.out.close()
            self._current = None

    def close(self) -> None:
        """Finish the last sheet and write the workbook's other parts."""
        self._close_sheet()
        for part_name, text in _workbook_parts(self._names, self._filters).items():
            self._package.writestr(part_name, text.encode("utf-8"))


def _fill(
    package: zipfile.ZipFile, title: str, columns: Sequence[Column], rows: Rows, limit: int
) -> int:
    book = XlsxWorkbook(package, limit)
    book.sheet(title, columns)
    total = 0
    try:
        for values in rows:
            if len(values) != len(columns):
                raise ValueError(
                    f"row {total + 1}: {len(values)} values for {len(columns)} columns"
                )
            book.add(values)
            total += 1
    except BaseException:
        book.abandon()
        raise
    book.close()
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

    A path target is written under a temporary name and renamed when complete, so a failing
    ``rows`` iterator leaves no partial file; a stream target is the caller's to discard.
    """
    if not columns:
        raise ValueError("an XLSX report needs at least one column")
    if len(columns) > EXCEL_MAX_COLUMNS:
        raise XlsxWriteError(f"{len(columns)} columns: Excel has at most {EXCEL_MAX_COLUMNS}")
    if not 2 <= max_rows_per_sheet <= EXCEL_MAX_ROWS:
        raise ValueError(f"max_rows_per_sheet must be in 2..{EXCEL_MAX_ROWS}")

    def write(stream: IO[bytes]) -> int:
        with zipfile.ZipFile(
            stream, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=_DEFLATE_LEVEL
        ) as package:
            return _fill(package, sheet_title, columns, rows, max_rows_per_sheet)

    if not isinstance(target, str | os.PathLike):
        return write(target)
    final = os.fspath(target)
    partial = f"{final}.partial"
    try:
        with open(partial, "wb") as stream:
            total = write(stream)
        os.replace(partial, final)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
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
