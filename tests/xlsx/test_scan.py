"""The sheet parser's compiled step (``toolkit/xlsx/_scan.c``) reads a strict subset of
what the Python fast path reads and must give exactly its cells, or decline the chunk
and leave nothing behind. Properties over random sheets, with and without a plan, and
the shapes it must decline."""

from __future__ import annotations

from array import array
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sheet_strategies import NS, STRINGS, Plan, sheet_xml

from toolkit.cellref import EXCEL_MAX_ROW
from toolkit.xlsx import sheet_fast
from toolkit.xlsx.cells import BOOL, ERROR, FLAG, FORMULA, KEEP, NUMBER, STRAY, TEXT, Cells
from toolkit.xlsx.sheet import parse_sheet
from toolkit.xlsx.worksheet import CellLimit, SheetError, Worksheet


def test_the_compiled_step_is_built() -> None:
    # pip install builds it (gcc and the Python headers); without it every sheet still
    # reads, through the Python path, only slower: the benchmarks need it here.
    from toolkit.xlsx import _scan

    assert sheet_fast._scan is _scan


def _state(ws: Worksheet) -> tuple[Any, ...]:
    c = ws.cells
    cells = [
        (c.rows[i], c.cols[i], c.kinds[i], c.values[i], c.styles[i], c.formulas.get(i))
        for i in range(len(c))
    ]
    strays = {r: (s.count, s.line_like, s.examples) for r, s in c.strays.items()}
    return (
        cells,
        strays,
        ws.hidden_rows,
        ws.max_row,
        ws.max_col,
        ws.repeated,
        ws.cell_count,
    )


