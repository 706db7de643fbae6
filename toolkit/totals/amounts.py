"""How much was read, accepted and rejected, per file and in all, never netted out.

Accepted money is integer fen. Rejected money is kept as read (``amount_read``: exact
元, any precision, a formula's shown result included), because finance must see how much
is waiting on corrections: the gross, and the positive and negative amounts separately,
with the rows whose amount could not be read at all counted apart. For every file and
for the batch: read = accepted + rejected positive + rejected negative.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from toolkit.money import fen_to_yuan

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.rules.result import CheckResult, FileResult, Rows

ZERO = Decimal(0)


@dataclass
class Amounts:
    rows: int = 0
    accepted_rows: int = 0
    unreadable_rows: int = 0  # rejected rows whose amount is not a number at all
    accepted_fen: int = 0
    rejected_positive: Decimal = ZERO  # 元
    rejected_negative: Decimal = ZERO  # 元, as a negative number

    @property
    def rejected_rows(self) -> int:
        return self.rows - self.accepted_rows

    @property
    def rejected_gross(self) -> Decimal:
        return self.rejected_positive - self.rejected_negative

    @property
    def read(self) -> Decimal:
        """Every readable amount, signed: accepted + rejected positive + rejected negative."""
        return fen_to_yuan(self.accepted_fen) + self.rejected_positive + self.rejected_negative

    def add(self, other: Amounts) -> None:
        self.rows += other.rows
        self.accepted_rows += other.accepted_rows
        self.unreadable_rows += other.unreadable_rows
        self.accepted_fen += other.accepted_fen
        self.rejected_positive += other.rejected_positive
        self.rejected_negative += other.rejected_negative


def unreadable(value: Any) -> bool:
    """An amount as read that is not a number: None, or a NaN."""
    return value is None or value != value


def _add_rejected(out: Amounts, read: Iterable[Any]) -> Amounts:
    """The rejected rows' amounts as read, kept apart by sign (never netted)."""
    for value in read:
        if unreadable(value):
            out.unreadable_rows += 1
        elif value > 0:
            out.rejected_positive += value
        elif value < 0:
            out.rejected_negative += value
    return out


def _tally(accepted: list[bool], fen: list[int | None], read: list[Any]) -> Amounts:
    """``Amounts`` of rows given as three columns (fen: Python ints, None where missing;
    Python ints, so no sum can wrap): a file's ``Rows``, or its rows as strict mode
    counts them (``toolkit.totals.sums``)."""
    out = Amounts(rows=len(accepted), accepted_rows=accepted.count(True))
    out.accepted_fen = sum([f for ok, f in zip(accepted, fen, strict=True) if ok and f])
    return _add_rejected(out, [r for ok, r in zip(accepted, read, strict=True) if not ok])


def rows_amounts(rows: Rows) -> Amounts:
    """``Amounts`` of one file's rows, from its columns (kept in ``rows.memo``: a worker
    process may have tallied them already, see ``prepare_amounts``)."""
    found = rows.memo.get("amounts")
    if found is None:
        accepted, fen = rows.column("accepted"), rows.column("amount_fen")
        found = rows.memo["amounts"] = _tally(accepted, fen, rows.column("amount_read"))
    return dataclasses.replace(found)  # the caller's own copy


def prepare_amounts(fr: FileResult, rows: Rows) -> None:
    """For ``check(..., prepare=)``: tally a file's amounts where it was checked."""
    rows_amounts(rows)


def file_amounts(result: CheckResult) -> dict[str, Amounts]:
    """``Amounts`` per file of a check, from each file's rows (no DataFrame is built)."""
    return {f.path: rows_amounts(p) for f, p in zip(result.files, result.parts, strict=True)}


def batch_amounts(result: CheckResult) -> Amounts:
    """``Amounts`` of the whole check: its files' added up."""
    out = Amounts()
    for a in file_amounts(result).values():
        out.add(a)
    return out


def amounts_json(a: Amounts) -> dict[str, Any]:
    """The amount keys of the JSON outputs (decimal strings; rejected ones keep every digit)."""
    from toolkit.money import fen_text, yuan_text

    return {
        "rows": a.rows,
        "rows_accepted": a.accepted_rows,
        "rows_rejected": a.rejected_rows,
        "rows_rejected_unreadable": a.unreadable_rows,
        "amount_read": yuan_text(a.read),
        "amount_accepted": fen_text(a.accepted_fen),
        "amount_rejected": yuan_text(a.rejected_gross),
        "amount_rejected_positive": yuan_text(a.rejected_positive),
        "amount_rejected_negative": yuan_text(a.rejected_negative),
    }
