"""First line of defence: file-level checks before any spreadsheet library sees a file.

Workbooks arrive by email and USB from dozens of offices; a few are broken and a few could
be crafted. ``preflight`` looks at the raw bytes and the zip container only, never through
openpyxl or calamine, because those libraries trust what the file says about itself: a
declared size, a DTD, a sheet whose cells span A1:XFD1048576 (calamine builds a dense
range from the first to the last cell; openpyxl creates one object per merged cell). Every
member is inflated here as a stream with a cap, so a zip bomb costs at most the cap, and
time is bounded by ``Limits.max_seconds``. What comes back is the ``FileProblem`` that
refuses the file (None when it may be opened), never an exception: the rules stage
turns it into the file's issue (file-unreadable, file-encrypted, file-format or
limit-exceeded).

The reader does not need the full scan: ``container.sniff`` (the bytes on disk) and
``container.open_container`` (the zip directory, before anything is inflated) are cheap,
and ``container.Inflater`` streams one member under the caps, so the reader inflates only
the parts it parses, once. ``preflight`` runs all of it over every member and adds what
only a full scan sees (a DTD in any XML part, every worksheet's rows, cells, span and
merged area), for the libraries that parse the whole package themselves (openpyxl for a
catalogue import or an annotated copy).

The reader relies on this: after ``preflight(path)`` returns None the file is a real
``.xlsx`` (not encrypted, no macros, no DTD), its members inflate to no more than
``max_uncompressed_bytes``, every worksheet has at most ``max_rows`` rows, and the cells of
every worksheet (and its merged ranges) span at most ``max_cells`` cells. The sheet's
``<dimension>`` element is NOT checked: Excel writes large dimensions for formatted sheets,
so a reader must never allocate by it. Text length (``max_text_length``) and per-file
time beyond preflight are for the reader to enforce, with ``Deadline`` and
``LimitExceeded`` (``toolkit.xlsx.limits``).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import IO, Any

from toolkit.cellref import EXCEL_MAX_COL, EXCEL_MAX_ROW, a1, col_index
from toolkit.xlsx.container import (
    NS_DOCREL,
    SMALL_PART,
    Inflater,
    guarded,
    inflate,
    open_container,
    rels_name,
    resolve_target,
    sniff,
    suffix_check,
)
from toolkit.xlsx.limits import (
    DEFAULT_LIMITS,
    Deadline,
    FileProblem,
    LimitExceeded,
    Limits,
    unreadable,
)


def preflight(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> FileProblem | None:
    """Why ``path`` must not be opened (None: safe to open), bounded in time and memory."""
    path = Path(path)
    deadline = Deadline(limits)
    try:
        with guarded():
            size = sniff(path, limits)
            with path.open("rb") as fp:
                zf = open_container(fp, size, limits)
                _scan_members(fp, zf, size, limits, deadline)
            suffix_check(path)
    except FileProblem as problem:
        return problem
    return None


def _scan_members(
    fp: IO[bytes], zf: zipfile.ZipFile, size: int, limits: Limits, deadline: Deadline
) -> None:
    """Inflate every member under the caps: DTDs, real sizes and ratios, sheet extents."""
    infos = zf.infolist()
    inflater = Inflater(fp, size, limits, deadline, "解压检查")
    small: dict[str, bytes] = {}
    titles: dict[str, str] | None = None
    # the small parts first, so worksheets can be named by their titles in messages
    for info in sorted(infos, key=lambda i: (i.filename not in _SMALL_PARTS, i.header_offset)):
        name = info.filename
        if name.endswith("/"):
            continue
        if name not in _SMALL_PARTS and titles is None:
            titles = _sheet_titles(small)  # once the small parts are in
        # a sheet is where the workbook's relationships say, wherever that is in the zip
        title = titles.get(name.lower()) if titles else None
        is_sheet = title is not None or (
            name.startswith("xl/worksheets/") and name.endswith(".xml")
        )
        scan = _SheetScan(title or name) if is_sheet else None
        keep = name in _SMALL_PARTS
        kept: list[bytes] = []
        lowered = name.lower()
        # images (SVG may carry a DOCTYPE) are never parsed by the readers; XML parts are
        xml = (
            None
            if lowered.startswith("xl/media/") and not is_sheet
            else _XmlGuard(name, xml=is_sheet or lowered.endswith((".xml", ".rels", ".vml")))
        )
        produced = 0
        for chunk in inflater.chunks(info):
            produced += len(chunk)
            if xml is not None:
                xml.feed(chunk)
            if scan is not None:
                scan.feed(chunk)
                scan.check(limits)
            if keep and produced <= SMALL_PART:
                kept.append(chunk)
        if xml is not None:
            xml.finish()
        if scan is not None:
            scan.finish()
            if scan.implicit:
                positions = _Positions(scan)
                for chunk, _ in inflate(fp, info, size):
                    deadline.check("解压检查")
                    positions.feed(chunk)
                positions.feed(b"", final=True)
            scan.check(limits)
        if keep:
            small[name] = b"".join(kept)


_WORKBOOK = "xl/workbook.xml"  # where a workbook's sheets are named (best effort: see below)
_SMALL_PARTS = ("[Content_Types].xml", _WORKBOOK, rels_name(_WORKBOOK))


_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ALLOWED_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be"}


class _XmlGuard:
    """Refuses any DTD (the billion-laughs and external-entity carriers: no real .xlsx has
    one) and any XML encoding a parser might not honour, streaming with a small overlap.

    ``xml``: the part is XML by its name or role, so it is always scanned; any other part
    is skipped only when its first bytes show it is not XML (an image, printer settings).
    """

    _HEAD = 512

    def __init__(self, name: str, xml: bool) -> None:
        self.name = name
        self.xml = xml
        self.pending: bytes | None = b""  # the first bytes, until there are enough to judge
        self.tail = b""
        self.utf16: Any = None
        self.active = True

    def feed(self, chunk: bytes) -> None:
        if self.pending is not None:
            self.pending += chunk
            if len(self.pending) < self._HEAD:
                return
            chunk, self.pending = self.pending, None
            self._prolog(chunk[: self._HEAD])
        if not self.active:
            return
        if self.utf16 is not None:
            chunk = self.utf16.decode(chunk).encode("utf-8")
        buf = self.tail + chunk
        pos = buf.find(b"<!")
        while pos >= 0:
            word = buf[pos + 2 : pos + 9].upper()
            if word.startswith((b"DOCTYPE", b"ENTITY")):
                raise unreadable(
                    f"部件 {self.name} 含有 DTD/实体声明，这是 XML 实体扩展攻击的特征，已拒绝读取"
                )
            pos = buf.find(b"<!", pos + 2)
        self.tail = buf[-16:]

    def finish(self) -> None:
        if self.pending is not None:
            head, self.pending = self.pending, None
            self._prolog(head)
            if self.active:
                self.feed(head)

    def _prolog(self, head: bytes) -> None:
        import codecs

        start = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
        if start and not start.startswith(b"<") and not self.xml:
            self.active = False  # not XML at all: no parser will read it
            return
        if head.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
            enc = "utf-16-be" if head.startswith((b"\xfe\xff", b"\x00<")) else "utf-16-le"
            self.utf16 = codecs.getincrementaldecoder(enc)(errors="replace")
            head = head.decode(enc, errors="replace").encode("utf-8")
        match = _XML_ENCODING.search(head)
        if match and match.group(1).decode("ascii").lower() not in _ALLOWED_ENCODINGS:
            enc = match.group(1).decode("ascii")
            raise unreadable(f"部件 {self.name} 使用了不支持的 XML 编码 {enc}")


_MAX_MATCH = 512  # longer than any tag matched below
_ROOT = re.compile(rb"<([A-Za-z_][\w.-]{0,20}:)?worksheet[\s>]")
_ANY_REF = rb'\s[^<>]{0,300}?\br="\$?([A-Za-z]{1,3})\$?([0-9]{1,10})"[^<>]{0,300}?(/?)>'


class _Patterns:
    """Tag patterns for one namespace prefix ("" or e.g. "x:"), literal-led so that they
    search fast: a 150 MB sheet scans in about a second."""

    def __init__(self, prefix: bytes) -> None:
        lt = b"<" + re.escape(prefix)
        self.row = re.compile(lt + rb"row[\s/>]")
        self.cell = re.compile(lt + rb"c[\s/>]")
        self.ref_first = re.compile(lt + rb'c r="([A-Z]{1,3})([0-9]{1,10})"[^/<>]{0,300}(/?)>')
        # every <row> and <c> tag in order, for sheets whose cells omit r=
        self.token = re.compile(lt + rb"(row|c)(?=[\s/>])([^<>]*)>")
        self.ref_any = re.compile(lt + rb"c" + _ANY_REF)
        self.merge = re.compile(
            lt + rb'mergeCell\s[^<>]{0,100}?\bref="\$?([A-Za-z]{1,3})\$?([0-9]{1,10})'
            rb'(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,10}))?"'
        )
        self.merge_word = prefix + b"mergeCell"


class _SheetScan:
    """Counts a worksheet's rows and cells and the area its cells and merges span, as it
    streams by. Every pattern starts with ``<`` and holds no other ``<``, so cutting each
    buffer at its last ``<`` means no match is split or counted twice."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows = 0
        self.cells = 0
        self.min_row = self.min_col = 1 << 30
        self.max_row = self.max_col = 0
        self.merged = 0
        self.tail = b""
        self.patterns: _Patterns | None = None
        self.implicit = False  # some cell has no r= attribute

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buf = self.tail + chunk
        if self.patterns is None:
            root = _ROOT.search(buf, 0, 64 * 1024)
            if root is None and len(buf) < 64 * 1024 and not final:
                self.tail = buf  # the root element has not come by yet
                return
            self.patterns = _Patterns(root.group(1) or b"" if root else b"")
        pat = self.patterns
        cut = len(buf) if final else buf.rfind(b"<")
        if cut < 0 or len(buf) - cut > _MAX_MATCH:
            cut = len(buf)  # nothing that starts at the last "<" can reach past the end
        self.rows += len(pat.row.findall(buf, 0, cut))
        cells = len(pat.cell.findall(buf, 0, cut))
        self.cells += cells
        refs = pat.ref_first.findall(buf, 0, cut)
        if len(refs) < cells:  # some cell has another attribute before r=, or none
            refs = pat.ref_any.findall(buf, 0, cut)
            if len(refs) < cells:
                self.implicit = True  # positions must be counted: see _Positions
        # a self-closing <c .../> holds no value (only a style): no reader spans it
        row_refs = {r for _, r, empty in refs if not empty}
        if row_refs:
            rows = [int(r) for r in row_refs]
            cols = [col_index(c) for c in {c for c, _, empty in refs if not empty}]
            self.min_row = min(self.min_row, *rows)
            self.max_row = max(self.max_row, *rows)
            self.min_col = min(self.min_col, *cols)
            self.max_col = max(self.max_col, *cols)
        if pat.merge_word in buf:
            for c1, r1, c2, r2 in pat.merge.findall(buf, 0, cut):
                if c2:
                    height = abs(int(r2) - int(r1)) + 1
                    self.merged += height * (abs(col_index(c2) - col_index(c1)) + 1)
        self.tail = buf[cut:]

    def finish(self) -> None:
        self.feed(b"", final=True)

    def include(self, row: int, col: int) -> None:
        self.min_row, self.max_row = min(self.min_row, row), max(self.max_row, row)
        self.min_col, self.max_col = min(self.min_col, col), max(self.max_col, col)

    @property
    def area(self) -> int:
        if not self.max_row:
            return 0
        return (self.max_row - self.min_row + 1) * (self.max_col - self.min_col + 1)

    def check(self, limits: Limits) -> None:
        sheet = self.name
        label = f"工作表“{sheet}”"
        if self.max_row > EXCEL_MAX_ROW or self.max_col > EXCEL_MAX_COL:
            raise unreadable(f"{label}的单元格地址超出 Excel 的范围，文件损坏或被篡改")
        if self.rows > limits.max_rows:
            raise LimitExceeded("max_rows", f"{label}有 {self.rows:,} 行", limits, sheet)
        if self.cells > limits.max_cells:
            found = f"{label}有 {self.cells:,} 个单元格"
            raise LimitExceeded("max_cells", found, limits, sheet)
        if self.area > limits.max_cells:
            span = f"{a1(self.min_row, self.min_col)}:{a1(self.max_row, self.max_col)}"
            found = f"{label}的单元格分布在 {span}（{self.area:,} 个单元格的区域）"
            raise LimitExceeded("max_cells", found, limits, sheet)
        if self.merged > limits.max_merged_cells:
            found = f"{label}的合并单元格共 {self.merged:,} 个单元格"
            raise LimitExceeded("max_merged_cells", found, limits, sheet)


