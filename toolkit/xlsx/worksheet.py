"""What one worksheet holds, as found, and what both sheet parsers share: the errors they
raise, the frame around the cells (columns, filters, merges) read by a real parser, the
cell-type codes and the order of cell references.

``toolkit.xlsx.sheet`` is the entry point; ``sheet_fast`` and ``sheet_exact`` are the two
parsers that fill a ``Worksheet`` the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from toolkit.cellref import EXCEL_MAX_COL, EXCEL_MAX_ROW, parse_range
from toolkit.xlsx import smallxml
from toolkit.xlsx.cells import BOOL, DATE, ERROR, NUMBER, TEXT, Cells, Plan
from toolkit.xlsx.strings import decode_escapes

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict OOXML
)
PlanFor = Callable[[Cells, int], "Plan | None"]  # (cells so far, rows below this are whole)
KEY = EXCEL_MAX_COL + 1  # row * KEY + column orders cells as a worksheet does
SHARED, STR = 100, 101  # cell-type codes beside the kinds: a shared string, a text formula result
# a cell's t= attribute -> its type code (a kind, or SHARED/STR until the value is read)
TYPE_CODES = {
    "n": NUMBER, "s": SHARED, "str": STR, "inlineStr": STR, "b": BOOL, "e": ERROR, "d": DATE,
}  # fmt: skip


class SheetError(Exception):
    """The sheet XML is not well-formed or not a worksheet (``detail`` in Chinese)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CellLimit(Exception):
    """More cells than the caller allows (raised before they are all held in memory)."""

    def __init__(self, cells: int) -> None:
        super().__init__(cells)
        self.cells = cells


@dataclass
class Worksheet:
    """What one worksheet holds, as found; nothing is judged here."""

    cells: Cells = field(default_factory=Cells)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    all_rows_hidden: bool = False  # sheetFormatPr zeroHeight: rows not listed are hidden
    autofilter: tuple[int, int, int, int] | None = None  # (r1, c1, r2, c2)
    filter_active: bool = False  # the autofilter has criteria, or the sheet is in filterMode
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # cell refs seen twice
    max_row: int = 0
    max_col: int = 0
    cell_count: int = 0  # every cell element, empty ones included
    exact: bool = False  # which parser produced it (for tests and benchmarks)


def seen_keys(cells: Cells) -> set[int]:
    """The reference keys of the cells kept so far, strays included: built once a parser
    finds references out of row and column order and must look for repeats."""
    seen = {r * KEY + c for r, c in zip(cells.rows, cells.cols, strict=True)}
    for r, rec in cells.strays.items():
        seen.update(r * KEY + c for c, _, _ in rec.examples)
    return seen


def typed_text(code: int, text: str) -> tuple[int, Any]:
    if code == NUMBER:
        return NUMBER, text.strip()
    if code == BOOL:
        return BOOL, text.strip() in ("1", "true")
    if code == ERROR:
        return ERROR, text.strip() or "#N/A"
    if code == DATE:
        return DATE, text.strip()
    return TEXT, decode_escapes(text)


def check_bounds(ws: Worksheet) -> None:
    if ws.max_row > EXCEL_MAX_ROW or ws.max_col > EXCEL_MAX_COL:
        raise SheetError("单元格地址超出 Excel 的范围")


# -- what surrounds the cells: columns, filters, merges (a real parser on a small part) --------
def read_frame(ws: Worksheet, frame: bytes) -> None:
    """cols, sheetPr, sheetFormatPr, autoFilter and mergeCells from the document without
    its cell data, parsed by defusedxml (no DTD, no entities)."""
    try:
        parsed = smallxml.elements(frame)
    except Exception as exc:
        raise SheetError(f"工作表 XML 格式错误（{type(exc).__name__}）") from None
    for el in parsed:
        frame_element(ws, smallxml.local(el.tag), el.attrib)


def frame_element(ws: Worksheet, tag: str, attrs: Any) -> None:
    if tag == "col":
        if attr_true(attrs.get("hidden")) or attr_zero(attrs.get("width")):
            lo, hi = attr_int(attrs.get("min")), attr_int(attrs.get("max"))
            if 1 <= lo <= hi:
                ws.hidden_cols.update(range(lo, min(hi, EXCEL_MAX_COL) + 1))
    elif tag == "sheetPr":
        if attr_true(attrs.get("filterMode")):
            ws.filter_active = True
    elif tag == "sheetFormatPr":
        if attr_true(attrs.get("zeroHeight")):
            ws.all_rows_hidden = True
    elif tag == "autoFilter":
        ws.autofilter = parse_range(attrs.get("ref", "")) or ws.autofilter
    elif tag in ("filterColumn", "filters", "filter", "customFilter", "top10", "dynamicFilter"):
        ws.filter_active = True
    elif tag == "mergeCell":
        rng = parse_range(attrs.get("ref", ""))
        if rng is not None:
            ws.merged.append(rng)


def attr_true(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true")


def attr_zero(value: Any) -> bool:
    try:
        return value is not None and float(value) == 0.0
    except ValueError:
        return False


def attr_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0
