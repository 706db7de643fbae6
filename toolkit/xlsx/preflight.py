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

The reader does not need the full scan: ``sniff`` (the bytes on disk) and
``open_container`` (the zip directory, before anything is inflated) are cheap, and
``inflate`` streams one member under the caps, so the reader inflates only the parts it
parses, once. ``preflight`` runs all of it over every member, for the libraries that
parse the whole package themselves (openpyxl for a catalogue import or an annotated
copy).

The reader relies on this: after ``preflight(path)`` returns ``[]`` the file is a real
``.xlsx`` (not encrypted, no macros, no DTD), its members inflate to no more than
``max_uncompressed_bytes``, every worksheet has at most ``max_rows`` rows, and the cells of
every worksheet (and its merged ranges) span at most ``max_cells`` cells. The sheet's
``<dimension>`` element is NOT checked: Excel writes large dimensions for formatted sheets,
so a reader must never allocate by it. Text length (``max_text_length``) and per-file
time beyond preflight are for the reader to enforce, with ``Deadline`` and ``exceeded``.
"""

from __future__ import annotations

import contextlib
import re
import stat
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO, Any

from toolkit.issues import a1

MB = 1024 * 1024

# Suffixes of other spreadsheet formats: never read, always "save as .xlsx".
OTHER_SPREADSHEET_SUFFIXES: dict[str, str] = {
    ".xls": "Excel 97-2003 工作簿（.xls）",
    ".xlsm": "启用宏的工作簿（.xlsm）",
    ".xltm": "启用宏的模板（.xltm）",
    ".xlam": "Excel 加载项（.xlam）",
    ".xlsb": "Excel 二进制工作簿（.xlsb）",
    ".et": "WPS 表格文件（.et）",
    ".ett": "WPS 表格模板（.ett）",
    ".ods": "OpenDocument 表格（.ods）",
    ".csv": "CSV 文本文件（.csv）",
}


@dataclass(frozen=True)
class Limits:
    """Safety limits for one file; defaults let a real 200,000-row submission through.

    A 200,000-row x 13-column submission is about 40-60 MB of sheet XML and a few MB
    compressed, so the defaults leave wide headroom while keeping memory and time bounded.
    """

    max_file_bytes: int = 100 * MB  # the file on disk (compressed)
    max_uncompressed_bytes: int = 512 * MB  # all members, declared and actually inflated
    max_compression_ratio: float = 200.0  # per member, once it inflates past RATIO_FLOOR
    max_rows: int = 500_000  # <row> elements in any worksheet
    max_cells: int = 10_000_000  # cells in a worksheet, and the area they span
    max_seconds: float = 120.0  # wall time per file
    max_text_length: int = 32_767  # Excel's own cell maximum; longer text is an issue
    max_zip_members: int = 10_000  # a real workbook has a few dozen parts
    # merged ranges: openpyxl (the annotated copy) makes an object per merged cell, about
    # 25 s and 330 MB per million; a real form merges a title row and a few notes
    max_merged_cells: int = 100_000

    def __post_init__(self) -> None:
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"限值 {f.name} 必须为正数：{getattr(self, f.name)!r}")

    @classmethod
    def from_options(
        cls,
        *,
        max_file_mb: float | None = None,
        max_uncompressed_mb: float | None = None,
        max_compression_ratio: float | None = None,
        max_rows: int | None = None,
        max_cells: int | None = None,
        timeout: float | None = None,
        max_text_length: int | None = None,
        base: Limits | None = None,
    ) -> Limits:
        """Limits from CLI-style options (MB, seconds); ``None`` keeps the default."""
        changes: dict[str, Any] = {}
        if max_file_mb is not None:
            changes["max_file_bytes"] = int(max_file_mb * MB)
        if max_uncompressed_mb is not None:
            changes["max_uncompressed_bytes"] = int(max_uncompressed_mb * MB)
        if max_compression_ratio is not None:
            changes["max_compression_ratio"] = float(max_compression_ratio)
        if max_rows is not None:
            changes["max_rows"] = int(max_rows)
        if max_cells is not None:
            changes["max_cells"] = int(max_cells)
        if timeout is not None:
            changes["max_seconds"] = float(timeout)
        if max_text_length is not None:
            changes["max_text_length"] = int(max_text_length)
        return replace(base or cls(), **changes)

    def show(self, name: str) -> str:
        """A limit's value as a person reads it, e.g. ``512 MB`` or ``500,000 行``."""
        value = getattr(self, name)
        if name.endswith("_bytes"):
            return show_size(value)
        unit = {
            "max_compression_ratio": " 倍",
            "max_rows": " 行",
            "max_cells": " 个单元格",
            "max_seconds": " 秒",
            "max_text_length": " 个字符",
            "max_zip_members": " 个成员",
            "max_merged_cells": " 个单元格",
        }[name]
        return f"{value:,g}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


