"""A worksheet's cells as columns, and the plan that decides what is kept of them.

Both parsers of ``toolkit.xlsx.sheet`` (the fast one for the shape every office client
writes, and the exact XML parser for anything else) fill the same ``Cells``. A cell is
kept in document order as its row, column, kind, value, style and, when it holds a
formula, the formula's text. Empty cells (a style and nothing else) are not kept.

A submission can be 200,000 rows long, or carry millions of stray cells, so what is kept
follows a ``Plan`` once the reader knows the table's columns: table columns are kept
whole, the template's derived columns keep only the fact that a formula is there, and
every other column is summarised per row (a count and a few examples), never stored.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

# -- kinds ------------------------------------------------------------------------------
EMPTY = 0  # a formula without a cached value
NUMBER = 1  # value: the number's text exactly as stored (never through a float)
TEXT = 2  # value: str (shared, inline or a formula's string result)
BOOL = 3  # value: bool
ERROR = 4  # value: the error text, e.g. "#DIV/0!"
DATE = 5  # t="d": an ISO 8601 date as text
FORMULA = 8  # flag added to the kind: the cell holds a formula; the kind is its cached value
KIND_MASK = 7

KIND_NAMES = {EMPTY: "empty", NUMBER: "number", TEXT: "text", BOOL: "bool", ERROR: "error"}
KIND_NAMES[DATE] = "date"

# -- what a plan does with a column ------------------------------------------------------
KEEP = 0  # value, kind, style and formula text
FLAG = 1  # the template's derived columns: a formula cell keeps only that it is a formula
STRAY = 2  # not kept: counted per row with a few examples

EXAMPLES_PER_ROW = 3


class Plan(Protocol):
    """What to keep of each column once the table's columns are known (from ``start_row``
    on; cells above it are kept whole)."""

    start_row: int

    def policy(self, column: int) -> int: ...

    def line_like(self, kind: int, value: Any) -> bool: ...


@dataclass
class StrayRow:
    """Cells of one row outside the kept columns: how many, how many look like a line
    item (an amount or a code), and the first few as (column, kind, value)."""

    count: int = 0
    line_like: int = 0
    examples: list[tuple[int, int, Any]] = field(default_factory=list)


@dataclass
class Cells:
    """Columnar cells in document order; ``formulas`` maps a cell's index to its text."""

    rows: array = field(default_factory=lambda: array("i"))
    cols: array = field(default_factory=lambda: array("i"))
    kinds: bytearray = field(default_factory=bytearray)
    values: list[Any] = field(default_factory=list)
    styles: array = field(default_factory=lambda: array("i"))
    formulas: dict[int, str] = field(default_factory=dict)
    strays: dict[int, StrayRow] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def add(
        self,
        row: int,
        col: int,
        kind: int,
        value: Any,
        style: int,
        formula: str | None,
        plan: Plan | None,
    ) -> None:
        """Keep one non-empty cell as ``plan`` says (the exact parser's path; the fast
        parser does the same inline)."""
        policy = KEEP if plan is None else plan.policy(col)
        if policy == STRAY:
            self.stray(row, col, kind, value, plan)
            return
        self.rows.append(row)
        self.cols.append(col)
        self.styles.append(style)
        if policy == FLAG and formula is not None:
            self.kinds.append(FORMULA)
            self.values.append(None)
            return
        self.kinds.append(kind)
        self.values.append(value)
        if formula is not None:
            self.formulas[len(self.rows) - 1] = formula

    def only_column(self, col: int) -> Cells:
        """The cells of one column, in document order, their formulas re-indexed (the
        strays as they are): what the 合计 reads once the rest of a long sheet is let go."""
        keep = np.flatnonzero(np.frombuffer(self.cols, dtype=np.intc) == col)
        held = np.fromiter(self.formulas, dtype=np.int64, count=len(self.formulas))
        at = np.searchsorted(keep, held)
        mine = at < len(keep)
        mine[mine] = keep[at[mine]] == held[mine]
        return Cells(
            rows=array("i", np.frombuffer(self.rows, dtype=np.intc)[keep].tobytes()),
            cols=array("i", np.frombuffer(self.cols, dtype=np.intc)[keep].tobytes()),
            kinds=bytearray(np.frombuffer(self.kinds, dtype=np.uint8)[keep].tobytes()),
            values=[self.values[i] for i in keep.tolist()],
            styles=array("i", np.frombuffer(self.styles, dtype=np.intc)[keep].tobytes()),
            formulas={
                new: self.formulas[old]
                for old, new in zip(held[mine].tolist(), at[mine].tolist(), strict=True)
            },
            strays=self.strays,
        )

    def stray(self, row: int, col: int, kind: int, value: Any, plan: Plan | None) -> None:
        rec = self.strays.get(row)
        if rec is None:
            rec = self.strays[row] = StrayRow()
        rec.count += 1
        if plan is not None and plan.line_like(kind, value):
            rec.line_like += 1
        if len(rec.examples) < EXAMPLES_PER_ROW:
            rec.examples.append((col, kind, value))
