"""The file on disk and its zip container, before any spreadsheet library sees it.

``sniff`` looks at the bytes on disk (a regular file within the size limit, a zip by its
first bytes; an encrypted or old Office file, a PDF, a renamed CSV named as what it is);
``open_container`` reads the zip directory before anything is inflated (member count,
names, the kind of package, declared sizes and ratios, encryption flags, macros);
``Inflater`` streams members under the caps (declared size, total, ratio, time), so a
zip bomb costs at most the cap. ``resolve_target`` resolves a relationship's target to a
part name. Both ``preflight`` (every member, for the libraries that parse the whole
package themselves) and ``package.Package`` (only the parts the reader parses, once) are
built on these.
"""

from __future__ import annotations

import contextlib
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import IO, Any

from toolkit.xlsx.limits import (
    MB,
    Deadline,
    FileProblem,
    LimitExceeded,
    Limits,
    show_size,
    unreadable,
    wrong_format,
)

# Suffixes of other spreadsheet formats, named for the clerk: never read, always "save as
# .xlsx" (check reports such a file, a folder's search takes it, preflight refuses it).
OTHER_SPREADSHEET_SUFFIXES: dict[str, str] = {
    ".xls": "Excel 97-2003 工作簿（.xls）",
    ".xlsm": "启用宏的工作簿（.xlsm）",
    ".xltx": "Excel 模板（.xltx）",
    ".xltm": "启用宏的模板（.xltm）",
    ".xlam": "Excel 加载项（.xlam）",
    ".xlsb": "Excel 二进制工作簿（.xlsb）",
    ".et": "WPS 表格文件（.et）",
    ".ett": "WPS 表格模板（.ett）",
    ".ods": "OpenDocument 表格（.ods）",
    ".csv": "CSV 文本文件（.csv）",
}


