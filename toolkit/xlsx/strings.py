"""Text as the package stores it: XML entities, ``_xHHHH_`` escapes, shared strings.

Excel writes characters XML cannot carry (control characters) as ``_x0007_``, and a
literal ``_x`` as ``_x005F_x``; every reader must undo both, or a clerk's text is not
what they typed (ECMA-376 Part 1, 22.9.2.19 ST_Xstring).

The shared string table has a fast path for the plain ``<si><t>..</t></si>`` items and
proves, as the sheet parser does, that it saw every tag; rich text, phonetic runs or
anything else parse with expat, item by item.
"""

from __future__ import annotations

import re
from typing import Any

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
_T = re.compile(rb"<t(?:\s[^<>]*)?>([^<]*)</t>|<t\s*/>")
_RPH = re.compile(rb"<rPh\b.*?</rPh>", re.S)


class StringsError(Exception):
    """The shared string table is not well-formed."""


def parse_shared_strings(data: bytes) -> list[str]:
    """The workbook's shared strings, in index order.

    Item by item: a plain ``<si><t>..</t></si>`` directly, a rich one as its runs' text
    (phonetic guides, ``<rPh>``, left out); comments, CDATA, processing instructions or
    items in another shape send the whole table through expat.
    """
    if not data:
        return []
    start = data.find(b"<si")
    end = data.rfind(b"</sst>")
    if start < 0:
        return [] if b"<sst" in data and end >= 0 else _parse_exact(data)
    body = data[start:end] if end > start else b""
    if not body or b"<!" in data or b"<?" in body or b"<si " in body or b"<si/>" in body:
        return _parse_exact(data)
    items = body.split(b"</si>")
    if items[-1].strip():
        return _parse_exact(data)
    out: list[str] = []
    append = out.append
    for item in items[:-1]:
        m = _SI_PLAIN.fullmatch(item)
        if m is not None:
            raw = m.group(1)
        else:
            if not item.lstrip().startswith(b"<si>") or item.count(b"<si>") != 1:
                return _parse_exact(data)
            if b"<rPh" in item:
                item = _RPH.sub(b"", item)
            raw = b"".join(_T.findall(item))
        if b"&" in raw:
            if raw.count(b"&") != len(XML_ENTITY.findall(raw)):
                return _parse_exact(data)
            text = unescape_xml(raw)
        else:
            text = raw.decode("utf-8", "replace")
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
    return out
