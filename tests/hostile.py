"""The hostile-input corpus, generated in code: broken, wrong and crafted workbooks.

Every case is a function ``case(path) -> Path`` that writes one file and returns its path
(the path may be renamed, e.g. to ``.xls``), so a test can build the whole corpus in
``tmp_path`` in a second or two. Nothing here is committed as a binary fixture.

Cases that need a real submission take a ``source`` workbook (from tests/builders.py)
and change it at the zip level, the way a crafted file would be made: by rewriting one
XML part, not through a spreadsheet library that would refuse to write it.
"""

from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

GiB = 1024**3
MiB = 1024**2
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_BOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MACRO_BOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
CT_SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


# -- a minimal workbook, written by hand --------------------------------------------------
def minimal_parts(
    sheet_xml: bytes | None = None,
    shared_strings: bytes | None = None,
    sheet_name: str = "预算表",
    book_type: str = CT_BOOK,
) -> dict[str, bytes]:
    """The fewest parts Excel, openpyxl and calamine accept as an .xlsx, as bytes."""
    if sheet_xml is None:
        sheet_xml = sheet(b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>')
    overrides = [
        f'<Override PartName="/xl/workbook.xml" ContentType="{book_type}"/>',
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT_SHEET}"/>',
    ]
    book_rels = [
        f'<Relationship Id="rId1" Type="{NS_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    ]
    if shared_strings is not None:
        overrides.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT_SST}"/>')
        book_rels.append(
            f'<Relationship Id="rId2" Type="{NS_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(overrides)
            + "</Types>"
        ).encode(),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG}"><Relationship Id="rId1" '
            f'Type="{NS_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}"><sheets>'
            f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG}">' + "".join(book_rels) + "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    return parts


