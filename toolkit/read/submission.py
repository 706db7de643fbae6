"""Read a filled-in budget workbook back into a ``Submission``: what it holds, located.

The reader finds the entry sheet, its header row, the 填报单位 and 金额单位 cells, the
table (``toolkit.read.table``), the stamp, and everything the rules need to judge the
file and nothing else: it judges nothing. The workbook is opened once and each part it
needs is inflated once (``toolkit.xlsx``); cached formula results are kept only as what
the sheet shows, never as data.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from toolkit import form
from toolkit.cellref import parse_range
from toolkit.read.header import Header, HeaderFinder, header_field
from toolkit.read.table import Table, locate_table
from toolkit.text import as_text, is_blank, nfkc, squash
from toolkit.xlsx.limits import Deadline, Limits
from toolkit.xlsx.package import Package, SheetInfo
from toolkit.xlsx.styles import NumberFormat
from toolkit.xlsx.worksheet import Worksheet

ANNOTATED_KEY = "annotated"  # custom property budget_toolkit.annotated: the original's hash
_YEAR_RE = re.compile(r"(20\d\d)\s*年")


@dataclass
class Copy:
    """Another sheet carrying the form's header: a copy of the entry sheet."""

    sheet: str
    header_row: int
    rows: int  # line items on it
    first_row: int | None


@dataclass
class Submission:
    """Everything read from one workbook, uninterpreted; ``toolkit.rules`` judges it."""

    path: str
    sheet_names: list[str] = field(default_factory=list)
    sheet: str | None = None  # the entry sheet, None when none was found
    problem: str | None = None  # why this is not a budget template, if it is not
    header: Header | None = None
    table: Table | None = None
    worksheet: Worksheet | None = None
    formats: list[NumberFormat] = field(default_factory=list)  # per amount cell (table rows)
    # the amount unit as each place states it: header brackets, 金额单位 cell, stamp
    amount_units: dict[str, tuple[str, int | None, int | None]] = field(default_factory=dict)
    amount_unit: str = "元"
    title: str | None = None
    title_cell: tuple[int, int] | None = None
    unit: str | None = None  # as typed in the 填报单位 cell, else the stamp's
    unit_typed: str | None = None  # as typed in the 填报单位 cell
    unit_cell: tuple[int, int] | None = None
    unit_label_found: bool = False
    units_above: list[tuple[str, int, int]] = field(default_factory=list)  # more 填报单位
    year: int | None = None
    year_source: str | None = None  # stamp | title
    stamp: dict[str, str] = field(default_factory=dict)
    stamp_source: str | None = None  # properties | sheet
    stamp_cells: dict[str, tuple[int, int]] = field(default_factory=dict)
    copies: list[Copy] = field(default_factory=list)
    annotated: str | None = None  # the hash an annotated copy was made from
    content_hash: str = ""

    @property
    def header_row(self) -> int | None:
        return self.header.row if self.header else None

    @property
    def columns(self) -> dict[str, int]:
        return self.header.columns if self.header else {}

    @property
    def row_numbers(self) -> list[int]:
        return self.table.rows if self.table else []

    @property
    def signature(self) -> dict[str, str]:
        return {k: v for k, (v, _, _) in self.table.signature.items()} if self.table else {}


# -- the stamp ------------------------------------------------------------------------------
def _read_stamp(sub: Submission, pkg: Package) -> None:
    props = pkg.custom_properties()
    if ANNOTATED_KEY in props:
        sub.annotated = props.pop(ANNOTATED_KEY) or "?"
    stamp = {k: v for k, v in props.items() if k in form.STAMP_KEYS}
    if stamp:
        sub.stamp, sub.stamp_source = stamp, "properties"
    info = next((s for s in pkg.workbook.sheets if squash(s.name) == form.SHEET_STAMP), None)
    if info is None or ("catalog_id" in sub.stamp and "generated_at" in sub.stamp):
        return
    ws = pkg.sheet(info)
    c = ws.cells
    keys: dict[int, str] = {}
    for i in range(len(c.rows)):
        if c.cols[i] == 1 and isinstance(c.values[i], str):
            keys[c.rows[i]] = c.values[i].strip()
    for i in range(len(c.rows)):
        r = c.rows[i]
        if c.cols[i] != 2 or r not in keys or is_blank(c.values[i]):
            continue
        key = keys[r].removeprefix(form.STAMP_PREFIX)
        if key in form.STAMP_KEYS and key not in sub.stamp:
            sub.stamp[key] = as_text(c.values[i]).strip()
            sub.stamp_cells[key] = (r, 2)
            sub.stamp_source = sub.stamp_source or "sheet"


# -- finding the entry sheet -------------------------------------------------------------------
def _candidates(pkg: Package) -> list[SheetInfo]:
    """Every sheet, 预算表 first: a copy of the form may hide under any name, ours
    included (问题清单, _stamp ...), so each is looked at (cheaply: _may_hold_header)."""
    return sorted(
        pkg.workbook.sheets,
        key=lambda s: (squash(s.name) != form.SHEET_ENTRY, squash(s.name) == form.SHEET_CATALOG),
    )


