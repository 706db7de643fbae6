"""A worksheet's XML edited where it stands: chosen cells restyled (made where missing),
their rows and columns unhidden, the filter cleared, a comments drawing linked.

Only the rows that hold a chosen cell are taken apart; every other byte of the sheet is
passed through as it came, so a 100,000-row sheet costs one scan for its row tags and a
copy, not a parse into objects. Rows are found by their start tags, which XML text cannot
imitate (``<`` is always escaped in text and attribute values); a sheet whose cell data
holds comments or CDATA sections, where it could, is refused rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from toolkit.cellref import col_index, column_letter, parse_range
from toolkit.output.xlsxparts import PartError, attrs, element, rel_attr, set_attr, start_tag
from toolkit.xlsx.worksheet import attr_int, attr_true, attr_zero

_ROW = start_tag("row")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']\s*([0-9]+)""")
_CELL = start_tag("c")
_COL = element("col")
_MERGE = element("mergeCell")
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
# what may follow legacyDrawing in a worksheet (ECMA-376 CT_Worksheet's sequence)
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                 "webPublishItems", "tableParts", "extLst")  # fmt: skip
Restyle = Callable[[int, int, int], "int | None"]  # (row, column, style) -> new style


@dataclass
class SheetPlan:
    """What to change in one sheet. ``restyle`` is asked about every cell of ``cells``
    found in the sheet, and about each of ``create`` that is not (with the style the cell
    would show: its row's or column's)."""

    restyle: Restyle | None = None
    cells: set[tuple[int, int]] = field(default_factory=set)
    create: set[tuple[int, int]] = field(default_factory=set)
    unhide_rows: set[int] = field(default_factory=set)
    unhide_cols: set[int] = field(default_factory=set)
    clear_filter: bool = False
    legacy_rid: str | None = None  # link a comments drawing by this relationship id


