"""Annotated copies: the office's own workbook, with every problem marked where it is.

This is the file finance sends back. Each bad cell is filled red (error) or amber
(warning) and carries a comment with the message; a new first sheet 问题清单 lists every
issue with a link to its cell. The original is never touched: the copy is loaded with
openpyxl (the one library here that writes styles and comments) and saved atomically.

openpyxl keeps cell values, formulas, styles, merged cells, data validations (the
dropdowns), defined names, sheet protection, hidden sheets, custom document properties
and existing comments. It drops what it does not model: images and charts, slicers,
and Excel-2010 extension lists (x14 validations, sparklines). The template writer uses
none of these; docs/check.md says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.issues import Issue, Severity
from toolkit.safety import atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.result import CheckResult

ISSUE_SHEET = "问题清单"
ERROR_FILL = "FFC7CE"  # Excel's "bad" red
WARNING_FILL = "FFEB9C"  # Excel's "neutral" amber
AUTHOR = "budget-toolkit"
SUFFIX = "_问题标注"
ISSUE_COLUMNS = (
    ("序号", 6),
    ("级别", 8),
    ("规则", 22),
    ("问题", 18),
    ("位置", 16),
    ("单元格内容", 24),
    ("说明（请按此修改）", 70),
)


@dataclass(frozen=True)
class Annotated:
    """One file's outcome: the copy written, or why none was."""

    source: str
    target: Path | None
    reason: str = ""


def annotate(result: CheckResult, outdir: str | Path) -> list[Annotated]:
    """Write an annotated copy into ``outdir`` for every checked file with issues."""
    out = Path(outdir)
    taken: set[str] = set()
    done: list[Annotated] = []
    for f in result.files:
        if not f.issues:
            continue
        if f.status == "unreadable":
            done.append(Annotated(f.path, None, "文件无法读取，未生成标注副本"))
            continue
        target = _target_name(out, Path(f.path), taken)
        try:
            annotate_file(f.path, f.issues, target)
        except Exception as exc:  # one bad copy must not stop the others
            done.append(Annotated(f.path, None, f"无法生成标注副本：{type(exc).__name__}: {exc}"))
        else:
            done.append(Annotated(f.path, target))
    return done


def _target_name(outdir: Path, source: Path, taken: set[str]) -> Path:
    stem, n = source.stem + SUFFIX, 2
    name = stem + ".xlsx"
    while name.casefold() in taken or (outdir / name).resolve() == source.resolve():
        name, n = f"{stem}_{n}.xlsx", n + 1
    taken.add(name.casefold())
    return outdir / name


def annotate_file(source: str | Path, issues: Iterable[Issue], target: str | Path) -> Path:
    """Copy ``source`` to ``target`` with ``issues`` marked in place and listed."""
    from openpyxl import load_workbook

    issues = list(issues)
    wb = load_workbook(source)
    _mark_cells(wb, issues)
    _issue_sheet(wb, issues)
    with atomic_write(target) as tmp:
        wb.save(tmp)
    return Path(target)


def _mark_cells(wb: Any, issues: list[Issue]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for i in issues:
        if i.sheet and i.cell and i.sheet in wb.sheetnames:
            by_cell.setdefault((i.sheet, i.cell), []).append(i)
    for (sheet, ref), found in by_cell.items():
        ws = wb[sheet]
        cell = _writable(ws, ref)
        error = any(i.is_error for i in found)
        color = ERROR_FILL if error else WARNING_FILL
        cell.fill = PatternFill(fill_type="solid", start_color=color, end_color=color)
        lines = [f"【{Severity(i.severity).label}】{i.message}（{i.rule}）" for i in found]
        text = "\n".join(lines)
        if cell.comment is not None and cell.comment.author != AUTHOR:
            text = f"{cell.comment.text}\n——\n{text}"
        comment = Comment(text, AUTHOR)
        comment.width = 320
        comment.height = 60 + 40 * len(lines)
        cell.comment = comment


def _writable(ws: Any, ref: str) -> Any:
    """The cell itself, or the top-left cell of the merged range that covers it."""
    for rng in ws.merged_cells.ranges:
        if ref in rng:
            return ws.cell(rng.min_row, rng.min_col)
    return ws[ref]


def _issue_sheet(wb: Any, issues: list[Issue]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from toolkit.render import rule_title

    if ISSUE_SHEET in wb.sheetnames:
        del wb[ISSUE_SHEET]
    ws = wb.create_sheet(ISSUE_SHEET, 0)
    bold = Font(bold=True)
    for c, (label, width) in enumerate(ISSUE_COLUMNS, start=1):
        cell = ws.cell(1, c, label)
        cell.font = bold
        ws.column_dimensions[cell.column_letter].width = width
    ws.freeze_panes = "A2"
    link_font = Font(color="0563C1", underline="single")
    wrap = Alignment(wrap_text=True, vertical="top")
    ordered = sorted(issues, key=lambda i: (not i.is_error, i.sheet, i.row or 0, i.column or 0))
    for n, i in enumerate(ordered, start=1):
        r = n + 1
        place = f"{i.sheet}!{i.cell}" if i.cell else (i.sheet or "整个文件")
        values = (
            n,
            Severity(i.severity).label,
            i.rule,
            rule_title(i.rule),
            place,
            i.value[:500],
            i.message,
        )
        for c, value in enumerate(values, start=1):
            cell = ws.cell(r, c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text from a submission is never a formula here
            cell.alignment = wrap
        color = ERROR_FILL if i.is_error else WARNING_FILL
        ws.cell(r, 2).fill = PatternFill(fill_type="solid", start_color=color, end_color=color)
        if i.sheet and i.cell and i.sheet in wb.sheetnames:
            sheet = i.sheet.replace("'", "''")
            link = ws.cell(r, 5)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{sheet}'!{i.cell}")
            link.font = link_font
    if not issues:
        ws.cell(2, 1, "未发现问题")
    ws.auto_filter.ref = f"A1:G{len(ordered) + 1}"
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    ws.sheet_state = "visible"
    wb.active = 0
