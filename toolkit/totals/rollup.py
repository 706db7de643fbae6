"""Accepted rows -> exact totals per category and unit, reconciled so that nothing is lost.

Every sum is taken over integer fen (pandas ``Int64`` sums are exact integers) and turned
into ``Decimal`` 元 only for display, so a total is right to the fen however many rows it
covers. The catalogue, not the data, decides which categories appear: every category of
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
from typing import TYPE_CHECKING, Any

from toolkit.form import ZHENGZHOU_UNITS
from toolkit.money import INT64_MAX, fen_sum, fen_text, fen_to_yuan, int64_safe
from toolkit.text import squash

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from toolkit.catalog import Catalog, Entry
    from toolkit.rules.result import CheckResult

# Shown where a file names no 填报单位 (or could not be read far enough to find one).
NO_UNIT = "（未填写单位）"
# The reason given to rows left out by --strict because their file has an error elsewhere.
STRICT_REASON = "strict"
LEVEL_KEYS = {1: "level1", 2: "level2", 3: "level3"}


def effective_rows(result: CheckResult, strict: bool = False) -> pd.DataFrame:
    """Every row read, with ``accepted`` as it counts for the totals.

    In strict mode a file with any error contributes nothing: its otherwise good rows
    are rejected too, with reason ``strict``, so they still show up (with their amounts)
    among the rejected rows and the reconciliation still balances.
    """
    rows = result.all_rows.copy()
    rows["accepted"] = rows["accepted"].astype(bool)
    rows["amount_fen"] = rows["amount_fen"].astype("Int64")
    if strict:
        bad = {f.path for f in result.files if f.errors}
        hit = rows["file"].isin(bad) & rows["accepted"]
        rows.loc[hit, "accepted"] = False
        rows.loc[hit, "reasons"] = STRICT_REASON
    return rows.reset_index(drop=True)


def _grouped(rows: pd.DataFrame, keys: list[str]) -> dict[Any, tuple[int, int]]:
    """(row count, fen) per key; int64 sums where they cannot wrap, Python ints otherwise."""
    if rows.empty:
        return {}
    frame = rows[[*keys, "amount_fen"]].copy()
    frame["amount_fen"] = frame["amount_fen"].fillna(0).astype("int64")
    if not int64_safe(frame["amount_fen"]):  # sum in Python ints, which never wrap
        out: dict[Any, tuple[int, int]] = {}
        key_columns = [frame[k].tolist() for k in keys]
        for *parts, fen in zip(*key_columns, frame["amount_fen"].tolist(), strict=True):
            parts = [None if is_missing(p) else p for p in parts]
            key = parts[0] if len(keys) == 1 else tuple(parts)
            n, total = out.get(key, (0, 0))
            out[key] = (n + 1, total + int(fen))
        return out
    agg = frame.groupby(keys, dropna=False, sort=False)["amount_fen"].agg(["size", "sum"])
    return {
        key: (int(n), int(fen)) for key, (n, fen) in zip(agg.index, agg.to_numpy(), strict=True)
    }


def is_missing(value: Any) -> bool:
    """None, NaN or pandas NA: an empty cell, whatever dtype the column got."""
    import pandas as pd

    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _unit_label(unit: Any) -> str:
    """A unit name as the checker compares it (NFKC, no spaces), or ``NO_UNIT``."""
    return NO_UNIT if is_missing(unit) else _squashed_unit(str(unit))


@functools.lru_cache(maxsize=4096)
def _squashed_unit(name: str) -> str:
    # Cached: a batch has a few dozen unit names over up to hundreds of thousands of rows.
    return squash(name) or NO_UNIT


def mapped(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``values.map(fn)`` with ``fn`` called once per distinct value: a batch has a few
    hundred units and codes over a hundred thousand rows. Only for text columns (with
    missing cells): ``factorize`` would merge ``1``, ``1.0`` and ``True``, which ``fn``
    may tell apart, so anything else is mapped value by value. ``fn`` must treat every
    missing value (None, NaN, NA) alike: it is asked about ``None`` for all of them."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values)  # a missing cell gets -1
    distinct = uniques.tolist()
    if not all(type(u) is str for u in distinct):
        return values.map(fn).astype(object)
    table = np.array([*map(fn, distinct), fn(None)], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


def _expected_units(units: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(squash(u) for u in (ZHENGZHOU_UNITS if units is None else units))


def received_units(
    result: CheckResult, rows: pd.DataFrame, expected: Sequence[str] | None = None
) -> list[str]:
    """Units with a counted file or an accepted row, in the order of the expected list.

    Units outside the list follow in name order; rows with no unit come last.
    """
    return _received(result, mapped(rows.loc[rows["accepted"], "unit"], _unit_label), expected)


def _received(
    result: CheckResult, accepted_units: pd.Series, expected: Sequence[str] | None
) -> list[str]:
    """``received_units`` given the accepted rows' units as compared (``_unit_label``)."""
    expected = _expected_units(expected)
    seen = {_unit_label(f.unit) for f in result.files if f.counts and f.status != "unreadable"}
    seen |= set(accepted_units)
    ordered = [u for u in expected if u in seen]
    extra = sorted(u for u in seen if u not in expected and u != NO_UNIT)
    return ordered + extra + ([NO_UNIT] if NO_UNIT in seen else [])


