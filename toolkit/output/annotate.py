"""Annotated copies: the office's own workbook, with every problem marked where it is.

This is the file finance sends back. Each bad cell is filled red (error) or amber
(warning) and carries a comment with the message; a new first sheet 问题清单 lists every
issue with a link to its cell. The original is never touched: the copy is loaded with
openpyxl (the one library here that writes styles and comments) and saved atomically.

openpyxl keeps cell values, formulas, styles, merged cells, data validations (the
dropdowns), defined names, sheet protection, hidden sheets, custom document properties
and existing comments. It drops what it does not model: images and charts, slicers,
and Excel-2010 extension lists (x14 validations, sparklines). The template writer uses
none of these; the README says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit.issues import Issue, Severity
from toolkit.safety import atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.rules.result import CheckResult

ISSUE_SHEET = "问题清单"
ERROR_FILL = "FFC7CE"  # Excel's "bad" red
WARNING_FILL = "FFEB9C"  # Excel's "neutral" amber
AUTHOR = "budget-toolkit"
MARKS_SHEET = "_标注记录"  # hidden: each marked cell's own fill and comment, for undoing
MARKS_COLUMNS = ("sheet", "cell", "fill_type", "fg", "bg", "comment", "author")
SUFFIX = "_问题标注"
STAMP_PREFIX = "budget_toolkit."
ANNOTATED_KEY = "annotated"  # the custom property that marks our copy (toolkit.read reads it)
MAX_MARKED = 10_000  # issues marked and listed in one copy; a record this long is ours at most
_MAX_COMMENT = 32_767
_A1 = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]{1,7}")
_FILL_TYPES = ("solid", "none", "darkGray", "mediumGray", "lightGray", "gray125", "gray0625")
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
            annotate_file(f.path, f.issues, target, mark=f.content_hash)
        except Exception as exc:  # one bad copy must not stop the others
            done.append(Annotated(f.path, None, f"无法生成标注副本：{type(exc).__name__}: {exc}"))
        else:
            done.append(Annotated(f.path, target))
    return done


def _target_name(outdir: Path, source: Path, taken: set[str]) -> Path:
    # a long Chinese name must leave room for the suffix within the 255-byte file name limit
    base = source.stem.encode("utf-8")[:180].decode("utf-8", "ignore")
    stem, n = base + SUFFIX, 2
    name = stem + ".xlsx"
    while name.casefold() in taken or (outdir / name).resolve() == source.resolve():
        name, n = f"{stem}_{n}.xlsx", n + 1
    taken.add(name.casefold())
    return outdir / name


def annotate_file(
    source: str | Path, issues: Iterable[Issue], target: str | Path, *, mark: str = ""
) -> Path:
    """Copy ``source`` to ``target`` with ``issues`` marked in place and listed.

    ``mark`` (the original's content hash) is stamped into the copy as the custom
    property ``budget_toolkit.annotated``, so that the copy fed back unchanged is
    recognised as ours and never counted. Rows and columns holding a marked cell are
    unhidden and filters cleared, so no mark is invisible.
    """
    from openpyxl import load_workbook

    from toolkit.xlsx.preflight import preflight

    refused = preflight(Path(source))  # openpyxl parses every part: the full scan first
    if refused is not None:
        raise ValueError(refused.detail or refused.kind)
    issues = list(issues)[:MAX_MARKED]
    wb = load_workbook(source)
    _undo_previous_marks(wb)
    _mark_cells(wb, issues)
    _show_marked(wb, issues)
    _issue_sheet(wb, issues)
    _stamp_mark(wb, mark)
    with atomic_write(target) as tmp:
        wb.save(tmp)
    return Path(target)


def _stamp_mark(wb: Any, mark: str) -> None:
    from openpyxl.packaging.custom import StringProperty

    name = STAMP_PREFIX + ANNOTATED_KEY
    props = wb.custom_doc_props
    for prop in list(props.props):
        if prop.name == name:
            props.props.remove(prop)
    props.append(StringProperty(name=name, value=mark or "?"))


def _show_marked(wb: Any, issues: list[Issue]) -> None:
    """Unhide the rows and columns of every marked cell and clear the sheets' filters."""
    from openpyxl.utils.cell import coordinate_from_string

    sheets = {i.sheet for i in issues if i.sheet in wb.sheetnames}
    for name in sheets:
        ws = wb[name]
        ws.auto_filter.ref = None
        ws.sheet_properties.filterMode = False
    for i in issues:
        if i.sheet in sheets and i.cell:
            ws = wb[i.sheet]
            letters, row = coordinate_from_string(i.cell)
            if row in ws.row_dimensions and ws.row_dimensions[row].hidden:
                ws.row_dimensions[row].hidden = False
            if letters in ws.column_dimensions and ws.column_dimensions[letters].hidden:
                ws.column_dimensions[letters].hidden = False


def _mark_cells(wb: Any, issues: list[Issue]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for i in issues:
        if i.sheet and i.cell and i.sheet in wb.sheetnames:
            by_cell.setdefault((i.sheet, i.cell), []).append(i)
    record = wb.create_sheet(MARKS_SHEET)
    record.sheet_state = "hidden"
    record.append(MARKS_COLUMNS)
    for (sheet, ref), found in by_cell.items():
        ws = wb[sheet]
        cell = _writable(ws, ref)
        _remember(record, sheet, cell)
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


def _color_spec(color: Any) -> str:
    """A fill colour as text: ``rgb:FFC7CE00``, ``theme:4:-0.25``, ``indexed:64`` or ""."""
    if color is None or color.type is None:
        return ""
    tint = f":{color.tint}" if color.tint else ""
    return f"{color.type}:{color.value}{tint}"


def _color(spec: str) -> Any:
    from openpyxl.styles.colors import Color

    if not spec:
        return Color()
    kind, _, rest = spec.partition(":")
    value, _, tint = rest.partition(":")
    extra = {"tint": float(tint)} if tint else {}
    if kind == "rgb":
        return Color(rgb=value, **extra)
    if kind == "theme":
        return Color(theme=int(value), **extra)
    return Color(indexed=int(value), **extra)


def _remember(record: Any, sheet: str, cell: Any) -> None:
    """Note a cell's own fill and comment before marking it, so a later run can undo."""
    fill = cell.fill
    comment = cell.comment
    values = (
        sheet,
        cell.coordinate,
        fill.fill_type or "",
        _color_spec(fill.fgColor),
        _color_spec(fill.bgColor),
        comment.text if comment is not None and comment.author != AUTHOR else "",
        comment.author or "" if comment is not None and comment.author != AUTHOR else "",
    )
    row = record.max_row + 1
    for c, value in enumerate(values, start=1):
        out = record.cell(row, c)
        out.value = value
        out.data_type = "s"


def _undo_previous_marks(wb: Any) -> None:
    """A copy sent back, fixed and checked again: restore the fills and comments an
    earlier annotation changed, so only today's problems are marked."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill
    from openpyxl.utils.cell import coordinate_to_tuple

    if MARKS_SHEET not in wb.sheetnames:
        return
    record = wb[MARKS_SHEET]
    for values in record.iter_rows(min_row=2, max_row=MAX_MARKED + 1, max_col=7, values_only=True):
        sheet, ref, fill_type, fg, bg, text, author = (list(values) + [None] * 7)[:7]
        if not isinstance(sheet, str) or not isinstance(ref, str) or sheet not in wb.sheetnames:
            continue
        if not _A1.fullmatch(ref) or fill_type not in (None, "", *_FILL_TYPES):
            continue  # our own record, come back edited or forged: only what we write
        text = text[:_MAX_COMMENT] if isinstance(text, str) else ""
        author = author[:100] if isinstance(author, str) else ""
        try:
            fg_color, bg_color = _color(str(fg or "")), _color(str(bg or ""))
        except (TypeError, ValueError):
            continue
        ws = wb[sheet]
        row, col = coordinate_to_tuple(ref.replace("$", ""))
        if row > ws.max_row or col > ws.max_column:
            continue  # we only ever mark cells of the form: never grow it from a record
        cell = _writable(ws, ref)
        cell.fill = PatternFill(fill_type=fill_type or None, fgColor=fg_color, bgColor=bg_color)
        if cell.comment is not None and cell.comment.author == AUTHOR:
            cell.comment = Comment(text, author or "") if text else None
    del wb[MARKS_SHEET]


def _writable(ws: Any, ref: str) -> Any:
    """The cell itself, or the top-left cell of the merged range that covers it."""
    for rng in ws.merged_cells.ranges:
        if ref in rng:
            return ws.cell(rng.min_row, rng.min_col)
    return ws[ref]


def _issue_sheet(wb: Any, issues: list[Issue]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from toolkit.output.render import rule_title, terminal_safe

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
            terminal_safe(i.value[:500]),
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
    # printed for the office: landscape, one page wide, the header on every page
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    ws.sheet_state = "visible"
    wb.active = 0
