"""Annotated copies: the office's own workbook, with every problem marked where it is.

This is the file finance sends back. Each bad cell is filled red (error) or amber
(warning) and carries a comment with the message; a new first sheet 问题清单 lists every
issue with a link to its cell. The original is never touched: the copy is written
atomically beside nothing it reads.

The copy is the office's own package edited in place (``toolkit.output.xlsxbook``,
``sheetxml``, ``xlsxstyles``, ``comments``), not a workbook loaded into a library and
saved again: a marked cell gets a copy of its own cell format with only the fill
changed, only the rows holding a mark are rewritten, and every part the marks do not
concern (images, charts, slicers, x14 validations, sparklines, printer settings) is
carried over as it was. On the benchmark's 100,000-row form with 1,000 faults the copy
adds 0.42× the check's own time and about 100 MB (benchmarks/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.cellref import column_letter, parse_ref
from toolkit.issues import Issue, Severity
from toolkit.output.comments import (
    MAX_COMMENT,
    Comments,
    Note,
    blocks_needed,
    comments_xml,
    read_comments,
    vml_xml,
)
from toolkit.output.sheetxml import SheetPlan, SheetXml, deselected
from toolkit.output.xlsxbook import Book
from toolkit.output.xlsxparts import (
    CT_COMMENTS,
    CT_VML,
    NS_MAIN,
    REL_COMMENTS,
    REL_VML,
    PartError,
    Rels,
    esc,
    relative,
)
from toolkit.output.xlsxstyles import FILL_TYPES, FillSpec, StyleSheet, check_spec, solid
from toolkit.safety import atomic_write
from toolkit.xlsx.container import NS_DOCREL, rels_name, resolve_target
from toolkit.xlsx.package import Package, SheetInfo

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
Cell = tuple[int, int]  # (row, column)
_A1 = re.compile(r"\$?[A-Z]{1,3}\$?[0-9]{1,7}")
REL_STYLES = NS_DOCREL + "/styles"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
LINK_COLOR = "FF0563C1"
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


@dataclass(frozen=True)
class _Recorded:
    """One row of an earlier copy's record: a cell's own fill and comment."""

    fill: FillSpec
    text: str
    author: str


def annotate_file(
    source: str | Path, issues: Iterable[Issue], target: str | Path, *, mark: str = ""
) -> Path:
    """Copy ``source`` to ``target`` with ``issues`` marked in place and listed.

    ``mark`` (the original's content hash) is stamped into the copy as the custom
    property ``budget_toolkit.annotated``, so that the copy fed back unchanged is
    recognised as ours and never counted. Rows and columns holding a marked cell are
    unhidden and filters cleared, so no mark is invisible. A copy of ours coming back
    (fixed, and checked again) first has its old marks undone from its record sheet.
    """
    from toolkit.xlsx.preflight import preflight

    refused = preflight(Path(source))  # every part the copy carries is scanned first
    if refused is not None:
        raise ValueError(refused.detail or refused.kind)
    issues = list(issues)[:MAX_MARKED]
    with Package(source) as pkg:
        book = Book(pkg)
        styles_part, styles = _styles(book)
        recorded = _read_record(pkg, book)
        book.remove_sheet(MARKS_SHEET)
        book.remove_sheet(ISSUE_SHEET)
        names = {s.name for s in book.sheets}
        record: list[tuple[str, ...]] = []
        marked = _by_cell([i for i in issues if i.sheet in names])
        touched = {i.sheet for i in issues if i.sheet in names} | set(recorded)
        block = 1
        for sheet in book.sheets:
            if not sheet.part:
                continue
            if sheet.name not in touched:
                book.replace(sheet.part, deselected(book.pkg.chunks(sheet.part)))
                continue
            block = _edit_sheet(
                book, sheet.part, styles, marked.get(sheet.name, {}),
                recorded.get(sheet.name, {}), sheet.name, record, block,
            )  # fmt: skip
        book.add_sheet(ISSUE_SHEET, _issue_sheet(styles, issues, names), first=True)
        book.local_name("_xlnm._FilterDatabase", f"'{ISSUE_SHEET}'!$A$1:$G${len(issues) + 1}", True)
        book.local_name("_xlnm.Print_Titles", f"'{ISSUE_SHEET}'!$1:$1")
        book.add_sheet(MARKS_SHEET, _record_sheet(record), hidden=True)
        book.replace(styles_part, styles.to_bytes(), CT_STYLES)
        book.custom_property(STAMP_PREFIX + ANNOTATED_KEY, mark or "?")
        with atomic_write(target) as tmp:
            book.write(tmp)
    return Path(target)


def _styles(book: Book) -> tuple[str, StyleSheet]:
    found = book.wb_rels.find(REL_STYLES)
    if found is None:
        part = "xl/styles.xml"
        book.wb_rels.add(REL_STYLES, relative(book.wb_part, part))
        return part, StyleSheet(None)
    part = resolve_target(book.wb_part, found[1])
    return part, StyleSheet(book.read(part))


def _by_cell(issues: list[Issue]) -> dict[str, dict[Cell, list[Issue]]]:
    out: dict[str, dict[Cell, list[Issue]]] = {}
    for i in issues:
        cell = parse_ref(i.cell) if i.cell and _A1.fullmatch(i.cell) else None
        if cell is not None:
            out.setdefault(i.sheet, {}).setdefault(cell, []).append(i)
    return out


def _edit_sheet(
    book: Book,
    part: str,
    styles: StyleSheet,
    marks: dict[Cell, list[Issue]],
    restores: dict[Cell, _Recorded],
    name: str,
    record: list[tuple[str, ...]],
    block: int,
) -> int:
    """Restore an earlier copy's marks, then mark today's issues, in one sheet; returns
    the next free VML id block."""
    sx = SheetXml(book.read_big(part))
    merged: dict[Cell, list[Issue]] = {}
    for cell, found in marks.items():
        merged.setdefault(sx.top_left(*cell), []).extend(found)
    rels = book.sheet_rels(part)
    comments_rel = rels.find(REL_COMMENTS)
    comments_part = resolve_target(part, comments_rel[1]) if comments_rel else None
    old = read_comments(book.read(comments_part) if comments_part else None)
    notes = dict(old.notes)
    before = dict(notes)
    _restore_notes(notes, restores)
    restored = dict(notes)  # the office's own comments, as the record keeps them
    _mark_notes(notes, merged)
    own: dict[Cell, FillSpec] = {}

    def restyle(row: int, col: int, style: int) -> int | None:
        s = style
        rec = restores.get((row, col))
        if rec is not None:
            s = styles.with_fill(s, rec.fill)
        found = merged.get((row, col))
        if found is not None:
            own[(row, col)] = styles.fill_of(s)
            error = any(i.is_error for i in found)
            s = styles.with_fill(s, solid(ERROR_FILL if error else WARNING_FILL))
        return s if s != style else None

    plan = SheetPlan(
        restyle=restyle,
        cells=set(merged) | set(restores),
        create=set(merged),
        unhide_rows={r for r, _ in merged},
        unhide_cols={c for _, c in merged},
        clear_filter=True,
    )
    if notes != before:
        block = _write_comments(book, part, sx, rels, comments_part, old, notes, plan, block)
    book.replace(part, list(sx.pieces(plan)))  # restyle runs here, filling ``own``
    for (r, c), fill in sorted(own.items()):
        prior = restored.get((r, c))
        text, author = (prior.text, prior.author) if prior and prior.author != AUTHOR else ("", "")
        record.append(
            (name, f"{column_letter(c)}{r}", fill.fill_type, fill.fg, fill.bg, text, author)
        )
    return block


def _restore_notes(notes: dict[Cell, Note], restores: dict[Cell, _Recorded]) -> None:
    """Our comments from an earlier copy replaced by the office's own (or removed)."""
    for cell, rec in restores.items():
        note = notes.get(cell)
        if note is not None and note.author == AUTHOR:
            if rec.text:
                notes[cell] = Note(rec.author, rec.text, rec.text.count("\n") + 1)
            else:
                del notes[cell]


def _mark_notes(notes: dict[Cell, Note], marks: dict[Cell, list[Issue]]) -> None:
    """Today's messages on the marked cells, below an office comment already there."""
    for cell, found in marks.items():
        lines = [f"【{Severity(i.severity).label}】{i.message}（{i.rule}）" for i in found]
        text = "\n".join(lines)
        prior = notes.get(cell)
        if prior is not None and prior.author != AUTHOR:
            text = f"{prior.text}\n——\n{text}"
        notes[cell] = Note(AUTHOR, text, len(lines) + 1)


def _write_comments(
    book: Book,
    part: str,
    sx: SheetXml,
    rels: Rels,
    comments_part: str | None,
    old: Comments,
    notes: dict[Cell, Note],
    plan: SheetPlan,
    block: int,
) -> int:
    if comments_part is None:
        comments_part = book.free_name("xl/comments/comment{}.xml")
        rels.add(REL_COMMENTS, relative(part, comments_part))
    book.replace(comments_part, comments_xml(notes, old), CT_COMMENTS)
    old = rels.target(sx.legacy_rid) if sx.legacy_rid else None  # not legacyDrawingHF's
    if old is not None:
        vml_part = resolve_target(part, old)
    else:
        vml_part = book.free_name("xl/drawings/vmlDrawing{}.vml")
        plan.legacy_rid = rels.add(REL_VML, relative(part, vml_part))
        book.default_type("vml", CT_VML)
    book.replace(vml_part, vml_xml(notes, block))
    book.replace(rels_name(part), rels.to_bytes())
    return block + blocks_needed(len(notes))


def _read_record(pkg: Package, book: Book) -> dict[str, dict[Cell, _Recorded]]:
    """An earlier copy's record of the cells it marked, as far as it can be trusted: only
    what this module writes, for sheets the workbook has, at most ``MAX_MARKED`` rows."""
    sheet = book.sheet(MARKS_SHEET)
    if sheet is None or not sheet.part:
        return {}
    ws = pkg.sheet(SheetInfo(sheet.name, sheet.part))
    cells = ws.cells
    rows: dict[int, list[str]] = {}
    for k in range(len(cells)):
        r, c, value = cells.rows[k], cells.cols[k], cells.values[k]
        if 2 <= r <= MAX_MARKED + 1 and 1 <= c <= 7 and isinstance(value, str):
            rows.setdefault(r, [""] * 7)[c - 1] = value
    names = {s.name for s in book.sheets} - {MARKS_SHEET, ISSUE_SHEET}
    out: dict[str, dict[Cell, _Recorded]] = {}
    for values in rows.values():
        name, ref, fill_type, fg, bg, text, author = values
        if name not in names or not _A1.fullmatch(ref) or fill_type not in ("", *FILL_TYPES):
            continue  # our own record, come back edited or forged: only what we write
        try:
            check_spec(fg)
            check_spec(bg)
        except ValueError:
            continue
        cell = parse_ref(ref)
        if cell is not None:
            fill = FillSpec(fill_type, fg, bg) if fill_type else FillSpec()
            out.setdefault(name, {})[cell] = _Recorded(fill, text[:MAX_COMMENT], author[:100])
    return out


def _inline(ref: str, text: str, style: int | None = None) -> str:
    s = f' s="{style}"' if style else ""
    return (
        f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">'
        f"{esc(text[:MAX_COMMENT], quote=False)}</t></is></c>"
    )


def _sheet(body: str, head: str = "", tail: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_DOCREL}">{head}'
        f"<sheetData>{body}</sheetData>{tail}</worksheet>"
    ).encode()


