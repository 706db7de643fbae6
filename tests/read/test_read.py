"""The tolerant reader: labels, not positions; raw facts, not cached values."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from builders import (
    FIELDS,
    build_from_template,
    build_submission,
    entry_part,
    line,
    patch_part,
    stamp_for,
)

from toolkit import form
from toolkit.read.submission import Submission, read_submission
from toolkit.rules.batch import check
from toolkit.rules.values import number_text_decimal, split_code
from toolkit.xlsx.cells import ERROR, FORMULA, KIND_MASK
from toolkit.xlsx.sheet import parse_sheet


def cell(sub: Submission, row: int, col: int) -> tuple[int, object, str | None] | None:
    """(kind, value, formula) of one kept cell of the entry sheet."""
    cells = sub.worksheet.cells  # type: ignore[union-attr]
    for i in range(len(cells.rows)):
        if cells.rows[i] == row and cells.cols[i] == col:
            return cells.kinds[i], cells.values[i], cells.formulas.get(i)
    return None


def values(sub: Submission, field: str) -> list[object]:
    return sub.table.columns[field].values  # type: ignore[union-attr]


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def formulas_and_errors(xml: bytes, exact: bool = False) -> tuple[dict, dict]:
    """(row, col) -> formula text, and (row, col) -> error value, of a sheet's cells."""
    ws = parse_sheet(xml, [], exact=exact)
    c = ws.cells
    formulas = {(c.rows[i], c.cols[i]): t for i, t in c.formulas.items()}
    errors = {
        (c.rows[i], c.cols[i]): c.values[i]
        for i in range(len(c.rows))
        if c.kinds[i] & KIND_MASK == ERROR
    }
    return formulas, errors


def test_reads_the_form_by_its_labels(tmp_path: Path, catalog) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(), line(amount=5)], stamp=stamp_for(catalog))
    sub = read_submission(path)
    assert sub.sheet == form.SHEET_ENTRY
    assert sub.header_row == 3
    assert sub.columns["code"] == 3 and sub.columns["amount"] == 11
    assert sub.row_numbers == [4, 5]
    assert sub.unit == "中原区" and sub.unit_cell == (2, 3)
    assert sub.year == 2027 and sub.year_source == "stamp"
    assert sub.table.total_row == 6 and sub.table.end_reason == "total"
    assert sub.stamp["catalog_id"] == catalog.id and sub.stamp_source == "properties"


def test_rows_inserted_above_and_blank_rows_keep_true_row_numbers(tmp_path: Path) -> None:
    rows = [line(project="甲"), None, None, line(project="乙"), None, line(project="丙")]
    path = build_submission(tmp_path / "a.xlsx", rows, rows_above=4)
    sub = read_submission(path)
    assert sub.header_row == 7
    assert list(zip(sub.row_numbers, values(sub, "project"), strict=True)) == [
        (8, "甲"),
        (11, "乙"),
        (13, "丙"),
    ]
    result = check(path)
    assert list(result.rows["row"]) == [8, 11, 13]
    assert set(result.rows["amount_cell"]) == {"K8", "K11", "K13"}


def test_reordered_and_extra_columns_whose_data_is_reported(tmp_path: Path) -> None:
    columns = list(reversed(FIELDS))
    path = build_submission(
        tmp_path / "a.xlsx",
        [line(amount=88)],
        columns=columns,
        cells={"N3": "联系人", "N4": "张三"},
    )
    sub = read_submission(path)
    assert sub.columns["amount"] == columns.index("amount") + 1
    assert sub.header.extra == {14: "联系人"}
    result = check(path)
    assert result.rows.loc[0, "amount_fen"] == 8800
    # a column the form does not have is not read: what is typed in it is said, at its cell
    assert result.issues[["rule", "cell"]].values.tolist() == [["value-outside-table", "N4"]]


def test_header_labels_with_stray_and_full_width_spaces(tmp_path: Path) -> None:
    labels = {
        "code": " 目录　编码 ",
        "project": "项 目 名 称*",
        "amount": "预算金额（ 元 ）",
        "method": "购买方式\n",
    }
    path = build_submission(tmp_path / "a.xlsx", [line()], header_labels=labels)
    result = check(path)
    assert len(result.rows) == 1
    assert result.issues.empty


