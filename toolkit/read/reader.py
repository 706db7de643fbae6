"""Read a filled-in budget workbook back into a ``Submission``: raw cells, located.

The reader finds the entry sheet, its header row, the 填报单位 and 金额单位 cells, the
table rows down to 合计, and the template stamp, all by their labels, so inserted rows,
reordered columns, stray spaces and full-width characters do not throw it off. It judges
nothing: ``toolkit.rules.engine`` turns what was read into issues.

Cell values come from python-calamine (fast; numbers as floats, error cells as empty,
formulas invisible). What calamine hides is recovered from the entry sheet's own XML:
a regex pass over the raw bytes finds cells holding a formula (``<f>``) or an error value
(``t="e"``). That costs one extra inflate of one sheet and no per-cell Python work; a
cell without an ``r`` attribute (legal but rare) switches to a full expat pass.
"""

from __future__ import annotations

import functools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from xml.sax.saxutils import unescape

from toolkit import form
from toolkit.issues import column_letter
from toolkit.text import as_text, is_blank, label_key, nfkc, squash

# How far down the reader looks for the header row (rows inserted above the table).
HEADER_SEARCH_ROWS = 200
# A sheet XML larger than this is not inflated by the formula scan (preflight caps it first).
MAX_SHEET_XML_BYTES = 512 * 1024 * 1024

# Field names of a table row, keyed by the normalised header label.
FIELD_BY_LABEL = {
    form.COL_SEQ: "seq",
    form.COL_PROJECT: "project",
    form.COL_CODE: "code",
    form.COL_LEVEL1: "level1",
    form.COL_LEVEL2: "level2",
    form.COL_CONTENT: "content",
    form.COL_PROVIDER: "provider",
    form.COL_PROVIDER_TYPE: "provider_type",
    form.COL_METHOD: "method",
    form.COL_FUNDING: "funding",
    form.COL_AMOUNT: "amount",
    form.COL_TARGET: "target",
    form.COL_NOTE: "note",
}
LABEL_BY_FIELD = {v: k for k, v in FIELD_BY_LABEL.items()}
# Columns the template fills itself (numbering, lookups): formulas there are expected,
# and their values are never read (一级/二级 are recomputed from the code).
DERIVED_FIELDS = ("seq", "level1", "level2")
TOTAL_LABELS = (form.TOTAL_LABEL, "总计")
_NOTE_PREFIXES = ("注", "说明", "备注")


