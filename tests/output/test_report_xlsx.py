"""The report workbook: every sheet read back, charts, reproducible bytes, inert text."""

from __future__ import annotations

import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from totals_helpers import EVIL, REPORT_UNITS, make_result, make_row

from toolkit.catalog import Catalog
from toolkit.output.render import rule_title
from toolkit.output.report_xlsx import SHEETS, write_report
from toolkit.output.tables import rejected_table
from toolkit.rules import registry
from toolkit.rules.result import CheckResult, FileResult
from toolkit.totals.rollup import RollupSummary, summarize


@pytest.fixture
def report(summary: RollupSummary, tmp_path: Path) -> Path:
    return write_report(summary, tmp_path / "report.xlsx")


def _find_row(ws: Any, column: int, value: Any) -> int:
    for row in ws.iter_rows(min_col=column, max_col=column):
        if row[0].value == value:
            return row[0].row
    raise AssertionError(f"{value!r} not in column {column} of {ws.title}")


def test_sheets_in_order_and_no_formula_anywhere(report: Path) -> None:
    assert tuple(load_workbook(report).sheetnames) == SHEETS
    with zipfile.ZipFile(report) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in zf.read(name), name  # numbers and text only


def test_summary_sheet_totals_tree_and_shares(report: Path, catalog: Catalog) -> None:
    ws = load_workbook(report)["汇总"]
    top = _find_row(ws, 1, "033A")  # first level-1 row
    got = {
        ws.cell(r, 1).value: (ws.cell(r, 4).value, ws.cell(r, 5).value)
        for r in (top, top + 1, top + 2)
    }
    assert got == {"033A": (3, 4735.06), "033B": (1, 999.99), "033C": (1, 0.07)}
    amount = ws.cell(top, 5)
    assert amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert ws.cell(top, 6).number_format == "0.00%"
    total_row = top + len(catalog.level(1))
    assert ws.cell(total_row, 1).value == "合计"
    assert ws.cell(total_row, 5).value == pytest.approx(5735.12)
    assert ws.cell(total_row, 6).value == 1.0
    # The tree: level-2 rows grouped under level 1, leaves grouped (hidden) under level 2.
    tree = next(r for r in range(1, ws.max_row) if str(ws.cell(r, 1).value).startswith("三、")) + 1
    assert [c.value for c in ws[tree]][:3] == ["编码", "名称", "级次"]
    for r in range(tree + 1, ws.max_row):
        if ws.cell(r, 1).value == "合计":
            break
        level = {"1级": 0, "2级": 1, "3级": 2}[ws.cell(r, 3).value]
        dims = ws.row_dimensions[r]
        assert (dims.outlineLevel or 0) == level, r
        assert bool(dims.hidden) == (level == 2), r
    leaf = _find_row(ws, 1, "033A0101")
    assert ws.cell(leaf, 5).value == pytest.approx(1234.56)  # only the counted 123456 fen


def test_summary_level1_share_values(report: Path) -> None:
    ws = load_workbook(report)["汇总"]
    top = _find_row(ws, 1, "033A")
    assert ws.cell(top, 6).value == pytest.approx(473506 / 573512)


def _chart_refs(report: Path) -> dict[str, list[str]]:
    refs = {}
    with zipfile.ZipFile(report) as zf:
        for name in sorted(n for n in zf.namelist() if n.startswith("xl/charts/chart")):
            xml = zf.read(name).decode()
            kind = re.search(r"<c:(pieChart|barChart)>", xml)
            assert kind, name
            refs[kind.group(1)] = re.findall(r"<c:f>([^<]*)</c:f>", xml)
    return refs


def test_charts_exist_and_point_at_the_level_tables(report: Path, catalog: Catalog) -> None:
    refs = _chart_refs(report)
    assert set(refs) == {"pieChart", "barChart"}
    ws = load_workbook(report)["汇总"]
    for kind, level in (("pieChart", 1), ("barChart", 2)):
        categories, values = refs[kind]
        first = _find_row(ws, 1, catalog.level(level)[0].code)
        last = first + len(catalog.level(level)) - 1
        assert categories == f"'汇总'!$B${first}:$B${last}"
        assert values == f"'汇总'!$E${first}:$E${last}"
        names = [ws.cell(r, 2).value for r in range(first, last + 1)]
        assert names == [e.name for e in catalog.level(level)]
    with zipfile.ZipFile(report) as zf:
        drawing = zf.read("xl/drawings/drawing1.xml").decode()
        rels = zf.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
    assert drawing.count("<c:chart ") == 2 and "drawing1.xml" in rels  # both on 汇总


