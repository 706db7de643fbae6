"""Class 1: the table ends where the template says, not where a word appears.

A line item whose 项目名称 begins with a word of the signature block, or whose 序号 was
cleared, stays in the table; the extent comes from the template's own structure (the
合计 row, the signature block below it, the stamped row count).
"""

from __future__ import annotations

import pytest
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    edit,
    found,
    from_template,
    item,
    items,
    lo_many,
    rules,
    table_rows,
)

import toolkit
from toolkit import form

SIGNATURE_PREFIXED = [
    "填报人员业务培训项目",
    "联系电话回访服务项目",
    "单位负责人述职评议服务",
    "填报日期核对服务",
    "（单位盖章）文书代办服务",
    "填报人：社区代办服务",  # a colon right after the label, as the signature block has it
]


def _prefixed_lines() -> list[dict]:
    return [item(i, project=p) for i, p in enumerate(SIGNATURE_PREFIXED)]


def test_lines_beginning_with_signature_words_stay_in_the_real_template(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "a.xlsx", _prefixed_lines())
    sub = toolkit.read_submission(path)
    assert sub.table.rows == [4, 5, 6, 7, 8, 9]
    assert sub.table.total_row == 14 and sub.table.end_reason == "total"
    result = check(path)
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == sum(1000 * (i + 1) for i in range(6)) * 100


def test_cleared_seq_does_not_end_the_table(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "a.xlsx", items(4))

    def clear(ws):
        ws["A4"] = None  # the first line's 序号
        ws["A6"] = None  # a middle one
        ws["A7"] = None  # the last one

    edit(path, clear)
    result = check(path)
    assert table_rows(result) == [4, 5, 6, 7]
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == (1000 + 2000 + 3000 + 4000) * 100


def test_a_line_after_blank_rows_inside_the_template_is_still_a_line(catalog, tmp_path):
    rows = [item(0), None, None, None, item(1), None, item(2)]
    path = from_template(catalog, tmp_path, "a.xlsx", rows)
    result = check(path)
    assert table_rows(result) == [4, 8, 10]
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == 600_000


def test_projects_named_like_total_words_are_lines(tmp_path):
    rows = [
        item(0, project="合计服务采购项目"),
        item(1, project="总计划编制服务"),
        item(2, project="小计量社区服务"),
    ]
    path = build_submission(tmp_path / "a.xlsx", rows)
    result = check(path)
    assert table_rows(result) == [4, 5, 6]
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == 600_000


def test_a_line_shaped_like_the_signature_block_is_data_when_the_total_row_is_below(
    catalog, tmp_path
):
    rows = [item(0), item(1, project="填报人", content="联系电话"), item(2)]
    path = from_template(catalog, tmp_path, "a.xlsx", rows)
    sub = toolkit.read_submission(path)
    assert sub.table.total_row == 14 and sub.table.end_reason == "total"
    assert sub.table.rows == [4, 5, 6]
    result = check(path)
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == 600_000


def test_without_total_and_signature_the_stamped_row_count_ends_the_table(catalog, tmp_path):
    path = from_template(catalog, tmp_path, "a.xlsx", items(2))

    def strip(ws):
        for row in ws.iter_rows(min_row=14, max_row=ws.max_row):
            for cell in row:
                if cell.coordinate not in ws.merged_cells:
                    cell.value = None
        ws.unmerge_cells("L16:M16")
        ws["L16"] = None
        # a line typed after the 10 input rows, where the 合计 row was
        ws["B15"] = "表格外的项目"
        ws["C15"] = "033A0101"
        ws["K15"] = 5000

    edit(path, strip)
    sub = toolkit.read_submission(path)
    assert sub.table.end_reason == "stamp"
    assert sub.table.end == 14
    result = check(path)
    assert table_rows(result) == [4, 5]
    # the line below the stamped rows is stopped at its cell, never silently dropped
    assert {"row-after-total", "line-outside-table"} & rules(result)
    bad = {c for r, s, c in found(result) if r in ("row-after-total", "line-outside-table")}
    assert bad & {"C15", "K15"}
    assert result.files[0].status == "errors"


def test_without_any_structure_every_row_is_read(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", items(3), stamp=None, total=None, signature=False)
    sub = toolkit.read_submission(path)
    assert sub.table.end_reason == "sheet"
    result = check(path)
    assert table_rows(result) == [4, 5, 6]
    # no 合计: the signed total cannot be checked, so it does not pass
    assert ("total-missing", "error", "K7") in found(result) or "total-missing" in rules(result)


def test_signature_words_and_cleared_seq_survive_a_libreoffice_round_trip(catalog, tmp_path):
    rows = _prefixed_lines()
    path = from_template(catalog, tmp_path, "a.xlsx", rows)
    edit(path, lambda ws: ws.__setitem__("A5", None))
    (out,) = lo_many([path], tmp_path / "lo")
    result = check(out)
    assert table_rows(result) == [4, 5, 6, 7, 8, 9]
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == sum(1000 * (i + 1) for i in range(6)) * 100
    assert form.TOTAL_LABEL  # the template's own 合计 row ended it
    assert toolkit.read_submission(out).table.end_reason == "total"


@pytest.mark.parametrize(
    "overrides", [{"content": "合计"}, {"project": "总计"}, {"provider": "合 计"}], ids=str
)
def test_a_line_with_a_total_word_in_a_text_cell_is_still_a_line(tmp_path, overrides):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, **overrides), item(2)])
    result = check(path)
    assert table_rows(result) == [4, 5, 6], found(result)
    assert accepted_fen(result) == 600_000