class ReadError(Exception):
    """The file cannot be read as a workbook at all (``detail`` says why, in Chinese)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


# -- what was read -----------------------------------------------------------------------
@dataclass(slots=True)
class TableRow:
    """One non-blank row of the table: Excel row number and raw values by field."""

    row: int
    values: dict[str, Any]


@dataclass
class Submission:
    """Everything read from one workbook, uninterpreted; ``toolkit.rules.engine`` judges it.

    ``columns`` maps field names to 1-based columns; ``formulas`` and ``errors`` map
    (row, column) of the entry sheet to the formula text / error value found there.
    """

    path: str
    sheet_names: list[str] = field(default_factory=list)
    sheet: str | None = None  # the entry sheet, None when none was found
    problem: str | None = None  # why this is not a budget template, if it is not
    header_row: int | None = None
    columns: dict[str, int] = field(default_factory=dict)
    extra_columns: dict[int, str] = field(default_factory=dict)  # unknown header labels
    last_column: int = 0
    amount_unit: str = "元"
    amount_unit_source: str = "default"  # header | cell | stamp | default
    title: str | None = None
    unit: str | None = None
    unit_cell: tuple[int, int] | None = None
    unit_label_found: bool = False
    year: int | None = None
    year_source: str | None = None  # stamp | title
    stamp: dict[str, str] = field(default_factory=dict)
    stamp_source: str | None = None  # properties | sheet
    stamp_cells: dict[str, tuple[int, int]] = field(default_factory=dict)  # key -> _stamp cell
    # the table, column-wise: Excel row numbers, and field -> raw values (one per row)
    row_numbers: list[int] = field(default_factory=list)
    cells: dict[str, list[Any]] = field(default_factory=dict)
    total_row: int | None = None
    total_value: Any = None  # the 合计 amount cell as entered (cached value if a formula)
    end_row: int = 0  # last row of the table (the 合计 row when there is one)
    outside: list[tuple[int, int, Any]] = field(default_factory=list)  # values off the table
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    signature: dict[str, str] = field(default_factory=dict)  # 填报人/联系电话/... -> as typed

    @property
    def rows(self) -> list[TableRow]:
        """The table row by row (built on demand: the rules read the columns)."""
        names = list(self.cells)
        return [
            TableRow(row=r, values=dict(zip(names, values, strict=True)))
            for r, values in zip(
                self.row_numbers, zip(*self.cells.values(), strict=True), strict=True
            )
        ]


# -- the workbook package ------------------------------------------------------------------
_NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_DOCREL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _parse_xml(data: bytes) -> Any:
    import defusedxml.ElementTree as SafeET

    return SafeET.fromstring(data)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for part in (PurePosixPath(base).parent / target).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, str]:
    p = PurePosixPath(part)
    rels_name = str(p.parent / "_rels" / (p.name + ".rels")).lstrip("./")
    try:
        root = _parse_xml(zf.read(rels_name))
    except KeyError:
        return {}
    return {
        el.get("Id", ""): _resolve(part, el.get("Target", ""))
        for el in root
        if _local(el.tag) == "Relationship"
    }


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part inside the package, following the relationships."""
    wb_part = "xl/workbook.xml"
    try:
        for el in _parse_xml(zf.read("_rels/.rels")):
            if el.get("Type", "").endswith("/officeDocument"):
                wb_part = el.get("Target", wb_part).lstrip("/")
    except KeyError:
        pass
    rels = _rels(zf, wb_part)
    out: dict[str, str] = {}
    for el in _parse_xml(zf.read(wb_part)).iter():
        if _local(el.tag) == "sheet":
            rid = el.get(f"{{{_NS_DOCREL}}}id") or el.get("id") or ""
            if rid in rels:
                out[el.get("name", "")] = rels[rid]
    return out


def custom_properties(zf: zipfile.ZipFile) -> dict[str, str]:
    """``budget_toolkit.*`` custom document properties (docProps/custom.xml), prefix removed."""
    try:
        data = zf.read("docProps/custom.xml")
    except KeyError:
        return {}
    out: dict[str, str] = {}
    for el in _parse_xml(data):
        name = el.get("name", "")
        if not name.startswith(form.STAMP_PREFIX):
            continue
        text = "".join(child.text or "" for child in el)
        out[name[len(form.STAMP_PREFIX) :]] = text.strip()
    return out


# -- formulas and error values, from the sheet XML -------------------------------------------
_P = rb"(?:[\w.]+:)?"  # an optional namespace prefix (x:c, x:f)
_FORMULA_CELL_RE = re.compile(
    rb"<" + _P + rb"c\b([^>]*)>\s*<" + _P + rb"f\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"f>)", re.S
)
_ERROR_CELL_RE = re.compile(
    rb"<" + _P + rb"c\b([^>]*\bt\s*=\s*[\"']e[\"'][^>]*)>(.*?)</" + _P + rb"c>", re.S
)
_REF_RE = re.compile(rb"\br\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d+)[\"']")
_V_RE = re.compile(rb"<" + _P + rb"v\b[^>]*>(.*?)</" + _P + rb"v>", re.S)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


# The common shape (Excel, WPS, LibreOffice, openpyxl, xlsxwriter): no prefix, r first.
_UNREFERENCED_CELL_RE = re.compile(rb'<c (?!r=")')
_PREFIXED_CELL_RE = re.compile(rb"<[\w.]+:c\b")


def _irregular(data: bytes) -> bool:
    """A cell tag other than ``<c r="...``: a prefixed tag is looked for only when the
    bytes ``:c`` occur at all (two passes in C instead of one slow alternation)."""
    return _UNREFERENCED_CELL_RE.search(data) is not None or (
        b":c" in data and _PREFIXED_CELL_RE.search(data) is not None
    )