NS_DOCREL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RATIO_FLOOR = 16 * MB  # below this a member may compress as well as it likes
SMALL_PART = 8 * MB  # workbook.xml, rels, content types, properties: never larger in practice
_READ_CHUNK = 256 * 1024  # compressed bytes read at a time
_OUT_CHUNK = 1 * MB  # inflated bytes produced at a time


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


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Turn what a damaged or unreadable file raises into a ``FileProblem``."""
    try:
        yield
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, NotImplementedError):
        raise unreadable("压缩包结构损坏") from None
    except PermissionError:
        raise unreadable("没有读取权限") from None
    except OSError as exc:  # a failing disk or network share: say so, keep the batch going
        raise unreadable(f"读取出错：{exc.strerror or exc}") from None


def sniff(path: Path, limits: Limits) -> int:
    """The file on disk: a regular, non-empty file within the size limit, and an .xlsx
    package by its first bytes (an encrypted or old Office file, a PDF ... otherwise).
    Returns its size."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise unreadable("文件不存在") from None
    if not stat.S_ISREG(st.st_mode):  # a folder, a pipe or a device never opens as a file
        raise unreadable("不是普通文件")
    if st.st_size == 0:
        raise unreadable("文件为空，0 字节")
    if st.st_size > limits.max_file_bytes:
        raise LimitExceeded("max_file_bytes", f"文件大小 {show_size(st.st_size)}", limits)
    with path.open("rb") as fp:
        head = fp.read(4096)
    if head.startswith(CFB_MAGIC):
        _check_cfb(path)
    if not (head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")):
        raise wrong_format(_sniff(head))
    return int(st.st_size)


def suffix_check(path: Path) -> None:
    """A workbook saved with another program's suffix is refused by its name too."""
    suffix = path.suffix.lower()
    if suffix in OTHER_SPREADSHEET_SUFFIXES:
        raise wrong_format(f"{OTHER_SPREADSHEET_SUFFIXES[suffix]}，按扩展名")


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
        raise unreadable("旧版 Office 复合文件已损坏") from None
    with contextlib.closing(ole):
        streams = {"/".join(p).lower() for p in ole.listdir(streams=True, storages=True)}
        if "encryptioninfo" in streams or "encryptedpackage" in streams:
            raise FileProblem("encrypted")
        if "workbook" in streams or "book" in streams:
            name = "workbook" if "workbook" in streams else "book"
            if _biff_has_filepass(ole, name):
                raise FileProblem("encrypted")
            raise wrong_format(OTHER_SPREADSHEET_SUFFIXES[".xls"])
        if "worddocument" in streams:
            raise wrong_format("Word 97-2003 文档（.doc）")
        if "powerpoint document" in streams:
            raise wrong_format("PowerPoint 97-2003 演示文稿（.ppt）")
    raise wrong_format("Office 97-2003 复合文件（不是工作簿）")


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
        raise unreadable("找不到压缩包目录，文件不完整或已损坏，可能是下载或拷贝中断") from None
    infos = zf.infolist()
    if len(infos) > limits.max_zip_members:
        raise LimitExceeded("max_zip_members", f"压缩包有 {len(infos):,} 个成员", limits)
    names = {i.filename for i in infos}
    if len(names) != len(infos):
        raise unreadable("压缩包中有重复的成员名")
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
        raise unreadable("缺少 [Content_Types].xml")
    types = zf.getinfo("[Content_Types].xml")
    if types.file_size > SMALL_PART:
        raise LimitExceeded("max_uncompressed_bytes", "[Content_Types].xml 过大", limits)
    if _CT_MACRO.search(read_member(fp, types, size)):
        raise wrong_format(OTHER_SPREADSHEET_SUFFIXES[".xlsm"])
    return zf


def _classify_package(names: set[str]) -> None:
    """Say what a zip that is not an .xlsx workbook is (checked before inflating anything)."""
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") for n in lowered):
        raise wrong_format(f"{OTHER_SPREADSHEET_SUFFIXES['.xlsm']}，含 VBA 宏")
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in lowered:
        raise wrong_format("Excel 二进制工作簿（.xlsb）")
    if "mimetype" in lowered and "content.xml" in lowered:
        raise wrong_format("OpenDocument 文件（.ods 等）")
    if "word/document.xml" in lowered:
        raise wrong_format("Word 文档（.docx）")
    if "ppt/presentation.xml" in lowered:
        raise wrong_format("PowerPoint 演示文稿（.pptx）")
    if "xl/workbook.xml" in lowered:
        raise unreadable("工作簿部件名大小写不规范")
    raise wrong_format("不含 Excel 工作簿的 zip 压缩包")


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
    """Inflate one member from the raw file: yields (inflated chunk, compressed bytes
    consumed so far), at most ``_OUT_CHUNK`` at a time, and never more than the member
    declares: one that inflates past its declared size is refused with the chunk that
    passes it (so a small part that lies costs at most one chunk more than it says), one
    that ends short or fails its CRC when it ends."""
    produced = 0
    for chunk, consumed in _inflate_stream(fp, info, size):
        produced += len(chunk)
        if produced > info.file_size:
            raise unreadable(f"成员 {info.filename} 实际解压大小超过声明大小，文件损坏或被篡改")
        yield chunk, consumed
    if produced != info.file_size:
        raise unreadable(f"成员 {info.filename} 实际大小与声明不符，文件损坏或被篡改")


def _inflate_stream(fp: IO[bytes], info: zipfile.ZipInfo, size: int) -> Iterator[tuple[bytes, int]]:
    """The member's stored or deflated bytes as they inflate, whatever it declares,
    checked by its CRC at the end."""
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        raise unreadable(f"成员 {info.filename} 的本地文件头损坏")
    name_len, extra_len = struct.unpack_from("<HH", header, 26)
    start = info.header_offset + 30 + name_len + extra_len
    remaining = info.compress_size
    if start + remaining > size:
        raise unreadable(f"成员 {info.filename} 的数据不完整，文件被截断")
    fp.seek(start)
    crc = 0
    consumed = 0
    if info.compress_type == zipfile.ZIP_STORED:
        while remaining:
            buf = fp.read(min(_OUT_CHUNK, remaining))
            if not buf:
                raise unreadable(f"成员 {info.filename} 的数据不完整，文件被截断")
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
                    raise unreadable(f"成员 {info.filename} 的压缩数据不完整")
                buf = fp.read(min(_READ_CHUNK, remaining))
                if not buf:
                    raise unreadable(f"成员 {info.filename} 的数据不完整，文件被截断")
                remaining -= len(buf)
                consumed += len(buf)
            try:
                out = d.decompress(buf, _OUT_CHUNK)
            except zlib.error:
                raise unreadable(f"成员 {info.filename} 的压缩数据损坏") from None
            if out:
                crc = zlib.crc32(out, crc)
                yield out, consumed
            elif not d.eof and d.unconsumed_tail == buf:
                raise unreadable(f"成员 {info.filename} 的压缩数据损坏")
    else:  # ISO/IEC 29500-2 allows only stored and deflate
        raise unreadable(f"成员 {info.filename} 使用了 .xlsx 不允许的压缩方式")
    if crc != info.CRC:
        raise unreadable(f"成员 {info.filename} 校验失败，CRC 不符，文件已损坏")


class Inflater:
    """Streams the members of one package under the limits: each no larger than it says
    (``inflate``), all together within ``max_uncompressed_bytes``, each within the
    compression ratio once past ``RATIO_FLOOR``, and all of it within the file's
    ``Deadline``."""

    def __init__(
        self, fp: IO[bytes], size: int, limits: Limits, deadline: Deadline, doing: str
    ) -> None:
        self.fp, self.size, self.limits, self.deadline = fp, size, limits, deadline
        self.doing = doing  # what the time limit's message says was being done
        self.inflated = 0  # bytes inflated so far, of every member

    def chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """One member's bytes as they inflate, counted against the limits."""
        name, limits = info.filename, self.limits
        produced = 0
        with guarded():  # inflate itself holds each member to its declared size
            for chunk, consumed in inflate(self.fp, info, self.size):
                self.deadline.check(self.doing)
                produced += len(chunk)
                self.inflated += len(chunk)
                if self.inflated > limits.max_uncompressed_bytes:
                    found = f"解压后实际大小超过 {show_size(limits.max_uncompressed_bytes)}"
                    raise LimitExceeded("max_uncompressed_bytes", found, limits)
                ratio = produced / max(consumed, 1)
                if produced > RATIO_FLOOR and ratio > limits.max_compression_ratio:
                    found = f"成员 {name} 的压缩比达到 {ratio:,.0f} 倍"
                    raise LimitExceeded("max_compression_ratio", found, limits)
                yield chunk


def rels_name(part: str) -> str:
    """The relationships part of ``part`` ("" for the package's own, ``_rels/.rels``)."""
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


@lru_cache(maxsize=1024)
def resolve_target(base: str, target: str) -> str:
    """A relationship's target, relative to the part ``base`` ("" for the package's own
    relationships), as a part name: ``("xl/workbook.xml", "worksheets/sheet1.xml")`` ->
    ``xl/worksheets/sheet1.xml``; an absolute target is taken from the package root."""
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
