"""Classes 1, 3 and 4 with a real client: LibreOffice itself inserts rows (adjusting the
template's =SUM as it does), types a text amount, hides a row, and saves as .xlsx.
"""

from __future__ import annotations

from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    found,
    from_template,
    issues,
    items,
    lo_edit,
    table_rows,
)

import toolkit


def test_a_row_inserted_inside_the_table_is_counted(tmp_path):
    src = build_submission(tmp_path / "a.xlsx", items(3))
    out = lo_edit(src, tmp_path / "out.xlsx", "insert:5")
    sub = toolkit.read_submission(out)
    assert sub.worksheet.cells.formulas and "K4:K7" in next(
        iter(sub.worksheet.cells.formulas.values())
    )
    result = check(out)
    assert table_rows(result) == [4, 5, 6, 7]
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == (1000 + 5000 + 2000 + 3000) * 100


def test_a_row_inserted_in_the_real_template_moves_the_total_row(catalog, tmp_path):
    src = from_template(catalog, tmp_path, "t.xlsx", items(3), rows=5)  # rows 4-8, 合计 9
    out = lo_edit(src, tmp_path / "out.xlsx", "insert:6")
    sub = toolkit.read_submission(out)
    assert sub.table.total_row == 10 and sub.table.end_reason == "total"
    result = check(out)
    assert table_rows(result) == [4, 5, 6, 7]
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == (1000 + 2000 + 5000 + 3000) * 100


def test_a_row_inserted_at_the_total_row_is_outside_the_sum(tmp_path):
    src = build_submission(tmp_path / "a.xlsx", items(3))  # lines 4-6, 合计 7 = SUM(K4:K6)
    out = lo_edit(src, tmp_path / "out.xlsx", "insert:7")
    result = check(out)
    assert table_rows(result) == [4, 5, 6, 7]
    (mismatch,) = issues(result, "total-mismatch")
    assert (mismatch.severity, mismatch.cell) == ("error", "K8")
    assert "K7" in mismatch.message  # the line the sum does not reach
    assert accepted_fen(result) == 0


def test_a_text_amount_typed_in_libreoffice(tmp_path):
    src = build_submission(tmp_path / "a.xlsx", items(3))
    out = lo_edit(src, tmp_path / "out.xlsx", "text:5:2,000")
    result = check(out)
    assert ("amount-as-text", "warning", "K5") in found(result)
    assert ("total-mismatch", "error", "K7") in found(result)
    assert accepted_fen(result) == 0


def test_a_row_hidden_in_libreoffice_is_counted_and_flagged(tmp_path):
    src = build_submission(tmp_path / "a.xlsx", items(3))
    out = lo_edit(src, tmp_path / "out.xlsx", "hide:5")
    result = check(out)
    assert ("hidden-row", "warning", "B5") in found(result)
    assert accepted_fen(result) == 600_000
