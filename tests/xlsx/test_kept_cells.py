"""``Cells.only_column``: the cells of one column, in order, as a filter of the whole."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.xlsx.cells import FORMULA, NUMBER, TEXT, Cells

_CELL = st.tuples(
    st.integers(1, 50),  # row
    st.integers(1, 6),  # column
    st.sampled_from([NUMBER, TEXT, NUMBER | FORMULA, TEXT | FORMULA]),
    st.one_of(st.none(), st.text(max_size=3)),
    st.integers(0, 9),  # style
)


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(_CELL, max_size=40), col=st.integers(1, 6))
def test_only_column_is_the_filter_of_the_whole(cells: list[tuple], col: int) -> None:
    whole = Cells()
    for k, (r, c, kind, value, style) in enumerate(cells):
        whole.add(r, c, kind, value, style, f"=F{k}" if kind & FORMULA else None, None)
    whole.strays[99] = None  # type: ignore[assignment]  # carried as they are
    got = whole.only_column(col)
    mine = [k for k, cell in enumerate(cells) if cell[1] == col]
    assert list(got.rows) == [cells[k][0] for k in mine]
    assert list(got.cols) == [col] * len(mine)
    assert list(got.kinds) == [cells[k][2] for k in mine]
    assert got.values == [cells[k][3] for k in mine]
    assert list(got.styles) == [cells[k][4] for k in mine]
    assert got.formulas == {j: f"=F{k}" for j, k in enumerate(mine) if cells[k][2] & FORMULA}
    assert got.strays is whole.strays
