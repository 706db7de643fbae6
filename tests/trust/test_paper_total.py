"""Class 3: the paper total equals the counted total.

The printed 合计 is what the form's own =SUM computes from the cells (numbers only; a
cached value is never trusted). A text amount is counted by us but skipped by SUM, so
the signed total differs and the file does not pass, with every responsible cell named.
"""

from __future__ import annotations

import pytest
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    file_json,
    found,
    issues,
    item,
    items,
    lo_many,
    rejected_read,
    rules,
    run_cli,
    set_cell_xml,
)

TEXT_AMOUNTS = ["1,234.50", "１２３４", "¥1,000", "￥２，０００．５０", "3000元"]


def _text_amount_file(tmp_path, name="a.xlsx"):
    rows = [item(0)] + [item(i + 1, amount=t) for i, t in enumerate(TEXT_AMOUNTS)]
    return build_submission(tmp_path / name, rows)


def test_text_amounts_make_the_paper_total_differ_and_the_file_does_not_pass(tmp_path):
    path = _text_amount_file(tmp_path)
    result = check(path)
    got = found(result)
    total_cell = "K10"  # lines 4..9, 合计 row 10
    assert ("total-mismatch", "error", total_cell) in got
    text_cells = {f"K{5 + i}" for i in range(len(TEXT_AMOUNTS))}
    assert {c for r, s, c in got if r == "amount-as-text"} == text_cells
    assert all(s == "warning" for r, s, c in got if r == "amount-as-text")
    (mismatch,) = issues(result, "total-mismatch")
    for cell in sorted(text_cells):  # every responsible cell is named
        assert cell in mismatch.message, cell
    assert result.files[0].status == "errors"
    # nothing counts while the signed total differs; the money is visible as rejected
    assert accepted_fen(result) == 0
    assert rejected_read(result) == 1000 + 1234.5 + 1234 + 1000 + 2000.5 + 3000
    j = file_json(result)
    assert j["amount_accepted"] == "0.00"
    assert j["amount_rejected"] == "9469.00"


def test_cli_exit_code_is_1_for_a_text_amount(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, amount="2,000")])
    assert run_cli("check", path).exit_code == 1
    clean = build_submission(tmp_path / "b.xlsx", items(2))
    assert run_cli("check", clean).exit_code == 0


def test_libreoffice_keeps_text_amounts_as_text_and_the_file_still_does_not_pass(tmp_path):
    path = _text_amount_file(tmp_path)
    (out,) = lo_many([path], tmp_path / "lo")
    result = check(out)
    assert ("total-mismatch", "error", "K10") in found(result)
    assert len(issues(result, "amount-as-text")) == len(TEXT_AMOUNTS)
    assert accepted_fen(result) == 0


def test_a_line_outside_the_sum_range_is_named(tmp_path):
    # the 合计 adds K4:K5 only: the third line (K6) is counted but not on paper
    path = build_submission(tmp_path / "a.xlsx", items(3), cells={"K7": "=SUM(K4:K5)"})
    result = check(path)
    (mismatch,) = issues(result, "total-mismatch")
    assert mismatch.cell == "K7" and mismatch.severity == "error"
    assert "K6" in mismatch.message
    assert accepted_fen(result) == 0


@pytest.mark.parametrize(
    "formula", ["=SUM(K4:K6)", "=sum(k4:k6)", "=K4+K5+K6", "=SUBTOTAL(9,K4:K6)", "=SUM(K4,K5:K6)"]
)
def test_sums_of_the_amount_column_pass(tmp_path, formula):
    path = build_submission(tmp_path / "a.xlsx", items(3), cells={"K7": formula})
    result = check(path)
    assert result.files[0].status == "ok", found(result)
    assert accepted_fen(result) == 600_000