_PLAIN_ERROR_RE = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*?\st="e"[^>]*>(.*?)</c>', re.S)


@functools.lru_cache(maxsize=64)
def _formula_re(columns: frozenset[int] | None) -> re.Pattern[bytes]:
    """Formula cells, only in ``columns``: other cells fail on their first letters."""
    letters = (
        rb"[A-Z]{1,3}"
        if columns is None
        else b"|".join(sorted(column_letter(c).encode() for c in columns))
    )
    # possessive: a cell without a formula fails at once, with no backtracking
    return re.compile(rb'<c r="(' + letters + rb')(\d+)"[^>]*+>\s*+<f\b[^>]*?(?:/>|>([^<]*)</f>)')


def scan_formulas_and_errors(
    data: bytes, columns: frozenset[int] | None = None
) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """(row, col) -> formula text, and (row, col) -> error value, for one sheet's XML.

    ``columns`` (1-based) limits the result to those columns. When every cell tag is
    the plain ``<c r="..."`` form, ``findall`` does the work in C; otherwise a regex per
    cell handles prefixes and attribute order, and a missing ``r`` falls back to expat.
    """
    if not _irregular(data):
        wanted = None if columns is None else {column_letter(c).encode() for c in columns}
        formulas = {
            (int(row), _col_index(col.decode())): _formula_text(text)
            for col, row, text in _formula_re(columns).findall(data)
        }
        errors = {}
        if b't="e"' in data:
            for col, row, inner in _PLAIN_ERROR_RE.findall(data):
                if wanted is None or col in wanted:
                    errors[(int(row), _col_index(col.decode()))] = _error_text(inner)
        return formulas, errors
    formulas, errors = _scan_general(data)
    if columns is not None:
        formulas = {k: v for k, v in formulas.items() if k[1] in columns}
        errors = {k: v for k, v in errors.items() if k[1] in columns}
    return formulas, errors


def _formula_text(raw: bytes | None) -> str:
    text = unescape((raw or b"").decode("utf-8", "replace"))
    return "=" + text if text else "=（共享公式）"


def _error_text(inner: bytes) -> str:
    v = _V_RE.search(inner)
    return (unescape(v.group(1).decode("utf-8", "replace")) if v else "") or "#N/A"


def _scan_general(
    data: bytes,
) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    for m in _FORMULA_CELL_RE.finditer(data):
        ref = _REF_RE.search(m.group(1))
        if ref is None:
            return _scan_with_expat(data)
        formulas[(int(ref.group(2)), _col_index(ref.group(1).decode()))] = _formula_text(m.group(3))
    for m in _ERROR_CELL_RE.finditer(data):
        ref = _REF_RE.search(m.group(1))
        if ref is None:
            return _scan_with_expat(data)
        errors[(int(ref.group(2)), _col_index(ref.group(1).decode()))] = _error_text(m.group(2))
    return formulas, errors


def _scan_with_expat(
    data: bytes,
) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], str]]:
    """The faithful path for sheets whose cells omit ``r``: positions are counted."""
    from xml.parsers import expat

    formulas: dict[tuple[int, int], str] = {}
    errors: dict[tuple[int, int], str] = {}
    state: dict[str, Any] = {"row": 0, "col": 0, "t": "", "in": None, "text": []}

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rsplit(":", 1)[-1]
        if tag == "row":
            r = attrs.get("r")
            state["row"] = int(r) if r and r.isdigit() else state["row"] + 1
            state["col"] = 0
        elif tag == "c":
            ref = attrs.get("r")
            m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?(\d+)", ref or "")
            if m:
                state["row"], state["col"] = int(m.group(2)), _col_index(m.group(1))
            else:
                state["col"] += 1
            state["t"] = attrs.get("t", "")
        elif tag in ("f", "v"):
            state["in"] = tag
            state["text"] = []
            if tag == "f":
                formulas[(state["row"], state["col"])] = "=（共享公式）"

    def end(name: str) -> None:
        tag = name.rsplit(":", 1)[-1]
        if tag in ("f", "v") and state["in"] == tag:
            text = "".join(state["text"])
            key = (state["row"], state["col"])
            if tag == "f" and text:
                formulas[key] = "=" + text
            elif tag == "v" and state["t"] == "e":
                errors[key] = text or "#N/A"
            state["in"] = None

    def chars(text: str) -> None:
        if state["in"]:
            state["text"].append(text)

    def no_dtd(*_: Any) -> None:
        raise ReadError("工作表含有 DTD/实体声明，已拒绝读取")

    parser = expat.ParserCreate(namespace_separator=None)
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.Parse(data, True)
    return formulas, errors


