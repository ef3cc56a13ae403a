"""Streaming JSON, XML and PDF report writers, taking the same rows as the XLSX writer.

Rows come once, in order, from a database cursor and a whole organization never fits in
memory, so no writer builds the document first: JSON is prefix, one ``orjson.dumps`` per row,
suffix; XML goes through lxml's incremental ``etree.xmlfile``; PDF is reportlab at canvas level
with our own paging (platypus tables measure every row first: ≈1.2k rows/s). Measured with 8
columns: JSON ≈100k rows/s, XML ≈29k rows/s, both flat in memory; PDF ≈8k rows/s (≈4k
without rl-accel). PDF memory is NOT flat: reportlab keeps every finished page's content
stream, uncompressed, until ``save()`` (``pageCompression`` only compresses then), which then
builds the whole file in memory too: 200k rows (4,256 pages) peaked at 123 MB (tracemalloc),
about 60 MB per 100k rows. Very large exports belong in XLSX, JSON or XML.

Values: None is null in JSON, an omitted element in XML, an empty PDF cell; a datetime is
"yyyy-MM-dd HH:mm:ss" (aware ones in UTC, as in XLSX), a date "yyyy-MM-dd", and a date column
shows only the day of a datetime; Decimal is a float in JSON, its exact text elsewhere; bool
is true/false; anything else ``str()``. ``title`` heads the PDF (and names the XLSX sheet);
JSON and XML carry only the ``metadata`` keys, so a consumer's schema gets no extra key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice
from typing import BinaryIO, Protocol

import orjson
from lxml import etree  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A3, A4, landscape  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from depvault.reports.formats.xlsx import ELLIPSIS, Column, write_xlsx

Rows = Iterable[Sequence[object]]

_WORDS = re.compile(r"[^\W_]+")
# XML 1.0 Char: lxml raises on anything else (controls but \t\n\r, lone surrogates, U+FFFE/F)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_OBJECTS_PER_DUMP = 1000
_FONT, _BOLD, _SIZE, _LEADING, _PAD, _MARGIN = "Helvetica", "Helvetica-Bold", 8, 11, 3, 36
# Helvetica's glyphs are 0.191..1.015 em wide, which bounds how many characters can fit
_MIN_EM, _MAX_EM = 0.191, 1.015
WIDE_TABLE = 250


class ReportWriter(Protocol):
    """What every format writer is: rows in, rows-written count out."""

    def __call__(
        self,
        target: BinaryIO,
        title: str,
        columns: Sequence[Column],
        rows: Rows,
        *,
        root: str,
        item: str,
        metadata: Mapping[str, str] | None = None,
    ) -> int: ...


def json_key(title: str) -> str:
    """The lowerCamelCase key (and XML element name) of a column: words are runs of letters and
    digits, the first lowercased, the rest capitalized ("CVSS 3 Score" → "cvss3Score"). A key
    that would start with a digit gets a "_" so it is a valid XML name too."""
    words = _WORDS.findall(title)
    if not words:
        raise ValueError(f"column {title!r}: no letters or digits for a key")
    key = "".join([words[0].lower(), *(w[0].upper() + w[1:].lower() for w in words[1:])])
    return f"_{key}" if key[:1].isdigit() else key


def _keys(columns: Sequence[Column]) -> list[str]:
    if not columns:
        raise ValueError("a report needs at least one column")
    keys = [json_key(column.title) for column in columns]
    if len(set(keys)) != len(keys):  # one would silently overwrite the other
        raise ValueError(f"columns give duplicate keys: {keys}")
    return keys


def _checked(rows: Rows, width: int) -> Iterator[Sequence[object]]:
    for number, values in enumerate(rows, 1):
        if len(values) != width:
            raise ValueError(f"row {number}: {len(values)} values for {width} columns")
        yield values


def _text(value: object, kind: str) -> str:
    """A non-None value as report text (see module doc)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        if kind == "date":
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")  # strftime drops a year's zeros
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _json_value(value: object, kind: str) -> object:
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return value
    if isinstance(value, Decimal):
        return float(value)
    return _text(value, kind)


