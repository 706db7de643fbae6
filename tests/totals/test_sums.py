"""The roll-up's sums (toolkit.totals.sums) against a plain row-by-row reference.

Every table of ``summarize`` is a regrouping of ``batch_sums``; here random batches
(units fixed per file or per row, missing and odd units, wrong level codes, missing fen,
amounts past int64, files with errors, strict or not) are summed again row by row from
each file's ``Rows`` and from the effective-rows DataFrame, and all must agree exactly.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.catalog import load_catalog
from toolkit.issues import Issue
from toolkit.rules.result import ROW_COLUMNS, CheckResult, FileResult, Rows
from toolkit.text import squash
from toolkit.totals.rollup import summarize
from toolkit.totals.units import NO_UNIT, is_missing

CATALOG = load_catalog()
LEAVES = [e.code for e in CATALOG.leaves]
UNITS = ["中原区", " 中原 区", "金水区", "郑州市民政局", "", None]


def _levels(code: Any) -> tuple[Any, Any]:
    if isinstance(code, str) and code in CATALOG:
        l2 = CATALOG.ancestor(code, 2)
        return CATALOG.ancestor(code, 1).code, l2.code if l2 else None
    return None, None


row_st = st.fixed_dictionaries(
    {
        "code": st.one_of(st.sampled_from(LEAVES), st.none(), st.just("999X")),
        "wrong_level": st.booleans(),  # a level code that disagrees with the leaf
        "accepted": st.booleans(),
        # up to the largest amount a line may carry (10 万亿 元): a row's fen fits int64
        "fen": st.one_of(st.none(), st.integers(-(10**6), 10**6), st.integers(0, 10**15)),
        "extra": st.sampled_from(["", "0.001", "-0.0049"]),  # digits past the fen
        "unit": st.sampled_from(UNITS),
    }
)
file_st = st.fixed_dictionaries(
    {
        "unit": st.sampled_from(UNITS),
        "fixed_unit": st.booleans(),
        "errors": st.booleans(),
        "rows": st.lists(row_st, max_size=8),
    }
)


def _batch(files: list[dict[str, Any]]) -> CheckResult:
    results, parts = [], []
    for k, spec in enumerate(files):
        path = f"f{k % 3}.xlsx"  # two files may share a path: each keeps its own sums
        issues = [Issue("unknown-code", "error", "x", file=path)] if spec["errors"] else []
        results.append(FileResult(path, unit=spec["unit"], year=2027, issues=issues))
        cols: dict[str, list[Any]] = {c: [] for c in ROW_COLUMNS}
        for i, r in enumerate(spec["rows"]):
            l1, l2 = _levels(r["code"])
            if r["wrong_level"]:
                l1 = "033B" if l1 != "033B" else "033A"
            fen = r["fen"]
            read = None if fen is None else Decimal(fen).scaleb(-2)
            if read is not None and r["extra"] and not r["accepted"]:
                read, fen = read + Decimal(r["extra"]), None  # not a whole number of fen
            values = dict.fromkeys(ROW_COLUMNS)
            values.update(
                file=path, sheet="预算表", row=4 + i, unit=r["unit"], year=2027,
                code=r["code"], level1=l1, level2=l2, amount_fen=fen,
                amount_cell=f"K{4 + i}", amount_read=read, hidden=False,
                accepted=r["accepted"], reasons="" if r["accepted"] else "unknown-code",
            )  # fmt: skip
            for c in ROW_COLUMNS:
                cols[c].append(values[c])
        fixed = {"file": path}
        if spec["fixed_unit"]:
            fixed["unit"] = spec["unit"]
            del cols["unit"]
        del cols["file"]
        parts.append(Rows(cols, fixed=fixed))
    return CheckResult(catalog=CATALOG, files=results, parts=parts)


def _label(unit: Any) -> str:
    return NO_UNIT if unit is None else (squash(str(unit)) or NO_UNIT)


def _reference(result: CheckResult, strict: bool) -> dict[str, Any]:
    """Every sum the summary shows, row by row from the files' Rows."""
    level_of = {1: lambda r: r["level1"], 2: lambda r: r["level2"]}
    level_of[3] = lambda r: (
        CATALOG.ancestor(r["code"], 3).code
        if isinstance(r["code"], str) and r["code"] in CATALOG
        else None
    )
    totals: dict[tuple[Any, ...], list[int]] = {}
    per_file: list[list[int]] = []  # in the order of the files: two may share a path
    read = positive = negative = Decimal(0)
    n_acc = n_rej = fen_acc = unreadable = 0
    for fr, rows in zip(result.files, result.parts, strict=True):
        file_sums = [0, 0, 0, 0]
        per_file.append(file_sums)
        for values in rows:
            r = dict(zip(ROW_COLUMNS, values, strict=True))
            ok = r["accepted"] and not (strict and fr.errors)
            fen, amount = r["amount_fen"], r["amount_read"]
            if fen is not None:
                read += Decimal(fen) / 100
            elif amount is not None:
                read += amount
            if ok:
                n_acc += 1
                fen_acc += fen or 0
                file_sums[0] += 1
                file_sums[2] += fen or 0
                for level in (1, 2, 3):
                    for unit in (None, _label(r["unit"])):
                        slot = totals.setdefault((level, unit, level_of[level](r)), [0, 0])
                        slot[0] += 1
                        slot[1] += fen or 0
            else:
                n_rej += 1
                file_sums[1] += 1
                file_sums[3] += fen or 0
                if amount is None:
                    unreadable += 1
                elif amount > 0:
                    positive += amount
                else:
                    negative += amount
    return {
        "totals": totals, "per_file": per_file, "read": read, "positive": positive,
        "negative": negative, "rows": (n_acc, n_rej), "fen": fen_acc, "unreadable": unreadable,
    }  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(files=st.lists(file_st, max_size=5), strict=st.booleans())
