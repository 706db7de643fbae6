"""Class 15: clear words for clerks.

The formula message for an amount asks for a number; total-mismatch shows the total as
the clerk sees it (two decimals, in the form's unit) and names the cells; code-name-
mismatch shows the whole cell; the file-format message tells LibreOffice users how to
save as .xlsx; the 问题清单 sheet prints landscape, one page wide; re-checking an
annotated copy gives exactly the issues of the original.
"""

from __future__ import annotations

import re

import pytest
from trust_builders import build_submission, check, found, from_template, issues, item

from toolkit.output.annotate import annotate

MONEY = re.compile(r"-?\d{1,3}(,\d{3})*\.\d{2}")


def test_the_formula_message_asks_for_a_number_in_an_amount_cell(tmp_path):
    path = build_submission(
        tmp_path / "a.xlsx", [item(0), item(1, amount="=1+1"), item(2, project='="x"')]
    )
    by_cell = {i.cell: i for i in issues(check(path), "formula-in-input")}
    assert by_cell["K5"].extra["want"] == "数值"
    assert "数值或文字" not in by_cell["K5"].message
    assert by_cell["B6"].extra["want"] == "文字"


def test_total_mismatch_shows_two_decimals_and_names_the_cells(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, amount="2,000.5")])
    (mismatch,) = issues(check(path), "total-mismatch")
    assert mismatch.extra["shown"] == "1,000.00"
    assert mismatch.extra["counted"] == "3,000.50"
    assert mismatch.extra["diff"] == "2,000.50"
    assert "K5" in mismatch.extra["why"]
    for key in ("shown", "counted", "diff"):
        assert MONEY.fullmatch(mismatch.extra[key]), mismatch.extra[key]


def test_total_mismatch_in_a_wan_form_shows_what_the_paper_shows(catalog, tmp_path):
    path = from_template(
        catalog, tmp_path, "w.xlsx", [item(0, amount=1.5), item(1, amount="2.25")],
        amount_unit="万元",
    )  # fmt: skip
    (mismatch,) = issues(check(path), "total-mismatch")
    assert mismatch.extra["shown"].startswith("1.5"), mismatch.message
    assert "万元" in mismatch.message


def test_code_name_mismatch_shows_the_whole_cell(tmp_path):
    cell = "033A0101 机构养老服务"
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, code=cell)])
    (bad,) = issues(check(path), "code-name-mismatch")
    assert bad.cell == "C5" and bad.value == cell
    assert f"“{cell}”" in bad.message
    assert "居家养老服务" in bad.message  # and what the catalogue calls the code


@pytest.mark.parametrize("suffix", [".ods", ".xls", ".csv", ".et", ".xlsm"])
def test_the_file_format_message_tells_libreoffice_users_how_to_save(tmp_path, suffix):
    path = tmp_path / f"a{suffix}"
    path.write_bytes(b"not really")
    (bad,) = issues(check(path), "file-format")
    assert "另存为" in bad.message
    assert "Excel 2007-365" in bad.message
    assert "LibreOffice" in bad.message


def _with_issues(tmp_path):
    rows = [
        item(0),
        item(1, amount="=1+1"),
        item(2, code="033A0101 机构养老服务"),
        item(3, amount=1000.125),
        item(4, project="服务\u200b项目"),
    ]
    return build_submission(tmp_path / "a.xlsx", rows, cells={"N4": 5, "O5": "旁注"})


def test_the_issue_sheet_prints_landscape_one_page_wide(tmp_path):
    from openpyxl import load_workbook

    result = check(_with_issues(tmp_path))
    (done,) = annotate(result, tmp_path / "out")
    ws = load_workbook(done.target)["问题清单"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr is not None
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth or 0) == 1
    assert int(ws.page_setup.fitToHeight or 0) == 0


OWN = {"annotated-copy", "duplicate-submission", "superseded-submission"}


def test_rechecking_an_annotated_copy_gives_exactly_the_issues_of_the_original(tmp_path):
    original = _with_issues(tmp_path)
    first = check(original)
    assert len(found(first)) >= 6
    (done,) = annotate(first, tmp_path / "out")
    again = check(done.target)
    mine = {t for t in found(again) if t[0] not in OWN}
    assert mine == found(first)
    # and annotating the copy again marks exactly the same cells, once each
    (twice,) = annotate(again, tmp_path / "out2")
    assert {t for t in found(check(twice.target)) if t[0] not in OWN} == found(first)
