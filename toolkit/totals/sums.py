"""A batch's rows summed per key straight from each file's ``Rows``, without a DataFrame.

Every table of the roll-up (the level totals, the unit × category matrix, the per-file
and per-unit sums, the reconciliation) is a regrouping of these sums, so the roll-up
costs one pass over the rows' columns and imports no pandas. The rows counted are the
*effective* ones (as ``rollup.effective_rows`` marks them): in strict mode a file with
any error counts nothing. Sums are Python ints, which never wrap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import compress
from typing import TYPE_CHECKING, Any

from toolkit.money import fen_to_yuan
from toolkit.totals.amounts import Amounts, _tally, rows_amounts, unreadable

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.rules.result import CheckResult, FileResult, Rows

# a row's leaf code, level-1 code and level-2 code, as read back from its columns (None
# where a row has none): the reconciliation checks that they agree with the catalogue
Leaf = tuple[Any, Any, Any]


@dataclass
class BatchSums:
    """The accepted rows' [rows, fen] per unit (as the checker compares units) and
    ``Leaf``; per file, in the order of the result's files (accepted rows, rejected rows,
    accepted fen, rejected fen: a file is its place in the batch, not its path); the
    batch's ``Amounts``; and every readable amount summed on its own (fen where exact,
    else the amount as read), for the reconciliation."""

    by_unit: dict[str, dict[Leaf, list[int]]] = field(default_factory=dict)
    per_file: list[tuple[int, int, int, int]] = field(default_factory=list)
    amounts: Amounts = field(default_factory=Amounts)
    rows_rejected: int = 0  # counted on its own (False flags), for the rows balance
    read: Decimal = Decimal(0)

    @cached_property
    def leaves(self) -> dict[Leaf, tuple[int, int]]:
        """[rows, fen] per ``Leaf``, all units together."""
        out: dict[Leaf, list[int]] = {}
        for sums in self.by_unit.values():
            _merge(out, sums)
        return {k: (n, fen) for k, (n, fen) in out.items()}

    def grouped(self, pick: Callable[[Leaf], Any]) -> dict[Any, tuple[int, int]]:
        """(rows, fen) per ``pick(leaf)``: the leaf sums regrouped by one part of the key."""
        return _regroup(self.leaves.items(), pick)

    def grouped_by_unit(self, pick: Callable[[Leaf], Any]) -> dict[Any, tuple[int, int]]:
        """(rows, fen) per (unit, ``pick(leaf)``)."""
        out: dict[Any, tuple[int, int]] = {}
        for unit, sums in self.by_unit.items():
            for key, total in _regroup(sums.items(), pick).items():
                out[(unit, key)] = total
        return out


def _regroup(items: Iterable[tuple[Leaf, Sequence[int]]], pick: Callable[[Leaf], Any]) -> dict:
    out: dict[Any, list[int]] = {}
    for key, (n, fen) in items:
        slot = out.setdefault(pick(key), [0, 0])
        slot[0] += n
        slot[1] += fen
    return {k: (n, fen) for k, (n, fen) in out.items()}


def _merge(into: dict[Any, list[int]], sums: dict[Any, list[int]]) -> None:
    for key, (n, fen) in sums.items():
        slot = into.get(key)
        if slot is None:
            into[key] = [n, fen]
        else:
            slot[0] += n
            slot[1] += fen


@dataclass(frozen=True)
class FileSums:
    """What the reconciliation needs of one file beside its ``Amounts``, each counted on
    its own: the rows flagged rejected, their fen, and every readable amount (fen where a
    row has them, else the amount as read, 元)."""

    rejected_rows: int
    rejected_fen: int
    read_fen: int
    read_other: Decimal

    def all_rejected(self, rows: int) -> FileSums:
        """The same file in strict mode when it has an error: every row rejected."""
        return FileSums(rows, self.read_fen, self.read_fen, self.read_other)


def file_sums(rows: Rows) -> FileSums:
    """A file's ``FileSums`` (kept in ``rows.memo``, like ``leaf_sums``)."""
    found = rows.memo.get("file_sums")
    if found is None:
        accepted, fen, read = (rows.column(c) for c in ("accepted", "amount_fen", "amount_read"))
        rest = [r for f, r in zip(fen, read, strict=True) if f is None and not unreadable(r)]
        found = rows.memo["file_sums"] = FileSums(
            rejected_rows=accepted.count(False),
            rejected_fen=sum([f for ok, f in zip(accepted, fen, strict=True) if not ok and f]),
            read_fen=sum([f for f in fen if f is not None]),
            read_other=sum(rest, Decimal(0)),
        )
    return found


