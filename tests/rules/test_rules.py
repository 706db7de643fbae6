"""One workbook per rule: the rule id and the cell it concerns, and what happens to the row."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from builders import build_submission, entry_part, line, patch_part, stamp_for

from toolkit import form
from toolkit.catalog import Catalog, load_catalog
from toolkit.rules import registry
from toolkit.rules.batch import check
from toolkit.rules.engine import check_file
from toolkit.rules.options import CheckOptions
from toolkit.rules.result import ROW_COLUMNS

E = form.SHEET_ENTRY


def _other_catalog_stamp() -> dict[str, str]:
    stamp = stamp_for(load_catalog())
    stamp.update(catalog_version="2019", catalog_sha256="0" * 64)
    return stamp


def _error_cell(tmp: Path) -> Path:
    path = build_submission(tmp / "a.xlsx", [line(amount="ERRMARK")])
    return patch_part(
        path,
        entry_part(path),
        '<c r="K4" t="inlineStr"><is><t>ERRMARK</t></is></c>',
        '<c r="K4" t="e"><v>#REF!</v></c>',
    )


def _control_chars(tmp: Path) -> Path:
    path = build_submission(tmp / "a.xlsx", [line(project="CTRLMARK")])
    return patch_part(path, entry_part(path), "CTRLMARK", "服务_x0007_项目")


def _build(**kwargs: object) -> Callable[[Path], Path]:
    rows = kwargs.pop("rows", [line()])
    return lambda tmp: build_submission(tmp / "a.xlsx", rows, **kwargs)  # type: ignore[arg-type]


# rule case -> (workbook, expected (rule, sheet, cell) in order)
CASES: dict[str, tuple[Callable[[Path], Path], list[tuple[str, str, str]]]] = {
    "not-a-template/no-header": (
        _build(header_labels={"code": "编号", "amount": "钱", "project": "名字", "seq": "x"}),
        [("not-a-template", "", "")],
    ),
    "not-a-template/missing-column": (
        _build(columns=("seq", "project", "code", "method", "note")),
        [("not-a-template", E, "A3")],
    ),
    "stamp-missing": (_build(stamp=None), [("stamp-missing", "", "")]),
    "stamp-mismatch/properties": (
        _build(stamp=_other_catalog_stamp(), stamp_in="properties"),
        [("stamp-mismatch", "", "")],
    ),
    "stamp-mismatch/sheet": (
        _build(stamp=_other_catalog_stamp(), stamp_in="sheet"),
        [("stamp-mismatch", form.SHEET_STAMP, "B3")],
    ),
    "unit-missing": (_build(unit=None), [("unit-missing", E, "C2")]),
    "unit-unknown": (_build(unit="火星区"), [("unit-unknown", E, "C2")]),
    "required-missing/project": (
        _build(rows=[line(project=None)]),
        [("required-missing", E, "B4")],
    ),
    "required-missing/code": (_build(rows=[line(code=None)]), [("required-missing", E, "C4")]),
    "required-missing/amount": (
        _build(rows=[line(), line(amount=None)]),
        [("required-missing", E, "K5")],
    ),
    "unknown-code": (_build(rows=[line(code="033Z9999")]), [("unknown-code", E, "C4")]),
    "unknown-code/name-only": (
        _build(rows=[line(code="居家养老服务")]),
        [("unknown-code", E, "C4")],
    ),
    "non-leaf-code/level1": (_build(rows=[line(code="033A")]), [("non-leaf-code", E, "C4")]),
    "non-leaf-code/level2": (
        _build(rows=[line(code="033A01 养老服务")]),
        [("non-leaf-code", E, "C4")],
    ),
    "code-name-mismatch": (
        _build(rows=[line(code="033A0101 机构养老服务")]),
        [("code-name-mismatch", E, "C4")],
    ),
    "amount-not-number/text": (
        _build(rows=[line(amount="十万")]),
        [("amount-not-number", E, "K4")],
    ),
    "amount-not-number/date": (
        _build(rows=[line(amount=date(2027, 3, 1))]),
        [("amount-not-number", E, "K4")],
    ),
    "amount-not-number/bool": (_build(rows=[line(amount=True)]), [("amount-not-number", E, "K4")]),
    "amount-not-number/two-points": (
        _build(rows=[line(amount="1.2.3")]),
        [("amount-not-number", E, "K4")],
    ),
    "amount-negative": (_build(rows=[line(amount=-100)]), [("amount-negative", E, "K4")]),
    "amount-precision/yuan": (_build(rows=[line(amount=10.005)]), [("amount-precision", E, "K4")]),
    "amount-precision/text": (
        _build(rows=[line(amount="1,000.001")]),
        [("amount-precision", E, "K4")],
    ),
    "amount-precision/wan-yuan": (
        _build(rows=[line(amount=1.0000001)], amount_unit="万元"),
        [("amount-precision", E, "K4")],
    ),
    "amount-too-large": (_build(rows=[line(amount=2e9)]), [("amount-too-large", E, "K4")]),
    "amount-too-large/wan-yuan": (
        _build(rows=[line(amount=100_001)], amount_unit="万元"),
        [("amount-too-large", E, "K4")],
    ),
    "value-not-in-list/method": (
        _build(rows=[line(method="招标")]),
        [("value-not-in-list", E, "I4")],
    ),
    "value-not-in-list/funding": (
        _build(rows=[line(funding="自筹")]),
        [("value-not-in-list", E, "J4")],
    ),
    "value-not-in-list/provider-type": (
        _build(rows=[line(provider_type="公司")]),
        [("value-not-in-list", E, "H4")],
    ),
    "formula-in-input/amount": (
        _build(rows=[line(amount="=100*2")]),
        [("formula-in-input", E, "K4")],
    ),
    "formula-in-input/text": (
        _build(rows=[line(project='="项目"&"一"')]),
        [("formula-in-input", E, "B4")],
    ),
    "cell-error-value": (_error_cell, [("cell-error-value", E, "K4")]),
    "invalid-text/control": (_control_chars, [("invalid-text", E, "B4")]),
    "invalid-text/long": (_build(rows=[line(note="很长" * 1500)]), [("invalid-text", E, "M4")]),
    "duplicate-row": (
        _build(rows=[line(), line(amount=1), line()]),
        [("duplicate-row", E, "B6")],
    ),
    "total-mismatch": (
        _build(rows=[line(amount=100), line(amount=50)], total=999),
        [("total-mismatch", E, "K6")],
    ),
    "total-mismatch/text": (
        _build(rows=[line(amount=100)], total="一百"),
        [("total-mismatch", E, "K5")],
    ),
    "row-after-total": (
        _build(cells={"C9": "033A0101", "K9": 1000, "B9": "合计后的项目"}),
        [("row-after-total", E, "C9")],
    ),
    "value-outside-table/right": (
        _build(cells={"P4": "备用"}),
        [("value-outside-table", E, "P4")],
    ),
    "row-after-total/amount-only": (
        _build(cells={"C9": 12345}),  # a number below 合计 looks like a line item: an error
        [("row-after-total", E, "C9")],
    ),
    "value-outside-table/below": (
        _build(cells={"C9": "备用"}),
        [("value-outside-table", E, "C9")],
    ),
    "line-outside-table/in-total-row": (
        _build(rows=[line(), line(amount=1)], cells={"C6": "033A0101"}),
        [("line-outside-table", E, "C6")],
    ),
    "value-outside-table/gap-column": (
        _build(columns=("seq", "project", "code", "amount"), cells={"E3": None, "F4": "x"}),
        [("value-outside-table", E, "F4")],
    ),
}


def _issues(result) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [tuple(x) for x in result.issues[["rule", "sheet", "cell"]].values.tolist()]


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_workbook_per_rule(tmp_path: Path, case: str) -> None:
    make, expected = CASES[case]
    path = make(tmp_path)
    result = check(path)
    assert _issues(result) == expected
    rule = registry.get(expected[0][0])
    issue = result.files[0].issues[0]
    assert issue.severity == rule.severity.value
    assert issue.message and "{" not in issue.message
    if expected[0][2] and expected[0][1] == E:
        # the row carrying an error is read but not accepted, with the rule id why
        row = int(expected[0][2].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        rows = result.all_rows.set_index("row")
        if row in rows.index:
            assert rows.loc[row, "accepted"] == (not issue.is_error)
            if issue.is_error:
                assert rule.id in rows.loc[row, "reasons"].split(";")


def test_every_case_is_a_registered_rule() -> None:
    """Each case names a rule of the registry (every rule also has a real file of its own
    in tests/trust/test_every_rule_renders.py)."""
    assert {c.split("/")[0] for c in CASES} <= {r.id for r in registry.all_rules()}


def test_file_level_errors_reject_every_row(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(), line(amount=1)], unit="火星区")
    result = check(path)
    assert not result.all_rows["accepted"].any()
    assert set(result.all_rows["reasons"]) == {"unit-unknown"}


def test_warnings_keep_the_row(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(note="长" * 3000)], cells={"P4": "x"})
    result = check(path)
    assert result.files[0].status == "ok"
    assert result.rows["accepted"].all() and len(result.rows) == 1


def test_stamp_mismatch_can_be_downgraded(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line()], stamp=_other_catalog_stamp())
    strict = check(path)
    lenient = check(path, stamp_mismatch="warning")
    assert strict.files[0].status == "errors" and strict.rows.empty
    assert lenient.files[0].status == "ok" and len(lenient.rows) == 1
    assert lenient.issues["severity"].tolist() == ["warning"]


def test_amount_cap_is_configurable(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(amount=600_000), line(amount=400_000)])
    result = check(path, max_amount=500_000)
    assert _issues(result) == [("amount-too-large", E, "K4")]


def test_unit_list_is_configurable(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line()], unit="开封市")
    assert _issues(check(path)) == [("unit-unknown", E, "C2")]
    units = tmp_path / "units.txt"
    units.write_text("# 河南\n开封市\n洛阳市\n", encoding="utf-8")
    assert check(path, units=units).issues.empty
    assert check(path, units=["开封市"]).issues.empty


def test_formula_in_derived_columns_is_expected(tmp_path: Path) -> None:
    """一级/二级 and 序号 may hold the template's formulas; their values are never read."""
    path = build_submission(
        tmp_path / "a.xlsx", [line(level1="=LEFT(C4,4)", level2="=999", seq="=ROW()-3")]
    )
    result = check(path)
    assert result.issues.empty
    assert result.rows.loc[0, ["level1", "level2"]].tolist() == ["033A", "033A01"]


