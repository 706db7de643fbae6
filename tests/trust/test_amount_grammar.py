"""Class 7: an amount means what the cell shows.

Text amounts are parsed by a strict grammar: spaces, tabs or line breaks inside the
digits are amount-not-number (never deleted), and anything the grammar does not know is
refused too. What it does accept (thousands separators, full-width digits, ¥, 元) is
counted exactly, with amount-as-text saying the sheet's SUM skips it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    file_json,
    found,
    issues,
    item,
)

SPACED = [
    "1 000",
    "12\t34",
    "1,000.\n5",
    "1\n000",
    "1\u00a0000",  # no-break space
    "1\u3000000",  # ideographic space
    "1\u2009000",  # thin space
    "１ ０００",
    "1 000.50",
]
NOT_NUMBERS = [
    "1,00",
    "1.000,50",
    "1,0000",
    "12.3.4",
    "一千",
    "1e3",
    "0x10",
    "1_000",
    "100.",
    ".5",
    "\u2212100",  # minus sign
    "1\u200b000",  # zero-width space between the digits
    "约1000",
    "1000-2000",
    "TRUE",
]


def _file(tmp_path, amount):
    return build_submission(tmp_path / "a.xlsx", [item(0), item(1, amount=amount), item(2)])


@pytest.mark.parametrize("amount", SPACED, ids=repr)
def test_spaces_or_breaks_inside_the_digits_are_not_a_number(tmp_path, amount):
    result = check(_file(tmp_path, amount))
    (bad,) = issues(result, "amount-not-number")
    assert (bad.severity, bad.cell) == ("error", "K5")
    assert bad.extra.get("detail")  # says: a space or line break between the digits
    rows = result.all_rows.set_index("row")
    assert not rows.loc[5, "accepted"]
    assert rows.loc[5, "amount_read"] is None  # never "deleted" into 1000
    assert "amount-not-number" in rows.loc[5, "reasons"]
    # the unreadable row is counted apart, not as money
    assert file_json(result)["rows_rejected_unreadable"] == 1


@pytest.mark.parametrize("amount", NOT_NUMBERS, ids=repr)
def test_what_the_grammar_does_not_know_is_refused(tmp_path, amount):
    result = check(_file(tmp_path, amount))
    assert ("amount-not-number", "error", "K5") in found(result)
    assert accepted_fen(result) == 400_000


@pytest.mark.parametrize(
    ("amount", "fen"),
    [
        ("1,000", 100_000),
        ("１２３", 12_300),
        ("¥1,000.50", 100_050),
        ("￥２，０００．５０", 200_050),
        ("1000元", 100_000),
        ("1,000,000.05", 100_000_005),
    ],
)
def test_accepted_text_is_read_exactly_and_flagged(tmp_path, amount, fen):
    result = check(_file(tmp_path, amount))
    assert ("amount-as-text", "warning", "K5") in found(result)
    rows = result.all_rows.set_index("row")
    assert rows.loc[5, "amount_read"] == Decimal(fen) / 100
    # the form's SUM skips it, so the file does not pass (class 3)
    assert ("total-mismatch", "error", "K7") in found(result)


@pytest.mark.parametrize("amount", ["1٠٠", "١٢٣", "१२३"])
def test_digits_of_other_scripts_are_not_a_number(tmp_path, amount):
    result = check(_file(tmp_path, amount))
    assert ("amount-not-number", "error", "K5") in found(result)


@pytest.mark.parametrize("value", [True, "2026-11-01"])
def test_booleans_and_dates_are_not_amounts(tmp_path, value):
    import datetime

    amount = datetime.date(2026, 11, 1) if value == "2026-11-01" else value
    result = check(_file(tmp_path, amount))
    assert ("amount-not-number", "error", "K5") in found(result)
