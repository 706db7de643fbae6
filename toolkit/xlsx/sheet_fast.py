"""The fast sheet parser: the shape every office client writes (``<c r="K7" s="3"
t="s"><v>..``), read with one regular expression per chunk of whole rows, or by the
compiled step (``_scan.c``) when it takes the chunk, and proved tag by tag: any shape it
cannot prove raises ``Irregular`` and ``toolkit.xlsx.sheet`` hands the sheet to expat.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from typing import Any

from toolkit.cellref import EXCEL_MAX_ROW, col_index
from toolkit.xlsx.cells import (
    EMPTY,
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
from toolkit.xlsx.worksheet import (
    KEY,
    MAIN_NAMESPACES,
    SHARED,
    STR,
    TYPE_CODES,
    CellLimit,
    PlanFor,
    SheetError,
    Worksheet,
    check_bounds,
    read_frame,
    seen_keys,
    typed_text,
)

try:  # the compiled step (toolkit/xlsx/_scan.c), built by pip install; optional
    from toolkit.xlsx import _scan
except ImportError:  # pragma: no cover - a build without a C compiler
    _scan = None  # type: ignore[assignment]

CHUNK_BYTES = 4 * 1024 * 1024  # sheet XML handled at a time by the fast parser
FIRST_CHUNK = 64 * 1024  # before the plan is known: small, so the plan applies early

_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^<>/]*+)'
    rb"(?:/>|>(<f[^<>]*+>[^<]*+</f>|<f[^<>]*+/>)?(?:<v>([^<]*+)</v>)?"
    rb"(<is><t[^<>]*+>[^<]*+</t></is>|<is></is>)?</c>)"
)
_ROW = re.compile(rb"<row(\s[^<>]*+)>")  # a row's attributes, in any order
_ROW_R = re.compile(rb'\sr="([0-9]{1,7})"')
_UNKNOWN_TAG = re.compile(rb"<(?!(?:row|c|f|v|is|t)[\s/>]|/(?:row|c|f|v|is|t)>)")
_ATTR = re.compile(rb'\s+([\w:.-]+)="([^"<]*)"')
_ATTRS_OK = re.compile(rb'(?:\s+[\w:.-]+="[^"<]*")*\s*')
_HIDDEN_ROW = re.compile(rb'\shidden="(?:1|true)"|\sht="0(?:\.0*)?"')
_FORMULA_TEXT = re.compile(rb"<f[^<>]*>([^<]*)</f>")
_INLINE_T = re.compile(rb"<t[^<>]*>([^<]*)</t>")
_T_CODES = {t.encode(): code for t, code in TYPE_CODES.items()}  # as the XML gives them


class Irregular(Exception):
    """The chunk is not in the shape the fast parser can prove it read whole."""


def _attrs(raw: bytes, cache: dict[bytes, tuple[int, int]]) -> tuple[int, int]:
    """(style, type code) of a cell's other attributes, parsed once per distinct string."""
    got = cache.get(raw)
    if got is not None:
        return got
    if not _ATTRS_OK.fullmatch(raw):
        raise Irregular
    names = dict(_ATTR.findall(raw))
    if len(names) != len(_ATTR.findall(raw)) or b"r" in names:
        raise Irregular
    style = names.get(b"s", b"0")
    t = names.get(b"t", b"n")
    if not style.isdigit() or t not in _T_CODES:
        raise Irregular
    got = cache[raw] = (int(style), _T_CODES[t])
    return got


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
        self.policies = bytearray(b"\xff" * KEY)  # per column: KEEP, FLAG, STRAY; 255 not asked
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
            raise Irregular
        if b"&" in body and body.count(b"&") != len(XML_ENTITY.findall(body)):
            raise Irregular
        ws = self.ws
        if b'hidden="1"' in body or b'hidden="true"' in body or b'ht="0' in body:
            for attrs in _ROW.findall(body):
                if _HIDDEN_ROW.search(attrs):
                    r = _ROW_R.search(attrs)
                    if r is None:  # a hidden row placed by position: expat counts rows
                        raise Irregular
                    ws.hidden_rows.add(int(r.group(1)))
                    ws.max_row = max(ws.max_row, int(r.group(1)))
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
                raise Irregular  # out of order among stray cells: let expat count them
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
                c = col_map[col_b] = col_index(col_b)
            key = r * KEY + c
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
                elif t == SHARED:
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
        """Every ``<`` in the chunk is a tag the matches account for, or ``Irregular``.

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
            raise Irregular

    def _repeated(self, key: int) -> bool:
        """Whether a cell's reference came before; a set of references is built only once
        the usual row and column order breaks."""
        if self.seen is None:
            self.seen = seen_keys(self.ws.cells)
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
    if code == STR:
        return TEXT, decode_escapes(text)
    return typed_text(code, text)


def _split_head(buf: bytes) -> tuple[bytes, bytes] | None:
    """(head up to and including ``<sheetData>``, the rest), once the tag has come by."""
    start = buf.find(b"<sheetData")
    if start < 0:
        return None
    end = buf.find(b">", start)
    if end < 0:
        return None
    return buf[: end + 1], buf[end + 1 :]


def fast(
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
                    raise Irregular
                continue
            head, buf = split
            _check_head(head)
            if head.endswith(b"/>"):  # <sheetData/>: no cells
                tail, buf = buf, b""
                continue
        buf, tail = _drain(p, buf)
    if head is None or tail is None:
        raise Irregular
    frame = head[: head.rfind(b"<sheetData")] + b"<sheetData/>" + tail
    read_frame(p.ws, frame)
    if p.plan is None and plan_for is not None:
        p.plan = plan_for(p.ws.cells, EXCEL_MAX_ROW + 1)
    check_bounds(p.ws)
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
        raise Irregular
    m = _ROOT.search(head)
    if m is None or m.group(1).decode("ascii", "replace") not in MAIN_NAMESPACES:
        raise Irregular
