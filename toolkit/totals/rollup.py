"""Accepted rows -> exact totals per category and unit, and the summary of a roll-up (its
tables, who submitted, and the reconciliation of ``toolkit.totals.reconcile``).

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
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from toolkit.money import INT64_MAX, fen_to_yuan
from toolkit.totals.reconcile import Reconciliation, reconcile_sums
from toolkit.totals.sums import BatchSums, Leaf, batch_sums
from toolkit.totals.units import NO_UNIT, expected_units, received_units, unit_label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from toolkit.catalog import Catalog
    from toolkit.rules.result import CheckResult

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
    sums = batch_sums(result, strict, unit_label)
    order = received_units(result, sums, expected_units(units)) if by_unit else None
    return totals_frame(_totals(result.catalog, sums, level, order), level, by_unit)


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
    per_file = batch_sums(result, strict, unit_label).per_file
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
    per_file = batch_sums(result, strict, unit_label).per_file
    return _frame(_unit_lines(result, per_file, expected_units(units)), UnitLine)


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
        groups.setdefault(unit_label(f.unit), []).append((k, f))
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
    expected = expected_units(units)
    cat = result.catalog
    sums = batch_sums(result, strict, unit_label)
    order = received_units(result, sums, expected)
    return RollupSummary(
        result=result,
        strict=strict,
        units=expected,
        totals={level: _totals(cat, sums, level, None) for level in (1, 2, 3)},
        unit_totals={level: _totals(cat, sums, level, order) for level in (1, 2)},
        unit_lines=_unit_lines(result, sums.per_file, expected),
        file_lines=_file_lines(result, sums.per_file),
        reconciliation=reconcile_sums(cat, sums, strict),
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
