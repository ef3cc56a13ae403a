"""The streaming XLSX writer, read back with openpyxl as the oracle."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook as ReadWorkbook
from openpyxl import load_workbook

from depvault.reports.xlsx import (
    ELLIPSIS,
    EXCEL_MAX_CELL_CHARS,
    Column,
    XlsxWriteError,
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


def test_xlsxwriter_failure_codes_raise() -> None:
    too_wide = [Column(f"c{i}") for i in range(16_385)]  # Excel has 16,384 columns
    with pytest.raises(XlsxWriteError, match="returned -1"):
        xlsx_bytes("T", too_wide, [])
