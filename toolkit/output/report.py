"""Roll-up tables -> the report finance forwards: an xlsx workbook, CSV files and JSON.

All three are drawn from one ``RollupSummary`` so they cannot disagree. Money stays
integer fen until the output edge: the workbook gets real numbers (元 = fen / 100, the
only float in the pipeline, formatted ``#,##0.00``), CSV and JSON get exact two-place
decimal strings formatted from the integers. Text that came from a submission is
written as inert text everywhere (``write_string`` in xlsx, the OWASP prefix in CSV), so
a project name such as ``=HYPERLINK(...)`` is shown, never run.
"""

from __future__ import annotations

import csv
import io
import json
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.money import fen_display, fen_text, yuan_display, yuan_text
from toolkit.output.render import STATUS_LABELS, files_json, rule_title
from toolkit.safety import atomic_write, csv_safe
from toolkit.template.layout import FIXED_CREATED  # fixed document dates: same batch, same bytes
from toolkit.totals.rollup import STRICT_REASON, UNIT_STATUSES, RollupSummary, is_missing

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SHEET_SUMMARY = "汇总"
SHEET_MATRIX = "单位×类别"
SHEET_DETAIL = "明细"
SHEET_PROBLEMS = "问题"
SHEET_UNITS = "报送情况"
SHEETS = (SHEET_SUMMARY, SHEET_MATRIX, SHEET_DETAIL, SHEET_PROBLEMS, SHEET_UNITS)
REPORT_TITLE = "政府购买服务预算汇总报表"
SEVERITY_LABELS = {"error": "错误", "warning": "警告"}
STRICT_LABEL = "严格模式：本文件有错误，整份文件不计入汇总"
# Pie colours for up to 7 level-1 categories; more fall back to the application's palette.
PIE_COLOURS = ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478")


@dataclass(frozen=True)
class Fen:
    """An amount in a table cell: a number in the workbook, exact ``0.00`` text in CSV."""

    fen: int


@dataclass(frozen=True)
class Yuan:
    """An amount as read (exact 元, any precision: a rejected amount keeps every digit)."""

    value: Decimal


@dataclass(frozen=True)
class Share:
    """A share of a total: ``0.00%`` in the workbook and in CSV."""

    value: float


@dataclass(frozen=True)
class Table:
    """One report table: the CSV file name, Chinese headers and typed cell values."""

    name: str
    headers: tuple[str, ...]
    rows: list[list[Any]]


AMOUNT = "金额（元）"
SUMMARY_HEADERS = ("编码", "名称", "级次", "行数", AMOUNT, "占比")


def _yes(flag: Any) -> str:
    return "是" if bool(flag) else "否"


def _text(value: Any) -> str:
    """A cell's text; missing values (None, NaN, pandas NA) are empty."""
    return "" if is_missing(value) else str(value)


def _fen_or_blank(value: Any) -> Fen | None:
    text = _text(value)
    return Fen(int(value)) if text != "" else None


# -- the tables -----------------------------------------------------------------------------
def level_table(summary: RollupSummary, level: int) -> Table:
    frame = {1: summary.level1, 2: summary.level2, 3: summary.level3}[level]
    parents = {2: ("一级目录",), 3: ("一级目录", "二级目录")}.get(level, ())
    keys = {2: ("level1",), 3: ("level1", "level2")}.get(level, ())
    rows = [
        [r.code, r.name, *(getattr(r, k) for k in keys), r.rows, Fen(r.amount_fen), Share(r.share)]
        for r in frame.itertuples()
    ]
    return Table(f"level{level}", ("编码", "名称", *parents, "行数", AMOUNT, "占比"), rows)


def matrix_columns(summary: RollupSummary) -> list[tuple[str, int, str]]:
    """The 单位×类别 columns: (code, level, header) — each level 1, then its level 2s."""
    cat = summary.catalog
    cols = []
    for l1 in cat.level(1):
        cols.append((l1.code, 1, f"{l1.code} {l1.name} 小计"))
        cols += [(l2.code, 2, f"{l2.code} {l2.name}") for l2 in cat.children(l1.code)]
    return cols