@pytest.mark.parametrize(
    "formula", ["=SUM(K4:K6)*2", "=SUM(K4:K6)-K5", "=600000", "=SUM(J4:J6)", "=MAX(K4:K6)"]
)
def test_any_other_total_formula_is_an_error(tmp_path, formula):
    path = build_submission(tmp_path / "a.xlsx", items(3), cells={"K7": formula})
    result = check(path)
    assert {"total-formula", "total-mismatch"} & rules(result), found(result)
    assert result.files[0].status == "errors"
    assert accepted_fen(result) == 0


@pytest.mark.parametrize(("typed", "ok"), [(6000, True), (6000.0, True), (5999.99, False)])
def test_a_typed_total_is_compared_exactly(tmp_path, typed, ok):
    path = build_submission(tmp_path / "a.xlsx", items(3), total=typed)
    result = check(path)
    assert (result.files[0].status == "ok") is ok, found(result)
    if not ok:
        assert ("total-mismatch", "error", "K7") in found(result)


def test_no_total_or_a_blank_total_is_an_error(tmp_path):
    none = check(build_submission(tmp_path / "a.xlsx", items(2), total=None))
    assert "total-missing" in rules(none)
    blank = check(build_submission(tmp_path / "b.xlsx", items(2), total=""))
    assert "total-missing" in rules(blank)


def test_a_cached_total_value_is_never_trusted(tmp_path):
    """LibreOffice writes the SUM's result; a crafted file puts the counted total there
    while the cells add up to something else."""
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, amount="2,000")])
    (out,) = lo_many([path], tmp_path / "lo")
    # make the cached 合计 agree with what we count (3000): the cells still show 1000
    from trust_builders import sheet_xml

    xml = sheet_xml(out).decode()
    start = xml.index('<c r="K6"')
    end = xml.index("</c>", start) + 4
    cell = xml[start:end]
    assert "<f" in cell and "<v>" in cell
    forged = cell[: cell.index("<v>") + 3] + "3000" + cell[cell.index("</v>") :]
    set_cell_xml(out, "K6", forged)
    result = check(out)
    assert ("total-mismatch", "error", "K6") in found(result)


def test_a_subtotal_row_with_a_number_inside_the_sum_doubles_the_paper_total(tmp_path):
    # 小计 typed as a number inside the SUM range: on paper the 合计 adds it again
    rows = [item(0), item(1), {"seq": "小计", "amount": 3000}, item(2)]
    path = build_submission(tmp_path / "a.xlsx", rows)
    result = check(path)
    assert "file-unreadable" not in rules(result), found(result)
    assert ("subtotal-row", "warning", "A6") in found(result)
    assert ("total-mismatch", "error", "K8") in found(result)
    assert 6 not in set(result.all_rows["row"])


def test_a_subtotal_formula_inside_the_sum_range_never_passes(tmp_path):
    """Excel's =SUM(K4:K7) adds the 小计's own =SUM(K4:K5): the paper shows the two lines
    twice. The file has no cached values (openpyxl), so its paper total is unknown."""
    rows = [item(0), item(1), {"seq": "小计", "amount": "=SUM(K4:K5)"}, item(2)]
    path = build_submission(tmp_path / "a.xlsx", rows)
    result = check(path)
    assert "file-unreadable" not in rules(result), found(result)
    assert ("subtotal-row", "warning", "A6") in found(result)
    assert result.files[0].status == "errors"
    assert {"total-mismatch", "total-formula"} & rules(result)


def test_half_fen_rows_stopped_by_their_own_error_do_not_tip_the_total(tmp_path):
    """-1 and 0.125 are errors of their own; the typed 合计 0.88 is what the good row
    shows, and the counted side is rounded once, not per term (0.005 + 0.875 ≠ 0.88)."""
    rows = [item(0, amount=-1), item(1, amount="0.125"), item(2, amount=0.88)]
    result = check(build_submission(tmp_path / "a.xlsx", rows, total=0.88))
    got = found(result)
    assert ("amount-negative", "error", "K4") in got
    assert ("amount-precision", "error", "K5") in got
    assert "total-mismatch" not in rules(result), got
    assert accepted_fen(result) == 88
