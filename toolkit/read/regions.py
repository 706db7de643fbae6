"""Every value outside the form's own cells, by region (above the header, beside the
table, in the 合计 row, in the signature block, after a note, below the table), with exact
counts and a bounded number of examples, and the 填报单位 values found on the sheet."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from toolkit import form
from toolkit.read.cellindex import CellIndex, in_sheet_order
from toolkit.read.header import Header, looks_like_line_item
from toolkit.read.labels import is_total_label, signature_label
from toolkit.text import squash
from toolkit.xlsx.cells import EMPTY, FORMULA, KIND_MASK, Cells

EXAMPLES_PER_REGION = 20
REGIONS = {
    "above": "表头上方",
    "beside": "表格右侧",
    "total": "合计行",
    "signature": "签名栏",
    "note": "说明文字之后",
    "below": "表格下方",
}


@dataclass
class Stray:
    region: str
    row: int
    col: int
    kind: int
    value: Any
    line_like: bool


@dataclass
class Region:
    """Values found in one region outside the table: counts and the first examples."""

    name: str
    cells: int = 0
    line_like: int = 0
    examples: list[Stray] = field(default_factory=list)
    line_rows: list[int] = field(default_factory=list)  # rows with an amount or a code (bounded)

    def add(self, stray: Stray) -> None:
        self.cells += 1
        self.line_like += stray.line_like
        if len(self.examples) < EXAMPLES_PER_REGION or (
            stray.line_like and sum(e.line_like for e in self.examples) < EXAMPLES_PER_REGION
        ):
            self.examples.append(stray)


@dataclass(frozen=True)
class _Places:
    """Which region a cell outside the table's own cells lies in (None: a cell of the form
    itself: the table, the 合计 label and amount, the signature labels and their cells)."""

    form_cols: frozenset[int]
    amount_col: int | None
    header_row: int
    end: int  # the first row after the table's input rows
    total_row: int | None
    signature_row: int | None
    signature_cells: frozenset[tuple[int, int]]
    note_from: int | None  # the first row of the notes below the form, if any

    def region_of(self, r: int, c: int, value: Any) -> str | None:
        if r <= self.header_row:
            return "above"
        if r < self.end:
            return None if c in self.form_cols else "beside"
        if r == self.total_row:
            if c == self.amount_col or (c in self.form_cols and is_total_label(value)):
                return None
            return "total"
        if r == self.signature_row:
            if signature_label(value) is not None or (r, c) in self.signature_cells:
                return None
            return "signature"
        if self.note_from is not None and r >= self.note_from:
            return "note"
        return "below"


def find_regions(
    idx: CellIndex,
    header: Header,
    h: int,
    end: int,
    total_row: int | None,
    signature_row: int | None,
    signature: dict[str, tuple[str, int, int]],
) -> tuple[dict[str, Region], list[tuple[str, int, int]]]:
    """Every value outside the form's own cells, by region, and the 填报单位 values found."""
    first_in_row: dict[int, int] = {}  # of the rows below the table (where notes are)
    for i in in_sheet_order(idx, np.flatnonzero(idx.rows >= end)):
        first_in_row.setdefault(idx.cells.rows[i], i)
    places = _Places(
        form_cols=frozenset(header.columns.values())
        | {second for _, _, second in header.duplicates},
        amount_col=header.columns.get("amount"),
        header_row=h,
        end=end,
        total_row=total_row,
        signature_row=signature_row,
        signature_cells=frozenset((signature_row, c) for _, (_, _, c) in signature.items()),
        note_from=_note_start(idx, end, {total_row, signature_row}, first_in_row),
    )
    regions = {name: Region(name) for name in REGIONS}
    units: list[tuple[str, int, int]] = []
    _place_cells(idx, places, first_in_row, regions, units)
    _place_strays(idx.cells, places, regions, units)
    return regions, _unit_values(units, idx)


def _note_start(
    idx: CellIndex, end: int, form_rows: set[int | None], first_in_row: dict[int, int]
) -> int | None:
    """The first row below the table (not the 合计 or signature row) whose first value
    opens a note (注：, 说明 ...): everything from there down is the form's notes."""
    cells = idx.cells
    below = {int(r) for r in idx.rows[idx.rows >= end].tolist()}
    for r in sorted(below | {r for r in cells.strays if r >= end}):
        if r in form_rows:
            continue
        i = first_in_row.get(r)
        if i is not None and isinstance(cells.values[i], str):
            if squash(cells.values[i]).startswith(form.NOTE_PREFIXES):
                return r
    return None


def _place_cells(
    idx: CellIndex,
    places: _Places,
    first_in_row: dict[int, int],
    regions: dict[str, Region],
    units: list[tuple[str, int, int]],
) -> None:
    """The kept cells outside the table's input cells, each into its region."""
    cells = idx.cells
    outside = (idx.rows <= places.header_row) | (idx.rows >= places.end)
    outside |= ~idx.in_columns(places.form_cols)
    for i in in_sheet_order(idx, np.flatnonzero(outside)):
        r, c = cells.rows[i], cells.cols[i]
        value = cells.values[i]
        kind = cells.kinds[i]
        if kind & KIND_MASK == EMPTY and not kind & FORMULA:
            continue
        if r > places.header_row and _is_unit_label(value):
            units.append((value, r, c))
        name = places.region_of(r, c, value)
        if name is None:
            continue
        if name == "note" and r == places.note_from and i == first_in_row.get(r):
            continue  # the note itself
        if name == "above" and not looks_like_line_item(kind, value):
            continue  # the title, the unit line, notes above the header
        regions[name].add(Stray(name, r, c, kind, value, looks_like_line_item(kind, value)))


def _place_strays(
    cells: Cells, places: _Places, regions: dict[str, Region], units: list[tuple[str, int, int]]
) -> None:
    """The cells the reader did not keep (counted per row, a few examples each)."""
    for r, rec in sorted(cells.strays.items()):
        name = places.region_of(r, 1 << 20, None) if r >= places.header_row else "above"
        if name is None:
            name = "beside"
        counted = 0
        for c, kind, value in rec.examples:
            if _is_unit_label(value):
                units.append((value, r, c))
            regions[name].add(Stray(name, r, c, kind, value, looks_like_line_item(kind, value)))
            counted += 1
        rest = rec.count - counted
        if rest > 0:
            region = regions[name]
            region.cells += rest
            region.line_like += max(
                0, rec.line_like - sum(looks_like_line_item(k, v) for _, k, v in rec.examples)
            )


def _is_unit_label(value: Any) -> bool:
    return isinstance(value, str) and squash(value).startswith(form.UNIT_LABEL)


def _unit_values(labels: list[tuple[str, int, int]], idx: CellIndex) -> list[tuple[str, int, int]]:
    """(unit, row, column) for each 填报单位 found: after its colon, or in the first cell
    with a value to its right (kept or stray), as the form itself states it."""
    cells = idx.cells
    out = []
    for text, r, c in labels:
        rest = squash(text)[len(form.UNIT_LABEL) :].lstrip(":：")
        if rest:
            out.append((rest, r, c))
            continue
        right = [
            (cells.cols[i], cells.values[i])
            for i in np.flatnonzero((idx.rows == r) & (idx.cols > c)).tolist()
        ]
        if r in cells.strays:
            right += [(col, v) for col, _, v in cells.strays[r].examples]
        for col, value in sorted(right, key=lambda t: t[0])[:4]:
            if isinstance(value, str) and value.strip():
                out.append((value.strip(), r, col))
                break
    return out
