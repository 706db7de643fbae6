"""The sheet parser has a fast path (regular expressions, proven by counting tags and
entities) and an exact one (expat). Whatever the XML, both give the same cells, or the
fast one hands over: a property, over sheets written every way a spreadsheet program
or a hand-edited file writes them."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from sheet_strategies import NS, STRINGS, sheet_xml

from toolkit.xlsx.sheet import parse_sheet
from toolkit.xlsx.worksheet import Worksheet


def _cells(ws: Worksheet) -> list[tuple[Any, ...]]:
    c = ws.cells
    return [
        (c.rows[i], c.cols[i], c.kinds[i], c.values[i], c.styles[i], c.formulas.get(i))
        for i in range(len(c))
    ]


@settings(max_examples=300, deadline=None)
@given(xml=sheet_xml())
def test_fast_and_exact_parsers_agree(xml: bytes) -> None:
    fast = parse_sheet(xml, STRINGS)
    exact = parse_sheet(xml, STRINGS, exact=True)
    assert exact.exact
    assert _cells(fast) == _cells(exact)
    assert (fast.hidden_rows, fast.max_row, fast.max_col) == (
        exact.hidden_rows,
        exact.max_row,
        exact.max_col,
    )
    assert fast.repeated == exact.repeated


def test_the_fast_path_is_taken_on_an_ordinary_sheet() -> None:
    xml = (
        f'<worksheet xmlns="{NS}"><sheetData><row r="4"><c r="B4" t="s"><v>0</v></c>'
        '<c r="K4"><v>120000</v></c></row><row r="5"><c r="K5"><f>SUM(K4:K4)</f>'
        "<v>120000</v></c></row></sheetData></worksheet>"
    ).encode()
    ws = parse_sheet(xml, STRINGS)
    assert not ws.exact
    assert [(r, c, v, f) for r, c, _, v, _, f in _cells(ws)] == [
        (4, 2, "项目", None),
        (4, 11, "120000", None),
        (5, 11, "120000", "=SUM(K4:K4)"),
    ]
