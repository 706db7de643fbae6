"""The units of a roll-up as the checker compares them: a file's 填报单位 squashed (NFKC,
no spaces) or ``NO_UNIT``, and the units received in the order of the expected list."""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from toolkit.form import ZHENGZHOU_UNITS
from toolkit.text import squash

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.rules.result import CheckResult
    from toolkit.totals.sums import BatchSums

# Shown where a file names no 填报单位 (or could not be read far enough to find one).
NO_UNIT = "（未填写单位）"


def is_missing(value: Any) -> bool:
    """None, NaN or pandas NA: an empty cell, whatever dtype the column got (pandas is
    not imported for this: an NA can only exist once it has been)."""
    pd = sys.modules.get("pandas")
    return (
        value is None
        or (isinstance(value, float) and value != value)
        or (pd is not None and value is pd.NA)
    )


def unit_label(unit: Any) -> str:
    """A unit name as the checker compares it (NFKC, no spaces), or ``NO_UNIT``."""
    return NO_UNIT if is_missing(unit) else _squashed_unit(str(unit))


@functools.lru_cache(maxsize=4096)
def _squashed_unit(name: str) -> str:
    # Cached: a batch has a few dozen unit names over up to hundreds of thousands of rows.
    return squash(name) or NO_UNIT


def expected_units(units: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(squash(u) for u in (ZHENGZHOU_UNITS if units is None else units))


def received_units(result: CheckResult, sums: BatchSums, expected: tuple[str, ...]) -> list[str]:
    """Units with a counted file or an accepted row, in the order of the expected list.

    Units outside the list follow in name order; rows with no unit come last.
    """
    seen = {unit_label(f.unit) for f in result.files if f.counts and f.status != "unreadable"}
    seen |= set(sums.by_unit)
    ordered = [u for u in expected if u in seen]
    extra = sorted(u for u in seen if u not in expected and u != NO_UNIT)
    return ordered + extra + ([NO_UNIT] if NO_UNIT in seen else [])