def test_unit_by_category_sheet_has_row_and_column_totals(
    report: Path, summary: RollupSummary, catalog: Catalog
) -> None:
    ws = load_workbook(report)["单位×类别"]
    header = _find_row(ws, 1, "单位")
    heads = [c.value for c in ws[header]]
    assert heads[:2] == ["单位", "行数"] and heads[-1] == "合计"
    expected_cols = []
    for l1 in catalog.level(1):
        expected_cols.append(f"{l1.code} {l1.name} 小计")
        expected_cols += [f"{l2.code} {l2.name}" for l2 in catalog.children(l1.code)]
    assert heads[2:-1] == expected_cols
    col = {h: i + 1 for i, h in enumerate(heads)}
    units = [ws.cell(r, 1).value for r in range(header + 1, header + 4)]
    assert units == ["中原区", "金水区", "合计"]
    zy, js, total = header + 1, header + 2, header + 3
    assert ws.cell(zy, col["033A 基本公共服务 小计"]).value == pytest.approx(2235.06)
    assert ws.cell(js, col["033A01 养老服务"]).value == pytest.approx(2500.00)
    assert ws.cell(js, col["033B02 社会组织建设与管理"]).value == pytest.approx(999.99)
    assert ws.cell(zy, 2).value == 3 and ws.cell(js, 2).value == 2
    l1_cols = [col[f"{e.code} {e.name} 小计"] for e in catalog.level(1)]
    for r in (zy, js, total):
        row_total = sum(Decimal(str(ws.cell(r, c).value)) for c in l1_cols)
        assert Decimal(str(ws.cell(r, col["合计"]).value)) == row_total
    for c in range(3, len(heads) + 1):
        column_total = sum(Decimal(str(ws.cell(r, c).value)) for r in (zy, js))
        assert Decimal(str(ws.cell(total, c).value)) == column_total, heads[c - 1]
    assert ws.cell(total, col["合计"]).value == pytest.approx(5735.12)
    assert ws.cell(zy, 3).number_format == "#,##0.00"


def test_detail_sheet_lists_every_accepted_row_with_its_source(
    report: Path, summary: RollupSummary
) -> None:
    ws = load_workbook(report)["明细"]
    heads = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(heads)}
    assert ws.max_row - 1 == len(summary.accepted) == 5
    got = [
        (ws.cell(r, col["来源文件"]).value, ws.cell(r, col["金额单元格"]).value,
         ws.cell(r, col["目录编码"]).value, ws.cell(r, col["金额（元）"]).value)
        for r in range(2, ws.max_row + 1)
    ]  # fmt: skip
    assert got[0] == ("zy.xlsx", "K4", "033A0101", 1234.56)
    assert {g[0] for g in got} == {"zy.xlsx", "js.xlsx"}
    assert ws.cell(2, col["一级目录"]).value == "033A 基本公共服务"
    # Text from a submission stays text: a formula-looking project name is a string cell.
    evil = ws.cell(2, col["项目名称"])
    assert evil.value == EVIL and evil.data_type == "s"
    assert ws.auto_filter.ref


def test_problems_sheet_lists_rejected_rows_with_amounts_and_every_issue(report: Path) -> None:
    ws = load_workbook(report)["问题"]
    # gross, never netted: 5,000.00 and -42.00 are 5,042.00 waiting on corrections
    assert ws.cell(1, 1).value == (
        "一、未计入汇总的行：3 行，共 5,042.00 元（正数 5,000.00 元、负数 -42.00 元；"
        "其中 1 行金额无法识别）"
    )
    heads = [c.value for c in ws[2]]
    col = {h: i + 1 for i, h in enumerate(heads)}
    rejected = {
        (ws.cell(r, col["来源文件"]).value, ws.cell(r, col["规则编号"]).value): (
            ws.cell(r, col["金额（元）"]).value,
            ws.cell(r, col["问题类别"]).value,
            ws.cell(r, col["说明"]).value,
        )
        for r in range(3, 6)
    }
    amount, title, why = rejected[("js-old.xlsx", "superseded-submission")]
    assert amount == pytest.approx(5000.0) and "取代" in why
    assert title == rule_title("superseded-submission")
    amount, title, why = rejected[("js.xlsx", "amount-not-number")]
    assert amount is None  # no amount could be read: the cell stays empty
    assert "十万" in why
    amount, title, why = rejected[("js.xlsx", "amount-negative")]
    assert amount == pytest.approx(-42.0) and "负数" in why
    issues_at = _find_row(ws, 1, "文件")
    assert ws.cell(issues_at - 1, 1).value == "二、问题清单：错误 3 个，警告 0 个"
    found = {
        (ws.cell(r, 8).value, ws.cell(r, 5).value, ws.cell(r, 2).value)
        for r in range(issues_at + 1, ws.max_row + 1)
    }
    assert found == {
        ("amount-not-number", "K9", rule_title("amount-not-number")),
        ("amount-negative", "K10", rule_title("amount-negative")),
        ("superseded-submission", None, rule_title("superseded-submission")),
    }
    unsafe = ws.cell(_find_row(ws, col["行号"], 9), col["项目名称"])
    assert unsafe.value == "+cmd|' /C calc'!A0" and unsafe.data_type == "s"