def test_entry_sheet_found_by_header_when_renamed(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line()], sheet_name="Sheet1")
    sub = read_submission(path)
    assert sub.sheet == "Sheet1"
    assert check(path).rows.loc[0, "code"] == "033A0101"


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("033A0101", "033A0101"),
        ("033a0101", "033A0101"),
        ("０３３Ａ０１０１", "033A0101"),
        (" 033A0101 ", "033A0101"),
        ("033A0101 居家养老服务", "033A0101"),
        ("033A0101　居家养老服务", "033A0101"),
        ("033A0101-居家养老服务", "033A0101"),
        ("033A0101居家养老服务", "033A0101"),
        ("０３３ａ０１０２ 社区养老服务", "033A0102"),
    ],
)
def test_codes_typed_every_way(tmp_path: Path, typed: str, code: str) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(code=typed)])
    result = check(path)
    assert result.issues.empty, result.issues
    assert result.rows.loc[0, ["code", "level1", "level2"]].tolist() == [code, "033A", "033A01"]


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        (1234.5, 123450),
        (1234, 123400),
        ("1,234.50", 123450),
        ("１２３４．５", 123450),
        ("１，２３４．５０", 123450),
        (" 1234 ", 123400),
        ("¥1,000", 100000),
        ("1000元", 100000),
        (0.1, 10),
        (12345678.99, 1234567899),
        (0, 0),
    ],
)
def test_amounts_typed_every_way(tmp_path: Path, typed: object, fen: int) -> None:
    """Numbers count as they are; a number typed as text is read exactly too, but the form's
    own =SUM skips it, so the signed 合计 differs and the file is stopped at both cells."""
    path = build_submission(tmp_path / "a.xlsx", [line(amount=typed)])
    result = check(path)
    assert result.files[0].amount_read_fen == fen
    if isinstance(typed, str):
        assert sorted(result.issues[["rule", "cell"]].values.tolist()) == [
            ["amount-as-text", "K4"],
            ["total-mismatch", "K5"],
        ]
        assert result.rows.empty
    else:
        assert result.issues.empty, result.issues
        assert result.rows.loc[0, "amount_fen"] == fen


@pytest.mark.parametrize("unit_in_header", [True, False])
@pytest.mark.parametrize(
    ("typed", "fen"),
    [(12.3456, 12_345_600), ("1.5", 1_500_000), (0.000001, 1), ("0.123456", 123_456)],
)
def test_wan_yuan_amounts_convert_exactly(
    tmp_path: Path, unit_in_header: bool, typed: object, fen: int
) -> None:
    path = build_submission(
        tmp_path / "a.xlsx",
        [line(amount=typed)],
        amount_unit="万元",
        unit_in_header=unit_in_header,
    )
    sub = read_submission(path)
    assert sub.amount_unit == "万元"
    assert ("header" in sub.amount_units) == unit_in_header
    assert sub.amount_units["cell"][0] == "万元"
    result = check(path)
    assert result.files[0].amount_read_fen == fen
    if isinstance(typed, str):  # read exactly, but the sheet's own =SUM skips text
        assert set(result.issues["rule"]) == {"amount-as-text", "total-mismatch"}
    else:
        assert result.issues.empty, result.issues
        assert result.rows.loc[0, "amount_fen"] == fen


def test_reads_until_the_total_row(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(), line(amount=1)], total=120001)
    sub = read_submission(path)
    assert sub.table.total_row == 6
    assert sub.row_numbers == [4, 5]
    assert sub.table.end == 6
    # the signature line below 合计 is part of the form, not stray data
    assert not any(region.cells for region in sub.table.regions.values())


def test_total_label_with_spaces_and_no_total_row(tmp_path: Path) -> None:
    spaced = build_submission(tmp_path / "a.xlsx", [line()], total=None, cells={"A5": "合　计"})
    assert read_submission(spaced).table.total_row == 5
    none = build_submission(tmp_path / "b.xlsx", [line(), line(amount=2)], total=None)
    sub = read_submission(none)
    assert sub.table.total_row is None and sub.table.end_reason == "signature"
    assert sub.row_numbers == [4, 5]
    # the form's signed 合计 is missing: it cannot be checked, so the file does not pass
    assert set(check(none).issues["rule"]) == {"total-missing"}


@pytest.mark.parametrize("stamp_label", ["（单位盖章）", "(单位盖章)", "单位盖章", "　(单位盖章)"])
def test_signature_row_with_the_stamp_label_in_either_bracket(tmp_path: Path, stamp_label) -> None:
    # no 合计 row: the table ends at the signature block, found by two of its labels
    path = build_submission(
        tmp_path / "a.xlsx",
        [line(), line(amount=2)],
        total=None,
        signature=False,
        cells={"A7": "填报人：", "D7": stamp_label},
    )
    sub = read_submission(path)
    assert (sub.table.signature_row, sub.table.end_reason) == (7, "signature")
    assert sub.row_numbers == [4, 5]


