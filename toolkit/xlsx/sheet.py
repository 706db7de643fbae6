"""One pass over a worksheet's XML: every cell with its kind, value, style and formula,
hidden rows and columns, the autofilter, merged ranges and repeated cell references.

Two parsers fill the same ``Worksheet``. ``expat`` is a real XML parser and is always
right; it costs a Python call per element. The fast parser reads the shape that Excel,
WPS, LibreOffice, openpyxl and xlsxwriter all write (``<c r="K7" s="3" t="s"><v>..``)
with one regular expression that runs in C and turns the matches into columns with
numpy, and it proves for every chunk that it saw every tag there is: no tag other than
row, c, f, v, is and t, no comment, CDATA or processing instruction, every ``<c``,
``<f``, ``<v>``, ``<is>`` and ``<t`` inside a matched cell, every ``&`` a predefined or
numeric entity. Any other shape (a comment between cells, lower-case references,
single-quoted attributes, cells without ``r``, namespace prefixes, rich inline text)
falls back to expat for the whole sheet, so the result never depends on which parser
ran; ``tests/xlsx`` compares the two on random sheets.

The fast parser's loop over the matches runs in C when it can: ``_scan.c``, built on
install, reads a strict subset of that shape (no character references, carriage returns,
``_x`` escapes or date cells; cells in order) into the same columns, proving every tag by
its own grammar, and declines any other chunk, which then takes the Python loop. Without
a compiler the package still installs and reads everything, only slower.
``tests/xlsx/test_scan.py`` compares the two loops on random sheets, with plans.

The document is read in chunks cut at ``</row>``, so a 200,000-row sheet never sits in
memory as XML, and cells are kept as a ``Plan`` says once the reader knows the table.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from toolkit.xlsx import smallxml
from toolkit.xlsx.cells import (
    BOOL,
    DATE,
    EMPTY,
    ERROR,
    FLAG,
    FORMULA,
    KEEP,
    NUMBER,
    STRAY,
    TEXT,
    Cells,
    Plan,
)
from toolkit.xlsx.strings import XML_ENTITY, decode_escapes, unescape_xml

try:  # the compiled step (toolkit/xlsx/_scan.c), built by pip install; optional
    from toolkit.xlsx import _scan
except ImportError:  # pragma: no cover - a build without a C compiler
    _scan = None  # type: ignore[assignment]

MAIN_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # Strict OOXML
)
EXCEL_MAX_ROW, EXCEL_MAX_COL = 1_048_576, 16_384
CHUNK_BYTES = 4 * 1024 * 1024  # sheet XML handled at a time by the fast parser
FIRST_CHUNK = 64 * 1024  # before the plan is known: small, so the plan applies early
PlanFor = Callable[[Cells, int], "Plan | None"]  # (cells so far, rows below this are whole)


class SheetError(Exception):
    """The sheet XML is not well-formed or not a worksheet (``detail`` in Chinese)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CellLimit(Exception):
    """More cells than the caller allows (raised before they are all held in memory)."""

    def __init__(self, cells: int) -> None:
        super().__init__(cells)
        self.cells = cells


@dataclass
class Worksheet:
    """What one worksheet holds, as found; nothing is judged here."""

    cells: Cells = field(default_factory=Cells)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_cols: set[int] = field(default_factory=set)
    all_rows_hidden: bool = False  # sheetFormatPr zeroHeight: rows not listed are hidden
    autofilter: tuple[int, int, int, int] | None = None  # (r1, c1, r2, c2)
    filter_active: bool = False  # the autofilter has criteria, or the sheet is in filterMode
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    repeated: list[tuple[int, int]] = field(default_factory=list)  # cell refs seen twice
    max_row: int = 0
    max_col: int = 0
    cell_count: int = 0  # every cell element, empty ones included
    exact: bool = False  # which parser produced it (for tests and benchmarks)


