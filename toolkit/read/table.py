"""Where the table is, from the template's own structure, and everything around it.

The table runs from the row below the header to the row above the form's 合计 row. The
合计 row is the last row (above the signature block) whose label cell says 合计 or 总计;
without one, the signature block ends the table, and without that the template's stamped
row count does. Inside that range every row is a line item, whatever its 项目名称 begins
with and whether its 序号 was cleared; nothing else ends the table. The signature block
is the row where at least two of the form's signature labels (填报人, 联系电话 ...) stand
as labels in cells of their own.

Every value outside the table is kept as a ``Stray`` by region (``toolkit.read.regions``:
above the header, beside the table, in the 合计 row, in the signature block, after a note,
below the table), with exact counts and a bounded number of examples, so a file with
millions of stray cells yields a handful of facts.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

from toolkit import form
from toolkit.read.cellindex import CellIndex, each_index, int_view
from toolkit.read.header import Header, looks_like_line_item
from toolkit.read.labels import (
    INITIALS,
    is_subtotal_label,
    is_total_label,
    may_be_signature,
    signature_label,
)
from toolkit.read.regions import Region, find_regions
from toolkit.xlsx.cells import EMPTY, FORMULA, KIND_MASK, NUMBER, TEXT
from toolkit.xlsx.worksheet import Worksheet


@dataclass
class Column:
    """One form field's cells over the table rows (aligned with ``Table.rows``)."""

    kinds: np.ndarray  # uint8 per row: toolkit.xlsx.cells kinds, EMPTY where no cell
    values: list[Any]
    styles: np.ndarray  # the cell's style index per row (int32, as the sheet gives them)
    formulas: dict[int, str]  # row position -> formula text

    def kind(self, i: int) -> int:
        return int(self.kinds[i]) & KIND_MASK

    def is_formula(self, i: int) -> bool:
        return bool(int(self.kinds[i]) & FORMULA)


@dataclass
class Table:
    rows: list[int]
    columns: dict[str, Column]
    total_row: int | None
    signature_row: int | None
    end: int  # first row after the table
    end_reason: str  # total | signature | stamp | sheet
    subtotal_rows: list[int]
    regions: dict[str, Region]
    signature: dict[str, tuple[str, int, int]]  # label -> (value, row, col)
    units_found: list[tuple[str, int, int]]  # units named by a 填报单位 off the preamble


def locate_table(ws: Worksheet, header: Header, stamp_rows: int | None) -> Table:
    idx = CellIndex.of(ws.cells)
    h = header.row
    amount_col = header.columns.get("amount")
    first = min([*header.columns.values(), *header.extra.keys()])
    label_cols = sorted(
        c for c in header.columns.values() if c < (amount_col or 1 << 30) and c >= first
    )
    items = _item_rows(idx, header, h)
    signature_row, signature = _signature(idx, h, items)
    totals = _total_candidates(idx, label_cols, h, signature_row, items, amount_col)
    subtotals = _subtotal_rows(idx, label_cols, h, items)
    total_row = totals[-1] if totals else None
    if total_row is not None:
        end, reason = total_row, "total"
    elif signature_row is not None:
        end, reason = signature_row, "signature"
    elif stamp_rows:
        end, reason = h + stamp_rows + 1, "stamp"
    else:
        end, reason = max(ws.max_row, h) + 1, "sheet"
    inputs = [
        c for name, c in header.columns.items() if form.FIELD[name].kind not in ("seq", "derived")
    ]
    in_range = (idx.rows > h) & (idx.rows < end)
    data = in_range & idx.in_columns(inputs) & ((idx.kinds != EMPTY) | ((idx.kinds & FORMULA) != 0))
    earlier_totals = set(totals[:-1])
    rows = np.unique(idx.rows[data]).tolist()
    if earlier_totals or subtotals:
        rows = [r for r in rows if r not in earlier_totals and r not in subtotals]
    columns = _columns(idx, header, rows)
    regions, units_found = find_regions(idx, header, h, end, total_row, signature_row, signature)
    return Table(
        rows=rows,
        columns=columns,
        total_row=total_row,
        signature_row=signature_row,
        end=end,
        end_reason=reason,
        subtotal_rows=sorted({*earlier_totals, *subtotals}),
        regions=regions,
        signature=signature,
        units_found=units_found,
    )


def _item_rows(idx: CellIndex, header: Header, h: int) -> set[int]:
    """Rows below the header that are line items whatever their text cells say (合计,
    填报人 ...): a code in the code column, or an amount beside a 项目名称 that is not
    itself a total label. Such a row never ends the table."""
    cells = idx.cells
    rows: set[int] = set()
    code = header.columns.get("code")
    if code is not None:
        rows = set(_line_like_rows(idx, code, h).tolist())
    amount, project = header.columns.get("amount"), header.columns.get("project")
    if amount is not None and project is not None:
        # only rows the code column did not already make line items: their name is asked
        priced = set(_line_like_rows(idx, amount, h).tolist()) - rows
        if priced:
            for i in idx.in_column(project).tolist():
                value = cells.values[i]
                if cells.rows[i] in priced and isinstance(value, str) and value.strip():
                    if not is_total_label(value) and not is_subtotal_label(value):
                        if signature_label(value) is None:
                            rows.add(cells.rows[i])
    return rows


def _line_like_rows(idx: CellIndex, col: int, h: int) -> np.ndarray:
    """Rows below ``h`` whose cell in ``col`` looks like a line item's code or amount (a
    number, or such text: each distinct text asked once), formulas aside."""
    sel = idx.in_column(col)
    sel = sel[(idx.rows[sel] > h) & ((idx.kinds[sel] & FORMULA) == 0)]
    base = idx.kinds[sel] & KIND_MASK
    like = base == NUMBER
    values, picked = idx.cells.values, sel.tolist()
    memo: dict[Any, bool] = {}
    hits = []
    for k in np.flatnonzero(base == TEXT).tolist():
        v = values[picked[k]]
        got = memo.get(v)
        if got is None:
            got = memo[v] = looks_like_line_item(TEXT, v)
        if got:
            hits.append(k)
    like[hits] = True
    return idx.rows[sel[like]]