def _read_part(zf: zipfile.ZipFile, part: str, limit: int = MAX_SHEET_XML_BYTES) -> bytes:
    info = zf.getinfo(part)
    if info.file_size > limit:
        raise ReadError(f"工作表 XML 解压后 {info.file_size} 字节，超过上限 {limit} 字节")
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise ReadError(f"工作表 XML 解压后超过上限 {limit} 字节")
    return data


# -- the entry sheet -----------------------------------------------------------------------
def find_header(grid: list[list[Any]]) -> tuple[int, dict[str, int], dict[int, str], str] | None:
    """(0-based row, field -> 1-based column, extra columns, amount unit) of the header row.

    A row is the header when it carries 目录编码 or 预算金额 and at least three known labels.
    """
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        extra: dict[int, str] = {}
        unit = ""
        for c, value in enumerate(row, start=1):
            key, inner = label_key(value)
            if not key:
                continue
            if key.startswith(form.COL_AMOUNT) and "amount" not in columns:
                columns["amount"] = c
                tail = key[len(form.COL_AMOUNT) :] + inner
                unit = "万元" if "万元" in tail else ("元" if "元" in tail else "")
            elif key in FIELD_BY_LABEL and FIELD_BY_LABEL[key] not in columns:
                columns[FIELD_BY_LABEL[key]] = c
            else:
                extra[c] = value.strip() if isinstance(value, str) else as_text(value)
        if len(columns) >= 3 and ("code" in columns or "amount" in columns):
            return r, columns, extra, unit
    return None


def _label_value(grid: list[list[Any]], r: int, c: int, label: str) -> tuple[Any, int]:
    """The value that belongs to a label cell: after a colon in the same cell, or to its right.

    Returns the value and the 1-based column of the cell it came from (or should be in).
    """
    text = squash(grid[r][c])
    rest = text[len(label) :].lstrip(":：")
    if rest:
        return rest, c + 1
    row = grid[r]
    for cc in range(c + 1, min(len(row), c + 5)):
        value = row[cc]
        if not is_blank(value):
            if isinstance(value, str) and squash(value).startswith(
                (form.AMOUNT_UNIT_LABEL, form.UNIT_LABEL)
            ):
                break
            return value, cc + 1
    return None, c + 2


def read_submission(path: str | Path) -> Submission:
    """Read one workbook. Raises ``ReadError`` only when it is not a readable workbook.

    A workbook that opens but is not a budget template comes back with ``problem`` set.
    """
    import python_calamine

    p = Path(path)
    sub = Submission(path=str(path))
    try:
        zf = zipfile.ZipFile(p)
    except zipfile.BadZipFile as exc:
        raise ReadError(f"不是有效的 xlsx（zip）文件：{exc}") from exc
    with zf:
        try:
            parts = sheet_parts(zf)
            props = custom_properties(zf)
        except KeyError as exc:
            raise ReadError(f"工作簿缺少必要部件 {exc}") from exc
        try:
            book = python_calamine.CalamineWorkbook.from_path(str(p))
        except python_calamine.PasswordError as exc:
            raise ReadError("文件已加密") from exc
        except Exception as exc:
            raise ReadError(f"{type(exc).__name__}: {exc}") from exc
        try:
            try:
                _read_book(sub, book, zf, parts, props)
            except python_calamine.CalamineError as exc:
                if "error value" not in str(exc):
                    raise
                # Excel 365 writes #SPILL!, #CALC!, #GETTING_DATA ... which calamine refuses
                # for the whole sheet; the XML scan reports each by its cell, so calamine
                # is given a copy where they read as #N/A (one of the errors it knows)
                book.close()
                book = python_calamine.CalamineWorkbook.from_filelike(
                    _known_errors_only(zf, set(parts.values()))
                )
                sub = Submission(path=str(path))
                _read_book(sub, book, zf, parts, props)
        finally:
            book.close()
    return sub


