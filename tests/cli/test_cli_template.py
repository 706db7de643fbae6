"""`budget-toolkit template`: outputs, option combinations, exit codes, and the committed
generic template being exactly what the command produces now."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from toolkit import form
from toolkit.cli import cli
from toolkit.template import layout as t

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "templates" / "budget_template.xlsx"
# The exact command that regenerates the committed template (also in the README).
COMMITTED_ARGS = ["template", "--year", "2027", "-o"]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj={})


def stamp(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)[form.SHEET_STAMP]
    return {r[0]: r[1] or "" for r in ws.iter_rows(values_only=True)}


def test_committed_template_is_what_the_command_produces(tmp_path: Path) -> None:
    out = tmp_path / "budget_template.xlsx"
    result = run(*COMMITTED_ARGS, str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == COMMITTED.read_bytes(), (
        "templates/budget_template.xlsx is stale: regenerate it with "
        "`budget-toolkit template --year 2027 -o templates/budget_template.xlsx`"
    )
    assert "generated_at" not in stamp(COMMITTED)


def test_help_documents_every_option() -> None:
    result = run("template", "--help")
    assert result.exit_code == 0
    for option in (
        "--catalog",
        "--year",
        "--unit-name",
        "--units",
        "--rows",
        "--amount-unit",
        "--cascade",
        "--password",
        "--deadline",
        "--timestamp",
        "--format",
        "--output",
    ):
        assert option in result.output, option


def test_generic_default_year_is_next_year(tmp_path: Path) -> None:
    out = tmp_path / "g.xlsx"
    result = run("template", "-o", str(out))
    assert result.exit_code == 0, result.output
    got = stamp(out)
    assert got["year"] == str(date.today().year + 1) and got["unit"] == ""
    assert "generated_at" not in got


def test_one_unit_name_writes_that_file(tmp_path: Path) -> None:
    out = tmp_path / "zy.xlsx"
    result = run("template", "--year", "2027", "--unit-name", "中原区", "-o", str(out))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb[form.SHEET_ENTRY]["C2"].value == "中原区"
    got = stamp(out)
    assert got["unit"] == "中原区" and got["generated_at"]


def test_one_unit_name_and_a_folder(tmp_path: Path) -> None:
    result = run("template", "--year", "2027", "--unit-name", "中原区", "-o", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["2027_中原区_预算表.xlsx"]


def test_several_unit_names_write_a_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["template", "--year", "2027", "--unit-name", "中原区", "--unit-name", "二七区"]
    result = run(*args, "--no-timestamp", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    names = [Path(p).name for p in report["files"]]
    assert names == ["2027_中原区_预算表.xlsx", "2027_二七区_预算表.xlsx"]
    assert report["count"] == 2
    assert "generated_at" not in stamp(out / names[0])


def test_units_file_writes_one_workbook_per_unit(tmp_path: Path) -> None:
    units = tmp_path / "units.txt"
    units.write_text("# 单位名单\n甲区\n乙县  # 备注\n\n甲区\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("template", "--year", "2028", "--units", str(units), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "2028_乙县_预算表.xlsx",
        "2028_甲区_预算表.xlsx",
    ]
    assert "已生成 2 个预算模板" in result.output


def test_units_file_with_xlsx_output_replaces_the_generic_dropdown(tmp_path: Path) -> None:
    units = tmp_path / "units.txt"
    units.write_text("甲区\n乙县\n", encoding="utf-8")
    out = tmp_path / "g.xlsx"
    result = run("template", "--units", str(units), "-o", str(out))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    ((sheet, ref),) = list(wb.defined_names[t.NAME_UNITS].destinations)
    assert [c.value for (c,) in wb[sheet][ref.replace("$", "")]] == ["甲区", "乙县"]
    assert wb[form.SHEET_ENTRY]["C2"].value is None


def test_options_reach_the_workbook(tmp_path: Path) -> None:
    out = tmp_path / "w.xlsx"
    args = ["template", "--year", "2030", "--rows", "20", "--amount-unit", "万元", "--cascade"]
    result = run(*args, "--password", "pw", "--deadline", "2029年11月30日", "-o", str(out))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    ws = wb[form.SHEET_ENTRY]
    assert ws["A1"].value == "2030年度政府购买服务预算表"
    assert ws[f"K{t.HEADER_ROW}"].value == form.amount_header("万元")
    assert ws.cell(t.FIRST_INPUT_ROW + 20, 1).value == form.TOTAL_LABEL
    assert "Leaf_033A01" in wb.defined_names
    assert ws.protection.password
    guide = " ".join(str(c.value) for c in wb[form.SHEET_GUIDE]["A"] if c.value)
    assert "2029年11月30日" in guide


@pytest.mark.parametrize(
    "args",
    [
        ["--unit-name", "中原区", "--units", "UNITS", "-o", "OUT"],  # mutually exclusive
        ["--unit-name", "甲", "--unit-name", "乙", "-o", "OUT.xlsx"],  # several need a folder
        ["-o", "OUT"],  # a generic template is one .xlsx file
        ["--amount-unit", "千元", "-o", "OUT.xlsx"],
        ["--rows", "0", "-o", "OUT.xlsx"],
        ["--units", "EMPTY", "-o", "OUT"],
        ["--unit-name", " ", "-o", "OUT.xlsx"],
        [],  # -o is required
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "units.txt").write_text("甲\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("# nothing\n", encoding="utf-8")
    swap = {
        "UNITS": str(tmp_path / "units.txt"),
        "EMPTY": str(tmp_path / "empty.txt"),
        "OUT": str(tmp_path / "out"),
        "OUT.xlsx": str(tmp_path / "out.xlsx"),
    }
    result = run("template", *[swap.get(a, a) for a in args])
    assert result.exit_code == 2, result.output
    assert not list(tmp_path.glob("out*")) and not list(tmp_path.glob("**/*.xlsx"))


def test_bad_catalogue_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    result = run("template", "-c", str(bad), "-o", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 1
    assert "目录无效" in result.output and "Traceback" not in result.output