DEFAULT_LIMITS = Limits()
RATIO_FLOOR = 16 * MB  # below this a member may compress as well as it likes
_READ_CHUNK = 256 * 1024  # compressed bytes read at a time
_OUT_CHUNK = 1 * MB  # inflated bytes produced at a time
_SMALL_PART = 8 * MB  # parts kept for parsing (workbook.xml, rels, content types)


class FileProblem(Exception):
    """Why a file cannot be read at all. ``kind`` is ``unreadable``, ``encrypted``,
    ``format`` (not an .xlsx workbook) or ``limit`` (a safety limit, named by ``limit``);
    ``detail`` says it in Chinese for the clerk."""

    def __init__(self, kind: str, detail: str = "", *, limit: str = "", sheet: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        self.limit = limit
        self.sheet = sheet


class LimitExceeded(FileProblem):
    """A safety limit was hit; the detail names it and its value."""

    def __init__(self, limit: str, found: str, limits: Limits, sheet: str = "") -> None:
        super().__init__("limit", _limit_detail(limit, found, limits), limit=limit, sheet=sheet)
        self.found = found
        self.limits = limits


class Deadline:
    """A cheap per-file wall-time guard: call ``check()`` between units of work."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.end = self.started + limits.max_seconds

    def expired(self) -> bool:
        return time.monotonic() > self.end

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self, doing: str = "处理") -> None:
        if time.monotonic() > self.end:
            spent = time.monotonic() - self.started
            raise LimitExceeded("max_seconds", f"{doing}用时 {spent:.1f} 秒", self.limits)


def _limit_detail(limit: str, found: str, limits: Limits) -> str:
    return f"{found}，超过上限 {limits.show(limit)}（{limit}）"


def show_size(n: float) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):,.1f} GB"
    if n >= MB:
        return f"{n / MB:,.0f} MB" if n % MB == 0 else f"{n / MB:,.1f} MB"
    return f"{n:,.0f} 字节"


# -- what a non-zip file looks like ---------------------------------------------------------
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGICS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF 文档"),
    (b"{\\rtf", "RTF 文档"),
    (b"\x89PNG", "PNG 图片"),
    (b"\xff\xd8\xff", "JPEG 图片"),
    (b"GIF8", "GIF 图片"),
    (b"Rar!", "RAR 压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z 压缩包"),
    (b"\x1f\x8b", "gzip 压缩包"),
    (b"MZ", "Windows 可执行程序"),
    (b"\x7fELF", "可执行程序"),
    (b"\x09\x08", "Excel 2.x-4.0 工作表"),
)


def _unreadable(detail: str) -> FileProblem:
    return FileProblem("unreadable", detail)


def _format(detail: str) -> FileProblem:
    return FileProblem("format", detail)


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


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Turn what a damaged or unreadable file raises into a ``FileProblem``."""
    try:
        yield
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, NotImplementedError):
        raise _unreadable("压缩包结构损坏") from None
    except PermissionError:
        raise _unreadable("没有读取权限") from None
    except OSError as exc:  # a failing disk or network share: say so, keep the batch going
        raise _unreadable(f"读取出错：{exc.strerror or exc}") from None


def sniff(path: Path, limits: Limits) -> int:
    """The file on disk: a regular, non-empty file within the size limit, and an .xlsx
    package by its first bytes (an encrypted or old Office file, a PDF ... otherwise).
    Returns its size."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise _unreadable("文件不存在") from None
    if not stat.S_ISREG(st.st_mode):  # a folder, a pipe or a device never opens as a file
        raise _unreadable("不是普通文件")
    if st.st_size == 0:
        raise _unreadable("文件为空，0 字节")
    if st.st_size > limits.max_file_bytes:
        raise LimitExceeded("max_file_bytes", f"文件大小 {show_size(st.st_size)}", limits)
    with path.open("rb") as fp:
        head = fp.read(4096)
    if head.startswith(CFB_MAGIC):
        _check_cfb(path)
    if not (head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")):
        raise _format(_sniff(head))
    return int(st.st_size)


def suffix_check(path: Path) -> None:
    """A workbook saved with another program's suffix is refused by its name too."""
    suffix = path.suffix.lower()
    if suffix in OTHER_SPREADSHEET_SUFFIXES:
        raise _format(f"{OTHER_SPREADSHEET_SUFFIXES[suffix]}，按扩展名")


