"""The reconciliation: rows and fen read = accepted + rejected, and every level of the
catalogue adding up to the one above it, so that nothing is lost between the rows read
and the totals (``budget-toolkit rollup`` prints it, the report carries it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from toolkit.money import fen_text, fen_to_yuan
from toolkit.totals.sums import BatchSums, batch_sums
from toolkit.totals.units import unit_label

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog, Entry
    from toolkit.rules.result import CheckResult


@dataclass(frozen=True)
class Check:
    """One balance that must hold: ``left == right`` and no category breaks it."""

    name: str  # stable English id
    label: str  # Chinese, as printed
    left: int | Decimal
    right: int | Decimal
    unit: str = "fen"  # "fen", "yuan" (exact Decimal) or "rows"
    failures: tuple[str, ...] = ()  # categories whose own balance fails, with the difference

    @property
    def ok(self) -> bool:
        return self.left == self.right and not self.failures


@dataclass(frozen=True)
class Reconciliation:
    """Rows and fen read, accepted and rejected, and the balances between the levels."""

    rows_read: int
    rows_accepted: int
    rows_rejected: int
    fen_accepted: int
    rows_without_amount: int  # rejected rows whose amount could not be read as a number
    grand_total_fen: int
    strict: bool
    checks: tuple[Check, ...] = field(default=())
    # rejected money as read (元, exact, any precision), never netted out
    rejected_positive: Decimal = Decimal(0)
    rejected_negative: Decimal = Decimal(0)  # a negative number

    @property
    def read(self) -> Decimal:
        """Every readable amount: accepted + rejected positive + rejected negative (元)."""
        return fen_to_yuan(self.fen_accepted) + self.rejected_positive + self.rejected_negative

    @property
    def rejected_gross(self) -> Decimal:
        return self.rejected_positive - self.rejected_negative

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


def _balance(
    parents: Sequence[Entry],
    kids: dict[str, list[str]],
    parent_totals: dict[Any, tuple[int, int]],
    kid_totals: dict[Any, tuple[int, int]],
) -> tuple[int, int, tuple[str, ...]]:
    """Add each parent's children (as the catalogue has them) and compare per parent."""
    failures = []
    left = right = 0
    for parent in parents:
        summed = sum(kid_totals.get(c, (0, 0))[1] for c in kids.get(parent.code, ()))
        own = parent_totals.get(parent.code, (0, 0))[1]
        left += summed
        right += own
        if summed != own:
            failures.append(f"{parent.code}: {fen_text(summed)} ≠ {fen_text(own)}")
    return left, right, tuple(failures)


def reconcile(result: CheckResult, strict: bool = False) -> Reconciliation:
    """Prove that nothing was lost between reading the rows and the totals.

    Each level is grouped independently from the rows (leaf code, level-2 code, level-1
    code), then the catalogue adds children up into parents. A row whose level codes do
    not agree with its leaf, or an accepted code outside the catalogue, breaks a balance.
    """
    return reconcile_sums(result.catalog, batch_sums(result, strict, unit_label), strict)


def reconcile_sums(cat: Catalog, sums: BatchSums, strict: bool) -> Reconciliation:
    money = sums.amounts
    fen_acc = grand = money.accepted_fen
    leaves = sums.grouped(lambda leaf: leaf[0])
    level2 = sums.grouped(lambda leaf: leaf[2])
    level1 = sums.grouped(lambda leaf: leaf[1])
    leaf_sum = sum(leaves.get(e.code, (0, 0))[1] for e in cat.leaves)
    l1_sum = sum(level1.get(e.code, (0, 0))[1] for e in cat.level(1))
    leaves_under: dict[str, list[str]] = {}
    for leaf in cat.leaves:
        above = cat.ancestor(leaf.code, 2)
        if above is not None:
            leaves_under.setdefault(above.code, []).append(leaf.code)
    level2_under = {e.code: [c.code for c in cat.children(e.code)] for e in cat.level(1)}
    l2_left, l2_right, l2_fail = _balance(cat.level(2), leaves_under, level2, leaves)
    l1_left, l1_right, l1_fail = _balance(cat.level(1), level2_under, level1, level2)
    n_acc, n_rej = money.accepted_rows, sums.rows_rejected
    checks = (
        Check("rows", "读取行数 = 计入行数 + 剔除行数", money.rows, n_acc + n_rej, "rows"),
        Check(
            "amounts",
            "读取金额 = 计入金额 + 剔除的正数金额 + 剔除的负数金额",
            sums.read,
            fen_to_yuan(fen_acc) + money.rejected_positive + money.rejected_negative,
            "yuan",
        ),
        Check("leaves-in-catalog", "各末级目录之和 = 计入金额", leaf_sum, grand),
        Check(
            "leaves-to-level2", "末级目录之和 = 所属二级目录", l2_left, l2_right, failures=l2_fail
        ),
        Check(
            "level2-to-level1", "二级目录之和 = 所属一级目录", l1_left, l1_right, failures=l1_fail
        ),
        Check("level1-to-total", "一级目录之和 = 总计", l1_sum, grand),
    )
    return Reconciliation(
        rows_read=money.rows,
        rows_accepted=n_acc,
        rows_rejected=n_rej,
        fen_accepted=fen_acc,
        rows_without_amount=money.unreadable_rows,
        grand_total_fen=grand,
        strict=strict,
        checks=checks,
        rejected_positive=money.rejected_positive,
        rejected_negative=money.rejected_negative,
    )
