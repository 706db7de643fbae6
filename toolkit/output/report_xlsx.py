"""The report workbook finance forwards: 汇总, 单位×类别, 明细, 问题 and 报送情况 (tables:
``tables``).

Money stays integer fen until this edge: the workbook gets real numbers (元 = fen / 100,
the only float in the pipeline, formatted ``#,##0.00``). Text that came from a
submission is written as inert text (``write_string``), so a project name such as
``=HYPERLINK(...)`` is shown, never run. The long sheets (明细, 问题) go through
``BulkSheet``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit.money import fen_display, fen_text, yuan_text
from toolkit.output.tables import (
    SEVERITY_LABELS,
    SUMMARY_HEADERS,
    Fen,
    Share,
    Table,
    Yuan,
    detail_table,
    files_table,
    issues_table,
    matrix_columns,
    matrix_table,
    plain_text,
    reconciliation_table,
    rejected_summary,
    rejected_table,
    submission_lines,
    units_table,
    yes_no,
)
from toolkit.output.xlsxbulk import BLANK, NUMBER, STRING, BulkSheet, Typed
from toolkit.safety import atomic_write
from toolkit.template.layout import FIXED_CREATED  # fixed document dates: same batch, same bytes
from toolkit.totals.rollup import UNIT_STATUSES, RollupSummary

SHEET_SUMMARY = "汇总"
SHEET_MATRIX = "单位×类别"
SHEET_DETAIL = "明细"
SHEET_PROBLEMS = "问题"
SHEET_UNITS = "报送情况"
SHEETS = (SHEET_SUMMARY, SHEET_MATRIX, SHEET_DETAIL, SHEET_PROBLEMS, SHEET_UNITS)
REPORT_TITLE = "政府购买服务预算汇总报表"
# Pie colours for up to 7 level-1 categories; more fall back to the application's palette.
PIE_COLOURS = ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478")


def write_report(summary: RollupSummary, path: str | Path) -> Path:
    """Write the report workbook (汇总, 单位×类别, 明细, 问题, 报送情况) atomically."""
    import xlsxwriter

    target = Path(path)
    with atomic_write(target) as tmp:
        workbook = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        _Report(workbook, summary).write()
        workbook.close()
    return target


WIDTH_SAMPLE = 2000  # rows looked at to size a column; enough to see the typical widths


def display_width(values: Sequence[Any], floor: int = 6, cap: int = 60) -> int:
    """Column width in Excel units: CJK characters take two."""
    widest = 0
    for value in values[:WIDTH_SAMPLE]:
        text = (
            fen_text(value.fen)
            if isinstance(value, Fen)
            else yuan_text(value.value)
            if isinstance(value, Yuan)
            else plain_text(value)
        )
        widest = max(widest, sum(2 if ord(ch) > 0x2E80 else 1 for ch in text))
    return max(floor, min(cap, widest + 2))


class _Report:
    """Lays the tables out on the five sheets; only this class knows cell positions."""

    def __init__(self, workbook: Any, summary: RollupSummary) -> None:
        self.wb = workbook
        self.s = summary
        cat = summary.catalog
        workbook.set_properties(
            {
                "title": REPORT_TITLE,
                "subject": f"{cat.title}（{cat.id} 版本 {cat.version}）",
                "author": "budget-toolkit",
                "company": "",
                "keywords": "政府购买服务, 预算, 汇总",
                "comments": f"目录 SHA-256 {cat.sha256}",
                "created": FIXED_CREATED,
            }
        )
        add = workbook.add_format
        self.f_title = add({"bold": True, "font_size": 14})
        self.f_note = add({"font_color": "#595959"})
        self.f_section = add({"bold": True, "font_size": 12, "font_color": "#1F4E79"})
        self.f_head = add(
            {
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "text_wrap": True,
                "valign": "vcenter",
            }
        )
        self.f_text = add({"border": 1})
        self.f_int = add({"border": 1, "num_format": "0"})
        self.f_money = add({"border": 1, "num_format": "#,##0.00"})
        self.f_share = add({"border": 1, "num_format": "0.00%"})
        self.f_total_text = add({"border": 1, "bold": True, "bg_color": "#F2F2F2"})
        self.f_total_int = add(
            {"border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": "0"}
        )
        self.f_total_money = add(
            {"border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": "#,##0.00"}
        )
        self.f_total_share = add(
            {"border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": "0.00%"}
        )
        self.f_bold_text = add({"border": 1, "bold": True})
        self.f_indent = {n: add({"border": 1, "indent": n}) for n in (1, 2)}
        self.f_bad = add({"border": 1, "bg_color": "#FCE4D6"})
        self.f_ok = add({"border": 1, "font_color": "#006100", "bg_color": "#C6EFCE"})
        self.f_read_money = add({"border": 1, "num_format": "#,##0.00####"})

    # -- cells ----------------------------------------------------------------------
    def typed(self, value: Any, total: bool = False, fmt: Any = None) -> Typed:
        """How one value is written: numbers as numbers, everything else as inert text."""
        text = fmt or (self.f_total_text if total else self.f_text)
        if type(value) is str:  # most cells
            return (STRING, value, text) if value else (BLANK, None, text)
        if isinstance(value, Fen):
            return NUMBER, value.fen / 100, self.f_total_money if total else self.f_money
        if isinstance(value, Yuan):
            return NUMBER, float(value.value), self.f_read_money
        if isinstance(value, Share):
            return NUMBER, value.value, self.f_total_share if total else self.f_share
        if isinstance(value, bool):
            return STRING, yes_no(value), fmt or self.f_text
        if isinstance(value, numbers.Integral):
            return NUMBER, int(value), self.f_total_int if total else self.f_int
        value = plain_text(value)
        return (STRING, value, text) if value else (BLANK, None, text)

    def cell(
        self, ws: Any, r: int, c: int, value: Any, total: bool = False, fmt: Any = None
    ) -> None:
        """Write one value as ``typed`` says."""
        kind, payload, style = self.typed(value, total, fmt)
        if kind is NUMBER:
            ws.write_number(r, c, payload, style)
        elif kind is STRING:
            ws.write_string(r, c, payload, style)
        else:
            ws.write_blank(r, c, None, style)

    def table(
        self,
        ws: Any,
        top: int,
        table: Table,
        total_last: bool = False,
        left: int = 0,
        bulk: bool = False,
    ) -> int:
        """Header at ``top``, rows below; returns the row after the table. ``bulk``: the
        rows are the ``BulkSheet``'s block, the last thing on the sheet (no total row)."""
        for c, head in enumerate(table.headers):
            ws.write_string(top, left + c, head, self.f_head)
        if bulk:
            if total_last:
                raise ValueError("a bulk table has no total row")
            ws.write_block(top + 1, left, table.rows, self.typed)
            return top + len(table.rows) + 1
        for i, row in enumerate(table.rows, start=1):
            total = total_last and i == len(table.rows)
            for c, value in enumerate(row, start=left):
                self.cell(ws, top + i, c, value, total)
        return top + len(table.rows) + 1

    def widths(self, ws: Any, table: Table, left: int = 0, cap: int = 60) -> None:
        for c, head in enumerate(table.headers):
            values = [row[c] for row in table.rows]
            ws.set_column(left + c, left + c, display_width([head, *values], cap=cap))

    def page(self, ws: Any, fit: bool = True, paper: int = 9) -> None:
        """Print setup: landscape (A4 = 9, A3 = 8), one page wide where that stays legible."""
        ws.set_paper(paper)
        ws.set_landscape()
        if fit:
            ws.fit_to_pages(1, 0)

    def write(self) -> None:
        self.summary_sheet()
        self.matrix_sheet()
        self.detail_sheet()
        self.problems_sheet()
        self.units_sheet()

    # -- 汇总 -----------------------------------------------------------------------
    def summary_sheet(self) -> None:
        s, rec, cat = self.s, self.s.reconciliation, self.s.catalog
        ws = self.wb.add_worksheet(SHEET_SUMMARY)
        ws.write_string(0, 0, REPORT_TITLE, self.f_title)
        ws.write_string(1, 0, f"目录：{cat.title}（{cat.id}，版本 {cat.version}）", self.f_note)
        counted = sum(f.counts for f in s.file_lines)
        mode = "；严格模式（有错误的文件整份不计入）" if s.strict else ""
        ws.write_string(
            2,
            0,
            f"收到文件 {len(s.file_lines)} 个，计入 {counted} 个；读取 {rec.rows_read} 行，"
            f"计入 {rec.rows_accepted} 行，剔除 {rec.rows_rejected} 行；"
            f"总计 {fen_display(rec.grand_total_fen)} 元；金额单位：元{mode}",
            self.f_note,
        )
        # Both tables keep 行数 / 金额 / 占比 in columns D / E / F, where the charts look.
        parent = {e.code: e.label for e in cat.level(1)}
        l1 = Table(
            "level1",
            SUMMARY_HEADERS,
            [
                [r.code, r.name, "1级", r.rows, Fen(r.amount_fen), Share(r.share)]
                for r in s.totals[1]
            ]
            + [self.total_row()],
        )
        l2 = Table(
            "level2",
            ("编码", "名称", "所属一级目录", *SUMMARY_HEADERS[3:]),
            [
                [r.code, r.name, parent[r.level1], r.rows, Fen(r.amount_fen), Share(r.share)]
                for r in s.totals[2]
            ]
            + [self.total_row()],
        )
        r = 4
        ws.write_string(r, 0, "一、一级目录汇总", self.f_section)
        self.l1_top = r + 2  # first data row (0-based) of the level-1 table
        r = self.table(ws, r + 1, l1, total_last=True) + 1
        ws.write_string(r, 0, "二、二级目录汇总", self.f_section)
        self.l2_top = r + 2
        r = self.table(ws, r + 1, l2, total_last=True) + 1
        ws.write_string(r, 0, "三、分级汇总（点击左侧 + 展开至三级目录）", self.f_section)
        r = self.tree(ws, r + 1) + 1
        ws.write_string(r, 0, "四、核对", self.f_section)
        # The label over A:B, 结果 over C:D, the two sides in the amount columns E / F.
        checks = reconciliation_table(s)
        ws.merge_range(r + 1, 0, r + 1, 1, "核对项目", self.f_head)
        ws.merge_range(r + 1, 2, r + 1, 3, "结果", self.f_head)
        ws.write_string(r + 1, 4, "左边", self.f_head)
        ws.write_string(r + 1, 5, "右边", self.f_head)
        for i, (_, label, left, right, result, where) in enumerate(checks.rows, start=r + 2):
            ws.merge_range(i, 0, i, 1, label, self.f_text)
            ws.merge_range(i, 2, i, 3, f"{result}：{where}" if where else result, self.f_text)
            self.cell(ws, i, 4, left)
            self.cell(ws, i, 5, right)
        for c, width in enumerate((10, 26, 22, 7, 16, 16, 2)):
            ws.set_column(c, c, width)
        self.page(ws)
        ws.outline_settings(True, False, True, False)  # summary rows above their details
        self.charts(ws, len(cat.level(1)), len(cat.level(2)))
        ws.activate()

    def total_row(self) -> list[Any]:
        rec = self.s.reconciliation
        share = Share(1.0 if rec.grand_total_fen else 0.0)
        return ["合计", "", "", rec.rows_accepted, Fen(rec.grand_total_fen), share]

    def tree(self, ws: Any, top: int) -> int:
        """Level 1 -> 2 -> 3 as outline groups: level 2 shown, leaves collapsed."""
        cat, s = self.s.catalog, self.s
        for c, head in enumerate(SUMMARY_HEADERS):
            ws.write_string(top, c, head, self.f_head)
        totals = {r.code: r for level in (1, 2, 3) for r in s.totals[level]}
        r = top + 1

        def line(code: str, level: int) -> None:
            t = totals[code]
            name_fmt = self.f_bold_text if level == 1 else self.f_indent[level - 1]
            ws.write_string(r, 0, code, self.f_bold_text if level == 1 else self.f_text)
            ws.write_string(r, 1, t.name, name_fmt)
            ws.write_string(r, 2, f"{level}级", self.f_text)
            ws.write_number(r, 3, int(t.rows), self.f_int)
            ws.write_number(r, 4, int(t.amount_fen) / 100, self.f_money)
            ws.write_number(r, 5, float(t.share), self.f_share)

        for e1 in cat.level(1):
            line(e1.code, 1)
            r += 1
            for e2 in cat.children(e1.code):
                leaves = [e for e in cat.children(e2.code) if e.code in totals]
                ws.set_row(r, None, None, {"level": 1, "collapsed": bool(leaves)})
                line(e2.code, 2)
                r += 1
                for e3 in leaves:
                    ws.set_row(r, None, None, {"level": 2, "hidden": True})
                    line(e3.code, 3)
                    r += 1
        for c, value in enumerate(self.total_row()):
            self.cell(ws, r, c, value, total=True)
        return r + 1

    def charts(self, ws: Any, n1: int, n2: int) -> None:
        """A pie of the level-1 shares and a bar chart of the level-2 totals."""

        def ranges(top: int, n: int) -> dict[str, str]:
            """Names in B and amounts in E of the n table rows from 0-based row ``top``."""
            first, last, sheet = top + 1, top + n, f"'{SHEET_SUMMARY}'"
            return {
                "categories": f"={sheet}!$B${first}:$B${last}",
                "values": f"={sheet}!$E${first}:$E${last}",
            }

        pie = self.wb.add_chart({"type": "pie"})
        pie.add_series(
            {
                "name": "一级目录金额占比",
                **ranges(self.l1_top, n1),
                "data_labels": {"percentage": True, "category": True, "separator": "\n"},
                "points": [{"fill": {"color": c}} for c in PIE_COLOURS[:n1]],
            }
        )
        pie.set_title({"name": "一级目录金额占比"})
        pie.set_legend({"position": "bottom"})
        pie.set_size({"width": 460, "height": 300})
        ws.insert_chart(4, 7, pie)
        bar = self.wb.add_chart({"type": "bar"})
        bar.add_series(
            {
                "name": "二级目录金额（元）",
                **ranges(self.l2_top, n2),
                "fill": {"color": "#4472C4"},
            }
        )
        bar.set_title({"name": "二级目录金额（元）"})
        bar.set_legend({"none": True})
        bar.set_x_axis({"num_format": "#,##0", "major_gridlines": {"visible": True}})
        bar.set_y_axis({"reverse": True})
        bar.set_size({"width": 460, "height": 420})
        ws.insert_chart(20, 7, bar)  # below the pie (300 px is 15 default rows)

    # -- 单位×类别 ---------------------------------------------------------------------
    def matrix_sheet(self) -> None:
        ws = self.wb.add_worksheet(SHEET_MATRIX)
        table = matrix_table(self.s)
        cols = matrix_columns(self.s)
        ws.write_string(0, 0, "各单位分类别预算金额（元）", self.f_title)
        ws.write_string(
            1,
            0,
            "一级目录小计列右侧为其二级目录（可点击上方 - 折叠）；最后一行、一列为合计",
            self.f_note,
        )
        top = 3
        self.table(ws, top, table, total_last=True)
        ws.set_column(0, 0, display_width([table.headers[0], *(r[0] for r in table.rows)]))
        ws.set_column(1, 1, 8)
        for i, (_, level, _) in enumerate(cols, start=2):
            options = {"level": 1} if level == 2 else {}
            ws.set_column(i, i, 16, None, options)
        ws.set_column(len(cols) + 2, len(cols) + 2, 18)
        ws.set_row(top, 48)
        ws.freeze_panes(top + 1, 1)
        ws.repeat_columns(0)
        self.page(ws, paper=8)  # 18 amount columns: A3 keeps them legible on one page wide

    # -- 明细 -------------------------------------------------------------------------
    def detail_sheet(self) -> None:
        ws = self.wb.add_worksheet(SHEET_DETAIL, worksheet_class=BulkSheet)
        table = detail_table(self.s)
        end = self.table(ws, 0, table, bulk=True)
        self.widths(ws, table, cap=40)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(end - 1, 0), len(table.headers) - 1)
        ws.repeat_rows(0)
        self.page(ws, fit=False)

    # -- 问题 -------------------------------------------------------------------------
    def problems_sheet(self) -> None:
        ws = self.wb.add_worksheet(SHEET_PROBLEMS, worksheet_class=BulkSheet)
        rec = self.s.reconciliation
        rejected, issues = rejected_table(self.s), issues_table(self.s)
        ws.write_string(0, 0, f"一、未计入汇总的行：{rejected_summary(rec)}", self.f_section)
        r = self.table(ws, 1, rejected) + 1
        errors = sum(1 for row in issues.rows if row[2] == SEVERITY_LABELS["error"])
        ws.write_string(
            r,
            0,
            f"二、问题清单：错误 {errors} 个，警告 {len(issues.rows) - errors} 个",
            self.f_section,
        )
        self.table(ws, r + 1, issues, bulk=True)
        for c in range(max(len(rejected.headers), len(issues.headers))):
            values = [row[c] for t in (rejected, issues) for row in t.rows if c < len(row)]
            ws.set_column(c, c, display_width(values, floor=10, cap=50))
        ws.freeze_panes(0, 1)
        self.page(ws, fit=False)

    # -- 报送情况 -------------------------------------------------------------------------
    def units_sheet(self) -> None:
        ws = self.wb.add_worksheet(SHEET_UNITS)
        s = self.s
        line = "；".join(submission_lines(s))
        ws.write_string(0, 0, "报送情况", self.f_title)
        ws.write_string(1, 0, line, self.f_note)
        units = units_table(s)
        r = self.table(ws, 3, units, total_last=True)
        for i, row in enumerate(s.unit_lines, start=4):
            if row.status != "received":
                ws.write_string(i, 3, UNIT_STATUSES[row.status], self.f_bad)
        r += 1
        ws.write_string(r, 0, "文件清单", self.f_section)
        files = files_table(s)
        self.table(ws, r + 1, files)
        for c in range(len(units.headers)):
            values = [row[c] for t in (units, files) for row in t.rows if c < len(row)]
            ws.set_column(c, c, display_width(values, floor=8, cap=50))
        ws.freeze_panes(4, 2)
        self.page(ws)
