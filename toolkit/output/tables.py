"""The report's tables, drawn from one ``RollupSummary``: the xlsx workbook, the CSV files
and the terminal all show these, so they cannot disagree. Cells hold ``Fen``/``Yuan``/
``Share`` markers, so each writer formats money at its own edge, from integer fen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from toolkit.issues import Severity
from toolkit.money import fen_display, yuan_display
from toolkit.output.render import STATUS_LABELS, rejected_words, rule_title
from toolkit.totals.rollup import (
    STRICT_REASON,
    UNIT_STATUSES,
    RollupSummary,
    UnitLine,
)
from toolkit.totals.units import is_missing

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

SEVERITY_LABELS = {s.value: s.label for s in Severity}
STRICT_LABEL = "严格模式：本文件有错误，整份文件不计入汇总"


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


def yes_no(flag: Any) -> str:
    return "是" if bool(flag) else "否"


def plain_text(value: Any) -> str:
    """A cell's text; missing values (None, NaN, pandas NA) are empty."""
    return "" if is_missing(value) else str(value)


def _fen_or_blank(value: Any) -> Fen | None:
    text = plain_text(value)
    return Fen(int(value)) if text != "" else None


# -- the tables -----------------------------------------------------------------------------
def level_table(summary: RollupSummary, level: int) -> Table:
    parents = {2: ("一级目录",), 3: ("一级目录", "二级目录")}.get(level, ())
    keys = {2: ("level1",), 3: ("level1", "level2")}.get(level, ())
    rows = [
        [r.code, r.name, *(getattr(r, k) for k in keys), r.rows, Fen(r.amount_fen), Share(r.share)]
        for r in summary.totals[level]
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
    for level in (1, 2):
        for r in summary.unit_totals[level]:
            amounts[(str(r.unit), r.code)] = int(r.amount_fen)
    for r in summary.unit_totals[1]:
        counts[str(r.unit)] = counts.get(str(r.unit), 0) + int(r.rows)
    rows = []
    for unit in summary.received_units:
        total = sum(amounts[(unit, code)] for code, level, _ in cols if level == 1)
        rows.append(
            [unit, counts[unit], *(Fen(amounts[(unit, c)]) for c, _, _ in cols), Fen(total)]
        )
    totals = {r.code: int(r.amount_fen) for lv in (1, 2) for r in summary.totals[lv]}
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
    """The table's rows from the frame's rows, as ``itertuples`` gives them (the index
    first), built from whole columns: iterating a pyarrow-backed column value by value
    is what made a 150,000-row detail table slow."""
    from collections import namedtuple

    if not len(frame):
        return []
    getters = [(lambda r, f=f: getattr(r, f)) if isinstance(f, str) else f for _, f in columns]
    row = namedtuple("Row", ["Index", *map(str, frame.columns)], rename=True)  # type: ignore[misc]
    data = [frame.index.tolist(), *(frame[c].tolist() for c in frame.columns)]
    return [[get(r) for get in getters] for r in map(row._make, zip(*data, strict=True))]


def _lines(lines: Sequence[Any], columns: Sequence[Column]) -> list[list[Any]]:
    """The table's rows from ``FileLine`` / ``UnitLine`` tuples."""
    getters = [(lambda r, f=f: getattr(r, f)) if isinstance(f, str) else f for _, f in columns]
    return [[get(r) for get in getters] for r in lines]


def _amount(field: str) -> Callable[[Any], Fen | None]:
    return lambda r: _fen_or_blank(getattr(r, field))


def detail_table(summary: RollupSummary) -> Table:
    """Every accepted row, with where it came from."""
    cat = summary.catalog

    def label(code: Any) -> str:
        entry = cat.get(code) if isinstance(code, str) else None
        return entry.label if entry else plain_text(code)

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
        own = at_row.get((str(r.file), int(r.row)), []) if plain_text(r.row) else []
        messages = [m for _, m in own]
        covered = {rule for rule, _ in own}
        for rule in str(r.reasons).split(";"):
            if rule and rule not in covered:
                messages += by_rule.get((str(r.file), rule), [])
                covered.add(rule)
        return "；".join(messages)

    return explain


def _rule_titles(reasons: Any) -> str:
    ids = [x for x in plain_text(reasons).split(";") if x]
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
    level = SEVERITY_LABELS.get  # from the one Severity enum
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
    s = summary.unit_lines
    columns: list[Column] = [
        ("单位", "unit"), ("名单内", lambda r: yes_no(r.expected)),
        ("报送情况", lambda r: UNIT_STATUSES[r.status]), ("文件数", "files"),
        ("计入汇总的文件", lambda r: "；".join(r.counted)),
        ("未计入的文件（被取代）", lambda r: "；".join(r.not_counted)),
        ("计入行数", "rows_accepted"), ("剔除行数", "rows_rejected"),
        (f"计入{AMOUNT}", _amount("accepted_fen")), (f"剔除{AMOUNT}", _amount("rejected_fen")),
    ]  # fmt: skip
    rows = [[k, *row] for k, row in enumerate(_lines(s, columns), start=1)]
    sums = {k: sum(getattr(r, k) for r in s) for k in (*UnitLine._fields[-4:], "files")}
    total = ["", "合计", "", "", sums["files"], "", "", sums["rows_accepted"]]
    total += [sums["rows_rejected"], Fen(sums["accepted_fen"]), Fen(sums["rejected_fen"])]
    return Table("units", ("序号", *(h for h, _ in columns)), [*rows, total])


def files_table(summary: RollupSummary) -> Table:
    columns: list[Column] = [
        ("文件", "file"), ("填报单位", "unit"), ("年度", "year"),
        ("检查结果", lambda r: STATUS_LABELS.get(r.status, r.status)),
        ("计入汇总", lambda r: yes_no(r.counts)), ("计入行数", "rows_accepted"),
        ("剔除行数", "rows_rejected"), (f"计入{AMOUNT}", _amount("accepted_fen")),
        (f"剔除{AMOUNT}", _amount("rejected_fen")), ("错误", "errors"), ("警告", "warnings"),
    ]  # fmt: skip
    return Table("files", tuple(h for h, _ in columns), _lines(summary.file_lines, columns))


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


# -- the report's sentences (the workbook and the terminal) ------------------------------
def rejected_summary(rec: Any) -> str:
    """The reconciliation's rejected rows and money, in the report's words."""
    return rejected_words(
        rec.rows_rejected, rec.rejected_gross, rec.rejected_positive, rec.rejected_negative,
        rec.rows_without_amount,
    )  # fmt: skip


def reconciliation_lines(summary: RollupSummary) -> list[str]:
    """The reconciliation, one line per balance, as printed after the table."""
    rec = summary.reconciliation
    lines = [
        f"读取 {rec.rows_read} 行 / {yuan_display(rec.read)} 元 = "
        f"计入 {rec.rows_accepted} 行 / {fen_display(rec.fen_accepted)} 元 + "
        f"剔除 {rejected_summary(rec)}"
    ]
    for c in rec.checks:
        mark = (
            "✓ 一致" if c.ok else "✗ 不一致：" + "；".join(c.failures or (f"{c.left} ≠ {c.right}",))
        )
        lines.append(f"{c.label}：{mark}")
    return lines


def submission_lines(summary: RollupSummary) -> list[str]:
    """Who sent what: expected against received, missing, duplicates, outside the list."""
    sub = summary.unit_lines
    got = [u for u in sub if u.status in ("received", "duplicate")]
    lines = [f"应报送 {sum(u.expected for u in sub)} 个单位，已报送 {len(got)} 个"]
    for status, label in (("missing", "未报送"), ("duplicate", "重复报送"), ("unlisted", "名单外")):
        names = [u.unit for u in sub if u.status == status]
        if names:
            lines.append(f"{label}：{'、'.join(names)}")
    unitless = sum(u.files for u in sub if u.status == "no-unit")
    if unitless:
        lines.append(f"未识别单位的文件：{unitless} 个")
    return lines
