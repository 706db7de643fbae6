"""Row tuples -> the ``ROW_COLUMNS`` DataFrame that the roll-up and the reports read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from toolkit.rules.result import ROW_COLUMNS


def rows_frame(rows: Iterable[tuple[Any, ...]]) -> Any:
    """Row tuples -> DataFrame (amount_fen Int64, row int64, year Int64, flags bool)."""
    import pandas as pd

    frame = pd.DataFrame.from_records(list(rows), columns=list(ROW_COLUMNS))
    frame["amount_fen"] = frame["amount_fen"].astype("Int64")
    frame["row"] = frame["row"].astype("int64")
    frame["year"] = frame["year"].astype("Int64")
    frame["accepted"] = frame["accepted"].astype(bool)
    frame["hidden"] = frame["hidden"].astype(bool)
    frame["amount_read"] = frame["amount_read"].astype(object)
    return frame