def matrix_table(summary: RollupSummary) -> Table:
    """Units as rows, level-1 and level-2 categories as columns, with both totals."""
    cols = matrix_columns(summary)
    amounts: dict[tuple[str, str], int] = {}
    counts: dict[str, int] = {}
    for frame in (summary.unit_level1, summary.unit_level2):
        for r in frame.itertuples():
            amounts[(r.unit, r.code)] = int(r.amount_fen)
    for r in summary.unit_level1.itertuples():
        counts[r.unit] = counts.get(r.unit, 0) + int(r.rows)
    rows = []
    for unit in summary.received_units:
        total = sum(amounts[(unit, code)] for code, level, _ in cols if level == 1)
        rows.append(
            [unit, counts[unit], *(Fen(amounts[(unit, c)]) for c, _, _ in cols), Fen(total)]
        )
    totals = {
        r.code: int(r.amount_fen) for f in (summary.level1, summary.level2) for r in f.itertuples()
    }
    grand = summary.reconciliation.grand_total_fen
    rows.append(
        [
            "合计",
            summary.reconciliation.rows_accepted,
            *(Fen(totals[c]) for c, _, _ in cols),
            Fen(grand),
        ]
    )
    headers = ("单位", "行数", *(h for _, _, h in cols), "合计")
    return Table("unit_category", headers, rows)


Column = tuple[str, str | Callable[[Any], Any]]  # header, and a field name or a getter


def _rows(frame: pd.DataFrame, columns: Sequence[Column]) -> list[list[Any]]:
    getters = [(lambda r, f=f: getattr(r, f)) if isinstance(f, str) else f for _, f in columns]
    return [[get(r) for get in getters] for r in frame.itertuples()]


def _amount(field: str) -> Callable[[Any], Fen | None]:
    return lambda r: _fen_or_blank(getattr(r, field))


def detail_table(summary: RollupSummary) -> Table:
    """Every accepted row, with where it came from."""
    cat = summary.catalog

    def label(code: Any) -> str:
        entry = cat.get(code) if isinstance(code, str) else None
        return entry.label if entry else _text(code)

    def name(r: Any) -> str:
        entry = cat.get(r.code) if isinstance(r.code, str) else None
        return entry.name if entry else ""

    columns: list[Column] = [
        ("来源文件", "file"), ("工作表", "sheet"), ("行号", "row"), ("金额单元格", "amount_cell"),
        ("填报单位", "unit"), ("年度", "year"), ("序号", "seq"), ("项目名称", "project"),
        ("目录编码", "code"), ("目录名称", name), ("一级目录", lambda r: label(r.level1)),
        ("二级目录", lambda r: label(r.level2)), ("购买内容", "content"),
        ("承接主体", "provider"), ("承接主体类型", "provider_type"), ("购买方式", "method"),
        ("资金来源", "funding"), (AMOUNT, _amount("amount_fen")), ("绩效目标", "target"),
        ("备注", "note"),
    ]  # fmt: skip
    headers = tuple(h for h, _ in columns)
    return Table("detail", headers, _rows(summary.accepted, columns))


def _row_messages(summary: RollupSummary) -> Callable[[Any], str]:
    """Why a rejected row was left out: its own errors, then the file-level ones it names."""
    at_row: dict[tuple[str, int], list[tuple[str, str]]] = {}
    by_rule: dict[tuple[str, str], list[str]] = {}
    for f in summary.result.files:
        for i in f.issues:
            if i.is_error:
                file = i.file or f.path
                if i.row is not None:
                    at_row.setdefault((file, i.row), []).append((i.rule, i.message))
                by_rule.setdefault((file, i.rule), []).append(i.message)

    def explain(r: Any) -> str:
        if r.reasons == STRICT_REASON:
            return STRICT_LABEL
        own = at_row.get((str(r.file), int(r.row)), []) if _text(r.row) else []
        messages = [m for _, m in own]
        covered = {rule for rule, _ in own}
        for rule in str(r.reasons).split(";"):
            if rule and rule not in covered:
                messages += by_rule.get((str(r.file), rule), [])
                covered.add(rule)
        return "；".join(messages)

    return explain