def test_stamp_from_the_hidden_sheet_only(tmp_path: Path, catalog) -> None:
    path = build_submission(
        tmp_path / "a.xlsx", [line()], stamp=stamp_for(catalog, year=2028), stamp_in="sheet"
    )
    sub = read_submission(path)
    assert sub.stamp_source == "sheet"
    assert sub.stamp["catalog_sha256"] == catalog.sha256
    assert sub.year == 2028
    assert sub.stamp_cells["catalog_id"] == (2, 2)


def test_year_from_the_title_without_stamp(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line()], year=2029, stamp=None)
    sub = read_submission(path)
    assert sub.stamp == {}
    assert (sub.year, sub.year_source) == (2029, "title")


@pytest.mark.parametrize(
    ("cells", "unit", "cell"),
    [
        ({"B2": "填报单位：金水区", "C2": None}, "金水区", (2, 2)),
        ({"B2": "填报单位:", "C2": None, "D2": "二七区"}, "二七区", (2, 4)),
        ({"B2": "填 报 单 位", "C2": " 中原区 "}, "中原区", (2, 3)),
    ],
)
def test_unit_cell_variants(tmp_path: Path, cells: dict, unit: str, cell: tuple) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line()], cells=cells)
    sub = read_submission(path)
    assert (sub.unit, sub.unit_cell) == (unit, cell)


def test_formulas_and_error_values_are_found(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(amount="=1+2"), line(project="=A1&B1")])
    sub = read_submission(path)
    assert cell(sub, 4, 11)[2] == "=1+2"
    assert cell(sub, 5, 2)[2] == "=A1&B1"
    assert cell(sub, 6, 11)[2].startswith("=SUM(")


def test_scan_without_cell_references_uses_the_faithful_parser() -> None:
    """Cells may legally omit ``r``; positions are then counted, not guessed."""
    cells = b'<c r="J4"><v>1</v></c><c r="K4"><f>1+2</f></c><c r="L4" t="e"><v>#REF!</v></c>'
    xml = b'<worksheet><sheetData><row r="4">' + cells + b"</row></sheetData></worksheet>"
    stripped = re.sub(rb'<c r="[A-Z]+\d+"', b"<c", xml)
    # the first cell keeps its reference so counting starts at J
    stripped = stripped.replace(b"<c><v>1</v>", b'<c r="J4"><v>1</v>', 1)
    xml = xml.replace(b"<worksheet>", b'<worksheet xmlns="' + MAIN.encode() + b'">')
    stripped = stripped.replace(b"<worksheet>", b'<worksheet xmlns="' + MAIN.encode() + b'">')
    expected = ({(4, 11): "=1+2"}, {(4, 12): "#REF!"})
    assert formulas_and_errors(xml) == expected
    assert formulas_and_errors(stripped) == expected
    assert parse_sheet(stripped, []).exact and not parse_sheet(xml, []).exact


def test_error_cells_read_as_errors_not_blanks(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(amount="ERRMARK")])
    patch_part(
        path,
        entry_part(path),
        '<c r="K4" t="inlineStr"><is><t>ERRMARK</t></is></c>',
        '<c r="K4" t="e"><v>#DIV/0!</v></c>',
    )
    sub = read_submission(path)
    kind, value, _ = cell(sub, 4, 11)
    assert (kind & KIND_MASK, value) == (ERROR, "#DIV/0!")
    assert check(path).issues[["rule", "cell"]].values.tolist()[0] == ["cell-error-value", "K4"]


def test_namespace_prefixed_cells(tmp_path: Path) -> None:
    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:sheetData><x:row r="4"><x:c r="K4"><x:f>1+1</x:f><x:v>2</x:v></x:c>'
        b'<x:c r="L4" t="e"><x:v>#N/A</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    expected = ({(4, 11): "=1+1"}, {(4, 12): "#N/A"})
    assert formulas_and_errors(xml) == formulas_and_errors(xml, exact=True) == expected


def test_dates_and_booleans_are_not_amounts(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(amount=date(2027, 1, 5)), line(amount=True)])
    sub = read_submission(path)
    assert sub.formats[0].is_date  # a date is a number with a date format
    assert values(sub, "amount")[1] is True
    got = check(path).issues[["rule", "cell"]].values.tolist()
    assert ["amount-not-number", "K4"] in got and ["amount-not-number", "K5"] in got


