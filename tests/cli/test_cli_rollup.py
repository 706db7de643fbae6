"""`budget-toolkit rollup` and `budget-toolkit demo`: outputs, exit codes, options, progress."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from builders import build_submission, line
from click.testing import CliRunner
from openpyxl import load_workbook
from rich.console import Console

from toolkit import form
from toolkit.cli import cli
from toolkit.cmd.common import PROGRESS_MIN_FILES, _Progress


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), obj={})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    root = tmp_path / "clean"
    root.mkdir()
    build_submission(root / "a.xlsx", [line(amount=100.5), line(code="033B0201", amount=20)])
    build_submission(root / "b.xlsx", [line(amount=1000.25)], unit="金水区")
    return root


@pytest.fixture
def mixed(clean: Path) -> Path:
    build_submission(
        clean / "bad.xlsx",
        [line(amount=300), line(code="033Z", amount=40), line(amount=-5)],
        unit="登封市",
    )
    return clean


def test_clean_batch_prints_table_reconciliation_and_submissions(clean: Path) -> None:
    code, out, _ = run("rollup", str(clean))
    assert code == 0
    assert "预算汇总（元）" in out
    for text in ("033A", "基本公共服务", "033A01", "养老服务", "1,100.75", "1,120.75"):
        assert text in out, text
    assert "98.22%" in out  # 033A's share of the total
    assert "读取 3 行 / 1,120.75 元 = 计入 3 行 / 1,120.75 元 + 剔除 0 行，共 0.00 元" in out
    assert out.count("✓ 一致") == 6
    assert "应报送 16 个单位，已报送 2 个" in out and "未报送：二七区" in out
    assert "提示：加 -o" in out


def test_errors_exit_1_and_their_rows_are_left_out(mixed: Path, tmp_path: Path) -> None:
    code, out, _ = run("rollup", str(mixed), "--json", str(tmp_path / "r.json"))
    assert code == 1
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["rows"] == {"read": 6, "accepted": 4, "rejected": 2}
    # rejected money is never netted out: 40.00 and -5.00 are 45.00 waiting on corrections
    assert doc["amounts"] == {
        "read": "1455.75",
        "accepted": "1420.75",
        "rejected": "45.00",
        "rejected_positive": "40.00",
        "rejected_negative": "-5.00",
    }
    assert "错误 2 个" in out and "“问题”工作表" in out


def test_strict_leaves_out_the_whole_file(mixed: Path, tmp_path: Path) -> None:
    code, _, _ = run("rollup", str(mixed), "--strict", "--json", str(tmp_path / "r.json"))
    assert code == 1
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["rows"] == {"read": 6, "accepted": 3, "rejected": 3}
    assert doc["grand_total"] == "1120.75"
    assert doc["by_unit"]["登封市"]["033A"] == "0.00"


def test_json_to_stdout_is_pure_json(mixed: Path) -> None:
    code, out, err = run("rollup", str(mixed), "--json", "-")
    assert code == 1
    doc = json.loads(out)
    assert list(doc) == ["catalog", "files", "rows", "amounts", "totals", "by_unit", "grand_total"]
    assert len(doc["files"]) == 3
    assert "预算汇总（元）" in err  # the table goes to stderr then


def test_writes_report_json_and_csv(clean: Path, tmp_path: Path) -> None:
    report, js, csv_dir = tmp_path / "out" / "汇总.xlsx", tmp_path / "r.json", tmp_path / "csv"
    code, out, _ = run(
        "rollup", str(clean), "-o", str(report), "--json", str(js), "--csv", str(csv_dir)
    )
    assert code == 0
    assert load_workbook(report).sheetnames[0] == "汇总"
    assert json.loads(js.read_text(encoding="utf-8"))["grand_total"] == "1120.75"
    assert len(list(csv_dir.glob("*.csv"))) == 10
    assert f"已写入：{report}" in out and f"已写入：{js}" in out and "提示" not in out
    assert f"已写入：{csv_dir}（CSV 10 个）" in out


def test_an_empty_folder_says_so(tmp_path: Path) -> None:
    code, out, _ = run("rollup", str(tmp_path))
    assert code == 0
    assert f"未找到任何 .xlsx 文件：{tmp_path}" in out
    assert "应报送 16 个单位，已报送 0 个" in out


def test_units_file_sets_the_expected_units(clean: Path, tmp_path: Path) -> None:
    units = tmp_path / "units.txt"
    units.write_text("# 本次应报单位\n中原区\n金水区\n惠济区\n", encoding="utf-8")
    code, out, _ = run("rollup", str(clean), "--units", str(units))
    assert code == 0
    assert "应报送 3 个单位，已报送 2 个" in out and "未报送：惠济区" in out


def test_reads_with_the_same_options_as_check(clean: Path) -> None:
    build_submission(clean / "c.xlsx", [line(amount=2_000)], unit="上街区")
    code, out, _ = run("rollup", str(clean), "--max-amount", "1000", "--jobs", "2")
    assert code == 1  # 2,000 元 is over the cap: amount-too-large
    assert "剔除 2 行" in out  # and 1,000.25 too
    code, _, _ = run("rollup", str(clean), "--stamp-mismatch", "warning")
    assert code == 0


@pytest.mark.parametrize(
    "args",
    [["-o", "report.pdf"], ["--max-amount", "-3"], ["--jobs", "0"]],
    ids=["not-xlsx", "bad-cap", "bad-jobs"],
)
def test_usage_errors_exit_2(clean: Path, args: list[str]) -> None:
    code, _, _ = run("rollup", str(clean), *args)
    assert code == 2


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    assert run("rollup", str(tmp_path / "nope"))[0] == 2


def test_progress_bar_only_for_many_files_on_a_terminal() -> None:
    shown = io.StringIO()
    bar = _Progress(Console(file=shown, force_terminal=True, width=80))
    for done in range(1, PROGRESS_MIN_FILES + 1):
        bar(done, PROGRESS_MIN_FILES, Path(f"{done}.xlsx"))
    assert bar.bar is not None and bar.bar.tasks[0].completed == PROGRESS_MIN_FILES
    bar.stop()
    assert "检查文件" in shown.getvalue()
    few = _Progress(Console(file=io.StringIO(), force_terminal=True))
    few(1, PROGRESS_MIN_FILES - 1, Path("a.xlsx"))
    assert few.bar is None
    piped = _Progress(Console(file=io.StringIO(), force_terminal=False))
    piped(1, 500, Path("a.xlsx"))
    assert piped.bar is None


def test_demo_command(tmp_path: Path) -> None:
    out_dir = tmp_path / "演示"
    code, out, _ = run("demo", "-o", str(out_dir))
    assert code == 0  # the flawed file's errors are the demonstration
    assert (out_dir / "report.xlsx").exists() and (out_dir / "report.json").exists()
    assert len(list((out_dir / "templates").glob("*.xlsx"))) == len(form.ZHENGZHOU_UNITS) + 1
    assert len(list((out_dir / "submissions").glob("*.xlsx"))) == len(form.ZHENGZHOU_UNITS) + 1
    for step in ("1. 生成预算模板 17 个", "2. 填写样例：16 个单位", "3. 检查 17 个文件", "4. 汇总"):
        assert step in out, step
    assert f"5. 报表：{out_dir / 'report.xlsx'}" in out
    assert "预算汇总（元）" in out and "名单外：管城区" in out
    assert "budget-toolkit check" in out  # what to do next


def test_help_lists_the_options() -> None:
    code, out, _ = run("rollup", "--help")
    assert code == 0
    for opt in ("--catalog", "--output", "--json", "--csv", "--units", "--strict", "--jobs"):
        assert opt in out, opt
    code, out, _ = run("demo", "--help")
    assert code == 0 and "--output" in out