# The error values python-calamine reads; any other in a t="e" cell stops it.
_KNOWN_ERRORS = {b"#NULL!", b"#DIV/0!", b"#VALUE!", b"#REF!", b"#NAME?", b"#NUM!", b"#N/A"}
_E_CELL = rb"<" + _P + rb"c\b[^>]*\bt\s*=\s*[\"']e[\"'][^>]*(?<!/)>\s*"  # an error cell, not <c/>
_E_FORMULA = rb"(?:<" + _P + rb"f\b[^>]*/>\s*|<" + _P + rb"f\b[^>]*>[^<]*</" + _P + rb"f>\s*)?"
_ERROR_V_RE = re.compile(rb"(" + _E_CELL + _E_FORMULA + rb"<" + _P + rb"v>)([^<]*)(<)")


def _known_errors_only(zf: zipfile.ZipFile, sheet_parts: set[str]) -> Any:
    """An in-memory copy of the workbook whose sheets carry only error values calamine
    knows. Only for files that have others; their members passed preflight's size caps."""
    import io

    def plain(m: re.Match[bytes]) -> bytes:
        value = m.group(2)
        return m.group(1) + (value if value in _KNOWN_ERRORS else b"#N/A") + m.group(3)

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in zf.infolist():
            data = zf.read(info)
            if info.filename in sheet_parts:
                data = _ERROR_V_RE.sub(plain, data)
            out.writestr(info.filename, data)
    buf.seek(0)
    return buf


def _read_book(
    sub: Submission, book: Any, zf: zipfile.ZipFile, parts: dict[str, str], props: dict[str, str]
) -> None:
    names = list(book.sheet_names)
    sub.sheet_names = names
    ordered = sorted(
        (n for n in names if squash(n) not in (form.SHEET_LISTS, form.SHEET_STAMP)),
        key=lambda n: (squash(n) != form.SHEET_ENTRY, squash(n) == form.SHEET_CATALOG),
    )
    found = None
    for name in ordered:
        grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        header = find_header(grid)
        if header is not None:
            found = (name, grid, header)
            break
    _read_stamp(sub, book, names, props)
    if found is None:
        entry = [n for n in names if squash(n) == form.SHEET_ENTRY]
        sub.problem = (
            f"工作表“{entry[0]}”中找不到表头行（需含“{form.COL_CODE}”“{form.COL_AMOUNT}”等列）"
            if entry
            else f"找不到“{form.SHEET_ENTRY}”工作表，也没有哪个工作表含有预算表表头"
        )
        return
    name, grid, (hr, columns, extra, header_unit) = found
    sub.sheet = name
    sub.header_row = hr + 1
    sub.columns = columns
    sub.extra_columns = extra
    sub.last_column = max([*columns.values(), *extra.keys()])
    missing = [LABEL_BY_FIELD[f] for f in ("project", "code", "amount") if f not in columns]
    _read_preamble(sub, grid, hr)
    if header_unit:
        sub.amount_unit, sub.amount_unit_source = header_unit, "header"
    if missing:
        sub.problem = f"表头缺少必填列：{'、'.join(missing)}"
        return
    if name in parts:
        sub.formulas, sub.errors = scan_formulas_and_errors(
            _read_part(zf, parts[name]),
            frozenset(c for f, c in columns.items() if f not in DERIVED_FIELDS),
        )
    _read_table(sub, grid, hr)