def _record_sheet(record: list[tuple[str, ...]]) -> bytes:
    rows = [MARKS_COLUMNS, *record]
    body = "".join(
        f'<row r="{r}">'
        + "".join(_inline(f"{column_letter(c)}{r}", v) for c, v in enumerate(values, 1) if v)
        + "</row>"
        for r, values in enumerate(rows, start=1)
    )
    return _sheet(body)


def _issue_sheet(styles: StyleSheet, issues: list[Issue], names: set[str]) -> bytes:
    from toolkit.output.render import rule_title, terminal_safe

    bold = styles.xf(font=styles.font("<b/>"), wrap=False)
    body_style = styles.xf()
    link_style = styles.xf(font=styles.font(f'<u/><color rgb="{LINK_COLOR}"/>', ("u", "color")))
    error_style = styles.xf(fill=styles.fill(solid(ERROR_FILL)))
    warning_style = styles.xf(fill=styles.fill(solid(WARNING_FILL)))
    rows = [
        '<row r="1">'
        + "".join(_inline(f"{column_letter(c)}1", label, bold) for c, (label, _) in
                  enumerate(ISSUE_COLUMNS, 1))
        + "</row>"
    ]  # fmt: skip
    links = []
    ordered = sorted(issues, key=lambda i: (not i.is_error, i.sheet, i.row or 0, i.column or 0))
    for n, i in enumerate(ordered, start=1):
        r = n + 1
        place = f"{i.sheet}!{i.cell}" if i.cell else (i.sheet or "整个文件")
        severity_style = error_style if i.is_error else warning_style
        linked = bool(i.sheet and i.cell and i.sheet in names and _A1.fullmatch(i.cell))
        cells = [
            f'<c r="A{r}" s="{body_style}"><v>{n}</v></c>',
            _inline(f"B{r}", Severity(i.severity).label, severity_style),
            _inline(f"C{r}", i.rule, body_style),
            _inline(f"D{r}", rule_title(i.rule), body_style),
            _inline(f"E{r}", place, link_style if linked else body_style),
            _inline(f"F{r}", terminal_safe(i.value[:500]), body_style),
            _inline(f"G{r}", i.message, body_style),
        ]
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        if linked:
            location = "'" + i.sheet.replace("'", "''") + f"'!{i.cell}"
            links.append(f'<hyperlink ref="E{r}" location="{esc(location)}"/>')
    if not issues:
        rows.append(f'<row r="2">{_inline("A2", "未发现问题")}</row>')
    last = len(ordered) + 1
    cols = "".join(
        f'<col min="{c}" max="{c}" width="{width}" customWidth="1"/>'
        for c, (_, width) in enumerate(ISSUE_COLUMNS, 1)
    )
    head = (
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:G{max(last, 2)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols>'
    )
    tail = (
        f'<autoFilter ref="A1:G{last}"/>'
        + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
        + '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" '
        'footer="0.3"/><pageSetup paperSize="9" orientation="landscape" fitToWidth="1" '
        'fitToHeight="0"/>'
    )
    return _sheet("".join(rows), head, tail)


__all__ = ["Annotated", "PartError", "annotate", "annotate_file"]
