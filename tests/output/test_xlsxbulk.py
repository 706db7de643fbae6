"""``BulkSheet`` writes its block in the markup xlsxwriter writes for the same cells."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from toolkit.output.xlsxbulk import BLANK, NUMBER, STRING, BulkSheet, Typed, utf16_cut
from toolkit.template.layout import FIXED_CREATED

PARTS = ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml")


class Formats:
    """A typed() like the report's: the kind and format follow the value's type."""

    def __init__(self, wb: Any) -> None:
        self.text = wb.add_format({"border": 1})
        self.money = wb.add_format({"border": 1, "num_format": "#,##0.00"})
        self.head = wb.add_format({"bold": True})

    def __call__(self, value: Any) -> Typed:
        if isinstance(value, str):
            return (STRING, value, self.text) if value else (BLANK, None, self.text)
        if isinstance(value, int):
            return NUMBER, value, None
        if isinstance(value, float):
            return NUMBER, value, self.money
        return BLANK, None, None  # None: a blank without a format is not written


def _write(path: Path, rows: list[list[Any]], bulk: bool, top: int = 1, left: int = 0) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    wb.set_properties({"created": FIXED_CREATED})
    typed = Formats(wb)
    ws = wb.add_worksheet("明细", worksheet_class=BulkSheet if bulk else None)
    ws.write_string(0, 0, "标题", typed.head)
    ws.set_column(0, 2, 12)
    ws.freeze_panes(1, 0)
    if bulk:
        ws.write_block(top, left, rows, typed)
    else:
        for r, row in enumerate(rows, start=top):
            for c, value in enumerate(row, start=left):
                kind, payload, fmt = typed(value)
                if kind is STRING:
                    ws.write_string(r, c, payload, fmt)
                elif kind is NUMBER:
                    ws.write_number(r, c, payload, fmt)
                else:
                    ws.write_blank(r, c, None, fmt)
    wb.close()


def _parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name).decode() for name in PARTS}
    # xlsxwriter's optional row spans are the one thing the block leaves out
    parts[PARTS[0]] = re.sub(r' spans="[0-9:]+"', "", parts[PARTS[0]])
    return parts


values = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "郑州市", "<a&b>", " lead", "\x01ctl", "_x0041_", "😀"]),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=False, allow_infinity=False),
    st.none(),
)
blocks = st.lists(st.lists(values, min_size=0, max_size=6), min_size=1, max_size=20)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=blocks, top=st.integers(1, 3), left=st.integers(0, 30))
def test_block_markup_equals_xlsxwriter_cell_by_cell(
    rows: list[list[Any]], top: int, left: int, tmp_path: Path
) -> None:
    plain, bulk = tmp_path / "plain.xlsx", tmp_path / "bulk.xlsx"
    _write(plain, rows, bulk=False, top=top, left=left)
    _write(bulk, rows, bulk=True, top=top, left=left)
    assert _parts(bulk) == _parts(plain)


def test_block_reads_back_with_openpyxl(tmp_path: Path) -> None:
    rows = [["郑州市", 3, 1234.5], ["", None, -0.01], ["=1+1", 10**15, 0.0]]
    _write(tmp_path / "b.xlsx", rows, bulk=True)
    ws = load_workbook(tmp_path / "b.xlsx")["明细"]
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_col=3)]
    assert got == [["郑州市", 3, 1234.5], [None, None, -0.01], ["=1+1", 10**15, 0]]
    assert ws.cell(2, 3).number_format == "#,##0.00"
    assert ws.cell(4, 1).data_type == "s"  # text that looks like a formula stays text


def test_long_strings_are_cut_like_xlsxwriter_cuts_them(tmp_path: Path) -> None:
    long = "税" * 40000
    astral = "a" + "😀" * 20000  # two UTF-16 units each: never cut inside a pair
    rows = [[long, astral]]
    _write(tmp_path / "p.xlsx", rows, bulk=False)
    _write(tmp_path / "b.xlsx", rows, bulk=True)
    assert _parts(tmp_path / "b.xlsx") == _parts(tmp_path / "p.xlsx")
    assert len(utf16_cut(long)) == 32767
    assert utf16_cut(astral) == "a" + "😀" * 16383


def test_ordinary_cells_below_the_block_are_refused(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    typed = Formats(wb)
    ws = wb.add_worksheet("s", worksheet_class=BulkSheet)
    ws.write_block(1, 0, [["a"], ["b"]], typed)
    ws.write_string(2, 0, "overlap")
    with pytest.raises(ValueError, match="overlap"):
        wb.close()


def test_one_block_per_sheet_and_no_nan(tmp_path: Path) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"))
    typed = Formats(wb)
    ws = wb.add_worksheet("s", worksheet_class=BulkSheet)
    ws.write_block(1, 0, [["a"]], typed)
    with pytest.raises(ValueError, match="one block"):
        ws.write_block(5, 0, [["b"]], typed)
    other = wb.add_worksheet("t", worksheet_class=BulkSheet)
    with pytest.raises(TypeError, match="NAN"):
        other.write_block(1, 0, [[float("nan")]], typed)
    with pytest.raises(ValueError, match="outside"):
        other.write_block(1_048_576, 0, [["a"]], typed)
    wb.close()


def test_an_empty_block_writes_nothing(tmp_path: Path) -> None:
    _write(tmp_path / "p.xlsx", [], bulk=False)
    _write(tmp_path / "b.xlsx", [], bulk=True)
    assert _parts(tmp_path / "b.xlsx") == _parts(tmp_path / "p.xlsx")