# -- file-level rules ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "data", "rules"),
    [
        ("empty.xlsx", b"", ["file-unreadable"]),
        ("random.xlsx", os.urandom(2048), ["file-format"]),
        ("data.csv", "项目,金额\n甲,1\n".encode(), ["file-format"]),
        # another format is "save as .xlsx" first; a broken one also says it is broken
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
            ["file-format", "file-unreadable"],
        ),
        ("book.ods", b"PK\x03\x04whatever", ["file-format", "file-unreadable"]),
    ],
)
def test_bad_files_become_issues(tmp_path: Path, name: str, data: bytes, rules: list) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = check(path)
    assert [i.rule for i in result.files[0].issues] == rules
    assert result.files[0].status == "unreadable"
    assert result.all_rows.empty


def test_a_real_workbook_under_another_suffix_is_a_format_error(tmp_path: Path) -> None:
    good = build_submission(tmp_path / "good.xlsx", [line()])
    for suffix in (".ods", ".et", ".xlsb"):
        other = tmp_path / f"renamed{suffix}"
        other.write_bytes(good.read_bytes())
        assert check(other).issues["rule"].tolist() == ["file-format"]


def test_truncated_zip_is_unreadable(tmp_path: Path) -> None:
    good = build_submission(tmp_path / "good.xlsx", [line()])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    result = check(bad)
    assert result.files[0].status == "unreadable"
    assert result.issues["rule"].tolist() == ["file-unreadable"]