def test_not_a_template(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "随便什么表"
    wb.save(tmp_path / "x.xlsx")
    sub = read_submission(tmp_path / "x.xlsx")
    assert sub.sheet is None and sub.problem


def test_openpyxl_written_file_has_no_cached_values_and_still_reads(tmp_path: Path) -> None:
    """Scripts fill forms without cached values: 合计 and 一级/二级 are recomputed."""
    path = build_submission(tmp_path / "a.xlsx", [line(amount=100), line(amount=50)])
    sub = read_submission(path)
    kind, value, formula = cell(sub, 6, 11)
    assert kind == FORMULA and value is None and formula.startswith("=SUM(")  # no cached value
    result = check(path)
    assert result.issues.empty
    assert result.rows["amount_fen"].sum() == 15000
    assert set(result.rows["level1"]) == {"033A"}


@pytest.mark.libreoffice
def test_libreoffice_resaved_file_reads_the_same(tmp_path: Path, lo_convert) -> None:
    rows = [line(amount=1234.5), None, line(code="033a0102 社区养老服务", amount=7)]
    (tmp_path / "src").mkdir()
    src = build_submission(tmp_path / "src" / "a.xlsx", rows)
    resaved = lo_convert(src, tmp_path / "lo")
    before, after = check(src), check(resaved)
    cols = ["row", "code", "level1", "level2", "amount_fen", "accepted"]
    assert before.rows[cols].equals(after.rows[cols])
    assert after.issues.empty
    # LibreOffice recalculated and cached the 合计 formula; it agrees with the recomputed sum
    _, cached, _ = cell(read_submission(resaved), 7, 11)
    assert number_text_decimal(cached) == Decimal("1241.5")


@pytest.mark.libreoffice
def test_text_numbers_make_the_sheets_own_total_wrong(tmp_path: Path, lo_convert) -> None:
    """SUM skips numbers stored as text: the file does not pass, and the cell is named."""
    (tmp_path / "src").mkdir()
    src = build_submission(tmp_path / "src" / "a.xlsx", [line(amount="1,234.50"), line(amount=7)])
    result = check(lo_convert(src, tmp_path / "lo"))
    assert result.all_rows["amount_fen"].sum() == 124150
    assert result.rows.empty  # the signed 合计 (7.00) is not what is counted (1,241.50)
    assert result.issues[["rule", "cell"]].values.tolist() == [
        ["total-mismatch", "K6"],
        ["amount-as-text", "K4"],
    ]
    assert "K4" in result.issues.loc[0, "message"]


def test_real_template_filled_reads_clean(tmp_path: Path, catalog) -> None:
    path = build_from_template(
        catalog, tmp_path, "a.xlsx", [line(), line(code=f"{catalog.leaves[3].label}")], year=2027
    )
    result = check(path)
    assert result.issues.empty, result.issues
    assert len(result.rows) == 2
    assert result.files[0].catalog_sha256 == catalog.sha256


def test_split_code_helper() -> None:
    assert split_code("０３３ａ０１０１　居家养老服务") == ("033A0101", "居家养老服务")
    assert split_code("033A0101居家养老服务") == ("033A0101", "居家养老服务")
    assert split_code("033A\u200b0101 居家养老服务") == ("033A\u200b0101", "居家养老服务")
    assert split_code("居家养老服务") == ("居家养老服务", "")  # no code: judged unknown


@pytest.mark.libreoffice
def test_libreoffice_cached_error_values_are_found(tmp_path: Path, lo_convert) -> None:
    """After recalculation the formula and its error result are both in the file."""
    (tmp_path / "src").mkdir()
    src = build_submission(tmp_path / "src" / "a.xlsx", [line(amount="=1/0")])
    resaved = lo_convert(src, tmp_path / "lo")
    sub = read_submission(resaved)
    kind, value, formula = cell(sub, 4, 11)
    assert (formula, value, kind) == ("=1/0", "#DIV/0!", ERROR | FORMULA)
    assert cell(sub, 5, 11)[1] == "#DIV/0!"  # the 合计 SUM shows it too
    result = check(resaved)
    # the row's own error explains the 合计's error value: one located reason
    assert result.issues[["rule", "cell", "value"]].values.tolist() == [
        ["formula-in-input", "K4", "=1/0"]
    ]