class _Positions:
    """The slow, exact path for a sheet whose cells omit ``r=``: walk every <row> and <c>
    tag in order and place each cell as readers do (the next column, or the next row), so
    that a value placed implicitly at row 1,048,576 is seen. Legal but rare; only such a
    sheet pays for a second inflate and a Python step per tag."""

    _ROW_R = re.compile(rb'\br\s*=\s*"([0-9]+)"')
    _CELL_R = re.compile(rb'\br\s*=\s*"\$?([A-Za-z]+)\$?([0-9]+)"')

    def __init__(self, scan: _SheetScan) -> None:
        self.scan = scan
        self.token = (scan.patterns or _Patterns(b"")).token
        self.row = 0
        self.col = 0
        self.tail = b""

    def feed(self, chunk: bytes, final: bool = False) -> None:
        buf = self.tail + chunk
        cut = len(buf) if final else buf.rfind(b"<")
        if cut < 0 or len(buf) - cut > _MAX_MATCH:
            cut = len(buf)
        for tag, attrs in self.token.findall(buf, 0, cut):
            if tag == b"row":
                m = self._ROW_R.search(attrs)
                self.row = int(m.group(1)) if m else self.row + 1
                self.col = 0
                continue
            m = self._CELL_R.search(attrs)
            if m:
                self.row, self.col = int(m.group(2)), col_index(m.group(1))
            else:
                self.col += 1
            if not attrs.endswith(b"/"):  # a self-closing cell holds no value
                self.scan.include(max(self.row, 1), self.col)
        self.tail = buf[cut:]


def _sheet_titles(small: dict[str, bytes]) -> dict[str, str]:
    """Worksheet part (lower case) -> sheet name (best effort; the DTD check ran first)."""
    from defusedxml import ElementTree as SafeET

    try:
        book = SafeET.fromstring(small.get(_WORKBOOK, b""))
        rels = SafeET.fromstring(small.get(rels_name(_WORKBOOK), b""))
    except Exception:
        return {}
    targets = {
        rel.get("Id"): resolve_target(_WORKBOOK, rel.get("Target", "")).lower() for rel in rels
    }
    titles = {}
    rid = f"{{{NS_DOCREL}}}id"
    for el in book.iter():
        if el.tag.endswith("}sheet") and el.get(rid) in targets:
            titles[targets[el.get(rid)]] = el.get("name", "")
    return titles