def test_summary_equals_a_row_by_row_sum(files: list[dict[str, Any]], strict: bool) -> None:
    result = _batch(files)
    want = _reference(result, strict)
    s = summarize(result, units=["中原区", "二七区"], strict=strict)
    for level in (1, 2, 3):
        assert [t.code for t in s.totals[level]] == [e.code for e in CATALOG.level(level)]
        for t in s.totals[level]:
            assert [t.rows, t.amount_fen] == want["totals"].get((level, None, t.code), [0, 0])
            assert t.amount_yuan == Decimal(t.amount_fen).scaleb(-2)
    units = {key[1] for key in want["totals"] if key[1] is not None}
    units |= {_label(f.unit) for f in result.files if f.counts}
    assert set(s.received_units) == units
    for level in (1, 2):
        for t in s.unit_totals[level]:
            got = [t.rows, t.amount_fen]
            assert got == want["totals"].get((level, t.unit, t.code), [0, 0])
    for line, (n_acc, n_rej, fen_acc, fen_rej) in zip(s.file_lines, want["per_file"], strict=True):
        assert (line.rows_accepted, line.rows_rejected) == (n_acc, n_rej)
        assert (line.accepted_fen, line.rejected_fen) == (fen_acc, fen_rej)
    for unit in s.unit_lines:  # a unit's files, each counted once (not once per shared path)
        mine = [w for f, w in zip(result.files, want["per_file"], strict=True)
                if _label(f.unit) == unit.unit]  # fmt: skip
        got = [unit.rows_accepted, unit.rows_rejected, unit.accepted_fen, unit.rejected_fen]
        assert got == [sum(w[k] for w in mine) for k in range(4)], unit.unit
    rec = s.reconciliation
    assert (rec.rows_accepted, rec.rows_rejected) == want["rows"]
    assert rec.rows_read == sum(want["rows"])
    assert (rec.fen_accepted, rec.grand_total_fen) == (want["fen"], want["fen"])
    assert (rec.rejected_positive, rec.rejected_negative) == (want["positive"], want["negative"])
    assert rec.rows_without_amount == want["unreadable"]
    assert rec.read == want["read"]
    assert next(c for c in rec.checks if c.name == "amounts").ok
    assert next(c for c in rec.checks if c.name == "rows").ok
    # the DataFrame twins say the same: the effective rows, and each table's frame
    frame = s.rows
    accepted = frame[frame["accepted"]]
    assert len(accepted) == rec.rows_accepted
    assert int(accepted["amount_fen"].fillna(0).map(int).sum()) == rec.fen_accepted
    assert s.level2["amount_fen"].map(int).tolist() == [t.amount_fen for t in s.totals[2]]
    assert s.files["rows_rejected"].tolist() == [f.rows_rejected for f in s.file_lines]
    assert s.submissions["unit"].tolist() == [u.unit for u in s.unit_lines]


def test_a_total_past_int64_stays_exact_in_its_frame() -> None:
    spec = {"code": LEAVES[0], "wrong_level": False, "accepted": True, "extra": ""}
    spec["unit"] = "中原区"
    rows = [{**spec, "fen": 10**15}] * 9300  # 9,300 lines at the cap: past 2**63 fen
    result = _batch([{"unit": "中原区", "fixed_unit": True, "errors": False, "rows": rows}])
    s = summarize(result)
    assert s.totals[3][0].amount_fen == 93 * 10**17 > 2**63
    assert s.level3["amount_fen"].dtype == object
    assert s.level3.loc[0, "amount_fen"] == 93 * 10**17
    assert s.reconciliation.ok