def _read_stamp(sub: Submission, book: Any, names: list[str], props: dict[str, str]) -> None:
    if props:
        sub.stamp = dict(props)
        sub.stamp_source = "properties"
    stamp_sheet = next((n for n in names if squash(n) == form.SHEET_STAMP), None)
    if stamp_sheet is None or ("catalog_id" in sub.stamp and "generated_at" in sub.stamp):
        return
    for r, row in enumerate(book.get_sheet_by_name(stamp_sheet).to_python(skip_empty_area=False)):
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        key = row[0].strip()
        key = key[len(form.STAMP_PREFIX) :] if key.startswith(form.STAMP_PREFIX) else key
        if key in form.STAMP_KEYS and key not in sub.stamp and not is_blank(row[1]):
            sub.stamp[key] = as_text(row[1]).strip()
            sub.stamp_cells[key] = (r + 1, 2)
            sub.stamp_source = sub.stamp_source or "sheet"
    stamp_year = sub.stamp.get("year", "")
    if stamp_year.isdigit():
        sub.year, sub.year_source = int(stamp_year), "stamp"


_YEAR_RE = re.compile(r"(20\d\d)\s*年")


def _read_preamble(sub: Submission, grid: list[list[Any]], hr: int) -> None:
    """Title, year, 填报单位 and 金额单位 from the rows above the header."""
    if sub.year is None and sub.stamp.get("year", "").isdigit():
        sub.year, sub.year_source = int(sub.stamp["year"]), "stamp"
    for r in range(hr):
        for c, value in enumerate(grid[r]):
            if not isinstance(value, str) or not value.strip():
                continue
            text = squash(value)
            if text.startswith(form.UNIT_LABEL):
                sub.unit_label_found = True
                unit, col = _label_value(grid, r, c, form.UNIT_LABEL)
                sub.unit_cell = (r + 1, col)
                sub.unit = (squash(as_text(unit)) or None) if unit is not None else None
            elif text.startswith(form.AMOUNT_UNIT_LABEL):
                unit, _ = _label_value(grid, r, c, form.AMOUNT_UNIT_LABEL)
                u = squash(as_text(unit)) if unit is not None else ""
                if u in form.AMOUNT_UNITS:
                    sub.amount_unit, sub.amount_unit_source = u, "cell"
            elif sub.title is None and _YEAR_RE.search(nfkc(value)):
                sub.title = value.strip()
                if sub.year is None:
                    sub.year = int(_YEAR_RE.search(nfkc(value)).group(1))  # type: ignore[union-attr]
                    sub.year_source = "title"
    if sub.unit is None and sub.stamp.get("unit"):
        sub.unit = sub.stamp["unit"]
    if sub.amount_unit_source == "default" and sub.stamp.get("amount_unit") in form.AMOUNT_UNITS:
        sub.amount_unit, sub.amount_unit_source = sub.stamp["amount_unit"], "stamp"


def _is_total_row(row: list[Any], first: int, amount_col: int) -> bool:
    for c in range(first - 1, min(amount_col - 1, len(row))):
        value = row[c]
        # cheap test first: every total label ends in 计 (合计, 总计, full-width spaced)
        if type(value) is str and "计" in value and squash(value) in TOTAL_LABELS:
            return True
    return False


def _has_input(values: tuple[Any, ...]) -> bool:
    for v in values:
        if type(v) is str:
            if v and not v.isspace():
                return True
        elif v is not None:
            return True
    return False


_SIGNATURE_INITIALS = frozenset(label[0] for label in form.SIGNATURE_LABELS)


def _is_signature_row(row: list[Any]) -> bool:
    """The form's signature lines (填报人、联系电话 ...) start with their label."""
    for value in row:
        if type(value) is str:
            text = value.lstrip()
            if text:
                return text[0] in _SIGNATURE_INITIALS and squash(text).startswith(
                    form.SIGNATURE_LABELS
                )
        elif value is not None:
            return False
    return False


