"""Per-file and batch amounts equal a plain row-by-row tally in Python ints and Decimals,
and so does the tally of any three columns (the roll-up's strict mode uses it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.money import INT64_MAX
from toolkit.rules.result import ROW_COLUMNS, CheckResult, FileResult, Rows
from toolkit.totals.amounts import Amounts, _tally, batch_amounts, file_amounts

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


def _columns(rows: list[tuple[Any, ...]]) -> Amounts:
    """``_tally`` of the rows' accepted, fen and read columns."""
    return _tally([r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows])


def _result(rows: list[tuple[Any, ...]], paths: list[str]) -> CheckResult:
    """A check of ``paths`` whose files hold ``rows`` (a row with no file: none of them)."""
    parts = []
    for p in paths:
        mine = [r for r in rows if r[0] == p]
        columns: dict[str, list[Any]] = {c: [None] * len(mine) for c in ROW_COLUMNS}
        columns["row"] = list(range(4, 4 + len(mine)))
        for c, k in (("file", 0), ("accepted", 1), ("amount_fen", 2), ("amount_read", 3)):
            columns[c] = [r[k] for r in mine]
        parts.append(Rows(columns))
    return CheckResult(catalog=None, files=[FileResult(p) for p in paths], parts=parts)  # type: ignore[arg-type]


PATHS = ["a.xlsx", "b.xlsx", "c.xlsx", "none.xlsx"]


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row, max_size=40))
def test_file_amounts_equal_a_row_by_row_tally(rows: list[tuple[Any, ...]]) -> None:
    expected = {p: Amounts() for p in PATHS} | _reference(rows)
    assert file_amounts(_result(rows, PATHS)) == expected


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row, max_size=40))
def test_batch_and_column_amounts_equal_a_row_by_row_tally(rows: list[tuple[Any, ...]]) -> None:
    everything = [("all", *r[1:]) for r in rows]
    assert _columns(rows) == _reference(everything).get("all", Amounts())
    filed = [("all", *r[1:]) for r in rows if r[0] is not None]
    assert batch_amounts(_result(rows, PATHS)) == _reference(filed).get("all", Amounts())


def test_sums_that_could_pass_int64_are_taken_in_python_ints() -> None:
    big = INT64_MAX // 2
    rows = [("a.xlsx", True, big, Decimal(0))] * 3
    assert _columns(rows).accepted_fen == 3 * big  # numpy int64 would have wrapped
    assert file_amounts(_result(rows, ["a.xlsx"]))["a.xlsx"].accepted_fen == 3 * big
