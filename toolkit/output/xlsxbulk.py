"""An xlsxwriter worksheet that writes one large block of rows straight as XML.

The report's 明细 sheet holds every accepted row: 150,000 rows by 20 columns is three
million cells. xlsxwriter's per-cell path (argument conversion, a tuple per cell kept in
a dict until ``close``, then every attribute escaped one at a time) was most of
``rollup -o``. ``BulkSheet`` is an ordinary xlsxwriter ``Worksheet`` (header, widths,
freeze panes, filters and print setup go through the usual calls) that also takes one
block of rows below everything else, and writes it at assembly in the same markup
xlsxwriter writes for the same cells: shared strings, the same number text
(``%.16G``), the same style indices, the same 32,767-unit string limit.

It leans on three xlsxwriter internals that have been stable since 1.x: the
``_write_rows`` hook that writes ``<sheetData>``'s rows, the workbook's shared-string
table (``str_table``), and ``Format._get_xf_index``. ``tests/output/test_xlsxbulk.py``
writes random blocks both ways and compares the packages' sheet XML, so an upgrade
that moves these fails there first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

NUMBER, STRING, BLANK = "n", "s", "b"
Typed = tuple[str, Any, Any]  # (kind, payload, format): what a cell is written as
STRING_LIMIT = 32767  # an xlsx cell holds at most this many UTF-16 code units
CHUNK = 512  # rows joined per write to the part


def utf16_cut(text: str, limit: int = STRING_LIMIT) -> str:
    """``text`` cut to at most ``limit`` UTF-16 code units, never inside a surrogate pair."""
    if len(text) <= limit // 2:
        return text
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return text[:i]
    return text


class BulkSheet(Worksheet):  # type: ignore[misc]
    """A worksheet with one block of typed rows below its ordinary cells."""

    def __init__(self) -> None:
        super().__init__()
        self._top: int | None = None
        self._left = 0
        # The block, encoded: per row its layout (each cell's kind and format, interned:
        # most rows share one) and the payloads of its written cells (string indices,
        # numbers). The caller's rows are not kept.
        self._rows: list[tuple[tuple[tuple[str, Any], ...], list[Any]]] = []

    def write_block(
        self, top: int, left: int, rows: Sequence[Sequence[Any]], typed: Callable[[Any], Typed]
    ) -> None:
        """Rows of values from (``top``, ``left``), 0-based; ``typed`` says how each cell
        is written. Ordinary cells must all lie above ``top``."""
        if self._top is not None:
            raise ValueError("a BulkSheet takes one block of rows")
        if not rows:
            return
        width = max(len(row) for row in rows)
        corner = (top + len(rows) - 1, left + max(width - 1, 0))
        if any(self._check_dimensions(r, c, True, True) for r, c in ((top, left), corner)):
            raise ValueError(f"block of {len(rows)}×{width} at row {top} is outside the sheet")
        index = self.str_table._get_shared_string_index  # the table is sorted at close
        known, half = self.str_table.string_table, STRING_LIMIT // 2
        layouts: dict[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]] = {}
        repeats = 0  # strings already in the table: counted once, after the loop
        encoded = []
        for row in rows:
            layout, payloads = [], []
            for value in row:
                kind, payload, fmt = typed(value)
                if kind is STRING:
                    i = known.get(payload) if len(payload) <= half else None
                    if i is None:
                        i = index(utf16_cut(payload))
                    else:
                        repeats += 1
                    payloads.append(i)
                elif kind is NUMBER:
                    payloads.append(_number(payload))
                elif fmt is None:  # as xlsxwriter: a blank cell without a format is not written
                    kind = ""
                layout.append((kind, fmt))
            key = tuple(layout)
            encoded.append((layouts.setdefault(key, key), payloads))
        self.str_table.count += repeats
        self._top, self._left, self._rows = top, left, encoded
        self._extend_dimensions(layouts)

    def _extend_dimensions(self, layouts: dict[Any, tuple[tuple[str, Any], ...]]) -> None:
        """The sheet's dimensions grow by the written cells only, as xlsxwriter's do."""
        assert self._top is not None
        spans = {}
        for layout in layouts.values():
            written = [c for c, (kind, _) in enumerate(layout) if kind]
            if written:
                spans[id(layout)] = (written[0], written[-1])
        rows = [i for i, (layout, _) in enumerate(self._rows) if id(layout) in spans]
        if not rows:
            return
        first = min(spans.values())[0]
        last = max(span[1] for span in spans.values())
        self._check_dimensions(self._top + rows[0], self._left + first)
        self._check_dimensions(self._top + rows[-1], self._left + last)

    def _write_rows(self) -> None:
        if self._top is None:
            super()._write_rows()
            return
        plain = [r for r in (*self.table, *self.row_info, *self.comments) if self._has(r)]
        if plain and max(plain) >= self._top:
            raise ValueError(f"ordinary cells at row {max(plain) + 1} overlap the block")
        if plain:
            saved = self.dim_rowmax
            self.dim_rowmax = max(plain)
            try:
                super()._write_rows()
            finally:
                self.dim_rowmax = saved
        self._write_block()

    def _has(self, row: int) -> bool:
        return bool(self.table.get(row)) or row in self.row_info or row in self.comments

    def _write_block(self) -> None:
        assert self._top is not None
        templates: dict[int, str] = {}
        out: list[str] = []
        for number, (layout, payloads) in enumerate(self._rows, start=self._top + 1):
            template = templates.get(id(layout))
            if template is None:
                template = templates[id(layout)] = self._template(layout)
            out.append(template.format(number, *payloads))
            if len(out) == CHUNK:
                self.fh.write("".join(out))
                out.clear()
        self.fh.write("".join(out))

    def _template(self, layout: tuple[tuple[str, Any], ...]) -> str:
        """One row's markup as a ``str.format`` template: ``{0}`` the row number, then
        one field per written cell, in the markup xlsxwriter's ``_write_cell`` writes."""
        if not any(kind for kind, _ in layout):
            return ""  # a row with no written cell is left out, as xlsxwriter leaves it
        parts, field = ['<row r="{0}">'], 1
        for c, (kind, fmt) in enumerate(layout, start=self._left):
            if not kind:
                continue
            head = f'<c r="{xl_col_to_name(c)}{{0}}"'
            style = "" if fmt is None else f' s="{fmt._get_xf_index()}"'
            if kind is STRING:
                parts.append(f'{head}{style} t="s"><v>{{{field}}}</v></c>')
            elif kind is NUMBER:
                parts.append(f"{head}{style}><v>{{{field}:.16G}}</v></c>")
            else:
                parts.append(f"{head}{style}/>")
            field += kind is not BLANK
        parts.append("</row>")
        return "".join(parts)


def _number(value: Any) -> Any:
    if not math.isfinite(value):  # as xlsxwriter's write_number without nan_inf_to_errors
        raise TypeError("NAN/INF not supported in write_number()")
    return float(value) if isinstance(value, Fraction) else value