def _read_table(sub: Submission, grid: list[list[Any]], hr: int) -> None:
    from operator import itemgetter

    columns = sub.columns
    first = min([*columns.values(), *sub.extra_columns.keys()])
    amount_col = columns["amount"]
    width = max((len(r) for r in grid), default=0)
    # calamine rows are all as wide as the used range; pad the rare short one
    grid = [r if len(r) == width else [*r, *[""] * (width - len(r))] for r in grid]
    names = [f for f, c in columns.items() if c <= width]
    take = itemgetter(*[columns[f] - 1 for f in names], 0)  # the trailing 0 keeps a tuple
    input_cols = [c - 1 for f, c in columns.items() if f not in DERIVED_FIELDS and c <= width]
    take_input = itemgetter(*input_cols, 0) if input_cols else None
    marked = {r for (r, c) in (*sub.formulas, *sub.errors) if c - 1 in input_cols}
    n = len(grid)
    end = n  # 0-based exclusive end of data rows
    # the 合计 row: one pass per label column (every total label contains 计), then a
    # closer look at the few candidates
    candidates = sorted(
        {
            r
            for c in range(first - 1, min(amount_col - 1, width))
            for r in range(hr + 1, n)
            if type(grid[r][c]) is str and "计" in grid[r][c]
        }
    )
    for r in candidates:
        if _is_total_row(grid[r], first, amount_col):
            sub.total_row = r + 1
            sub.total_value = grid[r][amount_col - 1] if amount_col - 1 < width else None
            end = r
            break
    numbers: list[int] = []
    picked: list[tuple[Any, ...]] = []
    if take_input is not None:
        for r in range(hr + 1, end):
            row = grid[r]
            if _has_input(take_input(row)[:-1]) or (r + 1) in marked:
                if _is_signature_row(row):
                    end = r
                    break
                numbers.append(r + 1)
                picked.append(take(row))
    sub.row_numbers = numbers
    by_column = list(zip(*picked, strict=True)) if picked else [()] * (len(names) + 1)
    sub.cells = {f: list(by_column[k]) for k, f in enumerate(names)}
    sub.end_row = sub.total_row or (numbers[-1] if numbers else hr + 1)
    _read_outside(sub, grid, hr, first, width, end)


def _read_signature(sub: Submission, row: list[Any]) -> None:
    """填报人、联系电话 ... as typed in the cell right of each label (or after its colon)."""
    for c, value in enumerate(row):
        if not isinstance(value, str):
            continue
        text = squash(value)
        for label in form.SIGNATURE_LABELS[:4]:
            if text.startswith(label) and label not in sub.signature:
                rest = text[len(label) :].lstrip(":：")
                if not rest and c + 1 < len(row) and not is_blank(row[c + 1]):
                    rest = as_text(row[c + 1]).strip()
                if rest:
                    sub.signature[label] = rest


def _read_outside(
    sub: Submission, grid: list[list[Any]], hr: int, first: int, width: int, end: int
) -> None:
    """Values right of the table or in unlabeled gaps (header row to 合计), and below 合计.

    The form's own signature lines and notes (注/说明) below 合计 are not stray values.
    """
    labeled = {*sub.columns.values(), *sub.extra_columns}
    spare = [c - 1 for c in range(first, width + 1) if c not in labeled and c > 0]
    spare = [i for i in spare if i >= first - 1]
    if spare:
        from operator import itemgetter

        take = itemgetter(*spare, spare[0])
        stop = sub.total_row if sub.total_row is not None else end
        for r in range(hr, min(stop, len(grid))):
            values = take(grid[r])[:-1]
            if values.count("") == len(values):
                continue
            for i, value in zip(spare, values, strict=True):
                if not is_blank(value):
                    sub.outside.append((r + 1, i + 1, value))
    if sub.total_row is None:
        return
    # the 合计 row carries its label and the amount; anything else there (a line item
    # typed over the total row when the form ran out of rows) is not read: say so
    row = grid[sub.total_row - 1]
    amount = sub.columns["amount"]
    for c in sorted(labeled):
        value = row[c - 1] if 0 < c <= len(row) else ""
        if c == amount or is_blank(value):
            continue
        if isinstance(value, str) and squash(value) in TOTAL_LABELS:
            continue
        sub.outside.append((sub.total_row, c, value))
    for r in range(sub.total_row, len(grid)):
        row = grid[r]
        if row.count("") == len(row):
            continue
        if _is_signature_row(row):
            _read_signature(sub, row)
            continue
        for c, value in enumerate(row, start=1):
            if is_blank(value):
                continue
            if isinstance(value, str) and squash(value).startswith(_NOTE_PREFIXES):
                break
            sub.outside.append((r + 1, c, value))
