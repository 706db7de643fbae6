"""Find the form's header row while a sheet streams by, and say what to keep after it.

A row is the header when it carries 目录编码 or 预算金额 and at least three of the
form's labels (``toolkit.form.FIELDS``). Labels are compared as a clerk may have typed
them: NFKC, no spaces, without ``*`` or （必填）, bracketed parts aside, so 目录编码（旧）
is the same label as 目录编码 and two such columns are ambiguous, never silently one.

Once the header is known, the sheet parser keeps the form's columns whole for every row
below it, keeps only the fact of a formula in the derived columns (一级/二级目录), and
summarises every other column per row: the table, 200,000 rows or not, is all that is
held in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from toolkit import form
from toolkit.text import label_key, squash
from toolkit.xlsx.cells import FLAG, KEEP, KIND_MASK, NUMBER, STRAY, TEXT, Cells

HEADER_SEARCH_ROWS = 200  # rows inserted above the table: the header is looked for this far
CODE_LIKE = re.compile(r"^\s*[0-9０-９]{3}[A-Za-zＡ-Ｚａ-ｚ]([0-9０-９]{2})*(\s|$)")
_NUMBER_TEXT = re.compile(r"^\s*[¥￥]?\s*[-+]?[0-9０-９][0-9０-９,，.．]*\s*(元|万元)?\s*$")


@dataclass
class Header:
    """The header row: field -> column, the other labelled columns, and ambiguities."""

    row: int
    columns: dict[str, int]
    extra: dict[int, str]  # column -> label of a column the form does not have
    labels: dict[int, str]  # column -> the header cell's text as typed
    amount_unit: str  # the unit in the amount header's brackets ("" when none)
    duplicates: list[tuple[str, int, int]] = field(default_factory=list)  # field, col, col


def header_field(text: Any) -> tuple[str | None, str]:
    """(field, bracketed part) a header cell names, e.g. ("amount", "万元")."""
    key, inner = label_key(text)
    if not key:
        return None, ""
    if key.startswith(form.COL_AMOUNT):
        return "amount", key[len(form.COL_AMOUNT) :] + inner
    f = form.FIELD_BY_LABEL.get(key)
    return (f.name, inner) if f is not None else (None, inner)


def match_header(row: int, cells: dict[int, Any]) -> Header | None:
    """The header, if ``cells`` (column -> text) of one row are one."""
    columns: dict[str, int] = {}
    extra: dict[int, str] = {}
    labels: dict[int, str] = {}
    duplicates: list[tuple[str, int, int]] = []
    unit = ""
    for c in sorted(cells):
        text = cells[c]
        name, inner = header_field(text)
        if name is None:
            if isinstance(text, str) and text.strip():
                extra[c] = text.strip()
                labels[c] = text
            continue
        labels[c] = text
        if name in columns:
            duplicates.append((name, columns[name], c))
            continue
        columns[name] = c
        if name == "amount":
            unit = inner
    if len(columns) >= 3 and ("code" in columns or "amount" in columns):
        return Header(row, columns, extra, labels, unit, duplicates)
    return None


class TablePlan:
    """What the sheet parser keeps below the header (see the module docstring)."""

    def __init__(self, header: Header) -> None:
        self.header = header
        self.start_row = header.row + 1
        self._policy = {
            c: FLAG if name in form.DERIVED_FIELDS else KEEP for name, c in header.columns.items()
        }
        for _name, _first, second in header.duplicates:
            self._policy[second] = KEEP  # an ambiguous column is read, to say what it holds

    def policy(self, column: int) -> int:
        return self._policy.get(column, STRAY)

    def line_like(self, kind: int, value: Any) -> bool:
        return looks_like_line_item(kind, value)


class NoTablePlan:
    """A sheet without the header in its first rows: count the rest, keep nothing."""

    start_row = HEADER_SEARCH_ROWS + 1

    def policy(self, column: int) -> int:
        return STRAY

    def line_like(self, kind: int, value: Any) -> bool:
        return looks_like_line_item(kind, value)


def looks_like_line_item(kind: int, value: Any) -> bool:
    """A stray value that could be a budget line's amount or code."""
    kind &= KIND_MASK
    if kind == NUMBER:
        return True
    if kind == TEXT and isinstance(value, str):
        return bool(CODE_LIKE.match(value) or _NUMBER_TEXT.match(value))
    return False


class HeaderFinder:
    """``plan_for`` for the sheet parser: looks at each row as it completes, returns a
    ``TablePlan`` at the header, or a ``NoTablePlan`` once the search rows are past."""

    def __init__(self) -> None:
        self.header: Header | None = None
        self.scanned = 0
        self.pending: dict[int, dict[int, Any]] = {}
        self.tested = 0  # rows up to here were tested

    def __call__(self, cells: Cells, whole_below: int) -> Any:
        rows, cols, kinds, values = cells.rows, cells.cols, cells.kinds, cells.values
        for i in range(self.scanned, len(rows)):
            if kinds[i] & KIND_MASK == TEXT:
                self.pending.setdefault(rows[i], {})[cols[i]] = values[i]
        self.scanned = len(rows)
        return self._test(whole_below)

    def _test(self, last: int) -> Any:
        for r in sorted(k for k in self.pending if self.tested < k < last):
            if r > HEADER_SEARCH_ROWS:
                break
            self.tested = r
            found = match_header(r, self.pending[r])
            if found is not None:
                self.header = found
                self.pending.clear()
                return TablePlan(found)
        if last > HEADER_SEARCH_ROWS + 1:
            self.pending.clear()
            return NoTablePlan()
        return None


def sheet_label(name: str) -> str:
    """A sheet name as compared with 预算表 (spaces and full-width characters aside)."""
    return squash(name)


def find_header(grid: list[list[Any]]) -> Header | None:
    """The header among the first rows of a grid of values (row 1 first), or None."""
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS], start=1):
        found = match_header(r, {c: v for c, v in enumerate(row, start=1) if isinstance(v, str)})
        if found is not None:
            return found
    return None