def col_index(letters: str) -> int:
    """``"K"`` -> 11, ``"AA"`` -> 27 (upper- or lower-case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def parse_ref(ref: str) -> tuple[int, int] | None:
    """``"K7"`` -> (7, 11); None when it is not a cell reference."""
    m = _REF.fullmatch(ref.strip())
    if m is None:
        return None
    return int(m.group(2)), col_index(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """``"A3:M203"`` (or one cell) -> (r1, c1, r2, c2), normalised so r1 <= r2, c1 <= c2."""
    first, _, last = ref.strip().partition(":")
    a = parse_ref(first)
    b = parse_ref(last) if last else a
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


# -- the fast parser ------------------------------------------------------------------------
_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^<>/]*+)'
    rb"(?:/>|>(<f[^<>]*+>[^<]*+</f>|<f[^<>]*+/>)?(?:<v>([^<]*+)</v>)?"
    rb"(<is><t[^<>]*+>[^<]*+</t></is>|<is></is>)?</c>)"
)
_ROW = re.compile(rb'<row r="([0-9]{1,7})"([^<>]*+)>')
_UNKNOWN_TAG = re.compile(rb"<(?!(?:row|c|f|v|is|t)[\s/>]|/(?:row|c|f|v|is|t)>)")
_ATTR = re.compile(rb'\s+([\w:.-]+)="([^"<]*)"')
_ATTRS_OK = re.compile(rb'(?:\s+[\w:.-]+="[^"<]*")*\s*')
_HIDDEN_ROW = re.compile(rb'\shidden="(?:1|true)"|\sht="0(?:\.0*)?"')
_FORMULA_TEXT = re.compile(rb"<f[^<>]*>([^<]*)</f>")
_INLINE_T = re.compile(rb"<t[^<>]*>([^<]*)</t>")
_T_CODES = {b"n": NUMBER, b"s": 100, b"str": 101, b"inlineStr": 101, b"b": BOOL, b"e": ERROR}
_T_CODES[b"d"] = DATE
_SHARED, _STR = 100, 101


class _Irregular(Exception):
    """The chunk is not in the shape the fast parser can prove it read whole."""


def _attrs(raw: bytes, cache: dict[bytes, tuple[int, int]]) -> tuple[int, int]:
    """(style, type code) of a cell's other attributes, parsed once per distinct string."""
    got = cache.get(raw)
    if got is not None:
        return got
    if not _ATTRS_OK.fullmatch(raw):
        raise _Irregular
    names = dict(_ATTR.findall(raw))
    if len(names) != len(_ATTR.findall(raw)) or b"r" in names:
        raise _Irregular
    style = names.get(b"s", b"0")
    t = names.get(b"t", b"n")
    if not style.isdigit() or t not in _T_CODES:
        raise _Irregular
    got = cache[raw] = (int(style), _T_CODES[t])
    return got