def test_macro_workbook_is_a_format_error(tmp_path: Path) -> None:
    good = build_submission(tmp_path / "good.xlsx", [line()])
    xlsm = tmp_path / "macro.xlsm"
    xlsm.write_bytes(good.read_bytes())
    result = check(xlsm)
    assert result.issues["rule"].tolist() == ["file-format"]


def test_encrypted_workbook(tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile  # a test dependency (pyproject)

    plain = build_submission(tmp_path / "plain.xlsx", [line()])
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("secret", dst)
    result = check(locked)
    assert result.issues["rule"].tolist() == ["file-encrypted"]


def test_limit_exceeded_names_the_limit(tmp_path: Path) -> None:
    from toolkit.xlsx.limits import Limits

    path = build_submission(tmp_path / "a.xlsx", [line(amount=i + 1) for i in range(30)])
    result = check(path, limits=Limits(max_rows=10))
    assert result.issues["rule"].tolist() == ["limit-exceeded"]
    assert "max_rows" in result.issues.loc[0, "message"]


def test_an_unexpected_failure_is_contained(tmp_path: Path, monkeypatch, catalog) -> None:
    import toolkit.rules.engine as rules

    def boom(*args: object, **kw: object) -> None:
        raise RuntimeError("解析器内部错误")

    monkeypatch.setattr(rules, "read_submission", boom)
    path = build_submission(tmp_path / "a.xlsx", [line()])
    fr, rows = check_file(path, catalog, CheckOptions())
    assert fr.status == "unreadable" and rows == []
    assert [i.rule for i in fr.issues] == ["file-unreadable"]
    assert "解析器内部错误" in fr.issues[0].message


def test_bad_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    build_submission(tmp_path / "in" / "a.xlsx", [line()], unit="中原区")
    (tmp_path / "in" / "b.xlsx").write_bytes(b"PK\x03\x04broken")
    build_submission(tmp_path / "in" / "c.xlsx", [line()], unit="金水区")
    result = check(tmp_path / "in")
    assert [f.status for f in result.files] == ["ok", "unreadable", "ok"]
    assert len(result.rows) == 2


# -- folders ------------------------------------------------------------------------------------
def test_folders_are_searched_and_other_formats_reported(tmp_path: Path) -> None:
    root = tmp_path / "收件"
    (root / "sub" / "deeper").mkdir(parents=True)
    build_submission(root / "a.xlsx", [line()], unit="中原区")
    build_submission(root / "sub" / "deeper" / "b.xlsx", [line()], unit="金水区")
    (root / "sub" / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (root / "sub" / "c.et").write_bytes(b"x")
    (root / "d.xlsb").write_bytes(b"x")
    (root / "~$a.xlsx").write_bytes(b"lock")
    (root / "readme.txt").write_text("不是表格")
    result = check(root)
    names = sorted(Path(f.path).name for f in result.files)
    assert names == ["a.xlsx", "b.xlsx", "c.et", "d.xlsb", "old.xls"]
    by_name = {Path(f.path).name: f for f in result.files}
    for name in ("c.et", "d.xlsb", "old.xls"):
        assert by_name[name].issues[0].rule == "file-format"
    assert by_name["a.xlsx"].status == by_name["b.xlsx"].status == "ok"


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        check(tmp_path / "nowhere")


# -- two files for one unit and year --------------------------------------------------------------
def _pair(tmp: Path, first_stamp: str | None, second_stamp: str | None) -> tuple[Path, Path]:
    cat = load_catalog()
    a = build_submission(
        tmp / "a.xlsx", [line(amount=100)], stamp=stamp_for(cat, generated_at=first_stamp)
    )
    b = build_submission(
        tmp / "b.xlsx", [line(amount=200)], stamp=stamp_for(cat, generated_at=second_stamp)
    )
    return a, b


@pytest.mark.parametrize(
    ("stamps", "mtimes", "winner"),
    [
        (("2026-11-02T08:00:00+00:00", "2026-11-01T08:00:00+00:00"), (1, 2), "a.xlsx"),
        (("2026-11-01T08:00:00+00:00", "2026-11-02T08:00:00+08:00"), (2, 1), "b.xlsx"),
        ((None, None), (2, 1), "a.xlsx"),
        ((None, None), (1, 2), "b.xlsx"),
        (("2026-11-01T08:00:00+00:00", "2026-11-01T08:00:00+00:00"), (1, 2), "b.xlsx"),
    ],
)
def test_duplicate_submission_newer_stamp_then_newer_file(
    tmp_path: Path, stamps: tuple, mtimes: tuple, winner: str
) -> None:
    a, b = _pair(tmp_path, *stamps)
    os.utime(a, (mtimes[0] * 1e6, mtimes[0] * 1e6))
    os.utime(b, (mtimes[1] * 1e6, mtimes[1] * 1e6))
    result = check([a, b])
    by_name = {Path(f.path).name: f for f in result.files}
    loser = "b.xlsx" if winner == "a.xlsx" else "a.xlsx"
    assert [i.rule for i in by_name[winner].issues] == ["duplicate-submission"]
    assert [i.rule for i in by_name[loser].issues] == [
        "duplicate-submission",
        "superseded-submission",
    ]
    assert by_name[winner].counts and not by_name[loser].counts
    assert winner in by_name[loser].issues[0].message
    # the older file's rows are rejected: nothing is counted twice
    assert result.rows["file"].map(lambda p: Path(p).name).tolist() == [winner]
    rejected = result.rejected
    assert rejected["reasons"].tolist() == ["superseded-submission"]


def test_same_unit_different_year_is_not_a_duplicate_but_not_one_total(tmp_path: Path) -> None:
    build_submission(tmp_path / "a.xlsx", [line()], year=2027)
    build_submission(tmp_path / "b.xlsx", [line()], year=2028)
    result = check(tmp_path)
    assert set(result.issues["rule"]) == {"year-mixed"} and result.rows.empty
    chosen = check(tmp_path, year=2027)
    assert set(chosen.issues["rule"]) == {"year-excluded"} and len(chosen.rows) == 1


# -- totals reconcile ---------------------------------------------------------------------------
def test_read_equals_accepted_plus_rejected(tmp_path: Path) -> None:
    rows = [line(amount=100), line(amount=-5), line(code="X1", amount=7), line(amount="abc"), None]
    build_submission(tmp_path / "a.xlsx", rows)
    build_submission(tmp_path / "b.xlsx", [line(amount=1.5)], unit="金水区")
    result = check(tmp_path)
    frame = result.all_rows
    assert list(frame.columns) == list(ROW_COLUMNS)
    assert len(frame) == len(result.rows) + len(result.rejected) == 5
    fen = frame["amount_fen"].fillna(0).sum()
    assert fen == result.rows["amount_fen"].sum() + result.rejected["amount_fen"].fillna(0).sum()
    assert sum(f.amount_read_fen for f in result.files) == fen
    assert str(frame["amount_fen"].dtype) == "Int64"


def test_rows_carry_source_and_derived_levels(tmp_path: Path, catalog: Catalog) -> None:
    leaf = catalog.leaves[-1]
    path = build_submission(tmp_path / "a.xlsx", [line(code=leaf.code, method=" 询价 ")])
    row = check(path).rows.iloc[0]
    assert (row["file"], row["sheet"], row["row"]) == (str(path), E, 4)
    assert row["level1"] == catalog.level1(leaf.code).code
    assert row["level2"] == catalog.level2(leaf.code).code  # type: ignore[union-attr]
    assert row["method"] == "询价" and row["unit"] == "中原区" and row["year"] == 2027
    assert row["amount_cell"] == "K4"


def test_jobs_give_the_same_result(tmp_path: Path) -> None:
    for i, unit in enumerate(form.ZHENGZHOU_UNITS[:4]):
        build_submission(tmp_path / f"{i}.xlsx", [line(amount=i + 1), line(code="bad")], unit=unit)
    serial = check(tmp_path)
    parallel = check(tmp_path, jobs=2)
    assert serial.all_rows.equals(parallel.all_rows)
    assert serial.issues.equals(parallel.issues)
    assert gc.isenabled()  # the collector, paused while the results arrived, is on again
    gc.disable()
    try:
        check(tmp_path, jobs=2)
        assert not gc.isenabled()  # and a caller who had it off keeps it off
    finally:
        gc.enable()


def test_time_limit_per_file(tmp_path: Path) -> None:
    from toolkit.xlsx.limits import Limits

    path = build_submission(tmp_path / "a.xlsx", [line(amount=i + 1) for i in range(50)])
    result = check(path, limits=Limits(max_seconds=1e-9))
    assert result.issues["rule"].tolist() == ["limit-exceeded"]
    assert "max_seconds" in result.issues.loc[0, "message"]
    assert result.all_rows.empty and result.files[0].status == "unreadable"


def test_check_one_is_check_of_that_file_without_the_frame(tmp_path: Path) -> None:
    """The round store's per-file entry gives what ``check([path])`` gives, to the fen."""
    from dataclasses import asdict

    from toolkit.output.render import file_json, files_json
    from toolkit.rules.batch import check_one
    from toolkit.totals.amounts import batch_amounts, rows_amounts
    from toolkit.totals.reconcile import reconcile

    rows = [
        line(),
        line(amount=-5, method="乱填"),
        line(amount=1.234),
        line(amount="abc"),
        line(code="033A01"),
        line(amount="1,000"),
    ]
    path = build_submission(tmp_path / "a.xlsx", rows)
    whole = check(path)
    fr, tuples = check_one(path, load_catalog())
    assert asdict(fr) == asdict(whole.files[0])
    import pandas as pd

    def plain(v: object) -> object:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return None
        return v.item() if hasattr(v, "item") else v

    framed = whole.all_rows.astype(object).itertuples(index=False, name=None)
    assert [tuple(map(plain, t)) for t in tuples] == [tuple(map(plain, t)) for t in framed]
    assert len(tuples) == 6
    assert file_json(fr, rows_amounts(tuples)) == files_json(whole)[0]
    assert batch_amounts(whole) == rows_amounts(tuples)
    rec, money = reconcile(whole), batch_amounts(whole)  # the roll-up counts the same
    assert (rec.rows_read, rec.rows_accepted, rec.fen_accepted) == (
        money.rows,
        money.accepted_rows,
        money.accepted_fen,
    )
    assert (rec.rejected_positive, rec.rejected_negative, rec.rows_without_amount) == (
        money.rejected_positive,
        money.rejected_negative,
        money.unreadable_rows,
    )
