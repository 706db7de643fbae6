"""Text as the package stores it: XML entities, ``_xHHHH_`` escapes, shared strings.

Excel writes characters XML cannot carry (control characters) as ``_x0007_``, and a
literal ``_x`` as ``_x005F_x``; every reader must undo both, or a clerk's text is not
what they typed (ECMA-376 Part 1, 22.9.2.19 ST_Xstring).

The shared string table is read exactly as expat reads it (``_parse_exact``), only faster:
the compiled step (``_strings.c``, in the ``_scan`` extension) takes the common shape of
a whole table, plain and rich items alike, and proves it saw every tag; without it, or
when it declines, a table of plain ``<si><t>..</t></si>`` items is read directly and any
other goes through expat. What expat rejects or rewrites (character references, carriage
returns, control characters, ``]]>``, invalid UTF-8) always goes to expat.
``tests/xlsx/test_strings.py`` holds the three readings to the same texts.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the compiled step (toolkit/xlsx/_strings.c), built by pip install; optional
    from toolkit.xlsx import _scan
except ImportError:  # pragma: no cover - a machine without a C compiler
    _scan = None  # type: ignore[assignment]

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_XML_ENTITY = re.compile(r"&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
XML_ENTITY = re.compile(rb"&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def decode_escapes(text: str) -> str:
    """``_x000D_`` -> CR, ``_x005F_x`` -> ``_x``."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _NAMED:
        return _NAMED[name]
    code = int(name[2:], 16) if name.startswith("#x") else int(name[1:])
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return "\ufffd"


def unescape_xml(raw: bytes | str) -> str:
    """The five predefined entities and character references (what XML defines; HTML's
    named entities such as ``&nbsp;`` are not XML and stay as written)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if "&" not in text:
        return text
    return _XML_ENTITY.sub(_entity, text)


_SI_PLAIN = re.compile(rb'\s*<si><t(?: xml:space="preserve")?>([^<]*)</t>\s*')
# the bytes XML text may hold as they are (a quick screen: deleting them leaves the rest)
_PLAIN_BYTES = bytes([9, 10, *range(0x20, 0x100)])
# what expat rejects or rewrites, besides control characters and CR: the whole table goes to it
_EXACT_ONLY = (b"&#", b"]]>", b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"<!", b"<?", b"<si ")


# what may stand before the first item for the fast paths to take the table: a UTF-8 BOM,
# the XML declaration (version 1.0, UTF-8 if it names an encoding) and the <sst> start tag
# with plain ASCII attributes (no entity, no prefix but xmlns:); anything else goes to expat
_ATTR = rb"""[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?\s*=\s*(?:"[ !#-%'-;=-~]*"|'[ -%(-;=-~]*')"""
_PROLOG = re.compile(
    rb"(?:\xef\xbb\xbf)?"
    rb"""(?:<\?xml\s+version\s*=\s*(["'])1\.0\1"""
    rb"""(?:\s+encoding\s*=\s*(["'])(?i:utf-8)\2)?"""
    rb"""(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?\s*\?>)?"""
    rb"\s*<sst((?:\s+" + _ATTR + rb")*)\s*>\s*"
)
_ATTR_PAIR = re.compile(rb"""\s+([^\s=]+)\s*=\s*("[^"]*"|'[^']*')""")


def _prolog_ok(data: bytes, start: int) -> bool:
    """Whether ``data[:start]`` is a prolog the fast paths may skip: unique attribute
    names, prefixed only as ``xmlns:x`` (a namespace declaration, not of xml or xmlns,
    with a value)."""
    m = _PROLOG.fullmatch(data, 0, start)
    if m is None:
        return False
    pairs = _ATTR_PAIR.findall(m.group(4))
    if len({name for name, _ in pairs}) != len(pairs):
        return False
    for name, value in pairs:
        prefix, colon, local = name.partition(b":")
        if colon and (prefix != b"xmlns" or local.startswith(b"xml") or len(value) == 2):
            return False
    return True


class StringsError(Exception):
    """The shared string table is not well-formed."""


def parse_shared_strings(data: bytes) -> list[str]:
    """The workbook's shared strings, in index order: each item's ``<t>`` text joined
    (rich runs too; phonetic guides, ``<rPh>``, left out), ``_xHHHH_`` undone. A part
    that is there must be a table: an empty one is as malformed to this reader as to
    expat (a package without the part has no strings: ``Package.shared_strings``)."""
    start = data.find(b"<si")
    end = data.rfind(b"</sst>")
    if start < 0 or end < start or data[end + 6 :].strip(b" \t\r\n"):
        return _parse_exact(data)
    body = data[start:end]
    if not _prolog_ok(data, start):
        return _parse_exact(data)
    if _scan is not None:
        got = _scan.strings(body)  # declines all that _EXACT_ONLY and _PLAIN_BYTES screen
        if got is not None:
            out, escaped = got
            for i in escaped:
                out[i] = decode_escapes(out[i])
            return out
    if body.translate(None, _PLAIN_BYTES) or any(s in body for s in _EXACT_ONLY):
        return _parse_exact(data)
    return _plain(data, body)


def _plain(data: bytes, body: bytes) -> list[str]:
    """Plain ``<si><t>..</t></si>`` items directly; the first other item sends the whole
    table through expat."""
    items = body.split(b"</si>")
    if items[-1].strip():
        return _parse_exact(data)
    out: list[str] = []
    append = out.append
    for item in items[:-1]:
        m = _SI_PLAIN.fullmatch(item)
        if m is None:
            return _parse_exact(data)
        try:
            text = m.group(1).decode("utf-8")
        except UnicodeDecodeError:
            return _parse_exact(data)
        if "&" in text:
            if text.count("&") != len(_XML_ENTITY.findall(text)):
                return _parse_exact(data)
            text = unescape_xml(text)
        append(decode_escapes(text) if "_x" in text else text)
    return out


def _parse_exact(data: bytes) -> list[str]:
    """Every <si> through expat: rich runs joined, phonetic runs (<rPh>) left out."""
    from xml.parsers import expat

    out: list[str] = []
    state: dict[str, Any] = {"si": None, "t": False, "rph": 0}

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "si":
            state["si"] = []
        elif tag == "rPh":
            state["rph"] += 1
        elif tag == "t" and state["si"] is not None and not state["rph"]:
            state["t"] = True

    def end(name: str) -> None:
        tag = name.rpartition(" ")[2]
        if tag == "si" and state["si"] is not None:
            out.append(decode_escapes("".join(state["si"])))
            state["si"] = None
        elif tag == "rPh":
            state["rph"] -= 1
        elif tag == "t":
            state["t"] = False

    def chars(text: str) -> None:
        if state["t"]:
            state["si"].append(text)

    def no_dtd(*_: Any) -> None:
        raise StringsError("共享字符串表含有 DTD/实体声明")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise StringsError(f"共享字符串表格式错误（{expat.ErrorString(exc.code)}）") from None
    except (ValueError, LookupError):  # an encoding expat cannot read (GBK) or unknown
        raise StringsError("共享字符串表的字符编码无法读取") from None
    return out