def _col_bytes(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


class _Fast:
    """The fast parser's state across chunks: one tight loop per chunk over the matches."""

    def __init__(self, strings: list[str], plan_for: PlanFor | None, max_cells: int) -> None:
        self.ws = Worksheet()
        self.strings = strings
        self.plan_for = plan_for
        self.plan: Plan | None = None
        self.max_cells = max_cells
        self.cols: dict[bytes, int] = {}
        self.attrs: dict[bytes, tuple[int, int]] = {}
        self.policies = bytearray(b"\xff" * _KEY)  # per column: KEEP, FLAG, STRAY; 255 not asked
        self.last_key = 0
        self.seen: set[int] | None = None

    def chunk(self, body: bytes) -> None:
        """Cells of a run of whole rows: the compiled step when it takes the chunk, else
        the regular expression and the tag accounting below."""
        ws = self.ws
        base = len(ws.cells.rows)
        if not self._native(body):
            self._python(body)
        cells = ws.cells
        if len(cells.rows) > base:
            ws.max_row = max(ws.max_row, max(cells.rows[base:]))
            ws.max_col = max(ws.max_col, max(cells.cols[base:]))
        if self.plan is None and self.plan_for is not None:
            self.plan = self.plan_for(cells, ws.max_row + 1)
            if self.plan is not None:
                ws.cells = _apply_plan(cells, self.plan)

    def _native(self, body: bytes) -> bool:
        """The chunk through ``_scan.scan`` (a strict subset of the shape ``_python``
        reads, giving the same cells); False, with nothing changed, when it declines."""
        if _scan is None or self.seen is not None:
            return False
        plan = self.plan
        start = plan.start_row if plan is not None else EXCEL_MAX_ROW + 1
        policy_of = plan.policy if plan is not None else None
        got = _scan.scan(body, self.strings, start, self.policies, policy_of, self.last_key)
        if got is None:
            return False
        n, rows, cols, kinds, styles, values, formulas, strays, hidden, last = got
        ws = self.ws
        ws.cell_count += n
        if ws.cell_count > self.max_cells:
            raise CellLimit(ws.cell_count)
        for r in hidden:
            ws.hidden_rows.add(r)
            ws.max_row = max(ws.max_row, r)
        cells = ws.cells
        base = len(cells.rows)
        cells.rows.frombytes(rows)
        cells.cols.frombytes(cols)
        cells.styles.frombytes(styles)
        cells.kinds += kinds
        cells.values += values
        for i, text in formulas:
            cells.formulas[base + i] = text
        for r, c, kind, value in strays:
            cells.stray(r, c, kind, value, plan)
        self.last_key = last
        return True

    def _python(self, body: bytes) -> None:
        if b"<!" in body or b"<?" in body:
            raise _Irregular
        if b"&" in body and body.count(b"&") != len(XML_ENTITY.findall(body)):
            raise _Irregular
        ws = self.ws
        if b'hidden="1"' in body or b'hidden="true"' in body or b'ht="0' in body:
            for r, attrs in _ROW.findall(body):
                if _HIDDEN_ROW.search(attrs):
                    ws.hidden_rows.add(int(r))
                    ws.max_row = max(ws.max_row, int(r))
        found = _CELL.findall(body)
        ws.cell_count += len(found)
        if ws.cell_count > self.max_cells:
            raise CellLimit(ws.cell_count)
        cells = ws.cells
        base, n_strays = len(cells.rows), sum(x.count for x in cells.strays.values())
        counts = self._cells(found, careful=self.seen is not None)
        if counts is None:  # references out of order: again, looking for repeats
            del cells.rows[base:], cells.cols[base:], cells.kinds[base:]
            del cells.values[base:], cells.styles[base:]
            for k in [k for k in cells.formulas if k >= base]:
                del cells.formulas[k]
            if sum(x.count for x in cells.strays.values()) != n_strays:
                raise _Irregular  # out of order among stray cells: let expat count them
            counts = self._cells(found, careful=True)
            assert counts is not None
        self._prove(body, len(found), *counts)

    def _cells(self, found: list[tuple[bytes, ...]], careful: bool) -> tuple[int, int, int] | None:
        """Keep the matched cells; (formulas, self-closing formulas, inline ``<``) for the
        proof, or None when references leave row and column order (``careful`` then)."""
        ws = self.ws
        cells = ws.cells
        rows_a, cols_a, kinds_a, values_a, styles_a = (
            cells.rows, cells.cols, cells.kinds, cells.values, cells.styles,
        )  # fmt: skip
        formulas = cells.formulas
        strings, n_strings = self.strings, len(self.strings)
        col_map, attr_map, policies = self.cols, self.attrs, self.policies
        plan = self.plan
        start_row = plan.start_row if plan is not None else EXCEL_MAX_ROW + 1
        last = self.last_key
        n_f = n_f_closed = inline_lt = 0
        for col_b, row_b, attr_b, f_b, v_b, is_b in found:
            if f_b:
                n_f += 1
                if f_b[-2:] == b"/>":
                    n_f_closed += 1
            elif not v_b and not is_b:
                continue  # a styled empty cell holds nothing
            r = int(row_b)
            c = col_map.get(col_b)
            if c is None:
                c = col_map[col_b] = _col_bytes(col_b)
            key = r * _KEY + c
            if careful:
                if self._repeated(key):
                    ws.repeated.append((r, c))
                    continue
            elif key <= last:
                return None
            last = key
            st = attr_map.get(attr_b)
            if st is None:
                st = _attrs(attr_b, attr_map)
            t = st[1]
            if v_b:
                if t == NUMBER and b"&" not in v_b:  # as expat gives it: stripped, decoded
                    kind, value = NUMBER, v_b.strip().decode("utf-8", "replace")
                elif t == _SHARED:
                    j = int(v_b) if v_b.isdigit() else -1
                    if not 0 <= j < n_strings:
                        raise SheetError("共享字符串索引超出范围")
                    kind, value = TEXT, strings[j]
                else:
                    kind, value = _typed_code(t, v_b)
            elif is_b:
                inline_lt += is_b.count(b"<")
                kind, value = TEXT, _inline(is_b)
                if not value:
                    if not f_b:
                        continue
                    kind, value = EMPTY, None
            else:
                kind, value = EMPTY, None
            if f_b:
                kind |= FORMULA
            if r >= start_row:
                policy = policies[c]
                if policy == 255:
                    policy = policies[c] = plan.policy(c)  # type: ignore[union-attr]
                if policy == STRAY:
                    cells.stray(r, c, kind, value, plan)
                    continue
                if policy == FLAG and f_b:  # the template's own formula: only that it is there
                    kind = FORMULA
                    value = None
                    f_b = b""
            if f_b:
                formulas[len(rows_a)] = _formula(f_b)
            rows_a.append(r)
            cols_a.append(c)
            kinds_a.append(kind)
            values_a.append(value)
            styles_a.append(st[0])
        self.last_key = last
        return n_f, n_f_closed, inline_lt

    def _prove(self, body: bytes, n_cells: int, n_f: int, n_f_closed: int, inline_lt: int) -> None:
        """Every ``<`` in the chunk is a tag the matches account for, or ``_Irregular``.

        Rows open and close (or close themselves), cells close themselves or have an end
        tag, around an optional ``<f>`` (or ``<f/>``), ``<v>`` and ``<is><t>``.
        """
        rows_open, rows_closed = body.count(b"<row "), body.count(b"</row>")
        self_closing = body.count(b"/>") - (rows_open - rows_closed) - n_f_closed
        n_v_tags = body.count(b"<v>")
        expected = (
            rows_open + rows_closed
            + 2 * n_cells - self_closing
            + 2 * n_f - n_f_closed
            + 2 * n_v_tags
            + inline_lt
        )  # fmt: skip
        if body.count(b"<") != expected or self_closing < 0:
            raise _Irregular

    def _repeated(self, key: int) -> bool:
        """Whether a cell's reference came before; a set of references is built only once
        the usual row and column order breaks."""
        if self.seen is None:
            c = self.ws.cells
            self.seen = {r * _KEY + col for r, col in zip(c.rows, c.cols, strict=True)}
            for r, rec in c.strays.items():
                self.seen.update(r * _KEY + col for col, _, _ in rec.examples)
        if key in self.seen:
            return True
        self.seen.add(key)
        return False


def _apply_plan(cells: Cells, plan: Plan) -> Cells:
    """``cells`` kept whole, re-kept as ``plan`` says for rows from ``plan.start_row`` on
    (what ``Cells.add`` with the plan would have kept, a column's policy asked once)."""
    start, rows, cols = plan.start_row, cells.rows, cells.cols
    asked = {c: plan.policy(c) for c in set(cols)}
    policies = [KEEP if r < start else asked[c] for r, c in zip(rows, cols, strict=True)]
    out = Cells(strays=cells.strays)
    if STRAY in asked.values():
        keep = [i for i, p in enumerate(policies) if p != STRAY]
        for i, p in enumerate(policies):
            if p == STRAY:
                out.stray(rows[i], cols[i], cells.kinds[i], cells.values[i], plan)
        out.rows = array("i", [rows[i] for i in keep])
        out.cols = array("i", [cols[i] for i in keep])
        out.styles = array("i", [cells.styles[i] for i in keep])
        out.kinds = bytearray([cells.kinds[i] for i in keep])
        out.values = [cells.values[i] for i in keep]
        moved = {i: j for j, i in enumerate(keep)}
    else:
        out.rows, out.cols, out.styles = (
            array("i", rows),
            array("i", cols),
            array("i", cells.styles),
        )
        out.kinds, out.values = bytearray(cells.kinds), list(cells.values)
        moved = None
    for i, formula in cells.formulas.items():
        p = policies[i]
        if p == STRAY:
            continue
        j = i if moved is None else moved[i]
        if p == FLAG:  # the template's own formula: only that it is there
            out.kinds[j], out.values[j] = FORMULA, None
        else:
            out.formulas[j] = formula
    return out


_KEY = EXCEL_MAX_COL + 1  # row * _KEY + column orders cells as a worksheet does


def _formula(raw: bytes) -> str:
    m = _FORMULA_TEXT.match(raw)
    text = _unescape_fast(m.group(1)) if m else ""
    return "=" + text if text else "=（共享公式）"


def _unescape_fast(raw: bytes) -> str:
    """``unescape_xml`` for text whose only entities are the five named ones (most); line
    ends normalised first, as every XML parser does (``&#13;`` stays a carriage return)."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if b"&" not in raw:
        return raw.decode("utf-8", "replace")
    if b"&#" in raw:
        return unescape_xml(raw)
    return (
        raw.replace(b"&quot;", b'"')
        .replace(b"&apos;", b"'")
        .replace(b"&lt;", b"<")
        .replace(b"&gt;", b">")
        .replace(b"&amp;", b"&")
        .decode("utf-8", "replace")
    )


def _inline(raw: bytes) -> str:
    return decode_escapes(_unescape_fast(b"".join(_INLINE_T.findall(raw))))


def _typed_code(code: int, raw: bytes) -> tuple[int, Any]:
    text = _unescape_fast(raw)
    if code == _STR:
        return TEXT, decode_escapes(text)
    return _typed_text(code, text)


def _typed_text(code: int, text: str) -> tuple[int, Any]:
    if code == NUMBER:
        return NUMBER, text.strip()
    if code == BOOL:
        return BOOL, text.strip() in ("1", "true")
    if code == ERROR:
        return ERROR, text.strip() or "#N/A"
    if code == DATE:
        return DATE, text.strip()
    return TEXT, decode_escapes(text)


def _split_head(buf: bytes) -> tuple[bytes, bytes] | None:
    """(head up to and including ``<sheetData>``, the rest), once the tag has come by."""
    start = buf.find(b"<sheetData")
    if start < 0:
        return None
    end = buf.find(b">", start)
    if end < 0:
        return None
    return buf[: end + 1], buf[end + 1 :]


def _fast(
    source: Iterable[bytes], strings: list[str], plan_for: PlanFor | None, max_cells: int
) -> Worksheet:
    p = _Fast(strings, plan_for, max_cells)
    buf = b""
    head: bytes | None = None
    tail: bytes | None = None
    for chunk in source:
        if tail is not None:
            tail += chunk
            continue
        buf += chunk
        if head is None:
            split = _split_head(buf)
            if split is None:
                if len(buf) > 1024 * 1024:  # no <sheetData> in the first megabyte
                    raise _Irregular
                continue
            head, buf = split
            _check_head(head)
            if head.endswith(b"/>"):  # <sheetData/>: no cells
                tail, buf = buf, b""
                continue
        buf, tail = _drain(p, buf)
    if head is None or tail is None:
        raise _Irregular
    frame = head[: head.rfind(b"<sheetData")] + b"<sheetData/>" + tail
    _read_frame(p.ws, frame)
    if p.plan is None and plan_for is not None:
        p.plan = plan_for(p.ws.cells, EXCEL_MAX_ROW + 1)
    _check_bounds(p.ws)
    return p.ws


def _drain(p: _Fast, buf: bytes) -> tuple[bytes, bytes | None]:
    """Parse the whole rows in ``buf``: (what is left for the next chunk, the document's
    tail once ``</sheetData>`` has come by)."""
    end = buf.find(b"</sheetData>")
    stop = end if end >= 0 else len(buf)
    pos = 0
    while True:
        limit = CHUNK_BYTES if p.plan is not None or p.plan_for is None else FIRST_CHUNK
        if stop - pos <= limit:
            if end < 0:
                return buf[pos:], None
            p.chunk(buf[pos:end])
            return b"", buf[end + len(b"</sheetData>") :]
        cut = buf.rfind(b"</row>", pos, pos + limit)
        if cut < 0:
            cut = buf.find(b"</row>", pos + limit, stop)
            if cut < 0:
                if end < 0:
                    return buf[pos:], None
                p.chunk(buf[pos:end])
                return b"", buf[end + len(b"</sheetData>") :]
        p.chunk(buf[pos : cut + 6])
        pos = cut + 6


_ROOT = re.compile(rb"<worksheet\b[^>]*?\sxmlns=\"([^\"]+)\"")


def _check_head(head: bytes) -> None:
    if (
        b"<!--" in head
        or b"<![CDATA[" in head
        or not head.endswith((b"<sheetData>", b"<sheetData/>"))
    ):
        raise _Irregular
    m = _ROOT.search(head)
    if m is None or m.group(1).decode("ascii", "replace") not in MAIN_NAMESPACES:
        raise _Irregular


def _check_bounds(ws: Worksheet) -> None:
    if ws.max_row > EXCEL_MAX_ROW or ws.max_col > EXCEL_MAX_COL:
        raise SheetError("单元格地址超出 Excel 的范围")


# -- what surrounds the cells: columns, filters, merges (a real parser on a small part) --------
def _read_frame(ws: Worksheet, frame: bytes) -> None:
    """cols, sheetPr, sheetFormatPr, autoFilter and mergeCells from the document without
    its cell data, parsed by defusedxml (no DTD, no entities)."""
    try:
        parsed = smallxml.elements(frame)
    except Exception as exc:
        raise SheetError(f"工作表 XML 格式错误（{type(exc).__name__}）") from None
    for el in parsed:
        _frame_element(ws, smallxml.local(el.tag), el.attrib)


def _frame_element(ws: Worksheet, tag: str, attrs: Any) -> None:
    if tag == "col":
        if attr_true(attrs.get("hidden")) or attr_zero(attrs.get("width")):
            lo, hi = attr_int(attrs.get("min")), attr_int(attrs.get("max"))
            if 1 <= lo <= hi:
                ws.hidden_cols.update(range(lo, min(hi, EXCEL_MAX_COL) + 1))
    elif tag == "sheetPr":
        if attr_true(attrs.get("filterMode")):
            ws.filter_active = True
    elif tag == "sheetFormatPr":
        if attr_true(attrs.get("zeroHeight")):
            ws.all_rows_hidden = True
    elif tag == "autoFilter":
        ws.autofilter = parse_range(attrs.get("ref", "")) or ws.autofilter
    elif tag in ("filterColumn", "filters", "filter", "customFilter", "top10", "dynamicFilter"):
        ws.filter_active = True
    elif tag == "mergeCell":
        rng = parse_range(attrs.get("ref", ""))
        if rng is not None:
            ws.merged.append(rng)


def attr_true(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true")


def attr_zero(value: Any) -> bool:
    try:
        return value is not None and float(value) == 0.0
    except ValueError:
        return False


def attr_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


# -- the exact parser ---------------------------------------------------------------------------
_T_TEXT = {"n": NUMBER, "s": _SHARED, "str": _STR, "inlineStr": _STR, "b": BOOL, "e": ERROR}
_T_TEXT["d"] = DATE


class _Expat:
    """Every element through expat: any namespace prefix, attribute order, quoting,
    comment, CDATA section or missing ``r`` (cells then take the next column)."""

    def __init__(self, strings: list[str], plan_for: PlanFor | None, max_cells: int) -> None:
        self.ws = Worksheet(exact=True)
        self.strings = strings
        self.plan_for = plan_for
        self.plan: Plan | None = None
        self.max_cells = max_cells
        self.row = 0
        self.col = 0
        self.last_key = 0
        self.seen: set[int] | None = None
        self.cell: dict[str, Any] | None = None
        self.text: list[str] | None = None
        self.in_rph = 0
        self.root_ok = False
        self.in_sheetdata = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        ns, _, tag = name.rpartition(" ")
        if ns and ns not in MAIN_NAMESPACES:
            return
        if tag == "worksheet":
            self.root_ok = True
        elif tag == "sheetData":
            self.in_sheetdata = True
        elif not self.in_sheetdata:
            _frame_element(self.ws, tag, attrs)
        elif tag == "row":
            r = attr_int(attrs.get("r"))
            self.row = r if r > 0 else self.row + 1
            self.col = 0
            if attr_true(attrs.get("hidden")) or attr_zero(attrs.get("ht")):  # as the fast path:
                self.ws.hidden_rows.add(self.row)  # a row without cells counts if hidden
                self.ws.max_row = max(self.ws.max_row, self.row)
            if self.plan is None and self.plan_for is not None:
                self.plan = self.plan_for(self.ws.cells, self.row)
        elif tag == "c":
            ref = parse_ref(attrs["r"]) if attrs.get("r") else None
            if ref is not None:
                self.row, self.col = ref
            else:
                self.col += 1
            self.cell = {"t": attrs.get("t", "n"), "s": attr_int(attrs.get("s")), "v": None}
            self.ws.cell_count += 1
            if self.ws.cell_count > self.max_cells:
                raise CellLimit(self.ws.cell_count)
        elif self.cell is not None:
            if tag == "f":
                self.cell["f"] = []
                self.text = self.cell["f"]
            elif tag == "v":
                self.cell["v"] = []
                self.text = self.cell["v"]
            elif tag == "is":
                self.cell["is"] = []
            elif tag == "rPh":
                self.in_rph += 1
            elif tag == "t" and "is" in self.cell and not self.in_rph:
                self.text = self.cell["is"]

    def end(self, name: str) -> None:
        ns, _, tag = name.rpartition(" ")
        if ns and ns not in MAIN_NAMESPACES:
            return
        if tag == "sheetData":
            self.in_sheetdata = False
        elif tag in ("f", "v", "t"):
            self.text = None
        elif tag == "rPh":
            self.in_rph -= 1
        elif tag == "c" and self.cell is not None:
            self._finish_cell()
            self.cell = None

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _finish_cell(self) -> None:
        cell = self.cell
        assert cell is not None
        r, c = self.row, self.col
        if not (1 <= r <= EXCEL_MAX_ROW and 1 <= c <= EXCEL_MAX_COL):
            raise SheetError("单元格地址超出 Excel 的范围")
        formula = None
        if "f" in cell:
            text = "".join(cell["f"])
            formula = "=" + text if text else "=（共享公式）"
        v = "".join(cell["v"]) if cell["v"] is not None else ""
        inline = "".join(cell["is"]) if "is" in cell else ""
        if v:
            code = _T_TEXT.get(cell["t"])
            if code is None:
                raise SheetError(f'未知的单元格类型 t="{cell["t"][:12]}"')
            if code == _SHARED:
                kind, value = TEXT, self._shared(v)
            else:
                kind, value = _typed_text(code, v)
        elif inline:
            kind, value = TEXT, decode_escapes(inline)
        elif formula is not None:
            kind, value = EMPTY, None
        else:
            return
        ws = self.ws
        key = r * _KEY + c
        if key <= self.last_key or self.seen is not None:
            if self.seen is None:
                self.seen = {
                    rr * _KEY + cc for rr, cc in zip(ws.cells.rows, ws.cells.cols, strict=True)
                }
                for rr, rec in ws.cells.strays.items():
                    self.seen.update(rr * _KEY + cc for cc, _, _ in rec.examples)
            if key in self.seen:
                ws.repeated.append((r, c))
                return
            self.seen.add(key)
        self.last_key = max(self.last_key, key)
        if formula is not None:
            kind |= FORMULA
        ws.cells.add(r, c, kind, value, cell["s"], formula, self._plan_for_row(r))
        ws.max_col = max(ws.max_col, c)
        ws.max_row = max(ws.max_row, r)

    def _plan_for_row(self, row: int) -> Plan | None:
        plan = self.plan
        return plan if plan is not None and row >= plan.start_row else None

    def _shared(self, v: str) -> str:
        try:
            i = int(v.strip())
        except ValueError:
            raise SheetError("共享字符串索引无效") from None
        if not 0 <= i < len(self.strings):
            raise SheetError("共享字符串索引超出范围")
        return self.strings[i]


def _exact(
    source: Iterable[bytes], strings: list[str], plan_for: PlanFor | None, max_cells: int
) -> Worksheet:
    from xml.parsers import expat

    p = _Expat(strings, plan_for, max_cells)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = p.start
    parser.EndElementHandler = p.end
    parser.CharacterDataHandler = p.chars

    def no_dtd(*_: Any) -> None:
        raise SheetError("工作表含有 DTD/实体声明，已拒绝读取")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        for chunk in source:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SheetError(f"工作表 XML 格式错误（{expat.ErrorString(exc.code)}）") from None
    if not p.root_ok:
        raise SheetError("不是工作表（缺少 worksheet 根元素）")
    if p.plan is None and plan_for is not None:
        p.plan = plan_for(p.ws.cells, EXCEL_MAX_ROW + 1)
    _check_bounds(p.ws)
    return p.ws


# -- entry point ---------------------------------------------------------------------------------
Source = Callable[[], Iterator[bytes]]


def parse_sheet(
    source: bytes | Source,
    strings: list[str],
    plan_for: PlanFor | None = None,
    *,
    exact: bool = False,
    max_cells: int = 10_000_000,
) -> Worksheet:
    """Parse one worksheet's XML.

    ``source`` is the XML, or a function that returns its chunks afresh (called a second
    time only when the fast parser finds a shape it cannot prove and expat takes over).
    ``strings`` are the workbook's shared strings. ``plan_for(cells, whole_below)`` is
    asked, as rows come in, for a ``Plan`` (None: keep everything for now); rows below
    ``whole_below`` have all their cells in ``cells``. ``exact=True`` forces expat.
    Raises ``SheetError`` for XML that is not a worksheet, ``CellLimit`` past ``max_cells``.
    """
    chunks: Source = (lambda: iter((source,))) if isinstance(source, bytes | bytearray) else source
    if not exact:
        try:
            return _fast(chunks(), strings, plan_for, max_cells)
        except _Irregular:
            pass
    return _exact(chunks(), strings, plan_for, max_cells)