class SheetXml:
    """One worksheet part, split into the head, the cell data and the tail."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        root = start_tag("worksheet").search(data)
        if root is None:
            raise PartError("工作表部件缺少 worksheet 元素")
        self.prefix = root.group(1)
        sd = start_tag("sheetData").search(data)
        if sd is None:
            raise PartError("工作表部件缺少 sheetData 元素")
        self.head_end = sd.end()
        if sd.group(3) == b"/":  # <sheetData/>: no cells
            self.body_end = self.tail_start = sd.end()
            self.empty = True
        else:
            end = re.compile(rb"</(?:[\w.-]+:)?sheetData>").search(data, sd.end())
            if end is None:
                raise PartError("工作表部件的 sheetData 没有结束")
            self.body_end = self.tail_start = end.start()  # the tail starts at </sheetData>
            self.empty = False
        self.sheet_data_tag = sd.group(0)
        lo, hi = self.head_end, self.body_end
        if data.find(b"<!--", lo, hi) >= 0 or data.find(b"<![CDATA[", lo, hi) >= 0:
            raise PartError("工作表的单元格数据中含有注释或 CDATA 段，无法安全地标注")
        tail = data[self.tail_start :]
        self.merged = [
            rng
            for m in _MERGE.finditer(tail)
            if (rng := parse_range(attrs(m.group(2)).get("ref", ""))) is not None
        ]
        self._merged_at = _by_row(self.merged)
        legacy = element("legacyDrawing").search(tail)
        self.legacy_rid = _rid(legacy.group(2)) if legacy else None
        self.cols = [attrs(m.group(2)) for m in _COL.finditer(data, 0, sd.start())]

    def top_left(self, row: int, col: int) -> tuple[int, int]:
        """The cell itself, or the top-left cell of the merged range that covers it."""
        for r1, c1, _, c2 in self._merged_at.get(row, ()):
            if c1 <= col <= c2:
                return r1, c1
        return row, col

    def col_style(self, col: int) -> int:
        for a in self.cols:
            if attr_int(a.get("min")) <= col <= attr_int(a.get("max")):
                return attr_int(a.get("style"))
        return 0

    # -- writing ---------------------------------------------------------------------------
    def pieces(self, plan: SheetPlan) -> Iterator[bytes | memoryview]:
        view = memoryview(self.data)
        yield self._head(plan)
        yield from self._body(view, plan)
        yield self._tail(plan)

    def _head(self, plan: SheetPlan) -> bytes:
        head = self.data[: self.head_end]
        if self.empty and (plan.create or plan.cells):
            head = head[: -len(self.sheet_data_tag)] + self.sheet_data_tag[:-2].rstrip() + b">"
        head = _deselect(head)  # 问题清单 is the selected sheet
        if plan.clear_filter:
            head = _edit_tags(head, "sheetPr", lambda t: set_attr(t, "filterMode", None))
        if plan.create:
            head = _edit_tags(head, "sheetFormatPr", lambda t: set_attr(t, "zeroHeight", None))
        if plan.unhide_cols:
            head = _COL.sub(lambda m: _unhide_col(m.group(0), plan.unhide_cols), head)
        return head

    def _tail(self, plan: SheetPlan) -> bytes:
        tail = self.data[self.tail_start :]
        if self.empty and (plan.create or plan.cells):
            tail = b"</" + self.prefix + b"sheetData>" + tail
        if plan.clear_filter:
            tail = element("autoFilter").sub(b"", tail, count=1)
        if plan.legacy_rid and self.legacy_rid is None:
            p = self.prefix.decode()
            rel = rel_attr(self.data[: self.head_end], plan.legacy_rid)
            tag = f"<{p}legacyDrawing {rel}/>".encode()
            cut = _first_of(tail, _AFTER_LEGACY)
            tail = tail[:cut] + tag + tail[cut:]
        return tail

    def _body(self, view: memoryview, plan: SheetPlan) -> Iterator[bytes | memoryview]:
        create_in: dict[int, list[int]] = {}
        for r, c in plan.create:
            create_in.setdefault(r, []).append(c)
        wanted = {r for r, _ in plan.cells} | set(create_in) | plan.unhide_rows
        missing = sorted(create_in)
        pos, number = self.head_end, 0
        data, end = self.data, self.body_end
        for m in _ROW.finditer(data, self.head_end, end):
            found = _ROW_NUMBER.search(m.group(2) or b"")
            number = int(found.group(1)) if found else number + 1
            while missing and missing[0] < number:
                yield view[pos : m.start()]
                pos = m.start()
                r = missing.pop(0)
                yield self._new_row(r, plan, create_in[r])
            if missing and missing[0] == number:
                missing.pop(0)
            if number not in wanted:
                continue
            closed = m.group(3) == b"/"
            row_end = m.end() if closed else data.find(b"</" + m.group(1) + b"row>", m.end(), end)
            if row_end < 0:
                raise PartError(f"第 {number} 行没有结束标记")
            yield view[pos : m.start()]
            content = b"" if closed else data[m.end() : row_end]
            yield self._row(number, m, content, plan, create_in.get(number, []))
            pos = row_end if closed else row_end + len(m.group(1)) + 6
        yield view[pos:end]
        for r in missing:
            yield self._new_row(r, plan, create_in[r])

    def _row(
        self, number: int, m: re.Match[bytes], content: bytes, plan: SheetPlan, new: list[int]
    ) -> bytes:
        tag = m.group(0)
        a = attrs(m.group(2))
        if number in plan.unhide_rows:
            if attr_true(a.get("hidden")):
                tag = set_attr(tag, "hidden", None)
            if attr_zero(a.get("ht")):
                tag = set_attr(set_attr(tag, "ht", None), "customHeight", None)
        if new:  # cells beyond the row's spans hint: let the reader work them out
            tag = set_attr(tag, "spans", None)
        if tag.endswith(b"/>"):
            tag = tag[:-2].rstrip() + b">"
        p = m.group(1)
        base = attr_int(a.get("s")) if a.get("customFormat", "") in ("1", "true") else None
        cells = self._cells(number, content, plan, base, p, new)
        return tag + cells + b"</" + p + b"row>"

    def _cells(
        self,
        number: int,
        content: bytes,
        plan: SheetPlan,
        base: int | None,
        p: bytes,
        new: list[int],
    ) -> bytes:
        out: list[bytes] = []
        pos, col = 0, 0
        todo = sorted(new)
        for m in _CELL.finditer(content):
            a = attrs(m.group(2))
            ref = _REF.fullmatch(a.get("r", "").strip().replace("$", "").upper())
            col = col_index(ref.group(1)) if ref else col + 1
            while todo and todo[0] < col:
                new_cell = self._new_cell(number, todo.pop(0), plan, base, p)
                out += [content[pos : m.start()], new_cell]
                pos = m.start()
            if todo and todo[0] == col:
                todo.pop(0)
            if (number, col) not in plan.cells or plan.restyle is None:
                continue
            new = plan.restyle(number, col, attr_int(a.get("s")))
            if new is not None:
                out += [content[pos : m.start()], set_attr(m.group(0), "s", str(new))]
                pos = m.end()
        out.append(content[pos:])
        out += [self._new_cell(number, c, plan, base, p) for c in todo]
        return b"".join(out)

    def _new_cell(self, row: int, col: int, plan: SheetPlan, base: int | None, p: bytes) -> bytes:
        style = base if base is not None else self.col_style(col)
        new = plan.restyle(row, col, style) if plan.restyle else None
        s = f' s="{new}"' if new is not None else ""
        return f'<{p.decode()}c r="{column_letter(col)}{row}"{s}/>'.encode()

    def _new_row(self, row: int, plan: SheetPlan, new: list[int]) -> bytes:
        p = self.prefix
        return (
            f'<{p.decode()}row r="{row}">'.encode()
            + self._cells(row, b"", plan, None, p, new)
            + b"</" + p + b"row>"
        )  # fmt: skip


def _by_row(merged: list[tuple[int, int, int, int]]) -> dict[int, list[tuple[int, int, int, int]]]:
    """Merged ranges by each row they cover, so that finding a cell's range costs its
    row's ranges only; the merged area is bounded as the reader bounds it."""
    from toolkit.xlsx.limits import DEFAULT_LIMITS

    area = sum((r2 - r1 + 1) * (c2 - c1 + 1) for r1, c1, r2, c2 in merged)
    if area > DEFAULT_LIMITS.max_merged_cells:
        raise PartError(f"合并单元格共 {area:,} 个，超过上限，无法标注")
    out: dict[int, list[tuple[int, int, int, int]]] = {}
    for rng in merged:
        for r in range(rng[0], rng[2] + 1):
            out.setdefault(r, []).append(rng)
    return out


