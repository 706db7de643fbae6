"""Money is integer fen from the moment a cell is read; these are its only conversions.

Sums never wrap (numpy's int64 does, silently), and 元 appear only at the output edge:
as a decimal string for JSON and CSV, with thousands separators for people, or as an
exact ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

INT64_MAX = 2**63 - 1


def fen_text(fen: int) -> str:
    """Integer fen -> ``"1234.50"`` (JSON, CSV, messages for machines)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"


def fen_display(fen: int) -> str:
    """Integer fen -> ``"1,234.50"`` (text for people)."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


def fen_to_yuan(fen: int) -> Decimal:
    """Exact 元 from integer fen: ``12345 -> Decimal('123.45')`` (never via float)."""
    return Decimal(int(fen)).scaleb(-2)


def int64_safe(values: pd.Series) -> bool:
    """Whether an int64 sum of ``values`` cannot wrap (numpy overflows silently)."""
    return values.empty or int(values.abs().max()) * len(values) <= INT64_MAX


def fen_sum(amounts: pd.Series) -> int:
    """Exact sum of a fen column (missing amounts count as nothing).

    numpy's int64 sums wrap silently; when the largest amount times the count could pass
    2**63 the sum is taken in Python ints instead.
    """
    values = amounts.dropna()
    if values.empty:
        return 0
    values = values.astype("int64")
    if int64_safe(values):
        return int(values.sum())
    return sum(int(v) for v in values)


def yuan_text(amount: Decimal) -> str:
    """Exact 元 as a decimal string with at least two places: ``Decimal('128000.456')``
    -> ``"128000.456"``, ``Decimal('5')`` -> ``"5.00"`` (rejected amounts keep every digit)."""
    d = amount.normalize() if amount == amount.to_integral_value() else amount
    text = format(d, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(2, '0')}"


def yuan_display(amount: Decimal) -> str:
    """``yuan_text`` with thousands separators, for people."""
    text = yuan_text(amount)
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}.{frac}"