def write_json(
    target: BinaryIO,
    title: str,
    columns: Sequence[Column],
    rows: Rows,
    *,
    root: str,
    item: str,
    metadata: Mapping[str, str] | None = None,
) -> int:
    """``{<metadata keys>, "<root>": [{<json_key(title)>: value, ...}, ...]}``, one row at a
    time; ``item`` is unused (JSON objects are anonymous)."""
    keys, kinds = _keys(columns), [column.kind for column in columns]
    objects = (
        {k: _json_value(v, kind) for k, v, kind in zip(keys, values, kinds, strict=True)}
        for values in _checked(rows, len(keys))
    )
    return write_json_objects(target, objects, root=root, metadata=metadata)


def write_json_objects(
    target: BinaryIO,
    objects: Iterable[Mapping[str, object]],
    *,
    root: str,
    metadata: Mapping[str, str] | None = None,
) -> int:
    """``{<metadata keys>, "<root>": [object, ...]}`` for reports whose JSON rows are
    nested objects (the Library and Vulnerability objects clients read), one at a time."""
    meta = dict(metadata or {})
    if root in meta:
        raise ValueError(f"metadata key {root!r} is also the root key")
    target.write(b"{")
    for name, value in meta.items():
        target.write(orjson.dumps(name) + b":" + orjson.dumps(value) + b",")
    target.write(orjson.dumps(root) + b":[")
    total = 0
    iterator = iter(objects)
    while batch := list(islice(iterator, _OBJECTS_PER_DUMP)):
        # one dumps and one write per batch: per object they cost more than the dumping
        target.write((b"," if total else b"") + orjson.dumps(batch)[1:-1])
        total += len(batch)
    target.write(b"]}")
    return total


