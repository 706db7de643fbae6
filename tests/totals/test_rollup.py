"""Roll-up totals are exact, list the whole catalogue, and reconcile; strict mode; units."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import build_submission, line, stamp_for
from hypothesis import given, settings
from hypothesis import strategies as st
from totals_helpers import make_result, make_row, random_rows

from toolkit.catalog import Catalog
from toolkit.money import fen_text, fen_to_yuan
from toolkit.rules import registry
from toolkit.rules.batch import check
from toolkit.rules.result import CheckResult, FileResult
from toolkit.totals.reconcile import reconcile
from toolkit.totals.rollup import STRICT_REASON, rollup, submissions, summarize
from toolkit.totals.units import NO_UNIT


# -- a CheckResult built directly from result.py's dataclasses -------------------------------
# -- exact totals ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_totals_match_an_independent_decimal_sum(catalog: Catalog, seed: int) -> None:
    rows = random_rows(catalog, seed)
    result = make_result(catalog, rows)
    expected: dict[tuple[int, str], Decimal] = {}
    for row in rows:
        amount = Decimal(row["amount_fen"]) / 100
        for level, key in ((1, "level1"), (2, "level2"), (3, "code")):
            expected[(level, row[key])] = expected.get((level, row[key]), Decimal(0)) + amount
    for level in (1, 2, 3):
        frame = rollup(result, level=level)
        assert list(frame["code"]) == [e.code for e in catalog.level(level)]
        for r in frame.itertuples():
            want = expected.get((level, r.code), Decimal(0))
            assert r.amount_yuan == want, r.code
            assert r.amount_fen == int(want * 100)
    grand = sum((Decimal(r["amount_fen"]) for r in rows), Decimal(0))
    assert reconcile(result).grand_total_fen == grand


def test_sums_stay_exact_beyond_float_precision(catalog: Catalog) -> None:
    # 2**53 + 1 + 1 is not representable as a float sum: the total must still be exact.
    big = 2**53
    rows = [make_row(catalog, "a.xlsx", "中原区", "033A0101", fen) for fen in (big, 1, 1)]
    frame = rollup(make_result(catalog, rows), level=3)
    got = frame.set_index("code").loc["033A0101"]
    assert got["amount_fen"] == big + 2
    assert got["amount_yuan"] == Decimal(big + 2) / 100
    assert frame["amount_fen"].dtype == "int64"


def test_every_category_is_listed_with_zero_where_nothing_was_budgeted(catalog: Catalog) -> None:
    result = make_result(catalog, [make_row(catalog, "a.xlsx", "中原区", "033C0506", 12345)])
    level1 = rollup(result, level=1).set_index("code")
    assert list(level1.index) == [e.code for e in catalog.level(1)]
    assert level1.loc["033C", "amount_fen"] == 12345
    assert level1.loc["033A", "amount_fen"] == 0
    assert level1.loc["033A", "amount_yuan"] == Decimal("0.00")
    assert level1.loc["033C", "share"] == 1.0
    money = ["rows", "amount_fen", "amount_yuan", "share"]
    assert list(rollup(result, level=1).columns) == ["code", "name", *money]
    level2 = rollup(result, level=2)
    assert len(level2) == len(catalog.level(2))
    assert list(level2.columns) == ["code", "name", "level1", *money]
    assert list(rollup(result, level=3).columns) == ["code", "name", "level1", "level2", *money]
    by_unit = rollup(result, level=2, by_unit=True)
    assert list(by_unit.columns) == ["unit", "code", "name", "level1", *money]
    level3 = rollup(result, level=3).set_index("code")
    assert len(level3) == len(catalog.leaves)
    assert level3.loc["033C0506", ["level1", "level2", "rows"]].tolist() == ["033C", "033C05", 1]


def test_shares_come_from_exact_integers(catalog: Catalog) -> None:
    rows = [
        make_row(catalog, "a.xlsx", "中原区", "033A0101", 300),
        make_row(catalog, "a.xlsx", "中原区", "033B0201", 100),
    ]
    frame = rollup(make_result(catalog, rows), level=1).set_index("code")
    assert frame["share"].to_dict() == {"033A": 0.75, "033B": 0.25, "033C": 0.0}


def test_by_unit_lists_every_received_unit_and_category(catalog: Catalog) -> None:
    rows = [
        make_row(catalog, "b.xlsx", "金水区", "033A0101", 500),
        make_row(catalog, "a.xlsx", "中原区", "033A0102", 200),
        make_row(catalog, "a.xlsx", "中原区", "033B0201", 300),
        make_row(catalog, "c.xlsx", None, "033B0201", 7),
    ]
    frame = rollup(make_result(catalog, rows), level=2, by_unit=True)
    # Units in the order of the built-in list; a row without a unit is kept, last.
    assert list(frame["unit"].drop_duplicates()) == ["中原区", "金水区", NO_UNIT]
    assert len(frame) == 3 * len(catalog.level(2))
    got = frame.set_index(["unit", "code"])["amount_fen"]
    assert got[("中原区", "033A01")] == 200
    assert got[("中原区", "033B02")] == 300
    assert got[("金水区", "033A01")] == 500
    assert got[(NO_UNIT, "033B02")] == 7
    shares = frame[frame["unit"] == "中原区"].set_index("code")["share"]
    assert shares["033A01"] == pytest.approx(0.4)  # share of the unit's own total


def test_rejected_rows_are_not_counted(catalog: Catalog) -> None:
    rows = [
        make_row(catalog, "a.xlsx", "中原区", "033A0101", 1000),
        make_row(catalog, "a.xlsx", "中原区", "033A0101", -50, accepted=False, reasons="x"),
        make_row(catalog, "a.xlsx", "中原区", None, None, accepted=False, reasons="y"),
    ]
    result = make_result(catalog, rows)
    assert rollup(result, level=1).set_index("code").loc["033A", "amount_fen"] == 1000
    rec = reconcile(result)
    assert (rec.rows_read, rec.rows_accepted, rec.rows_rejected) == (3, 1, 2)
    # rejected money is never netted out: the -0.50 stays visible beside the accepted 10.00
    assert (rec.read, rec.fen_accepted) == (Decimal("9.50"), 1000)
    assert (rec.rejected_positive, rec.rejected_negative) == (Decimal(0), Decimal("-0.50"))
    assert rec.rejected_gross == Decimal("0.50")
    assert rec.rows_without_amount == 1
    assert rec.ok


def test_level_must_be_1_2_or_3(catalog: Catalog) -> None:
    with pytest.raises(ValueError):
        rollup(make_result(catalog, []), level=4)


def test_empty_batch(catalog: Catalog) -> None:
    result = make_result(catalog, [])
    assert rollup(result, level=1)["amount_fen"].tolist() == [0, 0, 0]
    assert rollup(result, level=1, by_unit=True).empty
    rec = reconcile(result)
    assert rec.ok and rec.grand_total_fen == 0 and rec.rows_read == 0


# -- strict -------------------------------------------------------------------------------
def _batch_with_one_bad_file(catalog: Catalog) -> CheckResult:
    rows = [
        make_row(catalog, "good.xlsx", "中原区", "033A0101", 1000),
        make_row(catalog, "bad.xlsx", "金水区", "033A0101", 2000),
        make_row(catalog, "bad.xlsx", "金水区", "033A0102", 3000),
        make_row(catalog, "bad.xlsx", "金水区", "0", 5, accepted=False, reasons="unknown-code"),
    ]
    bad_issue = registry.get("unknown-code").issue(file="bad.xlsx", sheet="预算表", row=6, column=3)
    files = [
        FileResult("good.xlsx", unit="中原区", year=2027),
        FileResult("bad.xlsx", status="errors", unit="金水区", year=2027, issues=[bad_issue]),
    ]
    return make_result(catalog, rows, files)


def test_strict_leaves_out_every_row_of_a_file_with_an_error(catalog: Catalog) -> None:
    result = _batch_with_one_bad_file(catalog)
    normal = rollup(result, level=1).set_index("code").loc["033A", "amount_fen"]
    strict = rollup(result, level=1, strict=True).set_index("code").loc["033A", "amount_fen"]
    assert (normal, strict) == (6000, 1000)
    rec = reconcile(result, strict=True)
    assert rec.ok and rec.strict
    assert (rec.rows_accepted, rec.rows_rejected) == (1, 3)
    assert (rec.fen_accepted, rec.rejected_gross) == (1000, Decimal("50.05"))
    rejected = summarize(result, strict=True).rejected
    assert sorted(rejected["reasons"]) == sorted([STRICT_REASON, STRICT_REASON, "unknown-code"])


def test_strict_keeps_files_with_warnings_only(catalog: Catalog) -> None:
    warning = registry.get("value-outside-table").issue(
        file="a.xlsx", sheet="预算表", row=9, column=11
    )
    rows = [make_row(catalog, "a.xlsx", "中原区", "033A0101", 1000)]
    files = [FileResult("a.xlsx", unit="中原区", year=2027, issues=[warning])]
    rec = reconcile(make_result(catalog, rows, files), strict=True)
    assert rec.fen_accepted == 1000


# -- who submitted --------------------------------------------------------------------------
def test_missing_duplicate_unlisted_and_unitless_submissions(catalog: Catalog) -> None:
    rows = [
        make_row(catalog, "zy.xlsx", "中原区", "033A0101", 100),
        make_row(catalog, "js-old.xlsx", "金水区", "033A0101", 999, accepted=False),
        make_row(catalog, "js-new.xlsx", "金水区", "033A0101", 300),
        make_row(catalog, "x.xlsx", "管城区", "033A0101", 50, accepted=False),
    ]
    files = [
        FileResult("zy.xlsx", unit="中原区", year=2027),
        FileResult("js-old.xlsx", status="errors", unit="金水区", year=2027, counts=False),
        FileResult("js-new.xlsx", unit="金水区", year=2027),
        FileResult("x.xlsx", status="errors", unit="管城区", year=2027),
        FileResult("broken.xlsx", status="unreadable"),
    ]
    result = make_result(catalog, rows, files)
    units = ["中原区", "金水区", "二七区"]
    table = submissions(result, units).set_index("unit")
    assert list(table.index) == ["中原区", "金水区", "二七区", "管城区", NO_UNIT]
    assert table["status"].to_dict() == {
        "中原区": "received",
        "金水区": "duplicate",
        "二七区": "missing",
        "管城区": "unlisted",
        NO_UNIT: "no-unit",
    }
    assert table.loc["金水区", "counted"] == ["js-new.xlsx"]
    assert table.loc["金水区", "not_counted"] == ["js-old.xlsx"]
    assert table.loc["金水区", ["files", "rows_accepted", "rows_rejected"]].tolist() == [2, 1, 1]
    assert table.loc["金水区", ["accepted_fen", "rejected_fen"]].tolist() == [300, 999]
    assert table.loc["二七区", "files"] == 0
    summary = summarize(result, units=units)
    assert summary.missing_units == ["二七区"]
    assert summary.duplicate_units == ["金水区"]
    # Units with a counted file appear in the unit tables even when every row was rejected.
    assert summary.received_units == ["中原区", "金水区", "管城区"]


def test_yuan_formatting_is_exact() -> None:
    assert fen_text(1234560) == "12345.60"
    assert fen_text(0) == "0.00"
    assert fen_text(5) == "0.05"
    assert fen_text(-5) == "-0.05"
    assert fen_text(10**17 + 1) == "1000000000000000.01"
    assert fen_to_yuan(12345) == Decimal("123.45")


# -- end to end: random workbooks -> check -> roll-up ---------------------------------------
@pytest.mark.parametrize("seed", [11, 12])
def test_random_submissions_roll_up_to_the_independent_sum(
    catalog: Catalog, tmp_path: Path, seed: int
) -> None:
    """Workbooks written with openpyxl (no cached values), amounts as numbers or text.

    A text amount is counted but skipped by the form's own =SUM, so these forms carry their
    合计 typed in (what the office signed), which then equals what is counted."""
    rng = random.Random(seed)
    leaves = list(catalog.leaves)
    units = ["中原区", "二七区", "金水区", "巩义市", "登封市"]
    expected: dict[str, Decimal] = {}
    per_unit: dict[tuple[str, str], Decimal] = {}
    for n, unit in enumerate(units):
        lines = []
        file_total = Decimal(0)
        for i in range(rng.randint(1, 25)):
            leaf = rng.choice(leaves)
            yuan = Decimal(rng.randrange(0, 10**9)) / 100
            style = rng.choice(["number", "text", "thousands", "label"])
            amount: Any = float(yuan) if style == "number" else str(yuan)
            if style == "thousands":
                amount = f"{yuan:,}"
            code = leaf.label if style == "label" else leaf.code
            lines.append(line(project=f"项目{n}-{i}", code=code, amount=amount))
            file_total += yuan
            for key in (leaf.code, leaf.parent, catalog.level1(leaf.code).code):
                expected[key] = expected.get(key, Decimal(0)) + yuan
            key1 = catalog.level1(leaf.code).code
            per_unit[(unit, key1)] = per_unit.get((unit, key1), Decimal(0)) + yuan
        build_submission(
            tmp_path / f"{unit}.xlsx", lines, unit=unit, stamp=stamp_for(catalog),
            total=float(file_total),
        )  # fmt: skip
    result = check(tmp_path, catalog)
    assert result.errors == 0, result.issues[["file", "rule", "cell", "value"]]
    for level in (1, 2, 3):
        for r in rollup(result, level=level).itertuples():
            assert r.amount_yuan == expected.get(r.code, Decimal(0)), r.code
    for r in rollup(result, level=1, by_unit=True).itertuples():
        assert r.amount_yuan == per_unit.get((r.unit, r.code), Decimal(0)), (r.unit, r.code)
    rec = reconcile(result)
    assert rec.ok and rec.rows_rejected == 0
    assert fen_to_yuan(rec.grand_total_fen) == sum(
        (v for k, v in expected.items() if k in {e.code for e in catalog.level(1)}), Decimal(0)
    )


def test_a_four_level_catalogue_rolls_leaves_up_through_level_3(catalog: Catalog) -> None:
    doc = catalog.to_dict()
    doc["id"] = "four-levels"
    for i, name in ((1, "助餐服务"), (2, "助浴服务")):
        code = f"033A01010{i}"
        doc["entries"].append({"code": code, "name": name, "level": 4, "parent": "033A0101"})
    four = Catalog.from_dict(doc)
    rows = [
        make_row(four, "a.xlsx", "中原区", "033A010101", 100),
        make_row(four, "a.xlsx", "中原区", "033A010102", 250),
        make_row(four, "a.xlsx", "中原区", "033A0102", 7),
    ]
    result = make_result(four, rows)
    level3 = rollup(result, level=3).set_index("code")
    assert level3.loc["033A0101", ["rows", "amount_fen"]].tolist() == [2, 350]
    assert level3.loc["033A0102", "amount_fen"] == 7
    rec = reconcile(result)
    assert rec.ok, [c for c in rec.checks if not c.ok]
    assert rec.grand_total_fen == 357


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 71),  # which leaf
            st.integers(-(10**12), 10**14),  # fen, negatives included (rejected ones)
            st.booleans(),  # accepted
            st.sampled_from(["中原区", "金水区", None]),
        ),
        max_size=60,
    )
)
def test_property_totals_and_balances_hold_for_any_rows(
    catalog: Catalog, items: list[tuple[int, int, bool, str | None]]
) -> None:
    leaves = catalog.leaves
    rows = [
        make_row(catalog, f"{unit}.xlsx", unit, leaves[i].code, fen, accepted=ok and fen >= 0)
        for i, fen, ok, unit in items
    ]
    result = make_result(catalog, rows)
    counted = [r for r in rows if r["accepted"]]
    for level, key in ((1, "level1"), (2, "level2"), (3, "code")):
        want: dict[str, int] = {}
        for r in counted:
            want[r[key]] = want.get(r[key], 0) + r["amount_fen"]
        got = rollup(result, level=level).set_index("code")["amount_fen"].to_dict()
        assert set(want) <= set(got)  # every counted code is a listed category
        assert got == {code: want.get(code, 0) for code in got}
    rec = reconcile(result)
    assert rec.ok
    assert rec.read == fen_to_yuan(sum(r["amount_fen"] for r in rows))
    assert rec.grand_total_fen == sum(r["amount_fen"] for r in counted)


def test_unit_names_are_compared_as_the_checker_compares_them(catalog: Catalog) -> None:
    # The checker accepts "中原区　" (a full-width space typed after it); so must the tables.
    rows = [make_row(catalog, "a.xlsx", " 中原区\u3000", "033A0101", 100)]
    result = make_result(catalog, rows)
    table = submissions(result, ["中原区", "金水区"]).set_index("unit")
    assert table["status"].to_dict() == {"中原区": "received", "金水区": "missing"}
    assert list(rollup(result, level=1, by_unit=True)["unit"].unique()) == ["中原区"]


def test_one_file_per_year_is_not_a_duplicate(catalog: Catalog) -> None:
    rows = [
        make_row(catalog, "2027.xlsx", "中原区", "033A0101", 100),
        make_row(catalog, "2028.xlsx", "中原区", "033A0101", 200, year=2028),
    ]
    files = [
        FileResult("2027.xlsx", unit="中原区", year=2027),
        FileResult("2028.xlsx", unit="中原区", year=2028),
    ]
    table = submissions(make_result(catalog, rows, files), ["中原区"]).set_index("unit")
    assert table.loc["中原区", "status"] == "received"
    assert table.loc["中原区", "counted"] == ["2027.xlsx", "2028.xlsx"]


def test_toolkit_rollup_is_callable_even_after_the_module_was_imported(catalog: Catalog) -> None:
    # This test module imported toolkit.totals.rollup (the module), which rebinds the package
    # attribute; the public name must still be callable as the API promises.
    import sys

    import toolkit

    assert "toolkit.totals.rollup" in sys.modules
    result = make_result(catalog, [make_row(catalog, "a.xlsx", "中原区", "033A0101", 5)])
    assert toolkit.totals.rollup(result, level=1).equals(rollup(result, level=1))
    assert "rollup" in toolkit.__all__ and "summarize" in toolkit.__all__


def test_sums_never_wrap_past_int64(catalog: Catalog) -> None:
    """numpy int64 sums wrap silently; a batch of huge (rejected-worthy) amounts must not."""
    big = 2**53 - 1  # the largest amount the checker keeps in the fen columns
    rows = [make_row(catalog, "a.xlsx", "中原区", "033A0101", big) for _ in range(1500)]
    rows += [make_row(catalog, "b.xlsx", "二七区", "033C0506", 7)]
    result = make_result(catalog, rows)
    expected = big * 1500
    assert expected > 2**63  # would wrap in int64
    level1 = rollup(result, level=1).set_index("code")["amount_fen"]
    assert int(level1["033A"]) == expected
    assert int(level1["033C"]) == 7
    rec = reconcile(result)
    assert rec.ok, [c for c in rec.checks if not c.ok]
    by_unit = rollup(result, level=2, by_unit=True)
    assert int(by_unit[by_unit["unit"] == "中原区"]["amount_fen"].sum()) == expected