def _may_hold_header(pkg: Package, data: bytes) -> bool:
    """Cheap test before a sheet other than 预算表 is parsed: a header needs the label
    目录编码 or 预算金额 in a cell, as a shared string or typed inline."""
    if b"inlineStr" in data or b't="str"' in data or b":v>" in data or b"<v " in data:
        return True  # inline text, or a shape the index test below cannot see into
    code, amount = _label_indices(pkg)
    return any(b"<v>%d</v>" % i in data for i in code) and any(
        b"<v>%d</v>" % i in data for i in amount
    )


def _label_indices(pkg: Package) -> tuple[list[int], list[int]]:
    """Shared-string indices of the 目录编码 and of the 预算金额 labels."""
    cached = getattr(pkg, "_label_indices", None)
    if cached is None:
        code: list[int] = []
        amount: list[int] = []
        for i, s in enumerate(pkg.shared_strings):
            if len(s) < 60 and ("编码" in s or "金额" in s):
                name = header_field(s)[0]
                if name == "code":
                    code.append(i)
                elif name == "amount":
                    amount.append(i)
        cached = (code, amount)
        pkg._label_indices = cached  # type: ignore[attr-defined]
    return cached


def _parse(
    pkg: Package, info: SheetInfo, data: bytes | None = None
) -> tuple[Worksheet, Header | None]:
    finder = HeaderFinder()
    if data is None:
        ws = pkg.sheet(info, finder)
    else:
        ws = pkg.sheet(info, finder, data=data)
    header = finder.header
    if header is None:
        finder(ws.cells, 1 << 30)
        header = finder.header
    return ws, header


def _stamp_rows(sub: Submission) -> int | None:
    value = sub.stamp.get("rows", "")
    return int(value) if value.isdigit() and int(value) > 0 else None


def read_submission(
    path: str | Path, limits: Limits | None = None, deadline: Deadline | None = None
) -> Submission:
    """Read one workbook. Raises ``toolkit.xlsx.limits.FileProblem`` only when it is not
    a readable workbook; a workbook that is not a budget template has ``problem`` set."""
    sub = Submission(path=str(path))
    with Package(path, limits, deadline) as pkg:
        sub.sheet_names = [s.name for s in pkg.workbook.sheets]
        _read_stamp(sub, pkg)
        found: list[tuple[SheetInfo, Worksheet, Header]] = []
        for info in _candidates(pkg):
            if squash(info.name) == form.SHEET_ENTRY:
                ws, header = _parse(pkg, info)
            else:
                if not info.part:
                    continue
                data = b"".join(pkg.chunks(info.part))
                if not _may_hold_header(pkg, data):
                    continue
                ws, header = _parse(pkg, info, data)
            if header is not None and (
                squash(info.name) == form.SHEET_ENTRY
                or all(f in header.columns for f in form.REQUIRED_FIELDS)
            ):
                found.append((info, ws, header))
        if not found:
            entry = [n for n in sub.sheet_names if squash(n) == form.SHEET_ENTRY]
            sub.problem = (
                f"工作表“{entry[0]}”中找不到表头行（需含“{form.COL_CODE}”“{form.COL_AMOUNT}”等列）"
                if entry
                else f"找不到“{form.SHEET_ENTRY}”工作表，也没有哪个工作表含有预算表表头"
            )
            _year_and_unit(sub, None, None)
            return sub
        info, ws, header = found[0]
        sub.sheet, sub.header, sub.worksheet = info.name, header, ws
        _preamble(sub, ws, header)
        missing = [form.FIELD[f].label for f in form.REQUIRED_FIELDS if f not in header.columns]
        if missing:
            sub.problem = f"表头缺少必填列：{'、'.join(missing)}"
            _year_and_unit(sub, ws, header)
            return sub
        sub.table = locate_table(ws, header, _stamp_rows(sub))
        styles = pkg.styles
        amount = sub.table.columns["amount"]
        sub.formats = [styles.number_format(int(s)) for s in amount.styles]
        for other_info, other_ws, other_header in found[1:]:
            table = locate_table(other_ws, other_header, None)
            sub.copies.append(
                Copy(
                    other_info.name,
                    other_header.row,
                    len(table.rows),
                    table.rows[0] if table.rows else None,
                )
            )
        _year_and_unit(sub, ws, header)
        sub.content_hash = content_hash(sub)
    return sub


