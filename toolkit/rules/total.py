"""The paper total: what the form's own 合计 shows, against what is counted.

The office signs the printed form, and the printed 合计 is whatever its cell computes:
the template's ``=SUM(K4:K203)`` adds the numbers in its range and skips text, so an
amount typed as text (``1,234.50``, full-width digits, a ¥) is counted here but missing
on paper. The reader never trusts a cached result (openpyxl and others do not write
one): the sum is computed here from the cells, as a spreadsheet would (``SUM``,
``SUBTOTAL(9|109, ...)``, or cells added with ``+``). A file whose paper total differs
from the counted total does not pass, and the message names the cells that explain the
difference.
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from toolkit import form
from toolkit.cellref import a1, col_index
from toolkit.issues import Issue
from toolkit.money import fen_display
from toolkit.read.cellindex import column_cells, each_index, row_cells
from toolkit.rules import values as V
from toolkit.rules.file import FileContext, file_rule
from toolkit.rules.frame import Frame
from toolkit.rules.registry import ERROR, WARNING, define
from toolkit.xlsx.cells import EMPTY as EMPTY_KIND
from toolkit.xlsx.cells import ERROR as ERROR_KIND
from toolkit.xlsx.cells import FORMULA, KIND_MASK, NUMBER, TEXT

TOTAL_MISSING = define(
    "total-missing", ERROR, scope="file", rejects="file",
    title="缺少合计",
    message="表格没有合计行或合计金额{detail}："
    "无法与签字盖章的纸面合计核对，请恢复模板的合计行（=SUM 公式）",
    meaning="The form's 合计 row, or its amount, is missing or blank: the signed total cannot "
    "be checked.",
    where="the 合计 row's amount cell, else the header's amount cell",
)  # fmt: skip
TOTAL_FORMULA = define(
    "total-formula", ERROR, scope="file", rejects="file",
    title="合计公式无法核对",
    message="合计单元格的公式 {value} 不是对预算金额列的求和，"
    "无法确认纸面合计：请恢复模板的 =SUM 公式",
    meaning="The 合计 cell holds a formula other than a sum of the amount column (SUM, "
    "SUBTOTAL or cells added with +): the paper total cannot be computed.",
    where="the 合计 row's amount cell",
)  # fmt: skip
TOTAL_MISMATCH = define(
    "total-mismatch", ERROR, scope="file", rejects="file",
    title="合计与明细不符",
    message="合计行打印出的合计为 {shown} {unit}，"
    "明细计入的金额为 {counted} {unit}，相差 {diff} {unit}{why}",
    meaning="What the form's own 合计 shows on paper (computed from the cells, never a cached "
    "value) differs from the counted total; the message names the cells responsible.",
    where="the 合计 row's amount cell",
)  # fmt: skip
SUBTOTAL_ROW = define(
    "subtotal-row", WARNING, scope="file",
    title="小计行",
    message="第 {line} 行是小计或合计行（“{value}”），不是一笔预算：本行不计入汇总",
    meaning="A 小计 (or a second 合计) row inside the table is not a line item and is not counted.",
    where="the row's label cell",
)  # fmt: skip

_CALL = re.compile(r"^\s*=?\s*(SUM|SUBTOTAL)\s*\((.*)\)\s*$", re.I | re.S)
_REF = re.compile(
    r"^\s*\$?([A-Za-z]{1,3})\$?([0-9]{1,7})\s*(?::\s*\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?\s*$"
)
MAX_NAMED = 8  # cells named in one message


class RowRanges:
    """The rows a 合计 formula adds: its ranges, merged (``K5:K200004`` is one pair, not
    200,000 entries), less the rows left out."""

    __slots__ = ("_ends", "_starts", "left_out")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[list[int]] = []
        for lo, hi in sorted(spans):
            if merged and lo <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        self._starts = [lo for lo, _ in merged]
        self._ends = [hi for _, hi in merged]
        self.left_out: set[int] = set()

    def __contains__(self, row: object) -> bool:
        try:
            row = operator.index(row)  # type: ignore[arg-type]
        except TypeError:
            return False
        return self._spanned(row) and row not in self.left_out

    def __len__(self) -> int:
        spanned = sum(hi - lo + 1 for lo, hi in zip(self._starts, self._ends, strict=True))
        return spanned - sum(1 for r in self.left_out if self._spanned(r))

    def _spanned(self, row: int) -> bool:
        k = bisect_right(self._starts, row) - 1
        return k >= 0 and row <= self._ends[k]

    def discard(self, row: int) -> None:
        self.left_out.add(row)


@dataclass
class Paper:
    """The 合计 as the printed form shows it."""

    status: str  # ok | missing | blank | formula | not-number
    fen: int | None = None
    rows: RowRanges = field(default_factory=RowRanges)  # the rows the formula adds
    skips_hidden: bool = False  # SUBTOTAL(109, ...)
    skips_filtered: bool = False  # SUBTOTAL(9, ...)
    by_row: dict[int, Decimal] = field(default_factory=dict)  # what the asked-for rows show
    errors: set[int] = field(default_factory=set)  # added rows that show an error value
    typed: bool = False  # a number typed over the template's formula
    unknown: set[int] = field(default_factory=set)  # added rows whose formula has no result


def _refs(args: str, amount_col: int) -> RowRanges | None:
    """Rows of the amount column the arguments name, or None for anything else."""
    spans: list[tuple[int, int]] = []
    for part in args.split(","):
        m = _REF.match(part)
        if m is None:
            return None
        c1, r1, c2, r2 = (
            m.group(1),
            int(m.group(2)),
            m.group(3) or m.group(1),
            int(m.group(4) or m.group(2)),
        )
        if col_index(c1) != amount_col or col_index(c2) != amount_col:
            return None
        spans.append((min(r1, r2), max(r1, r2)))
    return RowRanges(spans)


def parse_total_formula(text: str, amount_col: int) -> tuple[RowRanges, bool, bool] | None:
    """(rows, skips hidden rows, skips filtered rows) of a 合计 formula, or None."""
    m = _CALL.match(text)
    if m is not None:
        func, args = m.group(1).upper(), m.group(2)
        hidden = filtered = False
        if func == "SUBTOTAL":
            first, _, args = args.partition(",")
            code = first.strip()
            if code not in ("9", "109"):
                return None
            hidden, filtered = code == "109", True
        rows = _refs(args, amount_col)
        return None if rows is None else (rows, hidden, filtered)
    body = text.strip().lstrip("=")
    if "+" in body and all(_REF.match(p) and ":" not in p for p in body.split("+")):
        rows = _refs(",".join(body.split("+")), amount_col)
        return None if rows is None else (rows, False, False)
    return None


def paper_total(
    frame: Frame, shown_rows: Collection[int] = ()
) -> tuple[Paper, tuple[int, int] | None, str]:
    """(the paper total, its cell, the cell as typed) from the sheet's own cells, with
    what each of ``shown_rows`` adds to it (``Paper.by_row``; a 200,000-row sum keeps no
    entry per row)."""
    sub = frame.sub
    table, ws = sub.table, sub.worksheet
    assert table is not None and ws is not None
    amount_col = frame.column("amount")
    if table.total_row is None:
        return Paper("missing"), None, ""
    cell = (table.total_row, amount_col)
    cells = ws.cells
    kind = value = formula = None
    for i in column_cells(ws, amount_col).tolist():
        if cells.rows[i] == cell[0]:
            kind, value, formula = cells.kinds[i], cells.values[i], cells.formulas.get(i)
            break
    spec = form.AMOUNT_UNIT_SPECS[frame.unit]
    if kind is None or (kind & KIND_MASK == TEXT and not str(value).strip() and not kind & FORMULA):
        return Paper("blank"), cell, ""
    if kind & FORMULA:
        parsed = parse_total_formula(formula or "", amount_col)
        if parsed is None:
            return Paper("formula"), cell, formula or ""
        rows, hidden, filtered = parsed
        rows.discard(cell[0])
        return _sum(frame, rows, hidden, filtered, set(shown_rows)), cell, formula or ""
    if kind & KIND_MASK == NUMBER:
        d = V.number_text_decimal(value)
    elif kind & KIND_MASK == TEXT:
        d, _ = V.text_decimal(str(value), frame.unit)
    else:
        d = None
    if d is None:
        return Paper("not-number"), cell, str(value)
    return Paper("ok", _to_fen(d, spec.fen), typed=True), cell, str(value)


def _to_fen(d: Decimal, fen_per_unit: int) -> int:
    return int((d * fen_per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _sum(frame: Frame, rows: RowRanges, hidden: bool, filtered: bool, shown: set[int]) -> Paper:
    ws = frame.sub.worksheet
    assert ws is not None
    amount_col = frame.column("amount")
    cells = ws.cells
    spec = form.AMOUNT_UNIT_SPECS[frame.unit]
    total = Decimal(0)
    by_row: dict[int, Decimal] = {}
    errors: set[int] = set()
    unknown: set[int] = set()
    filter_rows = ws.autofilter
    known = frame.number_decimals  # the line items' amounts, already read by the frame
    for i in each_index(column_cells(ws, amount_col)):
        r = cells.rows[i]
        if r not in rows:
            continue
        if hidden and r in ws.hidden_rows:
            continue
        if filtered and r in ws.hidden_rows and filter_rows and ws.filter_active:
            continue
        kind = cells.kinds[i] & KIND_MASK
        if kind == EMPTY_KIND and cells.kinds[i] & FORMULA:
            unknown.add(r)  # a 小计 formula saved without its result: the 合计 adds it
        elif kind == ERROR_KIND:
            errors.add(r)  # the 合计 shows the error
        elif kind == NUMBER:
            text = cells.values[i]
            d = known[text] if text in known else V.number_text_decimal(text)
            if d is not None:
                total += d
                if r in shown:
                    by_row[r] = d
    return Paper(
        "ok", _to_fen(total, spec.fen), rows, hidden, filtered, by_row, errors, unknown=unknown
    )


def in_unit(fen: int, unit: str) -> str:
    """Fen as the printed form shows it: ``1,234.50`` in 元, ``0.123450`` → ``0.12345`` in 万元."""
    if unit == "元":
        return fen_display(fen)
    d = (Decimal(fen) / 1_000_000).normalize()
    text = format(d, ",f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"


def counted_yuan(frame: Frame) -> Decimal:
    """Every readable amount of the table, in 元, exactly as read."""
    total = Decimal(0)
    for a in frame.amounts:
        if a is not None and a.read is not None:
            total += a.read
    return total


def counted_fen(frame: Frame) -> int:
    """Every readable amount of the table, in fen (rounded where not exact: such rows are
    errors of their own)."""
    return _to_fen(counted_yuan(frame), 100)


def _why(frame: Frame, paper: Paper) -> str:
    """The cells that explain a difference, named."""
    reasons = []
    amount_col = frame.column("amount")
    rows = frame.rows.tolist()
    texts = [
        a1(rows[i], amount_col)
        for i, a in enumerate(frame.amounts)
        if a is not None and a.as_text and a.read is not None
    ]
    if texts:
        named = "、".join(texts[:MAX_NAMED]) + (
            f" 等 {len(texts)} 处" if len(texts) > MAX_NAMED else ""
        )
        reasons.append(f"{named}的金额是文字，合计公式不计文字：请把这些单元格改为数值后重新输入")
    if paper.rows:
        outside = [
            a1(rows[i], amount_col)
            for i, a in enumerate(frame.amounts)
            if a is not None and a.read is not None and rows[i] not in paper.rows
        ]
        if outside:
            named = "、".join(outside[:MAX_NAMED]) + (
                f" 等 {len(outside)} 处" if len(outside) > MAX_NAMED else ""
            )
            reasons.append(f"{named}不在合计公式的求和范围内：请恢复模板的 =SUM 公式")
    hidden_rows = [rows[i] for i in range(frame.n) if frame.hidden[i] or frame.filtered[i]]
    if hidden_rows and (paper.skips_hidden or paper.skips_filtered):
        reasons.append(
            "合计公式（SUBTOTAL）不计隐藏的行 " + "、".join(map(str, hidden_rows[:MAX_NAMED]))
        )
    if paper.typed:
        reasons.append("合计单元格是手工填写的数字，不是模板的 =SUM 公式：请恢复公式")
    formulas = [a1(rows[i], amount_col) for i in range(frame.n) if frame.formula["amount"][i]]
    if formulas:
        reasons.append("、".join(formulas[:MAX_NAMED]) + " 是公式，其结果未计入")
    return "：" + "；".join(reasons) if reasons else "，请核对合计公式和各行金额"


def judge_total(ctx: FileContext, frame: Frame, flagged: set[int] | None = None) -> Iterator[Issue]:
    """The 合计 against the rows. A row with an error of its own (``flagged``, positions)
    is already stopped; what it shows on paper is taken as it is, so the total speaks only
    of differences nothing else explains."""
    flagged = flagged or set()
    rows = frame.rows.tolist()
    paper, cell, typed = paper_total(frame, [rows[i] for i in flagged])
    spec = form.AMOUNT_UNIT_SPECS[frame.unit]
    explained = Decimal(0)  # in the amount unit: what flagged rows add on paper minus read
    for i in flagged:
        a = frame.amounts[i]
        read = a.read / (spec.fen // 100) if a is not None and a.read is not None else Decimal(0)
        explained += paper.by_row.get(rows[i], Decimal(0)) - read
    # rounded once: a row read as 0.125 is an error of its own, and its half fen must
    # not turn into a difference of one fen with the paper
    counted = _to_fen(counted_yuan(frame) / (spec.fen // 100) + explained, spec.fen)
    has_amounts = any(a is not None and a.read is not None for a in frame.amounts)
    row, col = cell if cell else (ctx.sub.header_row, frame.column("amount"))
    if paper.status in ("missing", "blank"):
        if has_amounts:
            detail = "为空" if paper.status == "blank" else ""
            yield ctx.issue(TOTAL_MISSING, row, col, detail=detail)
        return
    if paper.status == "formula":
        yield ctx.issue(TOTAL_FORMULA, row, col, value=typed)
        return
    if paper.errors - {rows[i] for i in flagged}:
        yield ctx.issue(TOTAL_FORMULA, row, col, value=typed)
        return
    if paper.status == "not-number":
        yield ctx.issue(
            TOTAL_MISMATCH, row, col, value=typed, shown=f"“{typed}”", unit=frame.unit,
            counted=in_unit(counted_fen(frame), frame.unit), diff="—",
            why="：合计单元格填的不是数字，请恢复模板的 =SUM 公式",
        )  # fmt: skip
        return
    assert paper.fen is not None
    unknown = sorted(paper.unknown - {rows[i] for i in flagged})
    if unknown:
        cells = "、".join(a1(r, col) for r in unknown[:MAX_NAMED])
        yield ctx.issue(
            TOTAL_MISMATCH, row, col, value=typed, shown="（无法确定）", unit=frame.unit,
            counted=in_unit(counted_fen(frame), frame.unit), diff="（无法确定）",
            why=f"：{cells} 是公式（如小计），合计会把它再加一遍：请删除小计行，只保留明细",
        )  # fmt: skip
        return
    if paper.fen != counted:
        yield ctx.issue(
            TOTAL_MISMATCH, row, col, value=typed,
            shown=in_unit(paper.fen, frame.unit), counted=in_unit(counted_fen(frame), frame.unit),
            diff=in_unit(abs(counted_fen(frame) - paper.fen), frame.unit), why=_why(frame, paper),
            unit=frame.unit,
        )  # fmt: skip


@file_rule
def subtotals(ctx: FileContext) -> Iterator[Issue]:
    sub = ctx.sub
    table, ws = sub.table, sub.worksheet
    if table is None or ws is None or sub.header is None:
        return
    label_cols = sorted(sub.header.columns.values())
    cells = ws.cells
    for r in table.subtotal_rows:  # the row's cells, not every cell of the sheet per row
        for i in row_cells(ws, r).tolist():
            if (
                cells.cols[i] in label_cols
                and isinstance(cells.values[i], str)
                and "计" in cells.values[i]
            ):
                yield ctx.issue(SUBTOTAL_ROW, r, cells.cols[i], value=cells.values[i], line=r)
                break


__all__ = ["judge_total", "paper_total", "parse_total_formula"]
