"""The rows a 合计 formula adds, held as merged ranges, answer as the plain set would."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.rules.total import RowRanges, parse_total_formula

_SPAN = st.tuples(st.integers(1, 60), st.integers(0, 20)).map(lambda t: (t[0], t[0] + t[1]))


@settings(max_examples=300, deadline=None)
@given(spans=st.lists(_SPAN, max_size=6), left_out=st.sets(st.integers(0, 90), max_size=8))
def test_ranges_answer_as_the_set_of_their_rows(
    spans: list[tuple[int, int]], left_out: set[int]
) -> None:
    plain = {r for lo, hi in spans for r in range(lo, hi + 1)}
    got = RowRanges(spans)
    for r in left_out:
        got.discard(r)
        plain.discard(r)
    assert [r for r in range(0, 95) if r in got] == sorted(plain)
    assert len(got) == len(plain) and bool(got) == bool(plain)
    assert all((np.int64(r) in got) == (r in plain) for r in range(0, 95, 7))
    assert "5" not in got and None not in got


def test_a_formula_names_its_rows_as_ranges() -> None:
    parsed = parse_total_formula("=SUM(K5:K200004)", 11)
    assert parsed is not None
    rows, hidden, filtered = parsed
    assert (len(rows), 4 in rows, 5 in rows, 200004 in rows, 200005 in rows) == (
        200000, False, True, True, False,
    )  # fmt: skip
    assert not hidden and not filtered
    plus = parse_total_formula("=K5+K7+K6", 11)
    assert plus is not None and len(plus[0]) == 3 and 8 not in plus[0]
    assert parse_total_formula("=SUM(J5:J9)", 11) is None