# -- the rows above the header -------------------------------------------------------------------
def _preamble(sub: Submission, ws: Worksheet, header: Header) -> None:
    """Title, 填报单位 and 金额单位 (a value after a colon in the label cell, or to its
    right), and the amount unit of the header's brackets."""
    c = ws.cells
    above: dict[int, dict[int, Any]] = {}
    for i in np.flatnonzero(np.asarray(c.rows) < header.row).tolist():  # in document order
        above.setdefault(c.rows[i], {})[c.cols[i]] = c.values[i]
    if header.amount_unit:
        sub.amount_units["header"] = (header.amount_unit, header.row, header.columns["amount"])
    for r in sorted(above):
        row = above[r]
        for col in sorted(row):
            value = row[col]
            if not isinstance(value, str) or not value.strip():
                continue
            text = squash(value)
            if text.startswith(form.UNIT_LABEL):
                unit, where = _label_value(row, col, text, form.UNIT_LABEL)
                name = (squash(as_text(unit)) or None) if unit is not None else None
                if sub.unit_label_found:  # a second 填报单位 above the header
                    if name:
                        sub.units_above.append((name, r, where))
                    continue
                sub.unit_label_found = True
                sub.unit_cell = (r, where)
                sub.unit = sub.unit_typed = name
            elif text.startswith(form.AMOUNT_UNIT_LABEL):
                unit, where = _label_value(row, col, text, form.AMOUNT_UNIT_LABEL)
                if unit is not None and squash(as_text(unit)):
                    sub.amount_units["cell"] = (squash(as_text(unit)), r, where)
            elif sub.title is None and _YEAR_RE.search(nfkc(value)):
                sub.title, sub.title_cell = value.strip(), (r, col)


def _label_value(row: dict[int, Any], col: int, text: str, label: str) -> tuple[Any, int]:
    rest = text[len(label) :].lstrip(":：")
    if rest:
        return rest, col
    for cc in range(col + 1, col + 5):
        value = row.get(cc)
        if not is_blank(value):
            if isinstance(value, str) and squash(value).startswith(
                (form.AMOUNT_UNIT_LABEL, form.UNIT_LABEL)
            ):
                break
            return value, cc
    return None, col + 1


def _year_and_unit(sub: Submission, ws: Worksheet | None, header: Header | None) -> None:
    stamp_year = sub.stamp.get("year", "")
    if stamp_year.isdigit():
        sub.year, sub.year_source = int(stamp_year), "stamp"
    elif sub.title:
        m = _YEAR_RE.search(nfkc(sub.title))
        if m:
            sub.year, sub.year_source = int(m.group(1)), "title"
    if sub.unit is None and sub.stamp.get("unit"):
        sub.unit = sub.stamp["unit"]
    stamp_unit = sub.stamp.get("amount_unit")
    if stamp_unit:
        sub.amount_units["stamp"] = (stamp_unit, None, None)
    for source in ("header", "cell", "stamp"):
        if source in sub.amount_units:
            value = sub.amount_units[source][0]
            sub.amount_unit = value if value in form.AMOUNT_UNITS else sub.amount_unit
            break


def title_year(sub: Submission) -> int | None:
    if not sub.title:
        return None
    m = _YEAR_RE.search(nfkc(sub.title))
    return int(m.group(1)) if m else None


def content_hash(sub: Submission) -> str:
    """SHA-256 of what the form says (unit, year, amount unit and every table cell as
    text): equal for a file and its annotated copy, whatever the marks and re-saves.

    The first part names the row count and the columns, so the rest reads back one way:
    the rows as int64, then per column its kinds (one byte a row) and the repr of each
    run of ``_HASH_RUN`` values (a long column is never one string)."""
    h = hashlib.sha256()
    table = sub.table
    names = sorted(table.columns) if table is not None else []
    rows = table.rows if table is not None else []
    h.update(repr((2, sub.unit, sub.year, sub.amount_unit, len(rows), names)).encode())
    if table is not None:
        h.update(np.asarray(rows, dtype=np.int64).tobytes())
        for name in names:
            col = table.columns[name]
            h.update(np.ascontiguousarray(col.kinds, dtype=np.uint8).tobytes())
            for start in range(0, len(col.values), _HASH_RUN):
                run = col.values[start : start + _HASH_RUN]
                h.update(repr(run).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


_HASH_RUN = 4096


def legacy_content_hash(sub: Submission) -> str:
    """The content hash as toolkits before 2026-12-03 wrote it into annotated copies
    (one repr of (row, kind, value) per cell: four times slower), so that such a copy
    fed back unchanged is still known; only worked out for a copy whose mark is not
    today's hash."""
    h = hashlib.sha256()
    h.update(repr((sub.unit, sub.year, sub.amount_unit)).encode())
    table = sub.table
    if table is not None:
        for name in sorted(table.columns):
            col = table.columns[name]
            h.update(name.encode())
            h.update(
                repr(list(zip(table.rows, col.kinds.tolist(), col.values, strict=True))).encode()
            )
    return h.hexdigest()


def marks_unchanged_copy(sub: Submission) -> bool:
    """The file is an annotated copy whose table is what it was made from."""
    if sub.annotated is None:
        return False
    return sub.annotated == sub.content_hash or sub.annotated == legacy_content_hash(sub)


def print_area(pkg: Package, sheet: str) -> tuple[int, int, int, int] | None:
    index = next((i for i, s in enumerate(pkg.workbook.sheets) if s.name == sheet), None)
    ref = pkg.workbook.names.get(("_xlnm.Print_Area", index))
    if not ref:
        return None
    return parse_range(ref.split("!")[-1].replace("$", ""))