@pytest.mark.parametrize(
    ("value", "missing"),
    [(None, True), (float("nan"), True), ("", False), ("中原区", False), (0, False)],
)
def test_is_missing(value: Any, missing: bool) -> None:
    assert is_missing(value) is missing


def test_is_missing_knows_pandas_na() -> None:
    import pandas as pd

    assert is_missing(pd.NA)


def test_the_json_and_terminal_tables_need_no_dataframe() -> None:
    from toolkit.output.report import json_text
    from toolkit.output.tables import reconciliation_lines, submission_lines
    from toolkit.output.terminal import terminal_table

    spec = {"code": LEAVES[0], "wrong_level": False, "accepted": True, "extra": ""}
    spec["unit"] = "金水区"
    result = _batch([{"unit": "金水区", "fixed_unit": False, "errors": False, "rows": [
        {**spec, "fen": 12345}]}])  # fmt: skip
    s = summarize(result)
    assert '"033A": "123.45"' in json_text(s)
    assert terminal_table(s).row_count == len(CATALOG.level(1)) + len(CATALOG.level(2))
    assert reconciliation_lines(s) and submission_lines(s)
    assert not {"rows", "level1", "level2", "level3", "unit_level1", "submissions"} & set(vars(s))


@pytest.mark.parametrize("strict", [False, True])
def test_sums_prepared_in_the_workers_are_the_sums_made_here(tmp_path: Path, strict: bool) -> None:
    """``check(..., prepare=sums.prepare)`` fills each file's ``Rows.memo`` in the worker;
    a file rejected afterwards in this process (a second file of a unit) has it emptied,
    and the summary is the one made without the pool, byte for byte."""
    from builders import build_submission, line

    from toolkit import form
    from toolkit.output.report import json_text
    from toolkit.rules.batch import check
    from toolkit.totals.sums import prepare

    for i, unit in enumerate(form.ZHENGZHOU_UNITS[:4]):
        rows = [line(amount=i + 1), line(amount=2.5), line(code="bad")]
        build_submission(tmp_path / f"{i}.xlsx", rows, unit=unit)
    build_submission(tmp_path / "9.xlsx", [line(amount=7)], unit=form.ZHENGZHOU_UNITS[0])
    serial = check(tmp_path)
    pooled = check(tmp_path, jobs=2, prepare=prepare)
    assert all(not p.memo for p in serial.parts)
    for f, p in zip(pooled.files, pooled.parts, strict=True):
        assert set(p.memo) == ({"amounts", "leaf_sums", "file_sums"} if f.counts else set()), f.path
    assert not all(f.counts for f in pooled.files)  # the duplicate was rejected here
    want = json_text(summarize(serial, strict=strict))
    assert json_text(summarize(pooled, strict=strict)) == want
    if not strict:  # the workers' sums sufficed: no counted file's DEFERRED columns unpacked
        counted = [p for f, p in zip(pooled.files, pooled.parts, strict=True) if f.counts]
        assert all(p._packed is not None for p in counted)
    assert json_text(summarize(pooled, strict=strict)) == want  # the memo read, not changed


def test_amounts_kept_in_the_memo_are_the_callers_copy() -> None:
    from toolkit.totals.amounts import rows_amounts

    spec = {"code": LEAVES[0], "wrong_level": False, "accepted": True, "extra": ""}
    spec["unit"] = "中原区"
    result = _batch([{"unit": "中原区", "fixed_unit": True, "errors": False, "rows": [
        {**spec, "fen": 100}]}])  # fmt: skip
    rows = result.parts[0]
    first = rows_amounts(rows)
    first.accepted_fen += 1
    assert rows_amounts(rows).accepted_fen == 100
    rows.reject("year-mixed")
    assert not rows.memo and rows_amounts(rows).accepted_fen == 0


def test_the_file_list_keeps_years_as_integers_when_one_is_missing() -> None:
    """The file list's 年度 is read from the tuples: a batch with a file of no known year
    shows the others' as 2027, not as the 2027.0 a float column of the frame gave."""
    from toolkit.output.tables import files_table

    spec = {"code": LEAVES[0], "wrong_level": False, "accepted": True, "extra": ""}
    spec["unit"] = "中原区"
    one = {"unit": "中原区", "fixed_unit": True, "errors": False, "rows": [{**spec, "fen": 1}]}
    result = _batch([one, {**one, "unit": "金水区"}])
    result.files[1].year = None
    table = files_table(summarize(result))
    column = table.headers.index("年度")
    assert [row[column] for row in table.rows] == [2027, None]