def sheet(rows_xml: bytes, before: bytes = b"", after: bytes = b"", prolog: bytes = b"") -> bytes:
    """A worksheet part around ``rows_xml`` (the inside of <sheetData>)."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'.encode()
        + before
        + b"<sheetData>"
        + rows_xml
        + b"</sheetData>"
        + after
        + b"</worksheet>"
    )


def write_zip(path: Path, parts: Mapping[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def read_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rewrite(
    source: Path,
    path: Path,
    change: Mapping[str, bytes | Callable[[bytes], bytes] | None],
) -> Path:
    """Copy ``source`` to ``path`` with some members replaced, transformed, added or dropped
    (value None). Member order is kept, so the result is laid out like the original."""
    parts = read_parts(source)
    for name, how in change.items():
        if how is None:
            parts.pop(name, None)
        elif callable(how):
            parts[name] = how(parts[name])
        else:
            parts[name] = how
    return write_zip(path, parts)


def entry_sheet_part(path: Path, title: str = "预算表") -> str:
    """The zip member that holds the sheet called ``title``."""
    parts = read_parts(path)
    book = parts["xl/workbook.xml"].decode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    m = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="(\w+)"', book)
    assert m, f"no sheet {title} in {path}"
    t = re.search(rf'<Relationship [^>]*Id="{m.group(1)}"[^>]*Target="([^"]+)"', rels)
    if t is None:  # attribute order differs between writers
        t = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{m.group(1)}"', rels)
    assert t, f"no relationship {m.group(1)} in {path}"
    target = t.group(1)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


# -- not a workbook at all ---------------------------------------------------------------
def empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def random_bytes(path: Path, size: int = 64 * 1024, seed: int = 7) -> Path:
    data = random.Random(seed).randbytes(size)
    path.write_bytes(b"\x00\x13" + data)  # never a known magic by accident
    return path


def csv_renamed(path: Path) -> Path:
    text = "项目名称,目录编码,预算金额（元）\n社区养老,033A0101,120000\n=1+1,033A0102,5\n"
    path.write_bytes(text.encode("utf-8-sig"))
    return path


def csv_gbk_renamed(path: Path) -> Path:
    """What WPS and old Excel write for "CSV": GBK, no BOM."""
    path.write_bytes("项目名称,目录编码,预算金额\n社区养老,033A0101,120000\n".encode("gbk"))
    return path


def pdf_renamed(path: Path) -> Path:
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return path


def html_as_xls(path: Path) -> Path:
    """Web systems export an HTML table and call it .xls."""
    path.write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>项目名称</td>"
        "</tr></table></body></html>",
        encoding="utf-8",
    )
    return path


def truncated_zip(path: Path, source: Path | None = None, keep: float = 0.5) -> Path:
    """A download or USB copy cut short: the first half of a real workbook."""
    data = source.read_bytes() if source else _zip_bytes(minimal_parts())
    path.write_bytes(data[: max(64, int(len(data) * keep))])
    return path


def corrupt_member(path: Path, source: Path | None = None) -> Path:
    """One flipped byte inside the compressed entry sheet (the part the reader inflates):
    the CRC no longer matches."""
    data = bytearray(source.read_bytes() if source else _zip_bytes(minimal_parts()))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        sheets = [i for i in zf.infolist() if i.filename.startswith("xl/worksheets/")]
        info = max(sheets or zf.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def zip_without_workbook(path: Path) -> Path:
    return write_zip(path, {"readme.txt": "这是一个压缩包".encode(), "data/a.csv": b"a,b\n1,2\n"})


def docx_renamed(path: Path) -> Path:
    return write_zip(
        path,
        {
            "[Content_Types].xml": b"<Types/>",
            "word/document.xml": b"<w:document xmlns:w='x'/>",
        },
    )


def ods_renamed(path: Path) -> Path:
    return write_zip(
        path,
        {
            "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
            "content.xml": b"<office:document-content/>",
        },
    )


def _zip_bytes(parts: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


# -- compound files: old .xls, encrypted workbooks ------------------------------------------
_FREE, _END, _FAT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def write_cfb(path: Path, streams: Mapping[str, bytes]) -> Path:
    path.write_bytes(cfb_bytes(streams))
    return path


def cfb_bytes(streams: Mapping[str, bytes]) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) holding ``streams``.

    Each stream is padded to at least 4096 bytes so it lives in the regular FAT and no
    mini stream is needed; up to three streams fit the one directory sector.
    """
    assert 1 <= len(streams) <= 3
    sector = 512
    data_sectors: list[tuple[str, int, int, bytes]] = []  # name, start, size, padded bytes
    next_free = 2  # sector 0: FAT, sector 1: directory
    for name, raw in streams.items():
        body = raw + b"\x00" * max(0, 4096 - len(raw))
        body += b"\x00" * (-len(body) % sector)
        count = len(body) // sector
        data_sectors.append((name, next_free, len(body), body))
        next_free += count
    assert next_free <= 128, "one FAT sector only"
    fat = [_FREE] * 128
    fat[0] = _FAT
    fat[1] = _END
    for _, start, size, _ in data_sectors:
        count = size // sector
        for i in range(count):
            fat[start + i] = start + i + 1 if i < count - 1 else _END

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le")
        return (
            encoded.ljust(64, b"\x00")
            + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", _FREE, right, child)
            + b"\x00" * 16  # CLSID
            + struct.pack("<I", 0)  # state bits
            + b"\x00" * 16  # times
            + struct.pack("<IQ", start, size)
        )

    entries = [entry("Root Entry", 5, _END, 0, 1, _FREE)]
    for i, (name, start, _, _) in enumerate(data_sectors, start=1):
        size = len(streams[name])
        right = i + 1 if i < len(data_sectors) else _FREE
        entries.append(entry(name, 2, start, max(size, 4096), _FREE, right))
    directory = b"".join(entries).ljust(sector, b"\x00")
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x003E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
        + struct.pack("<I", 0)
        + struct.pack("<I", _FREE) * 108
    )
    assert len(header) == 512
    body = b"".join(d[3] for d in data_sectors)
    return header + struct.pack("<128I", *fat) + directory + body


def _biff(rtype: int, payload: bytes = b"") -> bytes:
    return struct.pack("<HH", rtype, len(payload)) + payload