def _rule_titles(reasons: Any) -> str:
    ids = [x for x in _text(reasons).split(";") if x]
    return "；".join("严格模式" if x == STRICT_REASON else rule_title(x) for x in ids)


def rejected_table(summary: RollupSummary) -> Table:
    columns: list[Column] = [
        ("来源文件", "file"), ("工作表", "sheet"), ("行号", "row"), ("金额单元格", "amount_cell"),
        ("填报单位", "unit"), ("项目名称", "project"), ("目录编码", "code"),
        (AMOUNT, lambda r: None if is_missing(r.amount_read) else Yuan(r.amount_read)),
        ("问题类别", lambda r: _rule_titles(r.reasons)),
        ("说明", _row_messages(summary)), ("规则编号", "reasons"),
    ]  # fmt: skip
    headers = tuple(h for h, _ in columns)
    return Table("rejected", headers, _rows(summary.rejected, columns))


def issues_table(summary: RollupSummary) -> Table:
    level = SEVERITY_LABELS.get
    rows = [
        [
            i.file or f.path,
            rule_title(i.rule),
            level(i.severity, i.severity),
            i.sheet,
            i.cell,
            i.value,
            i.message,
            i.rule,
        ]
        for f in summary.result.files
        for i in f.issues
    ]
    headers = ("文件", "问题类别", "级别", "工作表", "单元格", "值", "说明", "规则编号")
    return Table("issues", headers, rows)


def units_table(summary: RollupSummary) -> Table:
    s = summary.submissions.reset_index(drop=True)
    columns: list[Column] = [
        ("序号", lambda r: r.Index + 1), ("单位", "unit"), ("名单内", lambda r: _yes(r.expected)),
        ("报送情况", lambda r: UNIT_STATUSES[r.status]), ("文件数", "files"),
        ("计入汇总的文件", lambda r: "；".join(r.counted)),
        ("未计入的文件（被取代）", lambda r: "；".join(r.not_counted)),
        ("计入行数", "rows_accepted"), ("剔除行数", "rows_rejected"),
        (f"计入{AMOUNT}", _amount("accepted_fen")), (f"剔除{AMOUNT}", _amount("rejected_fen")),
    ]  # fmt: skip
    rows = _rows(s, columns)
    sums = {k: int(s[k].sum()) for k in ("files", "rows_accepted", "rows_rejected")}
    total = ["", "合计", "", "", sums["files"], "", "", sums["rows_accepted"]]
    total += [sums["rows_rejected"], Fen(int(s["accepted_fen"].sum()))]
    total += [Fen(int(s["rejected_fen"].sum()))]
    return Table("units", tuple(h for h, _ in columns), [*rows, total])


def files_table(summary: RollupSummary) -> Table:
    columns: list[Column] = [
        ("文件", "file"), ("填报单位", "unit"), ("年度", "year"),
        ("检查结果", lambda r: STATUS_LABELS.get(r.status, r.status)),
        ("计入汇总", lambda r: _yes(r.counts)), ("计入行数", "rows_accepted"),
        ("剔除行数", "rows_rejected"), (f"计入{AMOUNT}", _amount("accepted_fen")),
        (f"剔除{AMOUNT}", _amount("rejected_fen")), ("错误", "errors"), ("警告", "warnings"),
    ]  # fmt: skip
    return Table("files", tuple(h for h, _ in columns), _rows(summary.files, columns))


