"""Class 8: rejected money is visible.

Rejected amounts never net out: the gross, and positive and negative apart; and the
amount of a rejected row that can be read though it is not acceptable (a formula's shown
result, three decimals) is shown, so finance sees how much waits on corrections.
"""

from __future__ import annotations

from decimal import Decimal

from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    file_json,
    found,
    item,
    lo_many,
    rejected_read,
    run_cli,
)

from toolkit.output.render import render_text, to_json


def _mixed(tmp_path, name="a.xlsx"):
    rows = [
        item(0),  # 1,000 accepted
        item(1, code="033Z9999", amount=155000),  # unknown code: rejected, positive
        item(2, amount=-35000),  # negative: rejected, negative
        item(3, amount="1 000"),  # not a number at all
    ]
    return build_submission(tmp_path / name, rows)


def test_rejected_money_is_gross_and_split_by_sign(tmp_path):
    result = check(_mixed(tmp_path))
    assert ("unknown-code", "error", "C5") in found(result)
    assert ("amount-negative", "error", "K6") in found(result)
    j = file_json(result)
    assert j["rows"] == 4
    assert j["rows_accepted"] == 1 and j["rows_rejected"] == 3
    assert j["rows_rejected_unreadable"] == 1
    assert j["amount_accepted"] == "1000.00"
    assert j["amount_rejected_positive"] == "155000.00"
    assert j["amount_rejected_negative"] == "-35000.00"
    assert j["amount_rejected"] == "190000.00"  # gross: never 120,000 netted
    assert Decimal(j["amount_read"]) == Decimal("1000") + 155000 - 35000
    assert accepted_fen(result) == 100_000
    assert rejected_read(result) == Decimal(120000)  # signed, for the invariant


def test_text_output_shows_gross_and_both_signs(tmp_path):
    text = render_text(check(_mixed(tmp_path)))
    assert "190,000.00" in text
    assert "155,000.00" in text and "-35,000.00" in text


def test_batch_summary_adds_files_without_netting(tmp_path):
    a = _mixed(tmp_path, "a.xlsx")
    b = build_submission(tmp_path / "b.xlsx", [item(0), item(1, amount=-500)], unit="金水区")
    s = to_json(check([a, b]))["summary"]
    assert s["amount_accepted"] == "2000.00"
    assert s["amount_rejected_positive"] == "155000.00"
    assert s["amount_rejected_negative"] == "-35500.00"
    assert s["amount_rejected"] == "190500.00"


def test_three_decimals_are_visible_exactly(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, amount=1000.125)])
    result = check(path)
    assert ("amount-precision", "error", "K5") in found(result)
    rows = result.all_rows.set_index("row")
    assert rows.loc[5, "amount_read"] == Decimal("1000.125")
    assert file_json(result)["amount_rejected"] == "1000.125"


def test_too_large_is_visible(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1, amount=2_000_000_000)])
    result = check(path)
    assert ("amount-too-large", "error", "K5") in found(result)
    assert file_json(result)["amount_rejected"] == "2000000000.00"


def test_a_formulas_shown_value_is_visible_as_rejected(tmp_path):
    path = build_submission(
        tmp_path / "a.xlsx", [item(0), item(1, amount="=1000+2000")], total="formula"
    )
    bare = check(path)  # openpyxl: no shown value at all
    assert ("formula-in-input", "error", "K5") in found(bare)
    assert file_json(bare)["rows_rejected_unreadable"] == 1
    (out,) = lo_many([path], tmp_path / "lo")  # LibreOffice computes and stores 3000
    result = check(out)
    assert ("formula-in-input", "error", "K5") in found(result)
    rows = result.all_rows.set_index("row")
    assert rows.loc[5, "amount_read"] == Decimal(3000)
    j = file_json(result)
    assert j["amount_rejected"] == "3000.00"
    assert j["amount_accepted"] == "1000.00"
    assert j["rows_rejected_unreadable"] == 0


def test_a_file_level_error_rejects_every_row_and_shows_it_all(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", [item(0), item(1)], unit="火星区")
    result = check(path)
    assert "unit-unknown" in {r for r, _, _ in found(result)}
    j = file_json(result)
    assert j["amount_accepted"] == "0.00"
    assert j["amount_rejected"] == "3000.00"
    assert all("unit-unknown" in r for r in result.all_rows["reasons"])


def test_the_rollup_report_never_nets_rejected_money(tmp_path):
    import json

    path = build_submission(
        tmp_path / "a.xlsx",
        [
            item(0),
            item(1, code="033Z9999", amount=155000),
            item(2, amount=-35000),
            item(3, amount=1000.125),
        ],
    )
    res = run_cli("rollup", path, "--json", tmp_path / "r.json")
    assert res.exit_code == 1
    amounts = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["amounts"]
    assert amounts["accepted"] == "1000.00"
    assert Decimal(amounts["rejected"]) == Decimal("191000.125")
