"""The kept cells of a sheet as numpy columns, for the reader's and the rules' lookups:
which cells stand in a column or a row, in sheet order, a chunk of indices at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from toolkit.xlsx.cells import Cells
from toolkit.xlsx.worksheet import Worksheet


@dataclass
class CellIndex:
    """The kept cells' rows, columns and kinds as numpy arrays (views where they can be)."""

    rows: np.ndarray
    cols: np.ndarray
    kinds: np.ndarray
    cells: Cells

    @classmethod
    def of(cls, cells: Cells) -> CellIndex:
        """Views of the cells' own arrays where they allow it (a 200,000-row sheet's
        columns are not copied)."""
        return cls(
            int_view(cells.rows),
            int_view(cells.cols),
            np.frombuffer(cells.kinds, dtype=np.uint8),
            cells,
        )

    def in_column(self, c: int) -> np.ndarray:
        return np.flatnonzero(self.cols == c)

    def in_columns(self, columns: Iterable[int]) -> np.ndarray:
        """A mask of the cells in any of a few columns (``np.isin`` would sort the sheet)."""
        mask = np.zeros(len(self.cols), bool)
        for c in set(columns):
            mask |= self.cols == c
        return mask


def int_view(values: Any) -> np.ndarray:
    """An ``array('i')`` as a numpy view (a copy for any other item size)."""
    if getattr(values, "itemsize", 0) == 4 and len(values):
        return np.frombuffer(values, dtype=np.int32)
    return np.array(values, dtype=np.int64)


def each_index(indices: np.ndarray, chunk: int = 1 << 16) -> Iterator[int]:
    """The indices as Python ints, a chunk at a time (a sheet's millions of text cells
    never become one list of ints)."""
    for start in range(0, len(indices), chunk):
        yield from indices[start : start + chunk].tolist()


def column_cells(ws: Worksheet, col: int) -> np.ndarray:
    """Indices of the kept cells in one column, in row order."""
    return np.flatnonzero(int_view(ws.cells.cols) == col)


def row_cells(ws: Worksheet, row: int) -> np.ndarray:
    """Indices of the kept cells in one row, in column order."""
    return np.flatnonzero(int_view(ws.cells.rows) == row)


def in_sheet_order(idx: CellIndex, some: np.ndarray) -> list[int]:
    """Some of the cells' indices, by row then column (a stable sort: a repeated
    reference keeps its document order); only these are sorted, not the whole sheet."""
    return some[np.lexsort((idx.cols[some], idx.rows[some]))].tolist()
