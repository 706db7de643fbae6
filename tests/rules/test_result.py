"""A file's rows held as columns: read as ``ROW_COLUMNS`` tuples, rejected whole, and
turned into the same DataFrame (values and dtypes) that the tuples' records give."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.rules.result import ROW_COLUMNS, Rows, rows_frame

_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "项目", "1"]))
_ROW = st.fixed_dictionaries(
    {
        **{c: _TEXT for c in ROW_COLUMNS},
        "amount_cell": st.sampled_from(["K4", "K5", "L9"]),
        "row": st.integers(1, 10_000),
        "year": st.one_of(st.none(), st.sampled_from([2026, 2027])),
        "amount_fen": st.one_of(st.none(), st.integers(-(10**15), 10**15)),
        "amount_read": st.one_of(st.none(), st.sampled_from([Decimal("1.5"), Decimal(0)])),
        "hidden": st.booleans(),
        "accepted": st.booleans(),
        "reasons": st.sampled_from(["", "unknown-code", "unknown-code;amount-negative"]),
    }
)


def _rows(rows: list[dict[str, Any]], fixed: tuple[str, ...] = ()) -> Rows:
    """As the engine builds them: the ``fixed`` columns one value (the first row's; the
    rows are made to agree), ``amount_cell`` from the rows when the cells say K<row>."""
    for r in rows:
        r.update({c: rows[0][c] for c in fixed})
    letter = "K" if all(r["amount_cell"] == f"K{r['row']}" for r in rows) else None
    columns = {c: [r[c] for r in rows] for c in ROW_COLUMNS if c not in fixed}
    return Rows(columns, fixed={c: rows[0][c] for c in fixed} if rows else {}, amount_letter=letter)


def _records(tuples: list[tuple[Any, ...]]) -> pd.DataFrame:
    """The frame as it was built before rows were columns: from the tuples' records."""
    frame = pd.DataFrame.from_records(tuples, columns=list(ROW_COLUMNS))
    for c, dtype in (("amount_fen", "Int64"), ("row", "int64"), ("year", "Int64")):
        frame[c] = frame[c].astype(dtype)
    frame["accepted"] = frame["accepted"].astype(bool)
    frame["hidden"] = frame["hidden"].astype(bool)
    frame["amount_read"] = frame["amount_read"].astype(object)
    return frame


@settings(max_examples=150, deadline=None)
@given(
    files=st.lists(st.lists(_ROW, max_size=6), max_size=4),
    fixed=st.sampled_from([(), ("file", "sheet", "unit", "year"), ("accepted", "reasons")]),
)
def test_the_frame_of_columns_is_the_frame_of_records(
    files: list[list[dict[str, Any]]], fixed: tuple[str, ...]
) -> None:
    parts = [_rows(f, fixed) for f in files]
    tuples = [t for p in parts for t in p]
    assert tuples == [tuple(r[c] for c in ROW_COLUMNS) for f in files for r in f]
    pd.testing.assert_frame_equal(rows_frame(parts), _records(tuples), check_dtype=True)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(_ROW, max_size=6),
    rule=st.sampled_from(["year-mixed", "unknown-code"]),
    fixed=st.sampled_from([(), ("accepted", "reasons")]),
)
def test_a_rejected_file_rejects_every_row_and_names_the_rule_first(
    rows: list[dict[str, Any]], rule: str, fixed: tuple[str, ...]
) -> None:
    got = _rows(rows, fixed)
    got.reject(rule)
    for r, t in zip(rows, got, strict=True):
        ids = [x for x in r["reasons"].split(";") if x]
        want = ids if rule in ids else [rule, *ids]
        assert t[ROW_COLUMNS.index("accepted")] is False
        assert t[ROW_COLUMNS.index("reasons")] == ";".join(want)


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        Rows({"row": [1, 2], "file": ["a"]})
    with pytest.raises(ValueError):
        Rows({"row": [1, 2], "amount_cell": ["K1"]}, fixed={"file": "a"})
    assert len(Rows()) == 0 and list(Rows()) == [] and Rows() == []
    one = _rows([dict.fromkeys(ROW_COLUMNS, None) | {"row": 4}])
    assert one[0] == one[-1] and one[0][ROW_COLUMNS.index("row")] == 4
    with pytest.raises(IndexError):
        one[1]


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(_ROW, max_size=6),
    fixed=st.sampled_from([(), ("file", "sheet", "unit", "year"), ("project", "note")]),
    twice=st.booleans(),
    first=st.sampled_from(["project", "accepted", "reasons", "iterate", "reject"]),
)
def test_rows_come_back_from_a_pickle_the_same(
    rows: list[dict[str, Any]], fixed: tuple[str, ...], twice: bool, first: str
) -> None:
    import pickle

    from toolkit.rules.result import DEFERRED

    want = _rows([dict(r) for r in rows], fixed)
    got = pickle.loads(pickle.dumps(want))
    if twice:  # a second trip before the free text was ever unpacked
        got = pickle.loads(pickle.dumps(got))
    untouched = all(c not in got._lists for c in DEFERRED)  # left packed until asked for
    assert untouched or not rows
    if first == "project":
        assert got.column("project") == want.column("project")
    elif first == "accepted":
        assert got.column("accepted") == want.column("accepted")
        assert all(c not in got._lists for c in DEFERRED) or not rows
    elif first == "reject":
        got.reject("year-mixed")
        want.reject("year-mixed")
    assert list(got) == list(want)
    assert [got[k] for k in range(len(got))] == [want[k] for k in range(len(want))]
    pd.testing.assert_frame_equal(rows_frame([got]), rows_frame([want]))
