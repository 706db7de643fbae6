"""Accepted rows -> exact totals per category and unit, reconciled so that nothing is lost.

Every sum is taken over integer fen (Python ints, summed once per key from each file's
rows by ``toolkit.totals.sums``) and turned into ``Decimal`` 元 only for display, so a
total is right to the fen however many rows it covers; no DataFrame is needed until one
is asked for. The catalogue, not the data, decides which categories appear: every category of
the requested level is listed, with 0 where nothing was budgeted, because finance reports
show the whole catalogue and a missing line would read as "not reported".
"""

from __future__ import annotations

import functools
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from toolkit.form import ZHENGZHOU_UNITS
from toolkit.money import INT64_MAX, fen_text, fen_to_yuan
from toolkit.text import squash
from toolkit.totals.sums import BatchSums, Leaf, batch_sums

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from toolkit.catalog import Catalog, Entry
    from toolkit.rules.result import CheckResult

# Shown where a file names no 填报单位 (or could not be read far enough to find one).
NO_UNIT = "（未填写单位）"
# The reason given to rows left out by --strict because their file has an error elsewhere.
STRICT_REASON = "strict"
LEVELS = (1, 2, 3)  # 3: the leaf level of the built-in catalogue


def effective_rows(result: CheckResult, strict: bool = False) -> pd.DataFrame:
    """Every row read, with ``accepted`` as it counts for the totals.

    In strict mode a file with any error contributes nothing: its otherwise good rows
    are rejected too, with reason ``strict``, so they still show up (with their amounts)
    among the rejected rows and the reconciliation still balances.
    """
    rows = result.all_rows.copy()  # typed already (rows_frame): accepted bool, fen Int64
    if strict:  # each file's own rows (as in toolkit.totals.sums), not rows by path
        import numpy as np

        errors = [bool(f.errors) for f in result.files]
        bad = np.repeat(errors, [len(p) for p in result.parts]).astype(bool)
        hit = bad & rows["accepted"].to_numpy(dtype=bool)
        rows.loc[hit, "accepted"] = False
        rows.loc[hit, "reasons"] = STRICT_REASON
    return rows.reset_index(drop=True)


def is_missing(value: Any) -> bool:
    """None, NaN or pandas NA: an empty cell, whatever dtype the column got (pandas is
    not imported for this: an NA can only exist once it has been)."""
    pd = sys.modules.get("pandas")
    return (
        value is None
        or (isinstance(value, float) and value != value)
        or (pd is not None and value is pd.NA)
    )


def _unit_label(unit: Any) -> str:
    """A unit name as the checker compares it (NFKC, no spaces), or ``NO_UNIT``."""
    return NO_UNIT if is_missing(unit) else _squashed_unit(str(unit))


@functools.lru_cache(maxsize=4096)
def _squashed_unit(name: str) -> str:
    # Cached: a batch has a few dozen unit names over up to hundreds of thousands of rows.
    return squash(name) or NO_UNIT


