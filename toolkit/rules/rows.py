"""One ``Rows`` per file -> the ``ROW_COLUMNS`` DataFrame that the roll-up and the reports read."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from toolkit.rules.result import ROW_COLUMNS, Rows


def rows_frame(parts: Sequence[Rows]) -> Any:
    """The files' rows, in order -> DataFrame (amount_fen Int64, row int64, year Int64,
    flags bool), built a column at a time."""
    import pandas as pd

    if sum(len(p) for p in parts):
        data = {c: list(chain.from_iterable(p.column(c) for p in parts)) for c in ROW_COLUMNS}
        frame = pd.DataFrame(data, columns=list(ROW_COLUMNS))
    else:  # the columns' dtypes as the records of no rows give them (object, not float)
        frame = pd.DataFrame.from_records([], columns=list(ROW_COLUMNS))
    frame["amount_fen"] = frame["amount_fen"].astype("Int64")
    frame["row"] = frame["row"].astype("int64")
    frame["year"] = frame["year"].astype("Int64")
    frame["accepted"] = frame["accepted"].astype(bool)
    frame["hidden"] = frame["hidden"].astype(bool)
    frame["amount_read"] = frame["amount_read"].astype(object)
    return frame
