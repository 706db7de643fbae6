"""Class 4: what is hidden is shown.

Rows or columns holding data that are hidden, or filtered out by an autofilter, are
counted and flagged (the printed form leaves them out). The annotated copy clears
filters and unhides every row it marks, so no mark is invisible.
"""

from __future__ import annotations

import pytest
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    edit,
    found,
    issues,
    item,
    items,
    lo_many,
    replace_sheet_xml,
    table_rows,
)


def _hide_row(ws, r=5):
    ws.row_dimensions[r].hidden = True


def _filter(ws):
    ws.auto_filter.ref = "A3:M6"
    ws.auto_filter.add_filter_column(1, ["第1号服务项目", "第3号服务项目"])
    ws.row_dimensions[5].hidden = True


def _hidden_file(tmp_path, name="h.xlsx"):
    return edit(build_submission(tmp_path / name, items(3)), _hide_row)


def _filtered_file(tmp_path, name="f.xlsx"):
    return edit(build_submission(tmp_path / name, items(3)), _filter)


def _assert_counted_and_flagged(result, how=None):
    assert table_rows(result) == [4, 5, 6]
    assert accepted_fen(result) == 600_000  # counted, to the fen
    rows = result.all_rows.set_index("row")
    assert bool(rows.loc[5, "hidden"]) and not bool(rows.loc[4, "hidden"])
    (hidden,) = issues(result, "hidden-row")
    assert (hidden.severity, hidden.cell) == ("warning", "B5")
    if how is not None:
        assert hidden.extra.get("how") == how
    assert result.files[0].status == "ok", found(result)


def test_a_hidden_row_is_counted_and_flagged(tmp_path):
    _assert_counted_and_flagged(check(_hidden_file(tmp_path)), "被隐藏")


def test_a_row_filtered_out_by_an_autofilter_is_counted_and_flagged(tmp_path):
    _assert_counted_and_flagged(check(_filtered_file(tmp_path)), "被筛选隐藏")


def test_a_zero_height_row_is_hidden_too(tmp_path):
    path = build_submission(tmp_path / "z.xlsx", items(3))
    replace_sheet_xml(
        path, lambda x: x.replace(b'<row r="5">', b'<row r="5" ht="0" customHeight="1">', 1)
    )
    _assert_counted_and_flagged(check(path))


def test_a_collapsed_outline_group_is_hidden_too(tmp_path):
    def group(ws):
        ws.row_dimensions.group(5, 5, outline_level=1, hidden=True)

    path = edit(build_submission(tmp_path / "g.xlsx", items(3)), group)
    _assert_counted_and_flagged(check(path))


def test_hidden_and_filtered_rows_saved_by_libreoffice(tmp_path):
    hidden, filtered = lo_many([_hidden_file(tmp_path), _filtered_file(tmp_path)], tmp_path / "lo")
    _assert_counted_and_flagged(check(hidden), "被隐藏")
    _assert_counted_and_flagged(check(filtered), "被筛选隐藏")


def test_subtotal_109_leaves_hidden_rows_off_paper_so_the_file_does_not_pass(tmp_path):
    path = build_submission(tmp_path / "s.xlsx", items(3), cells={"K7": "=SUBTOTAL(109,K4:K6)"})
    edit(path, _hide_row)
    result = check(path)
    (mismatch,) = issues(result, "total-mismatch")
    assert (mismatch.severity, mismatch.cell) == ("error", "K7")
    assert "5" in mismatch.extra["why"]
    assert accepted_fen(result) == 0


@pytest.mark.parametrize("column", ["F", "K", "C"])
def test_a_hidden_column_with_data_is_read_and_flagged(tmp_path, column):
    path = build_submission(tmp_path / "c.xlsx", items(3))
    edit(path, lambda ws: setattr(ws.column_dimensions[column], "hidden", True))
    result = check(path)
    assert ("hidden-column", "warning", f"{column}3") in found(result)
    assert accepted_fen(result) == 600_000


def test_the_annotated_copy_unhides_marked_rows_and_clears_filters(tmp_path):
    from openpyxl import load_workbook

    from toolkit.output.annotate import annotate

    # an error in the hidden row too, so the mark matters
    path = build_submission(tmp_path / "f.xlsx", [item(0), item(1, code="033Z9999"), item(2)])
    edit(path, _filter)
    result = check(path)
    (done,) = annotate(result, tmp_path / "out")
    assert done.target is not None, done.reason
    ws = load_workbook(done.target)["预算表"]
    assert not ws.row_dimensions[5].hidden
    assert not ws.auto_filter.filterColumn  # no criteria left: every row shows


def test_the_annotated_copy_unhides_a_marked_column(tmp_path):
    from openpyxl import load_workbook

    from toolkit.output.annotate import annotate

    path = build_submission(tmp_path / "c.xlsx", [item(0), item(1, code="033Z9999")])
    edit(path, lambda ws: setattr(ws.column_dimensions["C"], "hidden", True))
    result = check(path)
    assert ("unknown-code", "error", "C5") in found(result)
    (done,) = annotate(result, tmp_path / "out")
    ws = load_workbook(done.target)["预算表"]
    assert not ws.column_dimensions["C"].hidden


def test_an_amount_formatted_to_print_nothing_is_flagged(tmp_path):
    path = build_submission(tmp_path / "n.xlsx", items(3))
    edit(path, lambda ws: setattr(ws["K5"], "number_format", ";;;"))
    result = check(path)
    assert any(c == "K5" for _, _, c in found(result)), found(result)