def _level3(cat: Catalog, codes: pd.Series) -> pd.Series:
    """The level-3 code of each leaf: the leaf itself, or its ancestor in a 4-level catalogue."""

    def up(code: Any) -> str | None:
        entry = cat.get(code) if isinstance(code, str) else None
        found = cat.ancestor(code, 3) if entry is not None and entry.level >= 3 else None
        return found.code if found else None

    return mapped(codes, up)


def _share(fen: int, total: int) -> float:
    # A ratio for display, computed from exact integers; never summed back into money.
    return fen / total if total else 0.0


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
    if level not in LEVEL_KEYS:
        raise ValueError(f"level must be 1, 2 or 3, not {level!r}")
    rows = effective_rows(result, strict)
    unit_order = received_units(result, rows, units) if by_unit else None
    return _rollup(result.catalog, _keyed(result.catalog, rows), level, unit_order)


def _keyed(cat: Catalog, rows: pd.DataFrame) -> pd.DataFrame:
    """The accepted rows' keys and fen, taken out once for every table of a roll-up:
    ``unit`` as the checker compares it (``NO_UNIT`` for none), ``code``, ``level1``,
    ``level2``, ``level3`` and ``amount_fen``."""
    import pandas as pd

    acc = rows.loc[rows["accepted"], ["unit", "code", "level1", "level2", "amount_fen"]]
    return pd.DataFrame(
        {
            "unit": mapped(acc["unit"], _unit_label),
            "code": acc["code"],
            "level1": acc["level1"],
            "level2": acc["level2"],
            "level3": _level3(cat, acc["code"]),
            "amount_fen": acc["amount_fen"],
        }
    )


def _rollup(
    cat: Catalog, accepted: pd.DataFrame, level: int, unit_order: list[str] | None
) -> pd.DataFrame:
    """``rollup`` over the accepted rows' keys (``_keyed``); by unit when units are given."""
    import pandas as pd

    key = LEVEL_KEYS[level]
    entries = cat.level(level)
    grand = fen_sum(accepted["amount_fen"])
    parents = [(e, cat.ancestor(e.code, 1), cat.ancestor(e.code, 2)) for e in entries]
    columns = ["code", "name", *(["level1"] if level >= 2 else []), *(["level2"] * (level == 3))]
    columns += ["rows", "amount_fen", "amount_yuan", "share"]
    groups: list[tuple[str | None, list[tuple[int, int]]]]
    if unit_order is None:
        totals = _grouped(accepted, [key])
        groups = [(None, [totals.get(e.code, (0, 0)) for e in entries])]
    else:
        totals = _grouped(accepted, ["unit", key])
        groups = [(u, [totals.get((u, e.code), (0, 0)) for e in entries]) for u in unit_order]
        columns = ["unit", *columns]
    records = []
    for unit, found in groups:
        base = grand if unit is None else sum(fen for _, fen in found)
        for (entry, l1, l2), (n, fen) in zip(parents, found, strict=True):
            rec: dict[str, Any] = {"unit": unit, "code": entry.code, "name": entry.name}
            rec["level1"] = l1.code if l1 else None
            rec["level2"] = l2.code if l2 else None
            rec.update(rows=n, amount_fen=fen, amount_yuan=fen_to_yuan(fen))
            rec["share"] = _share(fen, base)
            records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=columns)
    frame["rows"] = frame["rows"].astype("int64")
    if all(abs(int(v)) <= INT64_MAX for v in frame["amount_fen"]):
        frame["amount_fen"] = frame["amount_fen"].astype("int64")
    else:  # a total past int64 stays a Python int (object column) rather than wrap
        frame["amount_fen"] = frame["amount_fen"].astype(object)
    frame["share"] = frame["share"].astype("float64")
    return frame


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
    return _reconcile(result.catalog, effective_rows(result, strict), strict)