def test_a_file_level_error_explains_every_row_it_rejects(catalog: Catalog, tmp_path: Path) -> None:
    unit_issue = registry.get("unit-unknown").issue(
        file="x.xlsx", sheet="预算表", row=2, column=3, value="管城区"
    )
    code_issue = registry.get("unknown-code").issue(
        file="x.xlsx", sheet="预算表", row=5, column=3, value="9"
    )
    rows = [
        make_row(catalog, "x.xlsx", "管城区", "033A0101", 100, row=4, accepted=False,
                 reasons="unit-unknown"),
        make_row(catalog, "x.xlsx", "管城区", None, 200, row=5, accepted=False,
                 reasons="unit-unknown;unknown-code"),
    ]  # fmt: skip
    files = [FileResult("x.xlsx", status="errors", unit="管城区", issues=[unit_issue, code_issue])]
    summary = summarize(make_result(catalog, rows, files))
    table = rejected_table(summary)
    why = {row[2]: row[table.headers.index("说明")] for row in table.rows}
    assert why[4] == unit_issue.message
    assert why[5] == f"{code_issue.message}；{unit_issue.message}"
    titles = {row[2]: row[table.headers.index("问题类别")] for row in table.rows}
    assert titles[5] == f"{rule_title('unit-unknown')}；{rule_title('unknown-code')}"


def test_submissions_sheet_tracks_missing_and_duplicate_units(report: Path) -> None:
    ws = load_workbook(report)["报送情况"]
    note = ws.cell(2, 1).value
    assert "应报送 4 个单位，已报送 2 个" in note
    assert "未报送：二七区、登封市" in note and "重复报送：金水区" in note
    heads = [c.value for c in ws[4]]
    col = {h: i + 1 for i, h in enumerate(heads)}
    status = {ws.cell(r, col["单位"]).value: ws.cell(r, col["报送情况"]).value for r in range(5, 9)}
    assert status == {
        "中原区": "已报送",
        "二七区": "未报送",
        "金水区": "重复报送",
        "登封市": "未报送",
    }
    js = _find_row(ws, col["单位"], "金水区")
    assert ws.cell(js, col["文件数"]).value == 2
    assert ws.cell(js, col["计入汇总的文件"]).value == "js.xlsx"
    assert ws.cell(js, col["未计入的文件（被取代）"]).value == "js-old.xlsx"
    assert ws.cell(js, col["计入行数"]).value == 2
    assert ws.cell(js, col["计入金额（元）"]).value == pytest.approx(3499.99)
    total = _find_row(ws, col["单位"], "合计")
    assert ws.cell(total, col["计入金额（元）"]).value == pytest.approx(5735.12)
    files_at = _find_row(ws, 1, "文件清单")
    listed = [ws.cell(r, 1).value for r in range(files_at + 2, files_at + 5)]
    assert listed == ["zy.xlsx", "js-old.xlsx", "js.xlsx"]
    assert ws.cell(files_at + 3, 5).value == "否"  # js-old.xlsx does not count


def test_report_is_byte_for_byte_reproducible(summary: RollupSummary, tmp_path: Path) -> None:
    a = write_report(summary, tmp_path / "a.xlsx").read_bytes()
    b = write_report(summary, tmp_path / "b.xlsx").read_bytes()
    assert a == b
    props = load_workbook(tmp_path / "a.xlsx").properties
    assert props.title == "政府购买服务预算汇总报表" and props.creator == "budget-toolkit"
    assert props.created.year == 2000


def test_strict_report_says_so(result: CheckResult, tmp_path: Path) -> None:
    path = write_report(summarize(result, units=REPORT_UNITS, strict=True), tmp_path / "s.xlsx")
    ws = load_workbook(path)["汇总"]
    assert "严格模式" in ws.cell(3, 1).value
    top = _find_row(ws, 1, "033A")
    assert ws.cell(top, 5).value == pytest.approx(2235.06)  # js.xlsx has errors: left out


@pytest.mark.libreoffice
def test_report_opens_in_libreoffice(report: Path, tmp_path: Path, lo_convert: Any) -> None:
    resaved = lo_convert(report, tmp_path / "lo")
    wb = load_workbook(resaved)
    assert tuple(wb.sheetnames) == SHEETS
    ws = wb["汇总"]
    top = _find_row(ws, 1, "033A")
    assert ws.cell(top, 5).value == pytest.approx(4735.06)
    with zipfile.ZipFile(resaved) as zf:
        assert sum(n.startswith("xl/charts/chart") for n in zf.namelist()) == 2


# -- CSV ----------------------------------------------------------------------------------
