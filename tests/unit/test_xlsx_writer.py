"""The streaming XLSX writer, read back with openpyxl, and compared with the same sheet
written by XlsxWriter (the oracle)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]
from openpyxl import Workbook as ReadWorkbook
from openpyxl import load_workbook

from depvault.reports.formats.xlsx import (
    ELLIPSIS,
    EXCEL_MAX_CELL_CHARS,
    Column,
    XlsxWriteError,
    excel_serial,
    fit_cell_text,
    sheet_name,
    write_xlsx,
    xlsx_bytes,
)

COLUMNS = [
    Column("Name", width=30),
    Column("Count", kind="number"),
    Column("Published", kind="date"),
    Column("Seen", kind="datetime"),
    Column("Direct"),
]


def read(data: bytes) -> ReadWorkbook:
    return load_workbook(io.BytesIO(data))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def test_header_values_and_types_round_trip() -> None:
    seen = datetime(2024, 5, 6, 7, 8, 9)
    data = xlsx_bytes(
        "Alerts",
        COLUMNS,
        [
            ["lodash", 3, date(2024, 1, 2), seen, True],
            ["left-pad", 2.5, None, None, False],
            ["decimal", Decimal("7.25"), date(2020, 2, 29), date(2021, 3, 4), None],
        ],
    )
    sheet = read(data)["Alerts"]
    assert [c.value for c in sheet[1]] == ["Name", "Count", "Published", "Seen", "Direct"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E4"
    assert sheet.max_row == 4

    name, count, published, seen_cell, direct = sheet[2]
    assert (name.value, name.data_type) == ("lodash", "s")
    assert count.value == 3 and count.data_type == "n"
    assert published.is_date and published.value == datetime(2024, 1, 2)
    assert published.number_format == "yyyy-mm-dd"
    assert seen_cell.is_date and seen_cell.value == seen
    assert seen_cell.number_format == "yyyy-mm-dd hh:mm:ss"
    assert direct.value is True and direct.data_type == "b"

    assert [c.value for c in sheet[3]] == ["left-pad", 2.5, None, None, False]
    third = sheet[4]
    assert third[1].value == 7.25
    assert third[3].value == datetime(2021, 3, 4) and third[3].number_format.endswith("hh:mm:ss")


def test_aware_datetimes_are_written_in_utc() -> None:
    local = datetime(2024, 5, 6, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    sheet = read(xlsx_bytes("T", [Column("At", kind="datetime")], [[local]]))["T"]
    assert sheet["A2"].value == datetime(2024, 5, 6, 10, 0)
    assert local.astimezone(UTC).hour == 10


@pytest.mark.parametrize(
    "text", ["=1+1", '=HYPERLINK("http://x")', "0012", "1e5", "http://x.test/"]
)
def test_strings_stay_literal_text(text: str) -> None:
    data = xlsx_bytes("T", [Column("Value")], [[text]])
    cell = read(data)["T"]["A2"]
    assert (cell.value, cell.data_type) == (text, "s")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet_xml
        assert "<hyperlink" not in sheet_xml


def test_long_strings_are_truncated_with_a_marker() -> None:
    long_text = "x" * 40_000
    emoji_text = "\U0001f600" * 20_000  # 40,000 UTF-16 units in 20,000 characters
    exact = "y" * EXCEL_MAX_CELL_CHARS
    sheet = read(
        xlsx_bytes("T", [Column("A"), Column("B"), Column("C")], [[long_text, emoji_text, exact]])
    )["T"]
    cut, cut_emoji, kept = (c.value for c in sheet[2])
    assert len(cut) == EXCEL_MAX_CELL_CHARS and cut.endswith(ELLIPSIS)
    assert cut[:-1] == long_text[: EXCEL_MAX_CELL_CHARS - 1]
    assert utf16_len(cut_emoji) <= EXCEL_MAX_CELL_CHARS and cut_emoji.endswith(ELLIPSIS)
    assert set(cut_emoji[:-1]) == {"\U0001f600"}
    assert kept == exact


def test_full_sheets_roll_over_with_the_header_repeated() -> None:
    rows = [[f"lib-{i}", i] for i in range(12)]
    target = io.BytesIO()
    written = write_xlsx(target, "Alerts", COLUMNS[:2], iter(rows), max_rows_per_sheet=5)
    workbook = read(target.getvalue())
    assert written == 12
    assert workbook.sheetnames == ["Alerts", "Alerts (2)", "Alerts (3)"]
    read_back = []
    for sheet in workbook.worksheets:
        assert [c.value for c in sheet[1]] == ["Name", "Count"]
        assert sheet.freeze_panes == "A2"
        assert sheet.max_row == 5
        read_back += [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert read_back == rows


def test_exactly_full_sheet_does_not_add_an_empty_one() -> None:
    rows = [[str(i)] for i in range(8)]
    workbook = read(xlsx_bytes("Alerts", [Column("N")], rows, max_rows_per_sheet=5))
    assert workbook.sheetnames == ["Alerts", "Alerts (2)"]
    assert [ws.max_row for ws in workbook.worksheets] == [5, 5]


@pytest.mark.parametrize(
    ("title", "part", "expected"),
    [
        ("a/b:c*d?e[f]g\\h", 1, "a_b_c_d_e_f_g_h"),
        ("'quoted'", 1, "quoted"),
        ("", 1, "Sheet"),
        ("   ", 2, "Sheet (2)"),
        ("history", 1, "history_"),
        ("History", 2, "History (2)"),
        ("tab\there", 1, "tab_here"),
        ("L" * 40, 1, "L" * 31),
        ("L" * 40, 12, "L" * 26 + " (12)"),
    ],
)
def test_sheet_names_are_made_valid(title: str, part: int, expected: str) -> None:
    assert sheet_name(title, part) == expected


def test_unsafe_long_title_is_sanitised_in_the_workbook() -> None:
    title = "Alerts: product [core]/* very long name indeed"
    data = xlsx_bytes(title, [Column("N")], [["a"], ["b"]], max_rows_per_sheet=2)
    names = read(data).sheetnames
    assert names == [sheet_name(title), sheet_name(title, 2)]
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert names[0].startswith("Alerts_ product _core___")


def test_no_rows_gives_one_sheet_with_only_the_header(tmp_path: Path) -> None:
    target = tmp_path / "empty.xlsx"
    assert write_xlsx(target, "Alerts", COLUMNS, iter([])) == 0
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["Alerts"]
    sheet = workbook["Alerts"]
    assert sheet.max_row == 1
    assert [c.value for c in sheet[1]] == [c.title for c in COLUMNS]


def test_failing_rows_leave_no_partial_file(tmp_path: Path) -> None:
    def rows() -> Iterator[list[object]]:
        yield ["a"]
        raise RuntimeError("cursor lost")

    target = tmp_path / "broken.xlsx"
    with pytest.raises(RuntimeError, match="cursor lost"):
        write_xlsx(str(target), "T", [Column("N")], rows())
    assert not target.exists()


def test_bad_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="2 values for 1 columns"):
        xlsx_bytes("T", [Column("N")], [["a", "b"]])
    with pytest.raises(ValueError, match="max_rows_per_sheet"):
        xlsx_bytes("T", [Column("N")], [], max_rows_per_sheet=1)
    with pytest.raises(ValueError, match="max_rows_per_sheet"):
        xlsx_bytes("T", [Column("N")], [], max_rows_per_sheet=1_048_577)
    with pytest.raises(ValueError, match="at least one column"):
        xlsx_bytes("T", [], [])
    with pytest.raises(ValueError, match="unknown kind"):
        Column("N", kind="money")  # type: ignore[arg-type]


def test_more_columns_than_excel_has_are_refused() -> None:
    too_wide = [Column(f"c{i}") for i in range(16_385)]  # Excel has 16,384 columns
    with pytest.raises(XlsxWriteError, match="16385 columns"):
        xlsx_bytes("T", too_wide, [])


# --- XlsxWriter as the oracle -------------------------------------------------------------

ORACLE_COLUMNS = [
    Column("Text", 30),
    Column("Number", 9, "number"),
    Column("Day", 11, "date"),
    Column("Moment", 19, "datetime"),
]
ORACLE_ROWS: list[list[object]] = [
    ["plain", 3, date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5)],
    [" leading", 2.5, None, datetime(2024, 5, 6, 7, 8, 9, 678_000)],
    ["trailing ", -0.125, date(1900, 3, 1), datetime(2024, 5, 6, 12, 0, tzinfo=UTC)],
    ['a & b < c > d "q"', Decimal("7.25"), date(2000, 2, 29), None],
    ["line one\nline two\ttab", 12_345_678_901_234_567, None, date(2021, 3, 4)],
    ["control \x01 \x1f \r chars", 1e20, None, None],
    ["literal _x0041_ escape", True, None, None],
    ["non-characters \ufffe \uffff", False, None, None],
    ["emoji \U0001f600, é ü 中文", 0, None, None],
    ["\u00a0no-break edge\u00a0", None, None, None],
    ["", "", "", ""],
    [None, None, "2024-01-02", 42],
    ["x" * 40_000, 1, None, None],
    ["=1+2", "0012", "http://x.test/", "1e5"],
]


def _oracle_workbook(
    folder: Path, title: str, columns: list[Column], rows: list[list[object]]
) -> bytes:
    """The same sheet written with XlsxWriter in constant-memory mode (inline strings, as
    this writer), as depvault's writer describes it: literal strings, a bold header,
    column formats by kind, frozen header, autofilter."""
    target = folder / "oracle.xlsx"
    book = xlsxwriter.Workbook(
        str(target),
        {
            "constant_memory": True,
            "tmpdir": str(folder),
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    formats = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(title)
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width, formats.get(column.kind))
        sheet.write_string(0, col, column.title, bold)
    sheet.freeze_panes(1, 0)
    for number, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            kind = columns[col].kind
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                sheet.write_boolean(number, col, value)
            elif isinstance(value, int | float | Decimal):
                sheet.write_number(number, col, float(value))
            elif isinstance(value, date):
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = value.astimezone(UTC).replace(tzinfo=None)
                shown = (
                    kind
                    if kind in formats
                    else ("datetime" if isinstance(value, datetime) else "date")
                )
                sheet.write_datetime(number, col, value, formats[shown])
            else:
                sheet.write_string(number, col, fit_cell_text(str(value)))
    sheet.autofilter(0, 0, len(rows), len(columns) - 1)
    book.close()
    return target.read_bytes()


def _cells(data: bytes) -> list[list[tuple[object, ...]]]:
    sheet = read(data).active
    assert sheet is not None
    return [
        [(c.value, c.data_type, c.number_format, bool(c.font.b)) for c in row]
        for row in sheet.iter_rows()
    ]


def test_cells_match_xlsxwriter(tmp_path: Path) -> None:
    ours = xlsx_bytes("Oracle", ORACLE_COLUMNS, ORACLE_ROWS)
    oracle = _oracle_workbook(tmp_path, "Oracle", ORACLE_COLUMNS, ORACLE_ROWS)
    assert _cells(ours) == _cells(oracle)


def test_sheet_settings_match_xlsxwriter(tmp_path: Path) -> None:
    ours = read(xlsx_bytes("Oracle", ORACLE_COLUMNS, ORACLE_ROWS)).active
    oracle = read(_oracle_workbook(tmp_path, "Oracle", ORACLE_COLUMNS, ORACLE_ROWS)).active
    assert ours is not None and oracle is not None
    assert (ours.title, ours.freeze_panes, ours.auto_filter.ref, ours.max_row) == (
        oracle.title,
        oracle.freeze_panes,
        oracle.auto_filter.ref,
        oracle.max_row,
    )
    for letter in "ABCD":
        mine, theirs = ours.column_dimensions[letter], oracle.column_dimensions[letter]
        assert (mine.width, mine.number_format) == (theirs.width, theirs.number_format)


def test_the_workbook_is_well_formed_xml_with_its_filter_names() -> None:
    data = xlsx_bytes("Q'uote & co", [Column("N")], [["a"], ["b"]], max_rows_per_sheet=2)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(archive.read(name))  # raises if not well formed
        workbook_xml = archive.read("xl/workbook.xml").decode()
    assert "'Q''uote &amp; co'!$A$1:$A$2" in workbook_xml
    assert "'Q''uote &amp; co (2)'!$A$1:$A$2" in workbook_xml


def test_rich_string_lookalikes_stay_literal() -> None:
    """XlsxWriter's constant-memory mode writes text shaped ``<r>…</r>`` unescaped, which
    broke the file; this writer keeps it as typed."""
    text = "<r>&</r>"
    cell = read(xlsx_bytes("T", [Column("Value")], [[text]]))["T"]["A2"]
    assert (cell.value, cell.data_type) == (text, "s")


def test_excel_serials() -> None:
    assert excel_serial(date(1900, 1, 1)) == 1
    assert excel_serial(date(1900, 2, 28)) == 59
    assert excel_serial(date(1900, 3, 1)) == 61  # after Excel's phantom 1900-02-29
    assert excel_serial(datetime(2024, 1, 2, 12)) == 45293.5