def _expected_units(units: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(squash(u) for u in (ZHENGZHOU_UNITS if units is None else units))


def _received(result: CheckResult, sums: BatchSums, expected: tuple[str, ...]) -> list[str]:
    """Units with a counted file or an accepted row, in the order of the expected list.

    Units outside the list follow in name order; rows with no unit come last.
    """
    seen = {_unit_label(f.unit) for f in result.files if f.counts and f.status != "unreadable"}
    seen |= set(sums.by_unit)
    ordered = [u for u in expected if u in seen]
    extra = sorted(u for u in seen if u not in expected and u != NO_UNIT)
    return ordered + extra + ([NO_UNIT] if NO_UNIT in seen else [])


def _level3(cat: Catalog) -> Callable[[Any], str | None]:
    """The level-3 code of a leaf: the leaf itself, or its ancestor in a 4-level catalogue."""

    @functools.cache
    def up(code: Any) -> str | None:
        entry = cat.get(code) if isinstance(code, str) else None
        found = cat.ancestor(code, 3) if entry is not None and entry.level >= 3 else None
        return found.code if found else None

    return lambda leaf: up(leaf[0]) if isinstance(leaf[0], str) else None


def _share(fen: int, total: int) -> float:
    # A ratio for display, computed from exact integers; never summed back into money.
    return fen / total if total else 0.0


class Total(NamedTuple):
    """One line of a roll-up table: a category (of one unit when ``unit`` is set)."""

    unit: str | None
    code: str
    name: str
    level1: str | None
    level2: str | None
    rows: int
    amount_fen: int
    amount_yuan: Decimal
    share: float


def _pick(cat: Catalog, level: int) -> Callable[[Leaf], Any]:
    """The part of a row's ``Leaf`` that a table of ``level`` groups on."""
    if level == 3:
        return _level3(cat)
    return (lambda leaf: leaf[1]) if level == 1 else (lambda leaf: leaf[2])


def _totals(cat: Catalog, sums: BatchSums, level: int, unit_order: list[str] | None) -> list[Total]:
    """Every category of ``level`` with its accepted rows and fen (by unit when units are
    given: every unit gets every category, 0 where it budgeted nothing)."""
    entries = cat.level(level)
    pick = _pick(cat, level)
    parents = [(e, cat.ancestor(e.code, 1), cat.ancestor(e.code, 2)) for e in entries]
    groups: list[tuple[str | None, list[tuple[int, int]]]]
    if unit_order is None:
        totals = sums.grouped(pick)
        groups = [(None, [totals.get(e.code, (0, 0)) for e in entries])]
    else:
        by_unit = sums.grouped_by_unit(pick)
        groups = [(u, [by_unit.get((u, e.code), (0, 0)) for e in entries]) for u in unit_order]
    grand = sums.amounts.accepted_fen
    out = []
    for unit, found in groups:
        base = grand if unit is None else sum(fen for _, fen in found)
        for (entry, l1, l2), (n, fen) in zip(parents, found, strict=True):
            codes = (l1.code if l1 else None, l2.code if l2 else None)
            line = (n, fen, fen_to_yuan(fen), _share(fen, base))
            out.append(Total(unit, entry.code, entry.name, *codes, *line))
    return out


def totals_frame(lines: Sequence[Total], level: int, by_unit: bool) -> pd.DataFrame:
    """A roll-up table as a DataFrame: ``code``, ``name`` (plus ``level1`` for levels 2-3
    and ``level2`` for 3), ``rows``, ``amount_fen`` (int64, exact; a Python int past
    int64), ``amount_yuan`` (Decimal) and ``share``; ``unit`` first when ``by_unit``."""
    import pandas as pd

    columns = ["code", "name", *(["level1"] if level >= 2 else []), *(["level2"] * (level == 3))]
    columns = [*(["unit"] if by_unit else []), *columns, "rows", "amount_fen"]
    columns += ["amount_yuan", "share"]
    frame = pd.DataFrame.from_records([t._asdict() for t in lines], columns=columns)
    frame["rows"] = frame["rows"].astype("int64")
    if all(abs(int(v)) <= INT64_MAX for v in frame["amount_fen"]):
        frame["amount_fen"] = frame["amount_fen"].astype("int64")
    else:  # a total past int64 stays a Python int (object column) rather than wrap
        frame["amount_fen"] = frame["amount_fen"].astype(object)
    frame["share"] = frame["share"].astype("float64")
    return frame


def rollup(
    result: CheckResult,
    level: int = 1,
    by_unit: bool = False,
    strict: bool = False,
    units: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Totals of the accepted rows per category of ``level`` (1, 2, or 3 = leaf).

    Columns: ``code``, ``name`` (plus ``level1`` for levels 2-3 and ``level2`` for 3),
    ``rows``, ``amount_fen`` (int64, exact), ``amount_yuan`` (Decimal, exact) and
    ``share`` (of the grand total; of the unit's total when ``by_unit``). Every category
    of the level is listed, with 0 where nothing was budgeted. With ``by_unit`` a ``unit``
    column comes first and every received unit gets every category; ``units`` is the
    expected list that orders them (default the built-in Zhengzhou list).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be 1, 2 or 3, not {level!r}")
    sums = batch_sums(result, strict, _unit_label)
    order = _received(result, sums, _expected_units(units)) if by_unit else None
    return totals_frame(_totals(result.catalog, sums, level, order), level, by_unit)


# -- reconciliation -----------------------------------------------------------------------
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
    return _reconcile(result.catalog, batch_sums(result, strict, _unit_label), strict)


def _reconcile(cat: Catalog, sums: BatchSums, strict: bool) -> Reconciliation:
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


# -- who submitted ------------------------------------------------------------------------
UNIT_STATUSES = {
    "received": "已报送",
    "missing": "未报送",
    "duplicate": "重复报送",
    "unlisted": "名单外单位",
    "no-unit": "未识别单位",
}
# per file, in the order of result.files: accepted rows, rejected rows, and their fen
PerFile = list[tuple[int, int, int, int]]


class FileLine(NamedTuple):
    """One file of the batch: what it is, whether it counts, its rows and fen, its issues."""

    file: str
    unit: str | None
    year: int | None
    status: str
    counts: bool
    rows_accepted: int
    rows_rejected: int
    accepted_fen: int
    rejected_fen: int
    errors: int
    warnings: int


class UnitLine(NamedTuple):
    """One unit against the expected list (``status``: a key of ``UNIT_STATUSES``)."""

    unit: str
    expected: bool
    status: str
    files: int
    counted: list[str]
    not_counted: list[str]
    rows_accepted: int
    rows_rejected: int
    accepted_fen: int
    rejected_fen: int


def _frame(lines: Sequence[NamedTuple], kind: type) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame.from_records([line._asdict() for line in lines], columns=list(kind._fields))


def files_table(result: CheckResult, strict: bool = False) -> pd.DataFrame:
    """One row per file: unit, year, status, whether it counts, rows and fen, issue counts."""
    per_file = batch_sums(result, strict, _unit_label).per_file
    return _frame(_file_lines(result, per_file), FileLine)


def _file_lines(result: CheckResult, per_file: PerFile) -> list[FileLine]:
    lines = []
    for f, sums in zip(result.files, per_file, strict=True):
        what = (f.path, f.unit, f.year, f.status, f.counts)
        lines.append(FileLine(*what, *sums, f.errors, f.warnings))
    return lines


def submissions(
    result: CheckResult, units: Sequence[str] | None = None, strict: bool = False
) -> pd.DataFrame:
    """Expected units against received files: who is missing, who sent more than one file.

    One row per expected unit (in list order), then units outside the list, then files
    with no recognisable unit. ``status`` is a key of ``UNIT_STATUSES``; ``counted`` and
    ``not_counted`` list the files whose rows count and those replaced by a newer one.
    """
    per_file = batch_sums(result, strict, _unit_label).per_file
    return _frame(_unit_lines(result, per_file, _expected_units(units)), UnitLine)


def _unit_status(unit: str, files: list[Any], expected: tuple[str, ...]) -> str:
    if unit == NO_UNIT:
        return "no-unit"
    if unit not in expected:
        return "unlisted"
    if not files:
        return "missing"
    years = [f.year for f in files]  # one file per budget year is not a duplicate
    return "duplicate" if len(set(years)) < len(years) else "received"


def _unit_lines(
    result: CheckResult, per_file: PerFile, expected: tuple[str, ...]
) -> list[UnitLine]:
    groups: dict[str, list[Any]] = {}
    for k, f in enumerate(result.files):
        groups.setdefault(_unit_label(f.unit), []).append((k, f))
    order = list(expected)
    order += sorted(u for u in groups if u not in expected and u != NO_UNIT)
    order += [NO_UNIT] if NO_UNIT in groups else []
    lines = []
    for unit in order:
        files = [f for _, f in groups.get(unit, [])]
        sums = [per_file[k] for k, _ in groups.get(unit, [])]
        lines.append(
            UnitLine(
                unit,
                unit in expected,
                _unit_status(unit, files, expected),
                len(files),
                [f.path for f in files if f.counts],
                [f.path for f in files if not f.counts],
                *(sum(s[k] for s in sums) for k in range(4)),
            )
        )
    return lines


# -- everything a report needs, computed once ----------------------------------------------
@dataclass
class RollupSummary:
    """All roll-up tables of one batch, so that the xlsx, CSV, JSON and terminal agree.

    The tables are lists of ``Total`` / ``UnitLine`` / ``FileLine`` tuples (``totals[1]``,
    ``unit_totals[2]`` ...); each has a DataFrame twin (``level1``, ``unit_level2``,
    ``submissions``, ``files``), made when first asked for, as are ``rows`` (every row
    read, ``accepted`` as it counts: see ``effective_rows``), ``accepted`` and
    ``rejected``. Writing the JSON or the terminal table needs no DataFrame.
    """

    result: CheckResult
    strict: bool
    units: tuple[str, ...]  # the expected unit list
    totals: dict[int, list[Total]]  # level -> every category of the level
    unit_totals: dict[int, list[Total]]  # level (1, 2) -> every received unit × category
    unit_lines: list[UnitLine]
    file_lines: list[FileLine]
    reconciliation: Reconciliation

    @property
    def catalog(self) -> Catalog:
        return self.result.catalog

    @functools.cached_property
    def rows(self) -> pd.DataFrame:
        return effective_rows(self.result, self.strict)

    @functools.cached_property
    def level1(self) -> pd.DataFrame:
        return totals_frame(self.totals[1], 1, False)

    @functools.cached_property
    def level2(self) -> pd.DataFrame:
        return totals_frame(self.totals[2], 2, False)

    @functools.cached_property
    def level3(self) -> pd.DataFrame:
        return totals_frame(self.totals[3], 3, False)

    @functools.cached_property
    def unit_level1(self) -> pd.DataFrame:
        return totals_frame(self.unit_totals[1], 1, True)

    @functools.cached_property
    def unit_level2(self) -> pd.DataFrame:
        return totals_frame(self.unit_totals[2], 2, True)

    @functools.cached_property
    def submissions(self) -> pd.DataFrame:
        return _frame(self.unit_lines, UnitLine)

    @functools.cached_property
    def files(self) -> pd.DataFrame:
        return _frame(self.file_lines, FileLine)

    @property
    def accepted(self) -> pd.DataFrame:
        return self.rows[self.rows["accepted"]].reset_index(drop=True)

    @property
    def rejected(self) -> pd.DataFrame:
        return self.rows[~self.rows["accepted"]].reset_index(drop=True)

    @property
    def missing_units(self) -> list[str]:
        return [u.unit for u in self.unit_lines if u.status == "missing"]

    @property
    def duplicate_units(self) -> list[str]:
        return [u.unit for u in self.unit_lines if u.status == "duplicate"]

    @property
    def received_units(self) -> list[str]:
        return list(dict.fromkeys(str(t.unit) for t in self.unit_totals[1]))


def summarize(
    result: CheckResult, units: Sequence[str] | None = None, strict: bool = False
) -> RollupSummary:
    """Compute every table of the roll-up report from one ``CheckResult``."""
    expected = _expected_units(units)
    cat = result.catalog
    sums = batch_sums(result, strict, _unit_label)
    order = _received(result, sums, expected)
    return RollupSummary(
        result=result,
        strict=strict,
        units=expected,
        totals={level: _totals(cat, sums, level, None) for level in (1, 2, 3)},
        unit_totals={level: _totals(cat, sums, level, order) for level in (1, 2)},
        unit_lines=_unit_lines(result, sums.per_file, expected),
        file_lines=_file_lines(result, sums.per_file),
        reconciliation=_reconcile(cat, sums, strict),
    )


class _CallableModule(types.ModuleType):
    """``toolkit.totals.rollup`` names both this module and the function.

    Importing the module (the report and the CLI do) rebinds the package attribute
    ``toolkit.totals.rollup`` to the module, which would shadow the public function; calling the
    module therefore calls the function, so ``toolkit.totals.rollup(result)`` always works.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        return rollup(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
