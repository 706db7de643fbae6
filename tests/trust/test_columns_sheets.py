"""Class 6: columns and sheets are unambiguous.

Two columns with the same or a look-alike label are an error naming both
(duplicate-column); data on a copy of the entry sheet, or only on a copy, is reported
(extra-entry-sheet), never ok-with-0-rows.
"""

from __future__ import annotations

import re
import zipfile

import pytest
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    edit_wb,
    found,
    issues,
    item,
    items,
    lo_many,
    rules,
)

from toolkit import form


@pytest.mark.parametrize(
    ("label", "first", "field"),
    [
        ("预算金额（元）", "K3", "amount"),
        ("预算金额", "K3", "amount"),
        ("预算 金额（元）", "K3", "amount"),
        ("*预算金额（元）", "K3", "amount"),
        ("预算金额（元）（必填）", "K3", "amount"),
        ("目录编码（旧）", "C3", "code"),
        ("目录编码 ", "C3", "code"),
        ("目 录 编 码", "C3", "code"),
        ("项目名称", "B3", "project"),
    ],
)
def test_a_second_column_with_a_look_alike_label(tmp_path, label, first, field):
    path = build_submission(tmp_path / "a.xlsx", items(2), cells={"N3": label, "N4": 1, "N5": 2})
    result = check(path)
    (dup,) = issues(result, "duplicate-column")
    assert (dup.severity, dup.cell) == ("error", "N3")
    assert (dup.extra["first_cell"], dup.extra["second_cell"]) == (first, "N3")
    assert accepted_fen(result) == 0


def test_the_reader_never_silently_takes_the_first_amount_column(tmp_path):
    # the clerk's corrected amounts are in the second column
    path = build_submission(
        tmp_path / "a.xlsx", items(2), cells={"N3": "预算金额（元）", "N4": 900, "N5": 800}
    )
    result = check(path)
    assert "duplicate-column" in rules(result)
    assert result.files[0].status == "errors"
    assert accepted_fen(result) == 0


def _with_copy(tmp_path, entry_rows, copy_rows, copy_name="预算表 (2)", hidden=False):
    # the stamp in the document properties only, so that a sheet may be called _stamp
    path = build_submission(tmp_path / "a.xlsx", entry_rows, stamp_in="properties")
    copy_path = build_submission(tmp_path / "copy.xlsx", copy_rows)

    def add_copy(wb):
        from openpyxl import load_workbook

        src = load_workbook(copy_path)[form.SHEET_ENTRY]
        ws = wb.create_sheet(copy_name)
        assert ws.title == copy_name
        for row in src.iter_rows():
            for cell in row:
                if cell.value is not None:
                    ws[cell.coordinate] = cell.value
        if hidden:
            ws.sheet_state = "hidden"

    return edit_wb(path, add_copy)


def test_data_on_a_copy_of_the_entry_sheet_is_reported(tmp_path):
    path = _with_copy(tmp_path, items(2), [item(5), item(6)])
    result = check(path)
    (extra,) = issues(result, "extra-entry-sheet")
    assert (extra.severity, extra.sheet, extra.cell) == ("error", "预算表 (2)", "A4")
    assert extra.extra["rows"] == 2
    assert accepted_fen(result) == 0


def test_data_only_on_a_copy_is_never_ok_with_zero_rows(tmp_path):
    path = _with_copy(tmp_path, [], [item(5), item(6)])
    result = check(path)
    assert result.files[0].status == "errors"
    assert "extra-entry-sheet" in rules(result)


def test_data_on_a_hidden_copy_is_reported(tmp_path):
    path = _with_copy(tmp_path, items(2), [item(5)], copy_name="预算表（备份）", hidden=True)
    assert "extra-entry-sheet" in rules(check(path))


def test_an_empty_copy_is_no_problem(tmp_path):
    path = _with_copy(tmp_path, items(2), [], copy_name="预算表 (2)")
    result = check(path)
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == 300_000


def test_a_workbook_without_yusuanbiao_reads_the_sheet_with_the_header(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", items(2), sheet_name="Sheet1")
    result = check(path)
    assert accepted_fen(result) == 300_000
    assert result.files[0].status == "ok", found(result)


@pytest.mark.parametrize("name", ["问题清单", "_标注记录", "_stamp"])
def test_a_copy_named_like_our_own_sheets_is_reported(tmp_path, name):
    path = _with_copy(tmp_path, items(2), [item(5), item(6)], copy_name=name)
    result = check(path)
    assert result.files[0].status == "errors", found(result)
    assert "extra-entry-sheet" in rules(result)


def _prefixed(xml: bytes) -> bytes:
    """The same worksheet with every element in the x: prefix (valid, same meaning)."""
    text = xml.decode()
    text = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", r"<\1x:\2", text)
    text = text.replace("<x:?xml", "<?xml")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    text = text.replace(f'xmlns="{ns}"', f'xmlns:x="{ns}"', 1)
    return text.encode()


def _rewrite_member(path, member, fn):
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info, fn(data) if info.filename == member else data)


def _sheet_member(path, name):
    from toolkit.xlsx.package import Package

    with Package(path) as pkg:
        return pkg.workbook.sheet(name).part


def test_a_copy_in_prefixed_xml_is_still_found(tmp_path):
    path = _with_copy(tmp_path, items(2), [item(5), item(6)])
    (out,) = lo_many([path], tmp_path / "lo")  # shared strings, as Excel writes them
    assert "extra-entry-sheet" in rules(check(out))  # found before the prefixes
    _rewrite_member(out, _sheet_member(out, "预算表 (2)"), _prefixed)
    result = check(out)
    assert "extra-entry-sheet" in rules(result), found(result)