def _signature(
    idx: CellIndex, h: int, items: set[int]
) -> tuple[int | None, dict[str, tuple[str, int, int]]]:
    """The signature block's row (two or more labels in cells of their own, and no code
    or amount) and what was typed beside each label."""
    cells = idx.cells
    by_row: dict[int, list[tuple[int, str, str]]] = {}
    # a line item's row is never the signature block: only the other rows' text is asked
    line = np.zeros(int(idx.rows.max(initial=0)) + 1, bool)
    line[np.fromiter(items, dtype=np.int64, count=len(items))] = True
    text = np.flatnonzero(((idx.kinds & KIND_MASK) == TEXT) & (idx.rows > h) & ~line[idx.rows])
    for i in each_index(text):
        value = cells.values[i]
        if value[:1] not in INITIALS and not may_be_signature(value):
            continue
        found = signature_label(value)
        if found is not None:
            by_row.setdefault(cells.rows[i], []).append((cells.cols[i], *found))
    rows = [r for r, labels in by_row.items() if len({label for _, label, _ in labels}) >= 2]
    if not rows:
        return None, {}
    row = min(rows)
    typed: dict[str, tuple[str, int, int]] = {}
    for col, label, after in by_row[row]:
        if after:
            typed[label] = (after, row, col)
            continue
        right = np.flatnonzero((idx.rows == row) & (idx.cols == col + 1))
        if len(right):
            i = int(right[0])
            value = cells.values[i]
            if value is not None and signature_label(value) is None:
                typed[label] = (str(value).strip(), row, col + 1)
    return row, typed


def _total_candidates(
    idx: CellIndex,
    label_cols: list[int],
    h: int,
    signature_row: int | None,
    items: set[int],
    amount_col: int | None,
) -> list[int]:
    cells = idx.cells
    values = cells.values
    rows = set()
    first = set()  # the label stands in the first column, where the template writes 合计
    for c in label_cols:
        labelled = [
            i for i in idx.in_column(c).tolist() if (v := values[i]).__class__ is str and "计" in v
        ]
        for i in labelled:
            value = values[i]
            if is_total_label(value):
                r = cells.rows[i]
                if r > h and (signature_row is None or r < signature_row):
                    rows.add(r)
                    if c == label_cols[0]:
                        first.add(r)
    # a row with a code or an amount beside a name is a line item, unless it is the
    # template's 合计 (its label in the first column, or its amount the sum formula): a
    # 合计 row a clerk typed a code into is still the 合计
    summed = set()
    if amount_col is not None:
        summed = {
            cells.rows[i] for i in idx.in_column(amount_col).tolist() if cells.kinds[i] & FORMULA
        }
    return sorted(r for r in rows if r not in items or r in summed or r in first)


def _subtotal_rows(idx: CellIndex, label_cols: list[int], h: int, items: set[int]) -> set[int]:
    cells = idx.cells
    found = set()
    for c in label_cols[:1]:
        for i in idx.in_column(c).tolist():
            r = cells.rows[i]
            if r > h and r not in items and is_subtotal_label(cells.values[i]):
                found.add(cells.rows[i])
    return found


def _columns(idx: CellIndex, header: Header, rows: list[int]) -> dict[str, Column]:
    cells = idx.cells
    table_rows = np.array(rows, dtype=np.int64)
    n = len(rows)
    styles_all = int_view(cells.styles)
    got = cells.formulas
    formula_cells = np.fromiter(got, dtype=np.int64, count=len(got))
    out: dict[str, Column] = {}
    for name, c in header.columns.items():
        sel = idx.in_column(c)
        pos = np.searchsorted(table_rows, idx.rows[sel])
        pos = np.minimum(pos, max(n - 1, 0))
        hit = (table_rows[pos] == idx.rows[sel]) if n else np.zeros(len(sel), bool)
        sel, pos = sel[hit], pos[hit]
        kinds = np.zeros(n, dtype=np.uint8)
        kinds[pos] = idx.kinds[sel]
        styles = np.zeros(n, dtype=styles_all.dtype)  # int32 (a 200,000-row table: 15 columns)
        styles[pos] = styles_all[sel]
        picked = _pick(cells.values, sel.tolist())
        if len(sel) == n and np.array_equal(pos, np.arange(n)):  # a cell in every row
            values = picked
        else:
            values = [None] * n
            for k, v in zip(pos.tolist(), picked, strict=True):
                values[k] = v
        out[name] = Column(kinds, values, styles, _formulas(got, formula_cells, idx, c, sel, pos))
    return out


def _pick(values: list[Any], indices: list[int]) -> list[Any]:
    if len(indices) > 1:
        return list(itemgetter(*indices)(values))
    return [values[i] for i in indices]


def _formulas(
    got: dict[int, str],
    formula_cells: np.ndarray,
    idx: CellIndex,
    c: int,
    sel: np.ndarray,
    pos: np.ndarray,
) -> dict[int, str]:
    """Row position -> formula text of the column's table cells holding one."""
    mine = formula_cells[idx.cols[formula_cells] == c] if len(formula_cells) else formula_cells
    if not len(mine) or not len(sel):
        return {}
    at = np.minimum(np.searchsorted(sel, mine), len(sel) - 1)
    ok = sel[at] == mine
    return {k: got[i] for i, k in zip(mine[ok].tolist(), pos[at[ok]].tolist(), strict=True)}
