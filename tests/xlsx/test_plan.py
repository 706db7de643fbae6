"""The plan applied to cells read before it was known (the first chunk of a sheet) keeps
exactly what ``Cells.add`` keeps when the plan is there from the start."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sheet_strategies import Plan

from toolkit.xlsx.cells import BOOL, EMPTY, FLAG, FORMULA, KEEP, NUMBER, STRAY, TEXT, Cells
from toolkit.xlsx.sheet_fast import _apply_plan


def _reference(cells: Cells, plan: Plan) -> Cells:
    """The plain loop: every cell through ``Cells.add``, the plan from its start row on."""
    out = Cells(strays=cells.strays)
    for i in range(len(cells.rows)):
        r = cells.rows[i]
        out.add(
            r, cells.cols[i], cells.kinds[i], cells.values[i], cells.styles[i],
            cells.formulas.get(i), plan if r >= plan.start_row else None,
        )  # fmt: skip
    return out


def _state(c: Cells) -> tuple[Any, ...]:
    strays = {r: (s.count, s.line_like, s.examples) for r, s in c.strays.items()}
    return list(c.rows), list(c.cols), bytes(c.kinds), c.values, list(c.styles), c.formulas, strays


_CELL = st.tuples(
    st.integers(1, 12),  # row
    st.integers(0, 6),  # column
    st.sampled_from([EMPTY, NUMBER, TEXT, BOOL, NUMBER | FORMULA, TEXT | FORMULA]),
    st.sampled_from([None, "1", "x", "12.5", True]),
    st.integers(0, 3),  # style
    st.one_of(st.none(), st.sampled_from(["=A1", "", "=SUM(B2:B9)"])),
)


def _cells(cells: list[tuple[Any, ...]]) -> Cells:
    out = Cells()
    for r, c, kind, value, style, formula in cells:
        out.add(r, c, kind, value, style, formula, None)
    return out


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(_CELL, max_size=40),
    start=st.integers(1, 13),
    policies=st.dictionaries(st.integers(0, 6), st.sampled_from([KEEP, FLAG, STRAY])),
)
def test_applying_a_plan_keeps_what_adding_with_it_keeps(
    cells: list[tuple[Any, ...]], start: int, policies: dict[int, int]
) -> None:
    plan = Plan(start, policies)
    assert _state(_apply_plan(_cells(cells), plan)) == _state(_reference(_cells(cells), plan))
