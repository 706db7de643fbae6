"""Nothing outside the table is silently dropped.

Every value found outside the table (``toolkit.read.regions`` sorts them by region) is an
issue at its cell: an error when it looks like a line item (an amount or a code: money
that would otherwise vanish), a warning otherwise. A region reports its first examples
one by one and the rest as one issue with a count, so a file with millions of stray
cells gives a handful of issues.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.issues import Issue
from toolkit.read.regions import REGIONS, Region, Stray
from toolkit.rules.file import FileContext, file_rule
from toolkit.rules.frame import cell_text
from toolkit.rules.registry import ERROR, WARNING, define

ROWS_PER_REGION = 20  # issues one by one per region; the rest as one issue with a count

ROW_AFTER_TOTAL = define(
    "row-after-total", ERROR, scope="file",
    title="合计行之后还有明细",
    message="合计行（第 {total} 行）"
    "之后的这一行填有金额或目录编码，不会计入汇总：请把它移到合计行之上",
    meaning="A line item (an amount or a code) below the table: it is not counted, so it is "
    "an error, not a stray value.",
    where="the row's amount or code cell below the table",
)  # fmt: skip
LINE_OUTSIDE_TABLE = define(
    "line-outside-table", ERROR, scope="file",
    title="表格外有金额或编码",
    message="{region}的单元格填有“{value}”，像是一笔预算的金额或编码，但不会计入汇总：请移入表格的明细行或删除",
    meaning="An amount or a code outside the table (in the 合计 row, beside the table, in the "
    "signature block, after a note): money that would not be counted.",
    where="the cell",
)  # fmt: skip
VALUE_OUTSIDE_TABLE = define(
    "value-outside-table", WARNING, scope="file",
    title="表格外有内容",
    message="{region}的单元格有内容“{value}”，不会被读取：请移入表格或删除",
    meaning="Any other value outside the table (beside it, in the 合计 row or the signature "
    "block, after a note, below it): not read.",
    where="the cell",
)  # fmt: skip
MORE_OUTSIDE = define(
    "more-outside-table", WARNING, scope="file",
    title="表格外另有内容",
    message="{region}另有 {cells} 个单元格有内容（其中 {lines} 个像金额或编码）"
    "，未逐一列出：请整理后重新报送",
    meaning="The count of further stray values in a region, beyond the ones listed one by one.",
    where="the first cell not listed",
)  # fmt: skip


def _issue(ctx: FileContext, region: Region, stray: Stray, total_row: int | None) -> Issue:
    shown = cell_text(stray.kind, stray.value)
    if not stray.line_like:
        rule = VALUE_OUTSIDE_TABLE
    elif region.name == "below":
        rule = ROW_AFTER_TOTAL
    elif region.name == "above":
        rule = VALUE_OUTSIDE_TABLE
    else:
        rule = LINE_OUTSIDE_TABLE
    return ctx.issue(
        rule, stray.row, stray.col, value=shown, region=REGIONS[region.name], total=total_row or ""
    )


def _pick(strays: list[Stray], prefer: tuple[int | None, ...]) -> Stray:
    """The cell a line item outside the table is reported at: its code, else its amount."""
    for col in prefer:
        for stray in strays:
            if stray.line_like and stray.col == col:
                return stray
    return next(s for s in strays if s.line_like)


@file_rule
def outside(ctx: FileContext) -> Iterator[Issue]:
    table = ctx.sub.table
    if table is None:
        return
    columns = ctx.sub.columns
    prefer = (columns.get("code"), columns.get("amount"))
    for name in REGIONS:
        region = table.regions[name]
        if not region.cells:
            continue
        by_row: dict[int, list[Stray]] = {}
        for stray in region.examples:
            by_row.setdefault(stray.row, []).append(stray)
        # a row with an amount or a code is one line item: one issue at its code (or amount)
        reported: list[Stray] = []
        for row in sorted(by_row):
            strays = by_row[row]
            if any(s.line_like for s in strays):
                reported.append(_pick(strays, prefer))
            else:
                reported.extend(strays)
        reported.sort(key=lambda s: (not s.line_like, s.row, s.col))
        shown = reported[:ROWS_PER_REGION]
        for stray in sorted(shown, key=lambda s: (s.row, s.col)):
            yield _issue(ctx, region, stray, table.total_row)
        covered = {(s.row, s.col) for s in shown}
        covered |= {
            (s.row, s.col)
            for s in region.examples
            if s.row in {t.row for t in shown if t.line_like}
        }
        rest = region.cells - len(covered)
        if rest > 0:
            listed_lines = sum(
                1 for s in region.examples if s.line_like and (s.row, s.col) in covered
            )
            lines = max(0, region.line_like - listed_lines)
            first = next((s for s in reported if (s.row, s.col) not in covered), None)
            row, col = (first.row, first.col) if first else (None, None)
            yield ctx.issue(
                MORE_OUTSIDE, row, col, severity=ERROR if lines else WARNING, value="",
                region=REGIONS[name], cells=rest, lines=lines,
            )  # fmt: skip
