"""The sheet editor changes the styles of the cells it is asked about, unhides their
rows, and nothing else: every value, formula and other style reads back the same."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sheet_strategies import NS, STRINGS, sheet_xml

from toolkit.output.sheetxml import SheetPlan, SheetXml
from toolkit.output.xlsxparts import PartError
from toolkit.xlsx.sheet import parse_sheet
from toolkit.xlsx.worksheet import Worksheet

MARK = 77


def _data(ws: Worksheet) -> list[tuple[Any, ...]]:
    c = ws.cells
    return [
        (c.rows[i], c.cols[i], c.kinds[i], c.values[i], c.formulas.get(i)) for i in range(len(c))
    ]


def _styles(ws: Worksheet) -> dict[tuple[int, int], int]:
    c = ws.cells
    return {(c.rows[i], c.cols[i]): c.styles[i] for i in range(len(c))}


def _edit(xml: bytes, plan: SheetPlan) -> bytes:
    return b"".join(bytes(p) for p in SheetXml(xml).pieces(plan))


cells = st.sets(st.tuples(st.integers(1, 45), st.integers(1, 16)), max_size=8)


@settings(max_examples=300, deadline=None)
@given(xml=sheet_xml(), marks=cells)
def test_only_the_marked_cells_change(xml: bytes, marks: set[tuple[int, int]]) -> None:
    asked: list[tuple[int, int]] = []

    def restyle(row: int, col: int, style: int) -> int:
        asked.append((row, col))
        return MARK

    plan = SheetPlan(
        restyle=restyle,
        cells=set(marks),
        create=set(marks),
        unhide_rows={r for r, _ in marks},
        unhide_cols={c for _, c in marks},
        clear_filter=True,
    )
    out = _edit(xml, plan)
    ElementTree.fromstring(out)  # well-formed
    before = parse_sheet(xml, STRINGS, exact=True)
    after = parse_sheet(out, STRINGS, exact=True)
    assert _data(after) == _data(before)  # no value, kind or formula moved or changed
    old, new = _styles(before), _styles(after)
    for cell, style in old.items():
        assert new[cell] == (MARK if cell in marks else style), cell
    assert sorted(asked) == sorted(marks)  # every mark made exactly once, found or created
    assert after.hidden_rows == before.hidden_rows - {r for r, _ in marks}
    assert after.repeated == before.repeated


@settings(max_examples=100, deadline=None)
@given(xml=sheet_xml())
def test_an_empty_plan_gives_the_same_cells(xml: bytes) -> None:
    out = _edit(xml, SheetPlan())
    assert _data(parse_sheet(out, STRINGS, exact=True)) == _data(
        parse_sheet(xml, STRINGS, exact=True)
    )


def test_created_cells_land_in_column_order() -> None:
    xml = (
        f'<worksheet xmlns="{NS}"><sheetData><row r="2" spans="2:3"><c r="B2"><v>1</v></c>'
        '<c r="D2"><v>2</v></c></row><row r="5"/></sheetData></worksheet>'
    ).encode()
    marks = {(2, 1), (2, 3), (2, 30), (3, 2), (5, 1), (9, 9)}
    out = _edit(xml, SheetPlan(lambda r, c, s: MARK, set(marks), set(marks)))
    refs = [el.get("r") for el in ElementTree.fromstring(out).iter(f"{{{NS}}}c")]
    assert refs == ["A2", "B2", "C2", "D2", "AD2", "B3", "A5", "I9"]
    rows = [el.get("r") for el in ElementTree.fromstring(out).iter(f"{{{NS}}}row")]
    assert rows == ["2", "3", "5", "9"]
    assert b"spans" not in out  # a row that grew has no stale spans hint


def test_comments_inside_the_cell_data_are_refused() -> None:
    xml = f'<worksheet xmlns="{NS}"><sheetData><!-- x --><row r="1"/></sheetData></worksheet>'
    with pytest.raises(PartError):
        SheetXml(xml.encode())


def test_sheets_without_marks_are_deselected_as_they_stream() -> None:
    from toolkit.output.sheetxml import deselected

    xml = (
        f'<worksheet xmlns="{NS}"><sheetViews><sheetView tabSelected="1" workbookViewId="0"/>'
        '</sheetViews><sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
        "</worksheet>"
    ).encode()
    for size in (1, 7, 64, len(xml)):
        chunks = [xml[i : i + size] for i in range(0, len(xml), size)]
        out = b"".join(deselected(chunks))
        assert out == xml.replace(b' tabSelected="1"', b""), size


def _merged_sheet(*refs: str) -> bytes:
    cells = "".join(f'<mergeCell ref="{r}"/>' for r in refs)
    return (
        f'<worksheet xmlns="{NS}"><sheetData/><mergeCells count="{len(refs)}">{cells}'
        "</mergeCells></worksheet>"
    ).encode()


def test_a_mark_in_a_merged_range_goes_to_its_top_left_cell() -> None:
    sx = SheetXml(_merged_sheet("A1:B2", "D5:D9"))
    assert sx.top_left(2, 2) == (1, 1)
    assert sx.top_left(7, 4) == (5, 4)
    assert sx.top_left(3, 3) == (3, 3)


def test_a_merged_area_past_the_readers_limit_is_refused() -> None:
    with pytest.raises(PartError):
        SheetXml(_merged_sheet("A1:XFD100"))
