"""Sample budgets and the demo: realistic, reproducible, every planted mistake found.

The last test installs the toolkit (not editable) into a fresh venv and runs
``budget-toolkit demo`` from another directory, as a new user would.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import sysconfig
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from toolkit import form
from toolkit.catalog import Catalog
from toolkit.demo import (
    DEMO_SEED,
    FLAWED_UNIT,
    DemoResult,
    flawed_lines,
    make_samples,
    run_demo,
    sample_lines,
)
from toolkit.output.report_xlsx import SHEETS
from toolkit.template.layout import DEFAULT_ROWS, FIRST_INPUT_ROW

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("demo") / "out")


def test_sample_budgets_look_like_real_ones(catalog: Catalog) -> None:
    rng = random.Random(DEMO_SEED)
    for unit in form.ZHENGZHOU_UNITS:
        lines = sample_lines(unit, rng, catalog)
        assert 9 <= len(lines) <= 14
        codes = [ln["code"].split()[0] for ln in lines]
        assert len(set(codes)) == len(codes)
        assert {"033A0101", "033A0201", "033C0101"} <= set(codes)
        for ln in lines:
            code = ln["code"].split()[0]
            assert catalog.is_leaf(code) and ln["code"] == catalog[code].label
            assert ln["project"].startswith("2027年") and ln["project"].endswith(("项目", "服务"))
            assert ln["method"] in form.PURCHASE_METHODS
            assert ln["funding"] in form.FUNDING_SOURCES
            assert ln["provider_type"] in form.PROVIDER_TYPES
            amount = ln["amount"]
            assert isinstance(amount, Decimal) and amount > 0
            assert -amount.as_tuple().exponent == 2  # 元 with fen
    amounts = [ln["amount"] for u in form.ZHENGZHOU_UNITS for ln in sample_lines(u, rng, catalog)]
    assert any(a % 1 for a in amounts) and any(a % 1 == 0 for a in amounts)  # some with fen
    assert any(a >= 1_000_000 for a in amounts)


def test_samples_are_reproducible_byte_for_byte(catalog: Catalog, tmp_path: Path) -> None:
    a = make_samples(tmp_path / "a" / "submissions", catalog)
    b = make_samples(tmp_path / "b" / "submissions", catalog)
    assert len(a.submissions) == len(form.ZHENGZHOU_UNITS)
    for x, y in zip(a.all + a.templates, b.all + b.templates, strict=True):
        assert x.name == y.name
        assert x.read_bytes() == y.read_bytes(), x.name
    other = make_samples(tmp_path / "c" / "submissions", catalog, seed=DEMO_SEED + 1)
    assert other.submissions[0].read_bytes() != a.submissions[0].read_bytes()


def test_filled_workbook_keeps_the_template(demo: DemoResult) -> None:
    wb = load_workbook(demo.samples.submissions[0])
    assert wb.sheetnames[:3] == [form.SHEET_GUIDE, form.SHEET_ENTRY, form.SHEET_CATALOG]
    ws = wb[form.SHEET_ENTRY]
    assert ws.data_validations.dataValidation  # the dropdowns survive filling
    assert wb[form.SHEET_STAMP].sheet_state == "hidden"
    assert isinstance(ws.cell(FIRST_INPUT_ROW, 11).value, int | float)


def test_demo_checks_clean_samples_clean(demo: DemoResult) -> None:
    files = {Path(f.path).name: f for f in demo.result.files}
    assert len(files) == len(form.ZHENGZHOU_UNITS) + 1
    for path in demo.samples.submissions:
        f = files[path.name]
        assert (f.status, f.issues) == ("ok", []), path.name
        assert f.unit in form.ZHENGZHOU_UNITS


def test_demo_finds_every_planted_mistake(demo: DemoResult, catalog: Catalog) -> None:
    (flawed,) = [f for f in demo.result.files if Path(f.path) == demo.samples.flawed]
    assert flawed.unit == FLAWED_UNIT and flawed.status == "errors"
    found = {(i.rule, i.cell) for i in flawed.issues}
    row = FIRST_INPUT_ROW  # flawed_lines()[k] is on row FIRST_INPUT_ROW + k
    assert found == {
        ("unit-unknown", "C2"),
        ("unknown-code", f"C{row + 1}"),
        ("non-leaf-code", f"C{row + 2}"),
        ("code-name-mismatch", f"C{row + 3}"),
        ("amount-negative", f"K{row + 4}"),
        ("amount-not-number", f"K{row + 5}"),
        ("required-missing", f"B{row + 6}"),
        ("amount-precision", f"K{row + 7}"),
        ("value-not-in-list", f"I{row + 8}"),
        ("duplicate-row", f"B{row + 9}"),
        ("total-mismatch", "K204"),
    }
    assert len(flawed_lines(catalog)) == 11
    # A unit name outside the list rejects the whole file: none of its rows count.
    rows = demo.summary.rows
    assert not rows.loc[rows["file"] == flawed.path, "accepted"].any()


def test_demo_totals_equal_the_samples_summed_independently(
    demo: DemoResult, catalog: Catalog
) -> None:
    rng = random.Random(DEMO_SEED)
    level1: dict[str, Decimal] = {}
    for unit in form.ZHENGZHOU_UNITS:
        for ln in sample_lines(unit, rng, catalog):
            code = catalog.level1(ln["code"].split()[0]).code
            level1[code] = level1.get(code, Decimal(0)) + ln["amount"]
    got = {r.code: r.amount_yuan for r in demo.summary.level1.itertuples()}
    assert got == level1
    rec = demo.summary.reconciliation
    assert rec.ok
    assert rec.rows_rejected == len(flawed_lines(catalog))
    assert demo.summary.missing_units == [] and demo.summary.duplicate_units == []


def test_demo_writes_the_report_json_and_csv(demo: DemoResult) -> None:
    assert tuple(load_workbook(demo.report).sheetnames) == SHEETS
    doc = json.loads(demo.json.read_text(encoding="utf-8"))
    assert doc["grand_total"] == f"{demo.summary.level1['amount_yuan'].sum():.2f}"
    assert list(doc["by_unit"]) == [*form.ZHENGZHOU_UNITS, FLAWED_UNIT]
    assert len(demo.csv) == 10 and all(p.exists() for p in demo.csv)
    ws = load_workbook(demo.report)["问题"]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert '=HYPERLINK("http://example.com","点击查看")' in texts  # shown as text, inert


# -- from a non-editable install ----------------------------------------------------------
@pytest.mark.slow
def test_demo_runs_from_a_non_editable_install(tmp_path: Path) -> None:
    """Wheel -> fresh venv (dependencies borrowed from this interpreter, the toolkit not)."""
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("budget_toolkit-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # pandas, openpyxl ... come from this interpreter's site-packages as a plain path: its
    # .pth files (the editable install's finder among them) are not processed from there.
    (site / "borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [*pip, "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [py, "-c", "import toolkit, toolkit.demo; print(toolkit.demo.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(site), where
    assert not Path(where).is_relative_to(REPO)
    proc = subprocess.run(
        [venv / "bin" / "budget-toolkit", "demo", "-o", "tmp"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = elsewhere / "tmp"
    assert (out / "report.xlsx").exists() and (out / "report.json").exists()
    assert len(list((out / "submissions").glob("*.xlsx"))) == len(form.ZHENGZHOU_UNITS) + 1
    assert "report.xlsx" in proc.stdout and "一级目录之和 = 总计：✓ 一致" in proc.stdout


# -- the committed examples -----------------------------------------------------------------
def test_committed_report_is_what_the_committed_submissions_give(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """examples/report.json is current: checking examples/submissions again reproduces it."""
    from toolkit.output.report import report_json
    from toolkit.rules.batch import check
    from toolkit.totals.rollup import summarize

    examples = REPO / "examples"
    monkeypatch.chdir(examples)  # the report names files relative to examples/
    committed = json.loads((examples / "report.json").read_text(encoding="utf-8"))
    names = sorted(p.name for p in (examples / "submissions").glob("*.xlsx"))
    assert len(names) == len(form.ZHENGZHOU_UNITS) + 1
    assert f"2027_{FLAWED_UNIT}_预算表（含错误示例）.xlsx" in names
    fresh = report_json(summarize(check("submissions", catalog)))
    assert fresh == committed
    assert tuple(load_workbook(examples / "report.xlsx").sheetnames) == SHEETS


@pytest.mark.libreoffice
def test_a_sample_resaved_by_libreoffice_checks_the_same(
    demo: DemoResult, catalog: Catalog, tmp_path: Path, lo_convert: Any
) -> None:
    """The samples are ordinary workbooks: LibreOffice opens, recalculates and re-saves them."""
    from toolkit.rules.batch import check
    from toolkit.totals.rollup import summarize

    original = demo.samples.submissions[3]
    resaved = lo_convert(original, tmp_path / "lo")
    before = summarize(check(original, catalog)).level2[["code", "rows", "amount_fen"]]
    result = check(resaved, catalog)
    assert result.errors == 0, result.issues[["rule", "cell", "value"]]
    after = summarize(result).level2[["code", "rows", "amount_fen"]]
    assert after.equals(before)
    # LibreOffice computed the template's 合计 formula; it agrees with the exact total.
    total_cell = f"K{FIRST_INPUT_ROW + DEFAULT_ROWS}"
    computed = load_workbook(resaved, data_only=True)[form.SHEET_ENTRY][total_cell].value
    assert computed == pytest.approx(int(before["amount_fen"].sum()) / 100)
