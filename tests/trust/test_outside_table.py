"""Class 2: nothing outside the table is silently dropped.

A value typed over the 合计 row, in the signature rows, after a note row, beside the
table or below it is an error at its cell when it looks like a line item (an amount or a
code) and a warning otherwise. Stray cells are reported per region with a count and a
bounded number of examples: millions of stray cells give a handful of issues, quickly.
"""

from __future__ import annotations

import time

import pytest
from trust_builders import (
    accepted_fen,
    append_rows_xml,
    build_submission,
    check,
    found,
    from_template,
    issues,
    items,
    lo_many,
    stray_rows_xml,
)

import toolkit

# build_submission with 2 lines: header row 3, lines 4-5, 合计 row 6, signature row 8.
TOTAL, SIGN = 6, 8


def _two(tmp_path, name="a.xlsx", **cells):
    return build_submission(tmp_path / name, items(2), cells=cells)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # over the 合计 row
        ({f"C{TOTAL}": "033A0101"}, ("line-outside-table", "error", f"C{TOTAL}")),
        ({f"F{TOTAL}": 5000}, ("line-outside-table", "error", f"F{TOTAL}")),
        ({f"B{TOTAL}": "033A0102 社区养老服务"}, ("line-outside-table", "error", f"B{TOTAL}")),
        ({f"F{TOTAL}": "经办人说明"}, ("value-outside-table", "warning", f"F{TOTAL}")),
        # in the signature rows
        ({f"K{SIGN}": 5000}, ("line-outside-table", "error", f"K{SIGN}")),
        ({f"K{SIGN}": "¥5,000.00"}, ("line-outside-table", "error", f"K{SIGN}")),
        ({f"H{SIGN}": "033A0101"}, ("line-outside-table", "error", f"H{SIGN}")),
        ({f"K{SIGN}": "已审核"}, ("value-outside-table", "warning", f"K{SIGN}")),
        # beside the table
        ({"N4": 99}, ("line-outside-table", "error", "N4")),
        ({"P5": "033A0103"}, ("line-outside-table", "error", "P5")),
        ({"N5": "１２，０００"}, ("line-outside-table", "error", "N5")),
        ({"O4": "旁注"}, ("value-outside-table", "warning", "O4")),
        # below the table
        ({"K20": 3000}, ("row-after-total", "error", "K20")),
        ({"K20": "1,000"}, ("row-after-total", "error", "K20")),
        ({"C21": "033A0101"}, ("row-after-total", "error", "C21")),
        ({"B22": "随手写的字"}, ("value-outside-table", "warning", "B22")),
    ],
)
def test_stray_value_is_reported_at_its_cell(tmp_path, cells, expected):
    result = check(_two(tmp_path, **cells))
    assert expected in found(result)
    # the table itself is still read whole
    assert accepted_fen(result) == 300_000
    if expected[1] == "error":
        assert result.files[0].status == "errors"


def test_after_a_note_row(tmp_path):
    path = _two(
        tmp_path,
        A10="注：以下为补充项目",
        B11="补充的项目",
        C11="033A0101",
        K11=3000,
        B12="备注的第二行文字",
    )
    result = check(path)
    got = found(result)
    # the补充 line: one error at its code (the row is one line item), the text a warning
    assert ("line-outside-table", "error", "C11") in got
    assert ("value-outside-table", "warning", "B12") in got
    assert not any(c == "A10" for _, _, c in got)  # the note itself is not a problem
    assert result.files[0].status == "errors"


def test_a_whole_line_below_the_total_is_one_error_at_its_code(tmp_path):
    path = build_submission(
        tmp_path / "a.xlsx",
        items(2),
        cells={"A12": 3, "B12": "忘在合计下面的项目", "C12": "033A0102", "K12": 8000},
    )
    result = check(path)
    after = issues(result, "row-after-total")
    assert [i.cell for i in after] == ["C12"]
    assert after[0].severity == "error"


def test_signature_values_are_not_strays_in_the_real_template(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "a.xlsx", items(2))
    from trust_builders import edit

    def sign(ws):
        ws["C16"] = "张三"
        ws["E16"] = 13800000000  # a phone number typed as a number
        ws["G16"] = "李四"
        ws["J16"] = "2026年11月20日"

    edit(path, sign)
    result = check(path)
    assert result.files[0].status == "ok", found(result)
    assert result.files[0].signature.get("联系电话") == "13800000000"


def test_an_amount_beside_the_signature_in_the_real_template_is_an_error(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "a.xlsx", items(2))
    from trust_builders import edit

    edit(path, lambda ws: ws.__setitem__("K16", 50000))
    result = check(path)
    assert ("line-outside-table", "error", "K16") in found(result)


def _million(tmp_path, name, first_row, rows, cols, via_libreoffice):
    path = build_submission(tmp_path / name, items(2))
    if via_libreoffice:  # the shape Excel and LibreOffice write (the reader's fast path)
        (path,) = lo_many([path], tmp_path / "lo")
    return append_rows_xml(path, stray_rows_xml(first_row, rows, cols))


@pytest.mark.parametrize(
    ("name", "first_row", "rows", "cols", "via_libreoffice", "seconds"),
    [
        ("million.xlsx", 20, 10_000, 100, True, 30),  # a million numbers below the table
        ("openpyxl.xlsx", 20, 2_000, 50, False, 30),  # 100,000 in openpyxl's XML shape
    ],
)
def test_many_stray_cells_give_a_handful_of_issues_quickly(
    tmp_path, name, first_row, rows, cols, via_libreoffice, seconds
):
    path = _million(tmp_path, name, first_row, rows, cols, via_libreoffice)
    started = time.monotonic()
    result = check(path)
    elapsed = time.monotonic() - started
    got = result.files[0].issues
    assert result.files[0].status == "errors"
    assert len(got) <= 50, len(got)
    assert elapsed < seconds, elapsed
    more = [i for i in got if i.rule == "more-outside-table"]
    assert len(more) == 1 and more[0].severity == "error"  # the rest holds amounts
    listed = [i for i in got if i.rule in ("row-after-total", "line-outside-table")]
    assert listed and all(i.severity == "error" for i in listed)
    # every stray cell is accounted for: the listed rows cover at most their row's cells
    rest = int(more[0].extra["cells"])
    total_cells = rows * cols
    assert total_cells - len(listed) * cols <= rest < total_cells
    assert int(more[0].extra["lines"]) <= rest
    assert accepted_fen(result) == 300_000


def test_stray_columns_beside_a_long_table_are_bounded(tmp_path):
    """Every table row carries stray cells beside it (columns N..): bounded issues."""
    rows = items(2)
    path = build_submission(tmp_path / "a.xlsx", rows)

    def widen(data: bytes) -> bytes:
        extra = b"".join(
            b'<c r="' + col + b'4"><v>7</v></c>' for col in (b"N", b"O", b"P", b"Q", b"R")
        )
        cut = data.index(b'<row r="5"') - len(b"</row>")
        return data[:cut] + extra + data[cut:]

    from trust_builders import replace_sheet_xml

    replace_sheet_xml(path, widen)
    result = check(path)
    beside = [i for i in result.files[0].issues if i.rule == "line-outside-table"]
    assert beside and all(i.severity == "error" for i in beside)
    assert {i.cell for i in beside} <= {"N4", "O4", "P4", "Q4", "R4"}
    assert toolkit.read_submission(path).table.regions["beside"].cells == 5
