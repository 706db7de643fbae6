"""The exact sheet parser: every element through expat, so any namespace prefix,
attribute order, quoting, comment, CDATA section or missing ``r`` reads as Excel reads it.
It is always right and costs a Python call per element; ``toolkit.xlsx.sheet`` uses it
where the fast parser cannot prove a sheet, and ``tests/xlsx`` compares the two.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from toolkit.cellref import EXCEL_MAX_COL, EXCEL_MAX_ROW, parse_ref
from toolkit.xlsx.cells import EMPTY, FORMULA, TEXT, Plan
from toolkit.xlsx.strings import decode_escapes
from toolkit.xlsx.worksheet import (
    KEY,
    MAIN_NAMESPACES,
    SHARED,
    TYPE_CODES,
    CellLimit,
    PlanFor,
    SheetError,
    Worksheet,
    attr_int,
    attr_true,
    attr_zero,
    check_bounds,
    frame_element,
    seen_keys,
    typed_text,
)


class _Expat:
    """Every element through expat: any namespace prefix, attribute order, quoting,
    comment, CDATA section or missing ``r`` (cells then take the next column)."""

    def __init__(self, strings: list[str], plan_for: PlanFor | None, max_cells: int) -> None:
        self.ws = Worksheet(exact=True)
        self.strings = strings
        self.plan_for = plan_for
        self.plan: Plan | None = None
        self.max_cells = max_cells
        self.row = 0
        self.col = 0
        self.last_key = 0
        self.seen: set[int] | None = None
        self.cell: dict[str, Any] | None = None
        self.text: list[str] | None = None
        self.in_rph = 0
        self.root_ok = False
        self.in_sheetdata = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        ns, _, tag = name.rpartition(" ")
        if ns and ns not in MAIN_NAMESPACES:
            return
        if tag == "worksheet":
            self.root_ok = True
        elif tag == "sheetData":
            self.in_sheetdata = True
        elif not self.in_sheetdata:
            frame_element(self.ws, tag, attrs)
        elif tag == "row":
            r = attr_int(attrs.get("r"))
            self.row = r if r > 0 else self.row + 1
            self.col = 0
            if attr_true(attrs.get("hidden")) or attr_zero(attrs.get("ht")):  # as the fast path:
                self.ws.hidden_rows.add(self.row)  # a row without cells counts if hidden
                self.ws.max_row = max(self.ws.max_row, self.row)
            if self.plan is None and self.plan_for is not None:
                self.plan = self.plan_for(self.ws.cells, self.row)
        elif tag == "c":
            ref = parse_ref(attrs["r"]) if attrs.get("r") else None
            if ref is not None:
                self.row, self.col = ref
            else:
                self.col += 1
            self.cell = {"t": attrs.get("t", "n"), "s": attr_int(attrs.get("s")), "v": None}
            self.ws.cell_count += 1
            if self.ws.cell_count > self.max_cells:
                raise CellLimit(self.ws.cell_count)
        elif self.cell is not None:
            if tag == "f":
                self.cell["f"] = []
                self.text = self.cell["f"]
            elif tag == "v":
                self.cell["v"] = []
                self.text = self.cell["v"]
            elif tag == "is":
                self.cell["is"] = []
            elif tag == "rPh":
                self.in_rph += 1
            elif tag == "t" and "is" in self.cell and not self.in_rph:
                self.text = self.cell["is"]

    def end(self, name: str) -> None:
        ns, _, tag = name.rpartition(" ")
        if ns and ns not in MAIN_NAMESPACES:
            return
        if tag == "sheetData":
            self.in_sheetdata = False
        elif tag in ("f", "v", "t"):
            self.text = None
        elif tag == "rPh":
            self.in_rph -= 1
        elif tag == "c" and self.cell is not None:
            self._finish_cell()
            self.cell = None

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _finish_cell(self) -> None:
        cell = self.cell
        assert cell is not None
        r, c = self.row, self.col
        if not (1 <= r <= EXCEL_MAX_ROW and 1 <= c <= EXCEL_MAX_COL):
            raise SheetError("单元格地址超出 Excel 的范围")
        formula = None
        if "f" in cell:
            text = "".join(cell["f"])
            formula = "=" + text if text else "=（共享公式）"
        v = "".join(cell["v"]) if cell["v"] is not None else ""
        inline = "".join(cell["is"]) if "is" in cell else ""
        if v:
            code = TYPE_CODES.get(cell["t"])
            if code is None:
                raise SheetError(f'未知的单元格类型 t="{cell["t"][:12]}"')
            if code == SHARED:
                kind, value = TEXT, self._shared(v)
            else:
                kind, value = typed_text(code, v)
        elif inline:
            kind, value = TEXT, decode_escapes(inline)
        elif formula is not None:
            kind, value = EMPTY, None
        else:
            return
        ws = self.ws
        key = r * KEY + c
        if key <= self.last_key or self.seen is not None:
            if self.seen is None:
                self.seen = seen_keys(ws.cells)
            if key in self.seen:
                ws.repeated.append((r, c))
                return
            self.seen.add(key)
        self.last_key = max(self.last_key, key)
        if formula is not None:
            kind |= FORMULA
        ws.cells.add(r, c, kind, value, cell["s"], formula, self._plan_for_row(r))
        ws.max_col = max(ws.max_col, c)
        ws.max_row = max(ws.max_row, r)

    def _plan_for_row(self, row: int) -> Plan | None:
        plan = self.plan
        return plan if plan is not None and row >= plan.start_row else None

    def _shared(self, v: str) -> str:
        try:
            i = int(v.strip())
        except ValueError:
            raise SheetError("共享字符串索引无效") from None
        if not 0 <= i < len(self.strings):
            raise SheetError("共享字符串索引超出范围")
        return self.strings[i]


def exact(
    source: Iterable[bytes], strings: list[str], plan_for: PlanFor | None, max_cells: int
) -> Worksheet:
    from xml.parsers import expat

    p = _Expat(strings, plan_for, max_cells)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = p.start
    parser.EndElementHandler = p.end
    parser.CharacterDataHandler = p.chars

    def no_dtd(*_: Any) -> None:
        raise SheetError("工作表含有 DTD/实体声明，已拒绝读取")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        for chunk in source:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SheetError(f"工作表 XML 格式错误（{expat.ErrorString(exc.code)}）") from None
    if not p.root_ok:
        raise SheetError("不是工作表（缺少 worksheet 根元素）")
    if p.plan is None and plan_for is not None:
        p.plan = plan_for(p.ws.cells, EXCEL_MAX_ROW + 1)
    check_bounds(p.ws)
    return p.ws