def reconciliation_table(summary: RollupSummary) -> Table:
    rows = []
    for c in summary.reconciliation.checks:
        left, right = (
            (Fen(c.left), Fen(c.right))  # type: ignore[arg-type]
            if c.unit == "fen"
            else (Yuan(c.left), Yuan(c.right))
            if c.unit == "yuan"
            else (c.left, c.right)  # type: ignore[arg-type]
        )
        rows.append(
            [c.name, c.label, left, right, "一致" if c.ok else "不一致", "；".join(c.failures)]
        )
    return Table("reconciliation", ("检查", "说明", "左边", "右边", "结果", "不一致之处"), rows)


def tables(summary: RollupSummary) -> list[Table]:
    """Every table of the report, in the order the CSV files are written."""
    return [
        level_table(summary, 1),
        level_table(summary, 2),
        level_table(summary, 3),
        matrix_table(summary),
        detail_table(summary),
        rejected_table(summary),
        issues_table(summary),
        units_table(summary),
        files_table(summary),
        reconciliation_table(summary),
    ]


# -- CSV ----------------------------------------------------------------------------------
def _csv_cell(value: Any) -> Any:
    if isinstance(value, Fen):
        return fen_text(value.fen)
    if isinstance(value, Yuan):
        return yuan_text(value.value)
    if isinstance(value, Share):
        return f"{value.value:.2%}"
    if isinstance(value, bool):
        return _yes(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    return csv_safe(_text(value))


def write_csv(summary: RollupSummary, directory: str | Path) -> list[Path]:
    """One CSV per table in ``directory``: UTF-8 with a BOM (Excel reads the Chinese), CRLF.

    Amounts are exact two-place decimals; text from submissions is OWASP-safe.
    """
    out = Path(directory)
    written = []
    for table in tables(summary):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(table.headers)
        writer.writerows([_csv_cell(v) for v in row] for row in table.rows)
        target = out / f"{table.name}.csv"
        with atomic_write(target) as tmp:
            tmp.write_text(buf.getvalue(), encoding="utf-8-sig")
        written.append(target)
    return written


# -- JSON ---------------------------------------------------------------------------------
def report_json(summary: RollupSummary) -> dict[str, Any]:
    """The fixed JSON shape of the issue; every amount a two-place decimal string."""
    cat = summary.catalog
    rec = summary.reconciliation

    def amounts(frame: pd.DataFrame) -> dict[str, str]:
        return {r.code: fen_text(r.amount_fen) for r in frame.itertuples()}

    by_unit: dict[str, dict[str, str]] = {}
    for frame in (summary.unit_level1, summary.unit_level2):
        for r in frame.itertuples():
            by_unit.setdefault(r.unit, {})[r.code] = fen_text(r.amount_fen)
    return {
        "catalog": {"id": cat.id, "version": cat.version, "sha256": cat.sha256},
        "files": files_json(summary.result),
        "rows": {
            "read": rec.rows_read,
            "accepted": rec.rows_accepted,
            "rejected": rec.rows_rejected,
        },
        "amounts": {
            "read": yuan_text(rec.read),
            "accepted": fen_text(rec.fen_accepted),
            "rejected": yuan_text(rec.rejected_gross),
            "rejected_positive": yuan_text(rec.rejected_positive),
            "rejected_negative": yuan_text(rec.rejected_negative),
        },
        "totals": {
            "level1": amounts(summary.level1),
            "level2": amounts(summary.level2),
            "level3": amounts(summary.level3),
        },
        "by_unit": by_unit,
        "grand_total": fen_text(rec.grand_total_fen),
    }


def json_text(summary: RollupSummary) -> str:
    return json.dumps(report_json(summary), ensure_ascii=False, indent=2) + "\n"


def write_json(summary: RollupSummary, path: str | Path) -> Path:
    target = Path(path)
    text = json_text(summary)
    with atomic_write(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


# -- xlsx ---------------------------------------------------------------------------------
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


def write_outputs(
    summary: RollupSummary, report: Path | None, json_path: Path | None, csv_dir: Path | None
) -> list[Path]:
    """Write the report workbook, JSON and CSV that were asked for; return what was written."""
    written = [write_report(summary, report)] if report is not None else []
    if json_path is not None:
        written.append(write_json(summary, json_path))
    if csv_dir is not None:
        written += write_csv(summary, csv_dir)
    return written


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
            else _text(value)
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
    def cell(
        self, ws: Any, r: int, c: int, value: Any, total: bool = False, fmt: Any = None
    ) -> None:
        """Write one typed value: numbers as numbers, everything else as inert text."""
        if isinstance(value, Fen):
            ws.write_number(r, c, value.fen / 100, self.f_total_money if total else self.f_money)
        elif isinstance(value, Yuan):
            ws.write_number(r, c, float(value.value), self.f_read_money)
        elif isinstance(value, Share):
            ws.write_number(r, c, value.value, self.f_total_share if total else self.f_share)
        elif isinstance(value, bool):
            ws.write_string(r, c, _yes(value), fmt or self.f_text)
        elif isinstance(value, numbers.Integral):
            ws.write_number(r, c, int(value), self.f_total_int if total else self.f_int)
        elif _text(value):
            ws.write_string(
                r, c, _text(value), fmt or (self.f_total_text if total else self.f_text)
            )
        else:
            ws.write_blank(r, c, None, fmt or (self.f_total_text if total else self.f_text))

    def table(
        self, ws: Any, top: int, table: Table, total_last: bool = False, left: int = 0
    ) -> int:
        """Header at ``top``, rows below; returns the row after the table."""
        for c, head in enumerate(table.headers):
            ws.write_string(top, left + c, head, self.f_head)
        for i, row in enumerate(table.rows, start=1):
            total = total_last and i == len(table.rows)
            for c, value in enumerate(row):
                self.cell(ws, top + i, left + c, value, total)
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
        counted = int(s.files["counts"].sum()) if len(s.files) else 0
        mode = "；严格模式（有错误的文件整份不计入）" if s.strict else ""
        ws.write_string(
            2,
            0,
            f"收到文件 {len(s.files)} 个，计入 {counted} 个；读取 {rec.rows_read} 行，"
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
                for r in s.level1.itertuples()
            ]
            + [self.total_row()],
        )
        l2 = Table(
            "level2",
            ("编码", "名称", "所属一级目录", *SUMMARY_HEADERS[3:]),
            [
                [r.code, r.name, parent[r.level1], r.rows, Fen(r.amount_fen), Share(r.share)]
                for r in s.level2.itertuples()
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
        totals = {r.code: r for frame in (s.level1, s.level2, s.level3) for r in frame.itertuples()}
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
        ws = self.wb.add_worksheet(SHEET_DETAIL)
        table = detail_table(self.s)
        end = self.table(ws, 0, table)
        self.widths(ws, table, cap=40)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(end - 1, 0), len(table.headers) - 1)
        ws.repeat_rows(0)
        self.page(ws, fit=False)

    # -- 问题 -------------------------------------------------------------------------
    def problems_sheet(self) -> None:
        ws = self.wb.add_worksheet(SHEET_PROBLEMS)
        rec = self.s.reconciliation
        rejected, issues = rejected_table(self.s), issues_table(self.s)
        ws.write_string(0, 0, f"一、未计入汇总的行：{rejected_words(rec)}", self.f_section)
        r = self.table(ws, 1, rejected) + 1
        errors = sum(1 for row in issues.rows if row[2] == SEVERITY_LABELS["error"])
        ws.write_string(
            r,
            0,
            f"二、问题清单：错误 {errors} 个，警告 {len(issues.rows) - errors} 个",
            self.f_section,
        )
        self.table(ws, r + 1, issues)
        for c in range(max(len(rejected.headers), len(issues.headers))):
            values = [row[c] for t in (rejected, issues) for row in t.rows if c < len(row)]
            ws.set_column(c, c, display_width(values, floor=10, cap=50))
        ws.freeze_panes(0, 1)
        self.page(ws, fit=False)

    # -- 报送情况 -------------------------------------------------------------------------
    def units_sheet(self) -> None:
        ws = self.wb.add_worksheet(SHEET_UNITS)
        s = self.s
        sub = s.submissions
        line = "；".join(submission_lines(s))
        ws.write_string(0, 0, "报送情况", self.f_title)
        ws.write_string(1, 0, line, self.f_note)
        units = units_table(s)
        r = self.table(ws, 3, units, total_last=True)
        for i, row in enumerate(sub.itertuples(), start=4):
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


# -- terminal -----------------------------------------------------------------------------
def terminal_table(summary: RollupSummary) -> Any:
    """A rich Table of the level-1 and level-2 totals with shares (level 2 indented)."""
    from rich.table import Table as RichTable
    from rich.text import Text

    table = RichTable(title="预算汇总（元）", title_justify="left", show_footer=True)
    rec = summary.reconciliation
    table.add_column("编码", footer="合计")
    table.add_column("名称")
    table.add_column("行数", justify="right", footer=str(rec.rows_accepted))
    table.add_column(AMOUNT, justify="right", footer=fen_display(rec.grand_total_fen))
    share = "100.00%" if rec.grand_total_fen else "0.00%"
    table.add_column("占比", justify="right", footer=share)
    level2 = {code: list(group.itertuples()) for code, group in summary.level2.groupby("level1")}
    for r1 in summary.level1.itertuples():
        rows = [(r1, "bold", "")] + [(r2, "", "  ") for r2 in level2.get(r1.code, [])]
        for r, style, indent in rows:
            table.add_row(
                Text(r.code, style=style),
                Text(indent + r.name, style=style),
                Text(str(r.rows), style=style),
                Text(fen_display(r.amount_fen), style=style),
                Text(f"{r.share:.2%}", style=style),
            )
    return table


def rejected_words(rec: Any) -> str:
    """``11 行，共 3,251,000.456 元（正数 …、负数 …；其中 1 行金额无法识别）``: rejected
    money gross, never netted out."""
    parts = []
    if rec.rejected_positive and rec.rejected_negative:
        parts.append(
            f"正数 {yuan_display(rec.rejected_positive)} 元、"
            f"负数 {yuan_display(rec.rejected_negative)} 元"
        )
    if rec.rows_without_amount:
        parts.append(f"其中 {rec.rows_without_amount} 行金额无法识别")
    detail = f"（{'；'.join(parts)}）" if parts else ""
    return f"{rec.rows_rejected} 行，共 {yuan_display(rec.rejected_gross)} 元{detail}"


def reconciliation_lines(summary: RollupSummary) -> list[str]:
    """The reconciliation, one line per balance, as printed after the table."""
    rec = summary.reconciliation
    lines = [
        f"读取 {rec.rows_read} 行 / {yuan_display(rec.read)} 元 = "
        f"计入 {rec.rows_accepted} 行 / {fen_display(rec.fen_accepted)} 元 + "
        f"剔除 {rejected_words(rec)}"
    ]
    for c in rec.checks:
        mark = (
            "✓ 一致" if c.ok else "✗ 不一致：" + "；".join(c.failures or (f"{c.left} ≠ {c.right}",))
        )
        lines.append(f"{c.label}：{mark}")
    return lines


def submission_lines(summary: RollupSummary) -> list[str]:
    """Who sent what: expected against received, missing, duplicates, outside the list."""
    sub = summary.submissions
    got = sub[sub["status"].isin(["received", "duplicate"])]
    lines = [f"应报送 {int(sub['expected'].sum())} 个单位，已报送 {len(got)} 个"]
    for status, label in (("missing", "未报送"), ("duplicate", "重复报送"), ("unlisted", "名单外")):
        names = list(sub.loc[sub["status"] == status, "unit"])
        if names:
            lines.append(f"{label}：{'、'.join(names)}")
    unitless = int(sub.loc[sub["status"] == "no-unit", "files"].sum())
    if unitless:
        lines.append(f"未识别单位的文件：{unitless} 个")
    return lines
