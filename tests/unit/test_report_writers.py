"""The streaming JSON, XML and PDF report writers, read back with orjson, lxml and pypdf."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import orjson
import pytest
from lxml import etree  # type: ignore[import-untyped]
from openpyxl import load_workbook
from pypdf import PdfReader

from depvault.reports.formats.writers import (
    MEDIA_TYPES,
    WRITERS,
    ReportWriter,
    json_key,
    write_json,
    write_pdf,
    write_xml,
)
from depvault.reports.formats.xlsx import Column

COLUMNS = [
    Column("Library Name", width=30),
    Column("CVSS 3 Score", kind="number"),
    Column("Count", kind="number"),
    Column("Published", kind="date"),
    Column("Last Seen", kind="datetime"),
    Column("Direct"),
]
PLUS_TWO = timezone(timedelta(hours=2))
ROWS: list[Sequence[object]] = [
    ("lodash", Decimal("7.5"), 3, date(2024, 1, 2), datetime(2024, 5, 6, 7, 8, 9), True),
    (
        "left-pad",
        9.8,
        None,
        datetime(2023, 12, 31, 23, 0),
        datetime(2024, 1, 1, 1, 0, tzinfo=PLUS_TWO),
        False,
    ),
    ("x", None, 0, None, None, None),
]
EXPECTED = [
    {
        "libraryName": "lodash",
        "cvss3Score": 7.5,
        "count": 3,
        "published": "2024-01-02",
        "lastSeen": "2024-05-06 07:08:09",
        "direct": True,
    },
    {
        "libraryName": "left-pad",
        "cvss3Score": 9.8,
        "count": None,
        "published": "2023-12-31",  # a date column shows only the day of a datetime
        "lastSeen": "2023-12-31 23:00:00",  # aware: in UTC
        "direct": False,
    },
    {
        "libraryName": "x",
        "cvss3Score": None,
        "count": 0,
        "published": None,
        "lastSeen": None,
        "direct": None,
    },
]
META = {"reportName": "Vulnerabilities", "generated": "2024-06-01 12:00:00"}


def run(
    writer: ReportWriter,
    rows: Sequence[Sequence[object]] = ROWS,
    metadata: Mapping[str, str] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    title = "Vulnerability report"
    count = writer(
        buffer, title, COLUMNS, rows, root="libraries", item="library", metadata=metadata
    )
    assert count == len(rows)
    return buffer.getvalue()


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("Library Name", "libraryName"),
        ("CVSS 3 Score", "cvss3Score"),
        ("Group ID", "groupId"),
        ("  license / type_name ", "licenseTypeName"),
        ("3rd Party", "_3rdParty"),
        ("Größe", "größe"),
    ],
)
def test_json_key(title: str, key: str) -> None:
    assert json_key(title) == key


def test_json_values_keys_and_dates() -> None:
    assert orjson.loads(run(write_json)) == {"libraries": EXPECTED}


def test_json_metadata_comes_first() -> None:
    parsed = orjson.loads(run(write_json, metadata=META))
    assert list(parsed) == ["reportName", "generated", "libraries"]
    assert parsed["reportName"] == "Vulnerabilities"
    assert parsed["libraries"] == EXPECTED


def test_json_no_rows() -> None:
    assert orjson.loads(run(write_json, rows=[], metadata=META))["libraries"] == []


def test_json_streams_a_generator() -> None:
    buffer = io.BytesIO()
    seen_early: list[int] = []

    def rows() -> Iterator[Sequence[object]]:
        for i in range(50_000):
            if i == 10_000:  # the first rows must already be out, not held in a list
                seen_early.append(len(buffer.getvalue()))
            yield (f"lib-{i}", i / 10, i, date(2024, 1, 1), None, i % 2 == 0)

    assert write_json(buffer, "t", COLUMNS, rows(), root="libraries", item="library") == 50_000
    assert seen_early[0] > 100_000
    parsed = orjson.loads(buffer.getvalue())["libraries"]
    assert len(parsed) == 50_000
    assert parsed[49_999] == {
        "libraryName": "lib-49999",
        "cvss3Score": 4999.9,
        "count": 49_999,
        "published": "2024-01-01",
        "lastSeen": None,
        "direct": False,
    }


@pytest.mark.parametrize("writer", [write_json, write_xml, write_pdf])
def test_rejects_bad_input(writer: ReportWriter) -> None:
    with pytest.raises(ValueError, match="row 2: 2 values for 6 columns"):
        run(writer, rows=[ROWS[0], ("a", 1)])
    with pytest.raises(ValueError, match="duplicate keys"):
        writer(io.BytesIO(), "t", [Column("A b"), Column("a-B")], [], root="r", item="i")


def test_json_root_clashing_with_metadata() -> None:
    with pytest.raises(ValueError, match="root key"):
        run(write_json, metadata={"libraries": "x"})


def test_xml_elements_and_values() -> None:
    data = run(write_xml, metadata=META)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = etree.fromstring(data)
    assert root.tag == "libraries"
    assert [(child.tag, child.text) for child in root.find("metadata")] == list(META.items())
    items = root.findall("library")
    assert len(items) == 3
    assert [(child.tag, child.text) for child in items[0]] == [
        ("libraryName", "lodash"),
        ("cvss3Score", "7.5"),
        ("count", "3"),
        ("published", "2024-01-02"),
        ("lastSeen", "2024-05-06 07:08:09"),
        ("direct", "true"),
    ]
    assert items[1].findtext("published") == "2023-12-31"
    assert items[1].findtext("lastSeen") == "2023-12-31 23:00:00"
    assert items[1].find("count") is None  # None omits the element
    assert [child.tag for child in items[2]] == ["libraryName", "count"]
    assert items[2].findtext("count") == "0"


def test_xml_strips_invalid_characters() -> None:
    rows = [("a\x00b\x1fc\td\ne\x7f€ ünï 漢字 😀\ufffe", None, None, None, None, None)]
    root = etree.fromstring(run(write_xml, rows=rows, metadata={"note": "x\x0by"}))
    assert root.findtext("library/libraryName") == "abc\td\ne\x7f€ ünï 漢字 😀"
    assert root.findtext("metadata/note") == "xy"


def test_xml_streams_a_generator() -> None:
    buffer = io.BytesIO()
    seen_early: list[int] = []

    def rows() -> Iterator[Sequence[object]]:
        for i in range(20_000):
            if i == 10_000:
                seen_early.append(len(buffer.getvalue()))
            yield (f"lib-{i}", None, i, None, None, None)

    assert write_xml(buffer, "t", COLUMNS, rows(), root="libraries", item="library") == 20_000
    assert seen_early[0] > 100_000
    root = etree.fromstring(buffer.getvalue())
    assert len(root) == 20_000
    assert root[-1].findtext("libraryName") == "lib-19999"


def test_pdf_title_headers_and_cells() -> None:
    data = run(write_pdf, metadata=META)
    assert data.startswith(b"%PDF-")
    (text,) = pdf_pages(data)
    for expected in ["Vulnerability report", "reportName: Vulnerabilities", "Library Name"]:
        assert expected in text
    for expected in ["CVSS 3 Score", "Last Seen", "left-pad", "2024-05-06 07:08:09", "9.8"]:
        assert expected in text
    assert "Page 1" in text


def test_pdf_pages_repeat_the_header_and_keep_every_row() -> None:
    rows = [(f"row-{i:05d}", i / 10, i, date(2024, 1, 1), None, True) for i in range(500)]
    pages = pdf_pages(run(write_pdf, rows=rows))
    assert len(pages) >= 5
    for number, text in enumerate(pages, 1):
        assert "Library Name" in text
        assert "Published" in text
        assert f"Page {number}" in text
    everything = "\n".join(pages)
    assert all(f"row-{i:05d}" in everything for i in range(500))
    assert "row-00000" in pages[0]
    assert "row-00499" in pages[-1]


def test_pdf_cuts_long_text_and_survives_any_character() -> None:
    rows = [
        ("x" * 2_000, None, None, None, None, None),
        ("漢字 ünïcödé € 😀\x00\n", None, None, None, None, None),
    ]
    (text,) = pdf_pages(run(write_pdf, rows=rows, metadata={"note": "Ω"}))
    assert "…" in text
    assert "x" * 200 not in text
    assert "?? ünïcödé € ?" in text  # outside Helvetica's encoding: "?"
    assert "note: ?" in text


def test_pdf_no_rows() -> None:
    (text,) = pdf_pages(run(write_pdf, rows=[]))
    assert "Library Name" in text
    assert "Page 1" in text


def test_registry_covers_every_format() -> None:
    assert set(WRITERS) == set(MEDIA_TYPES) == {"json", "xml", "pdf", "xlsx"}
    for name, writer in WRITERS.items():
        buffer = io.BytesIO()
        count = writer(
            buffer, "Report", COLUMNS, ROWS, root="libraries", item="library", metadata=META
        )
        assert count == 3, name
        assert len(buffer.getvalue()) > 100, name
    buffer = io.BytesIO()
    WRITERS["xlsx"](buffer, "Report", COLUMNS, ROWS, root="libraries", item="library")
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert sheet is not None
    assert sheet["A2"].value == "lodash"