def _sum_by(keys: Iterable[Any], fen: Iterable[int | None]) -> dict[Any, list[int]]:
    """[rows, fen] per key of rows given as two columns (a missing fen adds 0)."""
    out: dict[Any, list[int]] = {}
    for key, f in zip(keys, fen, strict=True):
        slot = out.get(key)
        if slot is None:
            out[key] = [1, f or 0]
        else:
            slot[0] += 1
            slot[1] += f or 0
    return out


def leaf_sums(rows: Rows) -> dict[Leaf, list[int]]:
    """[rows, fen] per ``Leaf`` of a file's accepted rows (kept in ``rows.memo``; not to
    be changed: ``_merge`` copies what it adds)."""
    found = rows.memo.get("leaf_sums")
    if found is None:
        accepted = rows.column("accepted")
        leaves = zip(rows.column("code"), rows.column("level1"), rows.column("level2"), strict=True)
        fen = compress(rows.column("amount_fen"), accepted)
        found = rows.memo["leaf_sums"] = _sum_by(compress(leaves, accepted), fen)
    return found


def prepare(fr: FileResult, rows: Rows) -> None:
    """For ``check(..., prepare=)``: a file's amounts, leaf sums and ``FileSums``, worked
    out where the file was checked (a worker process), so the roll-up only adds them up."""
    rows_amounts(rows)
    leaf_sums(rows)
    file_sums(rows)


def _add_accepted(
    by_unit: dict[str, dict[Leaf, list[int]]],
    accepted: list[bool],
    rows: Rows,
    label: Callable[[Any], str],
) -> None:
    """Add a file's accepted rows to the sums of their units."""
    fixed = rows.fixed("unit")
    if fixed:  # the usual file: one unit on every row
        _merge(by_unit.setdefault(label(fixed[0]), {}), leaf_sums(rows))
        return
    leaves = zip(rows.column("code"), rows.column("level1"), rows.column("level2"), strict=True)
    keys = compress(leaves, accepted)
    fen = compress(rows.column("amount_fen"), accepted)
    units = compress(rows.column("unit"), accepted)
    for (unit, leaf), total in _sum_by(zip(units, keys, strict=True), fen).items():
        _merge(by_unit.setdefault(label(unit), {}), {leaf: total})


def batch_sums(result: CheckResult, strict: bool, label: Callable[[Any], str]) -> BatchSums:
    """Sum every file's rows once; ``label`` turns a row's unit into the unit compared."""
    out = BatchSums()
    exact_read, inexact_read = 0, Decimal(0)
    for fr, rows in zip(result.files, result.parts, strict=True):
        sums = file_sums(rows)
        if strict and fr.errors:  # strict mode: a file with an error counts nothing
            accepted = [False] * len(rows)
            amounts = _tally(accepted, rows.column("amount_fen"), rows.column("amount_read"))
            sums = sums.all_rejected(len(rows))
        else:
            accepted, amounts = rows.column("accepted"), rows_amounts(rows)
        out.amounts.add(amounts)
        n_acc = amounts.accepted_rows
        out.rows_rejected += sums.rejected_rows
        if n_acc:
            _add_accepted(out.by_unit, accepted, rows, label)
        out.per_file.append((n_acc, len(rows) - n_acc, amounts.accepted_fen, sums.rejected_fen))
        exact_read += sums.read_fen
        inexact_read += sums.read_other
    out.read = inexact_read + fen_to_yuan(exact_read)
    return out
