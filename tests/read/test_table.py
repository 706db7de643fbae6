"""The table's columns picked from the kept cells by whole arrays give what the plain
loop gives: every table row's value, kind, style and formula, the last cell winning
where a reference repeats."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.read.cellindex import CellIndex
from toolkit.read.table import _columns
from toolkit.xlsx.cells import FORMULA, NUMBER, TEXT, Cells


def _reference(cells: Cells, columns: dict[str, int], rows: list[int]) -> dict[str, Any]:
    at = {r: k for k, r in enumerate(rows)}
    out: dict[str, Any] = {}
    for name, c in columns.items():
        kinds, values, styles = [0] * len(rows), [None] * len(rows), [0] * len(rows)
        formulas: dict[int, str] = {}
        for i in range(len(cells)):
            k = at.get(cells.rows[i])
            if cells.cols[i] != c or k is None:
                continue
            kinds[k], values[k], styles[k] = cells.kinds[i], cells.values[i], cells.styles[i]
            if i in cells.formulas:
                formulas[k] = cells.formulas[i]
        out[name] = (kinds, values, styles, formulas)
    return out


_CELL = st.tuples(
    st.integers(1, 9),  # row
    st.integers(0, 4),  # column
    st.sampled_from([NUMBER, TEXT, NUMBER | FORMULA]),
    st.integers(0, 5),  # value and style
    st.booleans(),  # a formula's text kept
)


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(_CELL, max_size=40),
    rows=st.sets(st.integers(1, 9)).map(sorted),
    dense=st.booleans(),
)
def test_columns_as_the_plain_loop_picks_them(
    cells: list[tuple[int, int, int, int, bool]], rows: list[int], dense: bool
) -> None:
    if dense:  # the usual sheet: one cell per row and column, in order
        cells = [(r, c, NUMBER, r * 10 + c, False) for r in rows for c in range(5)]
    kept = Cells()
    for r, c, kind, v, formula in cells:
        kept.add(r, c, kind, f"v{v}", v, f"=F{v}" if formula else None, None)
    columns = {"a": 0, "b": 2, "c": 4}
    got = _columns(CellIndex.of(kept), SimpleNamespace(columns=columns), rows)  # type: ignore[arg-type]
    want = _reference(kept, columns, rows)
    for name, col in got.items():
        assert (col.kinds.tolist(), col.values, col.styles.tolist(), col.formulas) == want[name]
        assert col.kinds.dtype == np.uint8