def _both(xml: bytes, plan_for: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    native = parse_sheet(xml, STRINGS, plan_for)
    with monkeypatch.context() as m:
        m.setattr(sheet_fast, "_scan", None)
        python = parse_sheet(xml, STRINGS, plan_for)
    return native, python


SHEETS = st.booleans().flatmap(lambda odd: sheet_xml(odd=odd))  # odd shapes, or the usual


@settings(max_examples=400, deadline=None)
@given(xml=SHEETS)
def test_with_and_without_the_compiled_step_the_same_cells(xml: bytes) -> None:
    with pytest.MonkeyPatch.context() as mp:
        native, python = _both(xml, None, mp)
    assert _state(native) == _state(python)
    if not python.exact:
        exact = parse_sheet(xml, STRINGS, exact=True)
        assert _state(native)[0] == _state(exact)[0]
        assert native.hidden_rows == exact.hidden_rows


@settings(max_examples=300, deadline=None)
@given(
    xml=SHEETS,
    start=st.integers(1, 41),
    policies=st.dictionaries(st.integers(1, 14), st.sampled_from([KEEP, FLAG, STRAY])),
)
def test_a_plan_keeps_flags_and_counts_the_same(
    xml: bytes, start: int, policies: dict[int, int]
) -> None:
    plan = Plan(start, policies)

    def plan_for(cells: Cells, whole_below: int) -> Plan:
        return plan

    with pytest.MonkeyPatch.context() as mp:
        native, python = _both(xml, plan_for, mp)
    assert _state(native) == _state(python)


def _body(rows: str) -> bytes:
    return rows.encode()


def _scan(body: bytes, last_key: int = 0) -> Any:
    assert sheet_fast._scan is not None
    return sheet_fast._scan.scan(
        body, STRINGS, EXCEL_MAX_ROW + 1, bytearray(b"\xff" * 16385), None, last_key
    )


def test_an_ordinary_chunk_is_taken() -> None:
    got = _scan(
        _body(
            '<row r="4" spans="1:11" ht="0"><c r="B4" s="3" t="s"><v>1</v></c>'
            '<c r="K4" s="2"><v> 120000.5 </v></c><c r="L4" s="2"/></row>'
            '<row r="5"><c r="K5"><f>SUM(K4:K4)&amp;&quot;元&quot;</f><v>120000</v></c>'
            '<c r="L5"><f t="shared" si="0"/></c><c r="M5" t="e"><v>#N/A</v></c>'
            '<c r="N5" t="b"><v>1</v></c><c r="O5" t="inlineStr"><is><t xml:space="preserve">'
            " a&lt;b </t></is></c></row>"
        )
    )
    assert got is not None
    n, rows, cols, kinds, styles, values, formulas, strays, hidden, last = got
    assert n == 8
    assert array("i", rows).tolist() == [4, 4, 5, 5, 5, 5, 5]
    assert array("i", cols).tolist() == [2, 11, 11, 12, 13, 14, 15]
    assert array("i", styles).tolist() == [3, 2, 0, 0, 0, 0, 0]
    assert list(kinds) == [TEXT, NUMBER, NUMBER | FORMULA, FORMULA, ERROR, BOOL, TEXT]
    assert values == [STRINGS[1], "120000.5", "120000", None, "#N/A", True, " a<b "]
    assert formulas == [(2, '=SUM(K4:K4)&"元"'), (3, "=（共享公式）")]
    assert hidden == [4] and strays == [] and last == 5 * 16385 + 15


@pytest.mark.parametrize(
    "row",
    [
        '<row r="1"><c r="A1" t="str"><v>&#20859;</v></c></row>',  # character reference
        '<row r="1"><c r="A1" t="str"><v>a\r\nb</v></c></row>',  # line ends to normalise
        '<row r="1"><c r="A1" t="str"><v>a_x000D_b</v></c></row>',  # an _x escape
        '<row r="1"><c r="A1" t="d"><v>2027-01-01</v></c></row>',  # a date cell
        '<row r="1"><!-- note --><c r="A1"><v>1</v></c></row>',  # a comment
        '<row r="1"><c r="A1" s="1" s="2"><v>1</v></c></row>',  # a repeated attribute
        '<row r="1"><c r="A1" r="A1"><v>1</v></c></row>',  # r twice
        '<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>',  # repeated ref
        '<row r="1"><c r="a1"><v>1</v></c></row>',  # lower-case reference
        '<row r="1"><c r="A1" t="s"><v>99</v></c></row>',  # shared index out of range
        '<row r="1"><c r="A1" t="s"><v>1</v></c>',  # a row left open
        '<c r="A1"><v>1</v></c>',  # a cell outside a row
        '<row r="1"><c r="A1"> <v>1</v></c></row>',  # text inside the cell
        '<row r="1"><c r="A1" t="str"><v>\x01</v></c></row>',  # a control character
        '<row r="1"><c r="A1"><v>1&nbsp;</v></c></row>',  # not an XML entity
        '<row hidden="1"><c r="A1"><v>1</v></c></row>',  # a hidden row without r
    ],
)
def test_shapes_it_declines(row: str) -> None:
    assert _scan(row.encode()) is None


def test_a_formula_keeps_its_xlfn_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = '<row r="1"><c r="A1" t="str"><f>_xlfn.XLOOKUP(B1,C:C,D:D)</f><v>x</v></c></row>'
    assert _scan(rows.encode()) is not None
    xml = f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    native, python = _both(xml, None, monkeypatch)
    assert _state(native) == _state(python)
    assert native.cells.formulas == {0: "=_xlfn.XLOOKUP(B1,C:C,D:D)"}


def test_out_of_order_after_the_last_chunk_is_declined() -> None:
    body = b'<row r="3"><c r="B3"><v>1</v></c></row>'
    assert _scan(body, last_key=3 * 16385 + 2) is None
    assert _scan(body, last_key=3 * 16385 + 1) is not None


def test_declined_chunks_still_read_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="str"><v>&#20859;_x000D_</v></c><c r="B2" t="d"><v>2027-01-01</v>'
        "</c></row>"
    )
    xml = f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    native, python = _both(xml, None, monkeypatch)
    assert _state(native) == _state(python)
    assert native.cells.values == ["项目", "养\r", "2027-01-01"]


def test_a_shared_index_out_of_range_is_still_a_sheet_error() -> None:
    xml = (
        f'<worksheet xmlns="{NS}"><sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    with pytest.raises(SheetError):
        parse_sheet(xml, STRINGS)


def test_the_cell_limit_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, 50))
    xml = f'<worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    with pytest.raises(CellLimit):
        parse_sheet(xml, STRINGS, max_cells=10)