def _rid(raw: bytes | None) -> str | None:
    for key, value in attrs(raw).items():
        if key == "id" or key.endswith(":id"):
            return value
    return None


def _edit_tags(data: bytes, tag: str, edit: Callable[[bytes], bytes]) -> bytes:
    return start_tag(tag).sub(lambda m: edit(m.group(0)), data)


def _deselect(head: bytes) -> bytes:
    return _edit_tags(head, "sheetView", lambda t: set_attr(t, "tabSelected", None))


def _unhide_col(col: bytes, marked: set[int]) -> bytes:
    head_end = col.find(b">") + 1
    head = col[:head_end]
    a = attrs(head)
    lo, hi = attr_int(a.get("min")), attr_int(a.get("max"))
    if not any(lo <= c <= hi for c in marked):
        return col
    if attr_true(a.get("hidden")):
        head = set_attr(head, "hidden", None)
    if attr_zero(a.get("width")):
        head = set_attr(head, "width", "9")
    return head + col[head_end:]


def _first_of(tail: bytes, tags: tuple[str, ...]) -> int:
    """Where the first of ``tags`` starts in the tail (else before ``</worksheet>``)."""
    best = None
    for tag in tags:
        m = start_tag(tag).search(tail)
        if m is not None and (best is None or m.start() < best):
            best = m.start()
    if best is not None:
        return best
    end = tail.rfind(b"</")
    return end if end >= 0 else len(tail)


def deselected(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A sheet's bytes as they stream, its sheet views no longer selected (edited in the
    part before ``<sheetData``; a head larger than 16 MB is passed through)."""
    it = iter(chunks)
    buf = b""
    for chunk in it:
        buf += chunk
        found = buf.find(b"sheetData")
        if found >= 0 or len(buf) > 16 * 1024 * 1024:
            cut = buf.rfind(b"<", 0, found) if found >= 0 else 0
            yield _deselect(buf[:cut])
            yield buf[cut:]
            yield from it
            return
    yield _deselect(buf)
