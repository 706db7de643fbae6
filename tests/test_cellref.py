"""cellref: A1 references both ways, one spelling for the whole package."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.cellref import (
    EXCEL_MAX_COL,
    EXCEL_MAX_ROW,
    a1,
    col_index,
    column_letter,
    parse_range,
    parse_ref,
)


@pytest.mark.parametrize(
    ("column", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA"), (EXCEL_MAX_COL, "XFD")],
)
def test_known_columns(column: int, letters: str) -> None:
    assert column_letter(column) == letters
    assert col_index(letters) == col_index(letters.lower()) == column
    assert col_index(letters.encode()) == column  # as a sheet's XML gives them


def test_no_column_has_no_letters() -> None:
    assert column_letter(0) == ""


@given(st.integers(1, EXCEL_MAX_COL), st.integers(1, EXCEL_MAX_ROW))
def test_references_round_trip(column: int, row: int) -> None:
    ref = a1(row, column)
    assert parse_ref(ref) == (row, column)
    assert parse_ref(f"${column_letter(column)}${row}") == (row, column)
    assert parse_range(ref) == (row, column, row, column)


@given(
    st.integers(1, EXCEL_MAX_COL),
    st.integers(1, EXCEL_MAX_ROW),
    st.integers(1, EXCEL_MAX_COL),
    st.integers(1, EXCEL_MAX_ROW),
)
def test_ranges_are_normalised(c1: int, r1: int, c2: int, r2: int) -> None:
    rng = parse_range(f"{a1(r1, c1)}:{a1(r2, c2)}")
    assert rng == (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))


@pytest.mark.parametrize("ref", ["", "A", "7", "A0B", "AAAA1", "A12345678", "名称"])
def test_what_is_not_a_reference(ref: str) -> None:
    assert parse_ref(ref) is None
    assert parse_range(ref) is None