def old_xls(path: Path, encrypted: bool = False) -> Path:
    """An Excel 97-2003 workbook: a compound file with a BIFF8 ``Workbook`` stream."""
    bof = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0206))
    filepass = _biff(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x00" * 48) if encrypted else b""
    stream = bof + filepass + _biff(0x0042, struct.pack("<H", 936)) + _biff(0x000A)
    return write_cfb(path, {"Workbook": stream})


def doc_renamed(path: Path) -> Path:
    return write_cfb(path, {"WordDocument": b"\xec\xa5" + b"\x00" * 100})


def encrypted_xlsx(path: Path, source: Path | None = None, password: str = "1234") -> Path:
    """A password-protected workbook, as Excel's "Encrypt with password" writes it."""
    from msoffcrypto.format.ooxml import OOXMLFile

    src = io.BytesIO(source.read_bytes() if source else _zip_bytes(minimal_parts()))
    with path.open("wb") as out:
        OOXMLFile(src).encrypt(password, out)
    return path


def encrypted_cfb_stub(path: Path) -> Path:
    """The shape of an encrypted OOXML file without real cryptography (no msoffcrypto)."""
    return write_cfb(
        path,
        {"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00", "EncryptedPackage": b"\x00" * 64},
    )


# -- macros ----------------------------------------------------------------------------------
def with_macro(path: Path, source: Path | None = None, content_type_only: bool = False) -> Path:
    """An .xlsm: the workbook content type says macroEnabled and a vbaProject.bin rides along."""
    parts = read_parts(source) if source else minimal_parts()
    ct = parts["[Content_Types].xml"].decode()
    ct = re.sub(r'(PartName="/xl/workbook.xml" ContentType=")[^"]+"', rf'\g<1>{CT_MACRO_BOOK}"', ct)
    if CT_MACRO_BOOK not in ct:
        ct = ct.replace(
            "</Types>",
            f'<Override PartName="/xl/workbook.xml" ContentType="{CT_MACRO_BOOK}"/></Types>',
        )
    parts["[Content_Types].xml"] = ct.encode()
    if not content_type_only:  # a compound file, as Excel stores the VBA project
        macro = b'Attribute VB_Name = "Module1"\nSub Auto_Open()\nEnd Sub\n'
        parts["xl/vbaProject.bin"] = cfb_bytes({"dir": macro})
    return write_zip(path, parts)


# -- zip bombs -------------------------------------------------------------------------------
@dataclass
class _Raw:
    name: str
    data: bytes  # compressed bytes as stored
    crc: int
    size: int  # declared uncompressed size
    method: int = zipfile.ZIP_DEFLATED


def _deflate_pieces(pieces: Iterable[tuple[bytes, int]]) -> tuple[bytes, int, int]:
    """A raw deflate stream of ``piece * times`` for each (piece, times), compressing each
    distinct piece once: after a full flush a deflate block never refers back, so the
    same compressed bytes can be repeated. Returns (stream, crc, size)."""
    out = bytearray()
    crc = 0
    size = 0
    for piece, times in pieces:
        co = zlib.compressobj(9, zlib.DEFLATED, -15)
        packed = co.compress(piece) + co.flush(zlib.Z_FULL_FLUSH)
        out += packed * times
        for _ in range(times):
            crc = zlib.crc32(piece, crc)
        size += len(piece) * times
    out += zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    return bytes(out), crc, size


def write_raw_zip(path: Path, members: list[_Raw]) -> Path:
    """A zip written by hand, so that sizes can be declared as the test wants them."""
    with path.open("wb") as f:
        central = bytearray()
        for m in members:
            offset = f.tell()
            name = m.name.encode()
            f.write(
                struct.pack(
                    "<4sHHHHHIIIHH",
                    b"PK\x03\x04",
                    20,
                    0x800,
                    m.method,
                    0,
                    0x21,
                    m.crc,
                    len(m.data),
                    m.size,
                    len(name),
                    0,
                )
                + name
            )
            f.write(m.data)
            central += (
                struct.pack(
                    "<4sHHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    20,
                    20,
                    0x800,
                    m.method,
                    0,
                    0x21,
                    m.crc,
                    len(m.data),
                    m.size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
        start = f.tell()
        f.write(central)
        f.write(
            struct.pack(
                "<4sHHHHIIH",
                b"PK\x05\x06",
                0,
                0,
                len(members),
                len(members),
                len(central),
                start,
                0,
            )
        )
    return path


def zip_bomb(path: Path, inflated: int = 2 * GiB, declared: int | None = None) -> Path:
    """A small workbook whose sheet inflates to ``inflated`` bytes of blanks.

    ``declared``: the uncompressed size written in the headers (default: the truth); a
    crafted file may declare a harmless size and still inflate to gigabytes.
    """
    chunk = b" " * (16 * MiB)
    head = sheet(b"", prolog=b"").split(b"<sheetData>")[0] + b"<sheetData>"
    tail = b"</sheetData></worksheet>"
    body_times = max(1, (inflated - len(head) - len(tail)) // len(chunk))
    stream, crc, size = _deflate_pieces([(head, 1), (chunk, body_times), (tail, 1)])
    members = []
    for name, data in minimal_parts().items():
        if name == "xl/worksheets/sheet1.xml":
            members.append(_Raw(name, stream, crc, size if declared is None else declared))
        else:
            members.append(_Raw(name, _deflate_pieces([(data, 1)])[0], zlib.crc32(data), len(data)))
    return write_raw_zip(path, members)


def lying_small_part(
    path: Path, part: str = "[Content_Types].xml", inflated: int = 640 * MiB
) -> Path:
    """A workbook whose small part (read whole, before any sheet) declares its honest size
    but inflates to ``inflated`` bytes: a reader that trusts the stream holds all of it."""
    members = []
    for name, data in minimal_parts().items():
        blanks = [(b" " * (16 * MiB), inflated // (16 * MiB))] if name == part else []
        pieces = [(data, 1), *blanks]
        stream = _deflate_pieces(pieces)[0]
        members.append(_Raw(name, stream, zlib.crc32(data), len(data)))
    return write_raw_zip(path, members)


def many_members(path: Path, count: int = 20_000) -> Path:
    """A zip whose central directory announces tens of thousands of parts."""
    members = [
        _Raw(name, _deflate_pieces([(data, 1)])[0], zlib.crc32(data), len(data))
        for name, data in minimal_parts().items()
    ]
    empty = _deflate_pieces([(b"", 1)])[0]
    members += [_Raw(f"xl/media/x{i}.bin", empty, 0, 0) for i in range(count)]
    return write_raw_zip(path, members)


# -- XML entity expansion ------------------------------------------------------------------
LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"]>\n"
)


def billion_laughs_sheet(path: Path, source: Path | None = None) -> Path:
    """Entity expansion in the entry sheet: &lol9; is 10^9 'lol's."""
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    bomb = sheet(rows, prolog=LAUGHS)
    if source is None:
        return write_zip(path, minimal_parts(bomb))
    return rewrite(source, path, {entry_sheet_part(source): bomb})


def billion_laughs_strings(path: Path, source: Path | None = None) -> Path:
    """Entity expansion in sharedStrings.xml, referenced from a cell."""
    sst = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + LAUGHS
        + f'<sst xmlns="{NS_MAIN}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'.encode()
    )
    if source is None or "xl/sharedStrings.xml" not in read_parts(source):
        rows = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        return write_zip(path, minimal_parts(sheet(rows), shared_strings=sst))
    return rewrite(source, path, {"xl/sharedStrings.xml": sst})


def external_entity(path: Path) -> Path:
    """XXE: an external entity pointing at a local file."""
    prolog = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    return write_zip(path, minimal_parts(sheet(rows, prolog=prolog)))


def utf7_sheet(path: Path) -> Path:
    """A sheet declared in UTF-7, where "+ADw-!DOCTYPE" hides a DTD from a byte search."""
    body = sheet(b"").replace(b'encoding="UTF-8"', b'encoding="UTF-7"')
    return write_zip(path, minimal_parts(body))


# -- sheets that claim or hold a lot ---------------------------------------------------------
def _patch_sheet(source: Path, path: Path, fn: Callable[[bytes], bytes]) -> Path:
    return rewrite(source, path, {entry_sheet_part(source): fn})


def huge_dimension(path: Path, source: Path | None = None) -> Path:
    """The sheet's <dimension> claims all 1,048,576 x 16,384 cells; the data is small."""

    def patch(xml: bytes) -> bytes:
        dim = b'<dimension ref="A1:XFD1048576"/>'
        if b"<dimension" in xml:
            return re.sub(rb"<dimension [^>]*/>", dim, xml, count=1)
        return re.sub(rb"(<worksheet[^>]*>)", rb"\1" + dim, xml, count=1)

    if source is None:
        return write_zip(
            path, minimal_parts(patch(sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>')))
        )
    return _patch_sheet(source, path, patch)


def far_cell(path: Path, source: Path | None = None) -> Path:
    """One value in A1 and one in XFD1048576: a dense reader would allocate 17 billion cells."""
    rows = (
        b'<row r="1"><c r="A1"><v>1</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    )
    if source is None:
        return write_zip(path, minimal_parts(sheet(rows)))
    far = b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    return _patch_sheet(source, path, lambda x: x.replace(b"</sheetData>", far + b"</sheetData>"))


def far_cell_variants(path: Path, variant: str) -> Path:
    """The far cell in the spellings readers accept and a naive scan misses: a cell
    without r= placed by position, a lower-case or $-anchored reference, a row number
    beyond Excel's 1,048,576, or the sheet stored outside xl/worksheets/."""
    near = b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>1</v></c></row>'
    far = {
        "implicit": b'<row r="1048576"><c><v>2</v></c></row>',
        "lowercase": b'<row r="1048576"><c r="xfd1048576"><v>2</v></c></row>',
        "dollar": b'<row r="1048576"><c r="$XFD$1048576"><v>2</v></c></row>',
        "beyond": b'<row r="2000000000"><c r="A2000000000"><v>2</v></c></row>',
        "moved": b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>',
    }[variant]
    parts = minimal_parts(sheet(near + far))
    if variant == "moved":
        parts["xl/data/evil.xml"] = parts.pop("xl/worksheets/sheet1.xml")
        for name, old, new in (
            ("xl/_rels/workbook.xml.rels", b"worksheets/sheet1.xml", b"data/evil.xml"),
            ("[Content_Types].xml", b"/xl/worksheets/sheet1.xml", b"/xl/data/evil.xml"),
        ):
            parts[name] = parts[name].replace(old, new)
    return write_zip(path, parts)


def giant_merge(path: Path, source: Path | None = None) -> Path:
    """A merged range over the whole sheet: openpyxl makes an object per merged cell."""
    merge = b'<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    if source is None:
        return write_zip(path, minimal_parts(sheet(b"", after=merge)))
    return _patch_sheet(source, path, lambda x: _insert_after_sheetdata(x, merge))


def _insert_after_sheetdata(xml: bytes, fragment: bytes) -> bytes:
    if b"<mergeCells" in xml:
        xml = re.sub(rb"<mergeCells.*?</mergeCells>", b"", xml, flags=re.S)
    if b"</sheetData>" in xml:
        return xml.replace(b"</sheetData>", b"</sheetData>" + fragment, 1)
    return xml.replace(b"<sheetData/>", b"<sheetData/>" + fragment, 1)


def too_many_rows(path: Path, rows: int) -> Path:
    body = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (i, i) for i in range(1, rows + 1)
    )
    return write_zip(path, minimal_parts(sheet(body)))


def empty_formatted_rows(
    path: Path, source: Path, count: int = 100_000, columns: int = 13, style: int = 0
) -> Path:
    """``count`` empty rows below the table, each cell formatted (self-closing <c s=.../>),
    as Excel writes them when a clerk formats whole rows down the sheet."""

    def patch(xml: bytes) -> bytes:
        last = max((int(n) for n in re.findall(rb'<row r="(\d+)"', xml)), default=0)
        letters = [_letter(c) for c in range(1, columns + 1)]
        out = bytearray()
        for r in range(last + 1, last + 1 + count):
            cells = b"".join(f'<c r="{col}{r}" s="{style}"/>'.encode() for col in letters)
            out += (
                f'<row r="{r}" s="{style}" customFormat="1" ht="15">'.encode() + cells + b"</row>"
            )
        xml = re.sub(rb"<dimension [^>]*/>", b"", xml, count=1)
        return xml.replace(b"</sheetData>", bytes(out) + b"</sheetData>", 1)

    return _patch_sheet(source, path, patch)


def _letter(col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


# -- cells a spreadsheet library would refuse to write -----------------------------------------
def error_cells(path: Path, source: Path, cells: Mapping[str, str]) -> Path:
    """Put error values (``t="e"``, e.g. #REF!) into existing cells of the entry sheet, as
    Excel stores them; openpyxl cannot write an error without a formula."""
    return raw_cells(path, source, {r: f' t="e"><v>{e}</v></c>'.encode() for r, e in cells.items()})


def raw_cells(path: Path, source: Path, cells: Mapping[str, bytes]) -> Path:
    """Replace existing cells of the entry sheet with raw XML: ``cells`` maps an A1 ref to
    what follows ``<c r="A1"`` (attributes and content, e.g. ``b' t="b"><v>1</v></c>'``)."""

    def patch(xml: bytes) -> bytes:
        for ref, rest in cells.items():
            head = b'<c r="' + ref.encode() + b'"'
            pattern = re.escape(head) + rb"(?:[^>]*/>|[^>]*>.*?</c>)"
            xml, n = re.subn(pattern, lambda _m, c=head + rest: c, xml, count=1, flags=re.S)
            assert n == 1, f"no cell {ref} to replace"
        return xml

    return _patch_sheet(source, path, patch)