def _reconcile(cat: Catalog, rows: pd.DataFrame, strict: bool) -> Reconciliation:
    from toolkit.totals.amounts import total_amounts

    ok = rows["accepted"].to_numpy(dtype=bool)
    acc = rows.loc[ok, ["code", "level1", "level2", "amount_fen"]]
    rejected = int((~ok).sum())
    money = total_amounts(rows)
    fen_acc = money.accepted_fen
    grand = fen_acc
    leaves = _grouped(acc, ["code"])
    level2 = _grouped(acc, ["level2"])
    level1 = _grouped(acc, ["level1"])
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
    read = _read_yuan(rows)
    checks = (
        Check("rows", "读取行数 = 计入行数 + 剔除行数", len(rows), len(acc) + rejected, "rows"),
        Check(
            "amounts",
            "读取金额 = 计入金额 + 剔除的正数金额 + 剔除的负数金额",
            read,
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
        rows_read=len(rows),
        rows_accepted=len(acc),
        rows_rejected=rejected,
        fen_accepted=fen_acc,
        rows_without_amount=money.unreadable_rows,
        grand_total_fen=grand,
        strict=strict,
        checks=checks,
        rejected_positive=money.rejected_positive,
        rejected_negative=money.rejected_negative,
    )


def _read_yuan(rows: pd.DataFrame) -> Decimal:
    """Every readable amount as read, summed on its own (not from the accepted and
    rejected sums it is checked against): fen where exact, else the amount read."""
    fen = rows["amount_fen"]
    inexact = fen.isna().to_numpy(dtype=bool)
    read = rows.loc[inexact, "amount_read"].tolist()
    total = sum((r for r in read if not is_missing(r)), Decimal(0))
    return total + fen_to_yuan(fen_sum(fen))


# -- who submitted ------------------------------------------------------------------------
UNIT_STATUSES = {
    "received": "已报送",
    "missing": "未报送",
    "duplicate": "重复报送",
    "unlisted": "名单外单位",
    "no-unit": "未识别单位",
}


def _by_file(rows: pd.DataFrame) -> dict[str, tuple[int, int, int, int]]:
    """Per file: accepted rows, rejected rows, accepted fen, rejected fen (one groupby)."""
    out: dict[str, tuple[int, int, int, int]] = {}
    for (path, accepted), (n, fen) in _grouped(rows, ["file", "accepted"]).items():
        n_acc, n_rej, fen_acc, fen_rej = out.get(str(path), (0, 0, 0, 0))
        if accepted:
            out[str(path)] = (n, n_rej, fen, fen_rej)
        else:
            out[str(path)] = (n_acc, n, fen_acc, fen)
    return out


def files_table(result: CheckResult, strict: bool = False) -> pd.DataFrame:
    """One row per file: unit, year, status, whether it counts, rows and fen, issue counts."""
    return _files_table(result, _by_file(effective_rows(result, strict)))


def _files_table(
    result: CheckResult, per_file: dict[str, tuple[int, int, int, int]]
) -> pd.DataFrame:
    import pandas as pd

    records = []
    for f in result.files:
        n_acc, n_rej, fen_acc, fen_rej = per_file.get(f.path, (0, 0, 0, 0))
        records.append(
            {
                "file": f.path,
                "unit": f.unit,
                "year": f.year,
                "status": f.status,
                "counts": f.counts,
                "rows_accepted": n_acc,
                "rows_rejected": n_rej,
                "accepted_fen": fen_acc,
                "rejected_fen": fen_rej,
                "errors": f.errors,
                "warnings": f.warnings,
            }
        )
    columns = [
        "file", "unit", "year", "status", "counts", "rows_accepted", "rows_rejected",
        "accepted_fen", "rejected_fen", "errors", "warnings",
    ]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


def submissions(
    result: CheckResult, units: Sequence[str] | None = None, strict: bool = False
) -> pd.DataFrame:
    """Expected units against received files: who is missing, who sent more than one file.

    One row per expected unit (in list order), then units outside the list, then files
    with no recognisable unit. ``status`` is a key of ``UNIT_STATUSES``; ``counted`` and
    ``not_counted`` list the files whose rows count and those replaced by a newer one.
    """
    expected = _expected_units(units)
    return _submissions(result, _by_file(effective_rows(result, strict)), expected)


def _submissions(
    result: CheckResult, per_file: dict[str, tuple[int, int, int, int]], expected: tuple[str, ...]
) -> pd.DataFrame:
    import pandas as pd

    groups: dict[str, list[Any]] = {}
    for f in result.files:
        groups.setdefault(_unit_label(f.unit), []).append(f)
    order = list(expected)
    order += sorted(u for u in groups if u not in expected and u != NO_UNIT)
    order += [NO_UNIT] if NO_UNIT in groups else []
    records = []
    for unit in order:
        files = groups.get(unit, [])
        if unit == NO_UNIT:
            status = "no-unit"
        elif unit not in expected:
            status = "unlisted"
        elif not files:
            status = "missing"
        else:
            years = [f.year for f in files]  # one file per budget year is not a duplicate
            status = "duplicate" if len(set(years)) < len(years) else "received"
        counted = [f.path for f in files if f.counts]
        sums = [per_file.get(f.path, (0, 0, 0, 0)) for f in files]
        records.append(
            {
                "unit": unit,
                "expected": unit in expected,
                "status": status,
                "files": len(files),
                "counted": counted,
                "not_counted": [f.path for f in files if not f.counts],
                "rows_accepted": sum(s[0] for s in sums),
                "rows_rejected": sum(s[1] for s in sums),
                "accepted_fen": sum(s[2] for s in sums),
                "rejected_fen": sum(s[3] for s in sums),
            }
        )
    columns = [
        "unit", "expected", "status", "files", "counted", "not_counted",
        "rows_accepted", "rows_rejected", "accepted_fen", "rejected_fen",
    ]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


# -- everything a report needs, computed once ----------------------------------------------
@dataclass
class RollupSummary:
    """All roll-up tables of one batch, so that the xlsx, CSV, JSON and terminal agree."""

    result: CheckResult
    strict: bool
    units: tuple[str, ...]  # the expected unit list
    rows: pd.DataFrame  # every row read, ``accepted`` as it counts (see effective_rows)
    level1: pd.DataFrame
    level2: pd.DataFrame
    level3: pd.DataFrame
    unit_level1: pd.DataFrame
    unit_level2: pd.DataFrame
    submissions: pd.DataFrame
    files: pd.DataFrame
    reconciliation: Reconciliation

    @property
    def catalog(self) -> Catalog:
        return self.result.catalog

    @property
    def accepted(self) -> pd.DataFrame:
        return self.rows[self.rows["accepted"]].reset_index(drop=True)

    @property
    def rejected(self) -> pd.DataFrame:
        return self.rows[~self.rows["accepted"]].reset_index(drop=True)

    @property
    def missing_units(self) -> list[str]:
        s = self.submissions
        return list(s.loc[s["status"] == "missing", "unit"])

    @property
    def duplicate_units(self) -> list[str]:
        s = self.submissions
        return list(s.loc[s["status"] == "duplicate", "unit"])

    @property
    def received_units(self) -> list[str]:
        return list(self.unit_level1["unit"].drop_duplicates())


def summarize(
    result: CheckResult, units: Sequence[str] | None = None, strict: bool = False
) -> RollupSummary:
    """Compute every table of the roll-up report from one ``CheckResult``."""
    expected = _expected_units(units)
    cat = result.catalog
    rows = effective_rows(result, strict)
    keyed = _keyed(cat, rows)
    unit_order = _received(result, keyed["unit"], expected)
    per_file = _by_file(rows)
    return RollupSummary(
        result=result,
        strict=strict,
        units=expected,
        rows=rows,
        level1=_rollup(cat, keyed, 1, None),
        level2=_rollup(cat, keyed, 2, None),
        level3=_rollup(cat, keyed, 3, None),
        unit_level1=_rollup(cat, keyed, 1, unit_order),
        unit_level2=_rollup(cat, keyed, 2, unit_order),
        submissions=_submissions(result, per_file, expected),
        files=_files_table(result, per_file),
        reconciliation=_reconcile(cat, rows, strict),
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