def _sniff(head: bytes) -> str:
    """Name what a non-zip, non-CFB file looks like, for the clerk's message."""
    for magic, name in _MAGICS:
        if head.startswith(magic):
            return name
    text = _as_text(head)
    if text is None:
        return "无法识别的二进制数据"
    lowered = text.lstrip().lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in lowered or "excel.sheet" in lowered:
        return "Excel 2003 XML 表格"
    if lowered.startswith(("<!doctype html", "<html", "<table", "<meta")) or "<html" in lowered:
        return "网页（HTML）文件，常见于系统导出的“假 .xls”"
    if lowered.startswith("<?xml") or lowered.startswith("<"):
        return "XML 文本文件"
    if not text.strip():
        return "只含空白的文本文件"
    first = text.splitlines()[0] if text.splitlines() else text
    if any(sep in first for sep in (",", "\t", ";", "，")):
        return "CSV/文本文件"
    return "纯文本文件"


def _as_text(head: bytes) -> str | None:
    """Decode a file's first bytes as text if they plausibly are text."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for enc in encodings:
        try:
            text = head.decode(enc)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # only a character cut at the end is forgiven
                continue
            text = head[: exc.start].decode(enc)
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
        if text and controls <= len(text) // 100:
            return text
    return None


# -- compound files (.xls, encrypted .xlsx) ------------------------------------------------
def _check_cfb(path: Path) -> None:
    """An OLE compound file: an encrypted OOXML package, an old .xls, or something else."""
    import olefile

    try:
        ole = olefile.OleFileIO(str(path))
    except Exception:  # olefile raises plain Exceptions on corrupt headers
        raise _unreadable("旧版 Office 复合文件已损坏") from None
    with contextlib.closing(ole):
        streams = {"/".join(p).lower() for p in ole.listdir(streams=True, storages=True)}
        if "encryptioninfo" in streams or "encryptedpackage" in streams:
            raise FileProblem("encrypted")
        if "workbook" in streams or "book" in streams:
            name = "workbook" if "workbook" in streams else "book"
            if _biff_has_filepass(ole, name):
                raise FileProblem("encrypted")
            raise _format("Excel 97-2003 工作簿（.xls）")
        if "worddocument" in streams:
            raise _format("Word 97-2003 文档（.doc）")
        if "powerpoint document" in streams:
            raise _format("PowerPoint 97-2003 演示文稿（.ppt）")
    raise _format("Office 97-2003 复合文件（不是工作簿）")


def _biff_has_filepass(ole: Any, name: str) -> bool:
    """An .xls with an open password has a FILEPASS record in its globals substream."""
    try:
        with contextlib.closing(ole.openstream(name)) as stream:
            data = stream.read(256 * 1024)
    except Exception:
        return False
    pos = 0
    while pos + 4 <= len(data):
        rtype, size = struct.unpack_from("<HH", data, pos)
        if rtype == 0x002F:  # FILEPASS
            return True
        if rtype == 0x000A:  # EOF of the globals substream
            return False
        pos += 4 + size
    return False


# -- zip containers ------------------------------------------------------------------------
_CT_MACRO = re.compile(rb"macroenabled", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ALLOWED_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "utf-16le", "utf-16be"}


def open_container(fp: IO[bytes], size: int, limits: Limits) -> zipfile.ZipFile:
    """The zip directory, checked before anything is inflated: member count, names,
    what kind of package it is, declared sizes and ratios, encryption flags."""
    members = _central_directory_count(fp, size)
    if members is not None and members > limits.max_zip_members:
        raise LimitExceeded("max_zip_members", f"压缩包有 {members:,} 个成员", limits)
    fp.seek(0)
    try:
        zf = zipfile.ZipFile(fp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise _unreadable("找不到压缩包目录，文件不完整或已损坏，可能是下载或拷贝中断") from None
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise LimitExceeded("max_zip_members", f"压缩包有 {len(infos):,} 个成员", limits)
    names = {i.filename for i in infos}
    if len(names) != len(infos):
        raise _unreadable("压缩包中有重复的成员名")
    _classify_package(names)
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        found = f"解压后声明大小 {show_size(declared)}"
        raise LimitExceeded("max_uncompressed_bytes", found, limits)
    for info in infos:
        if info.flag_bits & 0x1:
            raise FileProblem("encrypted")
        if info.file_size > RATIO_FLOOR and (
            info.compress_size == 0
            or info.file_size / info.compress_size > limits.max_compression_ratio
        ):
            ratio = info.file_size / max(info.compress_size, 1)
            found = f"成员 {info.filename} 声明的压缩比 {ratio:,.0f} 倍"
            raise LimitExceeded("max_compression_ratio", found, limits)
    if "[Content_Types].xml" not in names:
        raise _unreadable("缺少 [Content_Types].xml")
    types = zf.getinfo("[Content_Types].xml")
    if types.file_size > _SMALL_PART:
        raise LimitExceeded("max_uncompressed_bytes", "[Content_Types].xml 过大", limits)
    if _CT_MACRO.search(read_member(fp, types, size)):
        raise _format("启用宏的工作簿（.xlsm）")
    return zf


def _scan_members(
    fp: IO[bytes], zf: zipfile.ZipFile, size: int, limits: Limits, deadline: Deadline
) -> None:
    """Inflate every member under the caps: DTDs, real sizes and ratios, sheet extents."""
    infos = zf.infolist()
    small: dict[str, bytes] = {}
    titles: dict[str, str] | None = None
    total = 0
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
        for chunk, consumed in inflate(fp, info, size):
            deadline.check("解压检查")
            produced += len(chunk)
            total += len(chunk)
            if total > limits.max_uncompressed_bytes:
                found = f"解压后实际大小超过 {show_size(limits.max_uncompressed_bytes)}"
                raise LimitExceeded("max_uncompressed_bytes", found, limits)
            if produced > info.file_size:
                raise _unreadable(f"成员 {name} 实际解压大小超过声明大小，文件损坏或被篡改")
            if (
                produced > RATIO_FLOOR
                and produced / max(consumed, 1) > limits.max_compression_ratio
            ):
                ratio = produced / max(consumed, 1)
                found = f"成员 {name} 的压缩比达到 {ratio:,.0f} 倍"
                raise LimitExceeded("max_compression_ratio", found, limits)
            if xml is not None:
                xml.feed(chunk)
            if scan is not None:
                scan.feed(chunk)
                scan.check(limits)
            if keep and produced <= _SMALL_PART:
                kept.append(chunk)
        if produced != info.file_size:
            raise _unreadable(f"成员 {name} 实际大小与声明不符，文件损坏或被篡改")
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


_SMALL_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _classify_package(names: set[str]) -> None:
    """Say what a zip that is not an .xlsx workbook is (checked before inflating anything)."""
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lowered):
        raise _format("启用宏的工作簿（.xlsm），含 VBA 宏")
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in lowered:
        raise _format("Excel 二进制工作簿（.xlsb）")
    if "mimetype" in lowered and "content.xml" in lowered:
        raise _format("OpenDocument 文件（.ods 等）")
    if "word/document.xml" in lowered:
        raise _format("Word 文档（.docx）")
    if "ppt/presentation.xml" in lowered:
        raise _format("PowerPoint 演示文稿（.pptx）")
    if "xl/workbook.xml" in lowered:
        raise _unreadable("工作簿部件名大小写不规范")
    raise _format("不含 Excel 工作簿的 zip 压缩包")


def _central_directory_count(fp: IO[bytes], size: int) -> int | None:
    """Members announced by the end-of-central-directory record, read before zipfile
    builds one object per member (a crafted directory could announce millions)."""
    tail_len = min(size, 22 + 65535)
    fp.seek(size - tail_len)
    tail = fp.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    count = struct.unpack_from("<H", tail, pos + 10)[0]
    if count != 0xFFFF:
        return int(count)
    loc = tail.rfind(b"PK\x06\x07", 0, pos)  # zip64 locator -> zip64 end record
    if loc < 0:
        return None
    offset = struct.unpack_from("<Q", tail, loc + 8)[0]
    if offset + 56 > size:
        return None
    fp.seek(offset)
    rec = fp.read(56)
    if not rec.startswith(b"PK\x06\x06"):
        return None
    return int(struct.unpack_from("<Q", rec, 32)[0])


def read_member(fp: IO[bytes], info: zipfile.ZipInfo, size: int) -> bytes:
    """One (small) member, inflated under its declared size and checked by its CRC."""
    return b"".join(chunk for chunk, _ in inflate(fp, info, size))


def inflate(fp: IO[bytes], info: zipfile.ZipInfo, size: int) -> Iterator[tuple[bytes, int]]:
    """Inflate one member from the raw file, ignoring its declared size: yields
    (inflated chunk, compressed bytes consumed so far), at most ``_OUT_CHUNK`` at a time."""
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise _unreadable(f"成员 {info.filename} 的本地文件头损坏")
    name_len, extra_len = struct.unpack_from("<HH", header, 26)
    start = info.header_offset + 30 + name_len + extra_len
    remaining = info.compress_size
    if start + remaining > size:
        raise _unreadable(f"成员 {info.filename} 的数据不完整，文件被截断")
    fp.seek(start)
    crc = 0
    consumed = 0
    if info.compress_type == zipfile.ZIP_STORED:
        while remaining:
            buf = fp.read(min(_OUT_CHUNK, remaining))
            if not buf:
                raise _unreadable(f"成员 {info.filename} 的数据不完整，文件被截断")
            remaining -= len(buf)
            consumed += len(buf)
            crc = zlib.crc32(buf, crc)
            yield buf, consumed
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        d = zlib.decompressobj(-15)
        while not d.eof:
            if d.unconsumed_tail:
                buf = d.unconsumed_tail
            else:
                if not remaining:
                    raise _unreadable(f"成员 {info.filename} 的压缩数据不完整")
                buf = fp.read(min(_READ_CHUNK, remaining))
                if not buf:
                    raise _unreadable(f"成员 {info.filename} 的数据不完整，文件被截断")
                remaining -= len(buf)
                consumed += len(buf)
            try:
                out = d.decompress(buf, _OUT_CHUNK)
            except zlib.error:
                raise _unreadable(f"成员 {info.filename} 的压缩数据损坏") from None
            if out:
                crc = zlib.crc32(out, crc)
                yield out, consumed
            elif not d.eof and d.unconsumed_tail == buf:
                raise _unreadable(f"成员 {info.filename} 的压缩数据损坏")
    else:  # ISO/IEC 29500-2 allows only stored and deflate
        raise _unreadable(f"成员 {info.filename} 使用了 .xlsx 不允许的压缩方式")
    if crc != info.CRC:
        raise _unreadable(f"成员 {info.filename} 校验失败，CRC 不符，文件已损坏")


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
                raise _unreadable(
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
            raise _unreadable(f"部件 {self.name} 使用了不支持的 XML 编码 {enc}")


_MAX_MATCH = 512  # longer than any tag matched below
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
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


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


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
            cols = [_col(c) for c in {c for c, _, empty in refs if not empty}]
            self.min_row = min(self.min_row, *rows)
            self.max_row = max(self.max_row, *rows)
            self.min_col = min(self.min_col, *cols)
            self.max_col = max(self.max_col, *cols)
        if pat.merge_word in buf:
            for c1, r1, c2, r2 in pat.merge.findall(buf, 0, cut):
                if c2:
                    height = abs(int(r2) - int(r1)) + 1
                    self.merged += height * (abs(_col(c2) - _col(c1)) + 1)
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
        if self.max_row > EXCEL_ROWS or self.max_col > EXCEL_COLUMNS:
            raise _unreadable(f"{label}的单元格地址超出 Excel 的范围，文件损坏或被篡改")
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
                self.row, self.col = int(m.group(2)), _col(m.group(1))
            else:
                self.col += 1
            if not attrs.endswith(b"/"):  # a self-closing cell holds no value
                self.scan.include(max(self.row, 1), self.col)
        self.tail = buf[cut:]


def _sheet_titles(small: dict[str, bytes]) -> dict[str, str]:
    """Worksheet part (lower case) -> sheet name (best effort; the DTD check ran first)."""
    import posixpath

    from defusedxml import ElementTree as SafeET

    try:
        book = SafeET.fromstring(small.get("xl/workbook.xml", b""))
        rels = SafeET.fromstring(small.get("xl/_rels/workbook.xml.rels", b""))
    except Exception:
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = posixpath.normpath(part).lower()
    titles = {}
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    for el in book.iter():
        if el.tag.endswith("}sheet") and el.get(rid) in targets:
            titles[targets[el.get(rid)]] = el.get("name", "")
    return titles
