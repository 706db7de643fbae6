"""Nothing lost: properties of the whole pipeline over generated workbooks (hypothesis).

- valid submissions, with amounts and codes typed every way a clerk types them, roll up
  to exactly the sums computed here independently with Decimal;
- corrupted cells always become issues at those cells, never a crash, and only the
  corrupted rows are rejected;
- for any batch (good, corrupted, broken and duplicate files mixed), rows and fen read
  equal accepted plus rejected, file by file and in total.

Example counts are modest so the suite stays fast; every example writes real workbooks.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import builders as B
import hostile as H
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import form
from toolkit.catalog import Catalog, load_catalog
from toolkit.rules.batch import check
from toolkit.totals.reconcile import reconcile
from toolkit.totals.rollup import rollup

CATALOG = load_catalog()
LEAVES = list(CATALOG.leaves)
NON_LEAVES = [e for e in CATALOG if not CATALOG.is_leaf(e.code)]
UNITS = form.ZHENGZHOU_UNITS
CAP_YUAN = Decimal(1_000_000_000)  # the checker's default cap per line
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
# column letter of each field in a build_submission sheet; the first line is on row 4
COLUMN = dict(zip(B.FIELDS, "ABCDEFGHIJKLM", strict=True))
FIRST_ROW = 4


# -- strategies ----------------------------------------------------------------------------------
yuan_values = st.decimals(
    min_value=0, max_value=CAP_YUAN - 1, places=2, allow_nan=False, allow_infinity=False
)


@st.composite
def typed_amount(draw: st.DrawFn, yuan: Decimal, unit: str) -> Any:
    """``yuan`` as a clerk may type it in a 元 or 万元 sheet: number, text, separators..."""
    value = yuan if unit == "元" else yuan / 10_000
    style = draw(st.sampled_from(["number", "text", "thousands", "fullwidth", "spaced", "yen"]))
    text = format(value.normalize(), "f")
    if style == "number":
        return int(value) if value == value.to_integral_value() else float(value)
    if style == "thousands":
        return f"{value:,}"
    if style == "fullwidth":
        return text.translate(FULL_WIDTH)
    if style == "spaced":
        return f" {text}\u3000"
    if style == "yen" and unit == "元":
        return "¥" + text
    return text


@st.composite
def typed_code(draw: st.DrawFn, leaf: Any) -> str:
    style = draw(st.sampled_from(["bare", "label", "lower", "fullwidth", "padded"]))
    if style == "label":
        return leaf.label
    if style == "lower":
        return leaf.code.lower()
    if style == "fullwidth":
        return "".join(chr(ord(ch) + 0xFEE0) for ch in leaf.code)
    if style == "padded":
        return f"  {leaf.code} "
    return leaf.code


safe_text = st.text(
    alphabet=st.sampled_from("养老服务社区项目评估培训中心ABCxyz0123（）- "),
    min_size=0,
    max_size=12,
)


@st.composite
def submission(
    draw: st.DrawFn, unit: str, amount_units: tuple[str, ...] = form.AMOUNT_UNITS
) -> dict[str, Any]:
    """A valid submission: its lines, the expected fen per line, and the amount unit."""
    amount_unit = draw(st.sampled_from(amount_units))
    n = draw(st.integers(min_value=1, max_value=12))
    lines, fens, leaves = [], [], []
    for i in range(n):
        leaf = draw(st.sampled_from(LEAVES))
        yuan = draw(yuan_values)
        lines.append(
            B.line(
                project=f"项目{i}{draw(safe_text)}".strip(),
                code=draw(typed_code(leaf)),
                amount=draw(typed_amount(yuan, amount_unit)),
                method=draw(st.sampled_from(("", *form.PURCHASE_METHODS))),
                funding=draw(st.sampled_from(("", *form.FUNDING_SOURCES))),
                provider_type=draw(st.sampled_from(("", *form.PROVIDER_TYPES))),
                content=draw(safe_text),
            )
        )
        fens.append(int(yuan * 100))
        leaves.append(leaf)
    return {
        "unit": unit,
        "amount_unit": amount_unit,
        "lines": lines,
        "fens": fens,
        "leaves": leaves,
    }


def write(folder: Path, name: str, sub: dict[str, Any], **kw: Any) -> Path:
    """A text amount is counted but skipped by the form's own =SUM: a form holding one
    carries its 合计 typed in (what the office signed), equal to what is counted."""
    if any(isinstance(x.get("amount"), str) for x in sub["lines"]):
        per_unit = 100 if sub["amount_unit"] == "元" else 1_000_000
        kw.setdefault("total", float(Decimal(sum(sub["fens"])) / per_unit))
    return B.build_submission(
        folder / name,
        sub["lines"],
        unit=sub["unit"],
        amount_unit=sub["amount_unit"],
        stamp=B.stamp_for(CATALOG, unit=sub["unit"], amount_unit=sub["amount_unit"]),
        **kw,
    )


def independent_totals(subs: list[dict[str, Any]], catalog: Catalog) -> dict[tuple[int, str], int]:
    """Fen per (level, code), summed here without the toolkit."""
    totals: dict[tuple[int, str], int] = {}
    for sub in subs:
        for leaf, fen in zip(sub["leaves"], sub["fens"], strict=True):
            for level, code in (
                (1, catalog.level1(leaf.code).code),
                (2, leaf.parent),
                (3, leaf.code),
            ):
                totals[(level, code)] = totals.get((level, code), 0) + fen
    return totals


# -- 1. valid submissions roll up exactly ---------------------------------------------------------
@SETTINGS
@given(data=st.data(), files=st.integers(min_value=1, max_value=3))
def test_valid_submissions_roll_up_to_the_independent_sums(data: st.DataObject, files: int) -> None:
    subs = [data.draw(submission(UNITS[i])) for i in range(files)]
    with tempfile.TemporaryDirectory() as tmp:
        for i, sub in enumerate(subs):
            write(Path(tmp), f"{i}.xlsx", sub)
        result = check(tmp, CATALOG)
    assert result.errors == 0, result.issues[["file", "rule", "cell", "value"]].to_string()
    expected = independent_totals(subs, CATALOG)
    for level in (1, 2, 3):
        for r in rollup(result, level=level).itertuples():
            assert r.amount_fen == expected.get((level, r.code), 0), (level, r.code)
    by_unit = rollup(result, level=1, by_unit=True)
    for sub in subs:
        mine = by_unit[by_unit["unit"] == sub["unit"]]
        assert int(mine["amount_fen"].sum()) == sum(sub["fens"])
    assert len(result.rows) == sum(len(s["lines"]) for s in subs)


# -- 2. corrupted cells: issues at those cells, never a crash -------------------------------------
# field -> corruptions: (value written, rule ids any of which must be reported at the cell)
Corruption = tuple[str, Any, frozenset[str]]


def _corruptions() -> st.SearchStrategy[Corruption]:
    def c(field: str, rules: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return values.map(lambda v: (field, v, frozenset(rules.split())))

    letters = st.text(alphabet="abcxyz甲乙丙！？", min_size=1, max_size=8)
    return st.one_of(
        c("amount", "amount-not-number", letters.map(lambda t: "金额" + t)),
        c("amount", "amount-not-number", st.sampled_from([True, False, datetime(2027, 1, 1)])),
        c("amount", "amount-negative", st.integers(min_value=-(10**9), max_value=-1)),
        c("amount", "amount-precision", st.sampled_from(["1.001", "0.125", "99.999"])),
        c("amount", "amount-too-large", st.integers(min_value=10**9 + 1, max_value=10**14)),
        c("amount", "formula-in-input", st.sampled_from(["=1+1", "=SUM(K1:K3)", "=A1*2"])),
        c("amount", "required-missing", st.just(None)),
        c("code", "unknown-code", letters.map(lambda t: "999" + t)),
        c("code", "non-leaf-code", st.sampled_from([e.code for e in NON_LEAVES])),
        c("code", "required-missing", st.just(None)),
        c("project", "required-missing", st.just(None)),
        c("project", "formula-in-input", st.just('=HYPERLINK("http://example.invalid","x")')),
        c("method", "value-not-in-list", letters.map(lambda t: "乱填" + t)),
        c("funding", "value-not-in-list", letters.map(lambda t: "乱填" + t)),
    )


@SETTINGS
@given(data=st.data())
def test_corrupted_cells_become_issues_at_those_cells(data: st.DataObject) -> None:
    sub = data.draw(submission(UNITS[0], ("元",)))  # the corruptions are written in 元
    n = len(sub["lines"])
    hits = data.draw(
        st.dictionaries(st.integers(min_value=0, max_value=n - 1), _corruptions(), max_size=n)
    )
    lines = [dict(x) for x in sub["lines"]]
    errors: dict[int, tuple[str, Any, frozenset[str]]] = {}
    for i, (field, value, rules) in hits.items():
        lines[i][field] = value
        errors[i] = (field, value, rules)
    # the signed 合计: what the form shows for its good rows (a row with an error of its
    # own is stopped by that error, whatever the 合计 says of it)
    clean = Decimal(sum(f for i, f in enumerate(sub["fens"]) if i not in errors)) / 100
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "c.xlsx", {**sub, "lines": lines}, total=float(clean))
        result = check(path, CATALOG)
    issues = result.issues
    for i, (field, value, rules) in errors.items():
        cell = f"{COLUMN[field]}{FIRST_ROW + i}"
        at = issues[(issues["cell"] == cell) & (issues["severity"] == "error")]
        assert set(at["rule"]) & rules, (cell, value, rules, issues.to_string())
    rows = result.all_rows
    for i in range(n):
        row = rows[rows["row"] == FIRST_ROW + i]
        if i in errors and errors[i][0] in ("project", "code"):
            # the row keeps its other cells, so it is still read
            assert len(row) == 1
        if len(row):
            assert bool(row["accepted"].iloc[0]) == (i not in errors), (i, row.to_dict())
    accepted_fen = sum(f for i, f in enumerate(sub["fens"]) if i not in errors)
    assert int(result.rows["amount_fen"].sum()) == accepted_fen
    rec = reconcile(result)
    assert rec.ok
    assert rec.rows_read == rec.rows_accepted + rec.rows_rejected


# raw cell XML a spreadsheet library would not write, and what it must give in 预算金额
RAW_AMOUNTS: list[tuple[bytes, str]] = [
    (b' t="e"><v>#REF!</v></c>', "cell-error-value"),
    (b' t="e"><v>#DIV/0!</v></c>', "cell-error-value"),
    (b' t="e"><v>#SPILL!</v></c>', "cell-error-value"),
    (b' t="e"><f>1/0</f><v>#DIV/0!</v></c>', "formula-in-input"),
    (b' t="str"><f>"1"&amp;"2"</f><v>12</v></c>', "formula-in-input"),
    (b"><v>NaN</v></c>", "amount-not-number"),
    (b"><v>1e999</v></c>", "amount-not-number"),
    (b' t="b"><v>1</v></c>', "amount-not-number"),
    (b' t="inlineStr"><is><t>_x0007_12</t></is></c>', "amount-not-number"),
    (' t="inlineStr"><is><t> \u3000 </t></is></c>'.encode(), "required-missing"),
    (b"/>", "required-missing"),
]
RAW_TEXT: list[bytes] = [raw for raw, _ in RAW_AMOUNTS] + [
    b' t="inlineStr"><is><t>_x001B_[2J_x0000_</t></is></c>',
    ' t="inlineStr"><is><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r></is></c>'.encode(),
]


@SETTINGS
@given(data=st.data())
def test_raw_cell_corruptions_are_issues_at_their_cells(data: st.DataObject) -> None:
    sub = data.draw(submission(UNITS[3], ("元",)))
    n = len(sub["lines"])
    amounts = data.draw(st.dictionaries(st.integers(0, n - 1), st.sampled_from(RAW_AMOUNTS)))
    texts = data.draw(
        st.dictionaries(
            st.tuples(st.integers(0, n - 1), st.sampled_from(["content", "provider", "note"])),
            st.sampled_from(RAW_TEXT),
        )
    )
    cells = {f"{COLUMN['amount']}{FIRST_ROW + i}": raw for i, (raw, _) in amounts.items()}
    cells |= {f"{COLUMN[f]}{FIRST_ROW + i}": raw for (i, f), raw in texts.items()}
    # every text field written, so that each cell exists to be replaced
    filled = {"content": "内容", "provider": "某机构", "note": "备注"}
    lines = [{**x, **{f: x[f] or v for f, v in filled.items()}} for x in sub["lines"]]
    with tempfile.TemporaryDirectory() as tmp:
        source = write(Path(tmp), "src.xlsx", {**sub, "lines": lines})
        path = H.raw_cells(Path(tmp) / "raw.xlsx", source, cells)
        result = check(path, CATALOG)
    issues = result.issues
    for i, (_, rule) in amounts.items():
        cell = f"{COLUMN['amount']}{FIRST_ROW + i}"
        at = issues[(issues["cell"] == cell) & (issues["severity"] == "error")]
        assert rule in set(at["rule"]), (cell, rule, issues.to_string())
    rejected = set(result.rejected["row"])
    assert {FIRST_ROW + i for i in amounts} <= rejected
    _assert_accounted(result)


anything = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**18), max_value=10**18),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 1, 1)),
    st.none(),
)


@SETTINGS
@given(data=st.data())
def test_any_value_in_any_cell_never_crashes_and_nothing_is_lost(data: st.DataObject) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sub = data.draw(submission(UNITS[1]))
    lines = [dict(x) for x in sub["lines"]]
    for line in lines:
        for field in data.draw(st.sets(st.sampled_from(B.FIELDS), max_size=4)):
            value = data.draw(anything)
            if isinstance(value, str):  # openpyxl cannot write these; the corpus covers them
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            line[field] = value
    with tempfile.TemporaryDirectory() as tmp:
        path = write(Path(tmp), "any.xlsx", {**sub, "lines": lines})
        result = check(path, CATALOG)
    _assert_accounted(result)
    for issue in result.issues.itertuples():
        assert issue.message and "Traceback" not in issue.message


# -- 3. any batch: read = accepted + rejected ---------------------------------------------------
BROKEN: list[Callable[[Path], Path]] = [
    H.empty_file,
    H.random_bytes,
    H.csv_renamed,
    H.truncated_zip,
    H.billion_laughs_sheet,
    H.far_cell,
]


def _assert_accounted(result: Any) -> None:
    """Rows and fen read = accepted + rejected, per file and in total; totals agree."""
    rows = result.all_rows
    read_fen = int(rows["amount_fen"].dropna().sum())
    acc = rows[rows["accepted"]]
    rej = rows[~rows["accepted"]]
    assert len(rows) == len(acc) + len(rej)
    assert read_fen == int(acc["amount_fen"].dropna().sum()) + int(rej["amount_fen"].dropna().sum())
    assert acc["amount_fen"].notna().all()  # an accepted row always has an amount
    for f in result.files:
        mine = rows[rows["file"] == f.path]
        assert f.rows_read == len(mine), f.path
        assert f.amount_read_fen == int(mine["amount_fen"].dropna().sum()), f.path
        if f.status == "unreadable":
            assert len(mine) == 0
        if not f.counts:
            assert not mine["accepted"].any()
    rec = reconcile(result)
    assert rec.ok, [c for c in rec.checks if not c.ok]
    assert rec.rows_read == len(rows)
    assert rec.read == sum((r for r in rows["amount_read"] if r is not None), Decimal(0))
    assert rec.fen_accepted == int(rollup(result, level=1)["amount_fen"].sum())


@SETTINGS
@given(data=st.data(), files=st.integers(min_value=1, max_value=5))
def test_any_batch_reads_exactly_accepted_plus_rejected(data: st.DataObject, files: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        written = []
        for i in range(files):
            kind = data.draw(st.sampled_from(["good", "corrupted", "broken", "duplicate"]))
            name = f"{i}-{kind}.xlsx"
            if kind == "broken":
                written.append(data.draw(st.sampled_from(BROKEN))(folder / name))
                continue
            # "duplicate" reuses the first unit: one of the two files is superseded
            unit = UNITS[0] if kind == "duplicate" else UNITS[2 + i]
            sub = data.draw(submission(unit, ("元",) if kind == "corrupted" else form.AMOUNT_UNITS))
            if kind == "corrupted":
                lines = [dict(x) for x in sub["lines"]]
                for line in lines:
                    if data.draw(st.booleans()):
                        field, value, _ = data.draw(_corruptions())
                        line[field] = value
                sub = {**sub, "lines": lines}
            written.append(write(folder, name, sub))
        result = check(folder, CATALOG)
        assert sorted(f.path for f in result.files) == sorted(str(p) for p in written)
    _assert_accounted(result)