def write_xml(
    target: BinaryIO,
    title: str,
    columns: Sequence[Column],
    rows: Rows,
    *,
    root: str,
    item: str,
    metadata: Mapping[str, str] | None = None,
) -> int:
    """``<root><metadata><key>value</key>…</metadata><item><column>text</column>…</item>…``
    with element names from ``json_key``; None omits the element, and characters XML 1.0
    cannot hold (control characters but tab, newline and carriage return) are dropped."""
    keys, kinds = _keys(columns), [column.kind for column in columns]
    total = 0
    with etree.xmlfile(target, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(root):
            if metadata:
                meta = etree.Element("metadata")
                for name, value in metadata.items():
                    etree.SubElement(meta, name).text = _NOT_XML.sub("", value)
                xf.write(meta)
            for values in _checked(rows, len(keys)):
                element = etree.Element(item)
                for key, cell, kind in zip(keys, values, kinds, strict=True):
                    if cell is not None:
                        text = _NOT_XML.sub("", _text(cell, kind))
                        etree.SubElement(element, key).text = text
                xf.write(element)
                total += 1
    return total


def _pdf_text(text: str) -> str:
    """``text`` as Helvetica can show it: characters outside its WinAnsi encoding (Latin-1
    plus a few such as € and …) become "?", control characters (line breaks too) a space."""
    if text.isascii() and text.isprintable():
        return text
    return _CONTROL.sub(" ", text.encode("cp1252", "replace").decode("cp1252"))


def _fit(text: str, room: float, font: str = _FONT, size: float = _SIZE) -> str:
    """``text`` cut to ``room`` points, ending in "…" when cut."""
    text = _pdf_text(text)
    if len(text) * _MAX_EM * size <= room:  # surely fits: skip measuring
        return text
    short = text[: int(room / (_MIN_EM * size)) + 2]  # more characters than this cannot fit
    if len(short) == len(text) and stringWidth(text, font, size) <= room:
        return text
    low, high = 0, len(short) - 1  # the longest prefix that fits with "…" lies in low..high
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(short[:middle] + ELLIPSIS, font, size) <= room:
            low = middle
        else:
            high = middle - 1
    return short[:low] + ELLIPSIS


def write_pdf(
    target: BinaryIO,
    title: str,
    columns: Sequence[Column],
    rows: Rows,
    *,
    root: str,
    item: str,
    metadata: Mapping[str, str] | None = None,
) -> int:
    """A landscape A4 (A3 when wide) table: title and "key: value" metadata lines on page
    1, the header on every page, "Page N" in the footer, column widths proportional to
    ``Column.width``, cell text cut with "…" to fit, numbers right-aligned. ``root`` and
    ``item`` are unused."""
    _keys(columns)
    # Wide tables (more than ~250 width units, about 14 columns) get an A3 page so that
    # identifiers such as CVE names are not cut.
    page_width, page_height = landscape(A3 if sum(c.width for c in columns) > WIDE_TABLE else A4)
    usable = page_width - 2 * _MARGIN
    widths = [max(column.width, 1) for column in columns]
    widths = [width * usable / sum(widths) for width in widths]
    lefts = [_MARGIN + sum(widths[:index]) for index in range(len(widths))]
    rooms = [width - 2 * _PAD for width in widths]
    kinds = [column.kind for column in columns]
    canvas = Canvas(target, pagesize=(page_width, page_height), pageCompression=1)
    canvas.setTitle(_pdf_text(title))
    page, y = 1, page_height - _MARGIN

    def start_page(y: float) -> float:
        canvas.setFont(_BOLD, _SIZE)
        for left, room, column in zip(lefts, rooms, columns, strict=True):
            canvas.drawString(left + _PAD, y, _fit(column.title, room, _BOLD))
        canvas.setLineWidth(0.5)
        canvas.line(_MARGIN, y - 3, page_width - _MARGIN, y - 3)
        return y - _LEADING - 2

    def end_page(text: object) -> None:
        canvas.drawText(text)
        canvas.setFont(_FONT, _SIZE)
        canvas.drawCentredString(page_width / 2, _MARGIN / 2, f"Page {page}")
        canvas.showPage()

    canvas.setFont(_BOLD, 14)
    canvas.drawString(_MARGIN, y - 14, _fit(title, usable, _BOLD, 14))
    y -= 14 + 10
    canvas.setFont(_FONT, 9)
    for name, value in (metadata or {}).items():
        y -= 12
        canvas.drawString(_MARGIN, y, _fit(f"{name}: {value}", usable, _FONT, 9))
    y = start_page(y - 18)
    text = canvas.beginText()
    text.setFont(_FONT, _SIZE)
    total = 0
    for values in _checked(rows, len(columns)):
        if y < _MARGIN:
            end_page(text)
            page += 1
            y = start_page(page_height - _MARGIN)
            text = canvas.beginText()
            text.setFont(_FONT, _SIZE)
        for left, room, kind, cell in zip(lefts, rooms, kinds, values, strict=True):
            if cell is None:
                continue
            shown = _fit(_text(cell, kind), room)
            x = left + _PAD
            if kind == "number" and not isinstance(cell, bool):  # right-aligned
                x += room - stringWidth(shown, _FONT, _SIZE)
            text.setTextOrigin(x, y)
            text.textOut(shown)
        y -= _LEADING
        total += 1
    end_page(text)
    canvas.save()
    return total


def _write_xlsx(
    target: BinaryIO,
    title: str,
    columns: Sequence[Column],
    rows: Rows,
    *,
    root: str,
    item: str,
    metadata: Mapping[str, str] | None = None,
) -> int:
    """The XLSX writer behind the common interface; the sheet has no room for metadata."""
    return write_xlsx(target, title, columns, rows)


WRITERS: Mapping[str, ReportWriter] = {
    "json": write_json,
    "xml": write_xml,
    "pdf": write_pdf,
    "xlsx": _write_xlsx,
}
MEDIA_TYPES: Mapping[str, str] = {
    "json": "application/json",
    "xml": "application/xml",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
