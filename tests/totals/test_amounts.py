"""Per-file and batch amounts equal a plain row-by-row tally in Python ints and Decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.money import INT64_MAX
from toolkit.totals.amounts import Amounts, file_amounts, total_amounts

FILES = ["a.xlsx", "b.xlsx", "c.xlsx", None]

row = st.tuples(
    st.sampled_from(FILES),
    st.booleans(),
    st.one_of(st.none(), st.integers(-(10**12), 10**12), st.sampled_from([INT64_MAX // 3])),
    st.one_of(st.none(), st.just(float("nan")), st.decimals(allow_nan=False, places=4)),
)


def _reference(rows: list[tuple[Any, ...]]) -> dict[str, Amounts]:
    """What the totals mean, row by row: a row with no file belongs to no file."""
    out: dict[str, Amounts] = {}
    for file, ok, fen, read in rows:
        if file is None:
            continue
        a = out.setdefault(file, Amounts())
        a.rows += 1
        if ok:
            a.accepted_rows += 1
            a.accepted_fen += fen or 0
        elif read is None or read != read:
            a.unreadable_rows += 1
        elif read > 0:
            a.rejected_positive += read
        elif read < 0:
            a.rejected_negative += read
    return out


def _frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["file", "accepted", "amount_fen", "amount_read"])
    # built from the ints themselves: via float64 (None makes the column float) they'd round
    frame["amount_fen"] = pd.array([r[2] for r in rows], dtype="Int64")
    frame["amount_read"] = pd.Series([r[3] for r in rows], dtype=object)
    return frame


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row, max_size=40))
def test_file_amounts_equal_a_row_by_row_tally(rows: list[tuple[Any, ...]]) -> None:
    paths = ["a.xlsx", "b.xlsx", "c.xlsx", "none.xlsx"]
    expected = {p: Amounts() for p in paths} | _reference(rows)
    assert file_amounts(_frame(rows), paths) == expected


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row, max_size=40))
def test_total_amounts_equal_a_row_by_row_tally(rows: list[tuple[Any, ...]]) -> None:
    everything = [("all", *r[1:]) for r in rows]
    expected = _reference(everything).get("all", Amounts())
    assert total_amounts(_frame(rows)) == expected


def test_sums_that_could_pass_int64_are_taken_in_python_ints() -> None:
    big = INT64_MAX // 2
    rows = [("a.xlsx", True, big, Decimal(0))] * 3
    got = file_amounts(_frame(rows), ["a.xlsx"])["a.xlsx"]
    assert got.accepted_fen == 3 * big  # past 2**63: numpy would have wrapped
