"""Editing an .xlsx package's shared parts as text: the workbook, its relationships, the
content types, the styles and the custom properties.

The annotated copy is the office's own file with a few things added, so every part is
edited where it stands rather than parsed into a model and written out again: whatever
this module does not touch (extension lists, namespace prefixes, ``mc:Ignorable``
declarations, features no library models) stays byte for byte. Each function takes a
part's bytes and returns the new bytes; elements are found by their tag, with any
namespace prefix, and new elements take the prefix the part already uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from toolkit.xlsx.container import NS_DOCREL

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_PKGREL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_WORKSHEET = NS_DOCREL + "/worksheet"
REL_COMMENTS = NS_DOCREL + "/comments"
REL_VML = NS_DOCREL + "/vmlDrawing"
REL_CUSTOM = NS_DOCREL + "/custom-properties"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_CUSTOM = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID_USER = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class PartError(Exception):
    """A part is not in a shape that can be edited safely (``detail`` in Chinese)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def esc(text: Any, quote: bool = True) -> str:
    """Text as XML character data or an attribute value; characters XML 1.0 cannot hold
    are shown as ``\\u0001`` instead of being dropped."""
    s = str(text)
    s = _ILLEGAL_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if quote:
        s = s.replace('"', "&quot;")
    return s


def element(tag: str, flags: str = "") -> re.Pattern[bytes]:
    """An element with any namespace prefix: group 1 the prefix (``x:`` or empty), group 2
    the attributes; a self-closing tag or one with content up to its own end tag."""
    t = re.escape(tag).encode()
    return re.compile(
        rb"<((?:[\w.-]+:)?)" + t + rb"(\s[^>]*?)?(?:/>|>.*?</(?:[\w.-]+:)?" + t + rb">)",
        re.DOTALL,
    )


def start_tag(tag: str) -> re.Pattern[bytes]:
    t = re.escape(tag).encode()
    return re.compile(rb"<((?:[\w.-]+:)?)" + t + rb"(\s[^>]*?)?(/?)>")


_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def attrs(raw: bytes | None) -> dict[str, str]:
    """The attributes of a start tag's attribute text, entities left as they are."""
    if not raw:
        return {}
    out = {}
    for m in _ATTR.finditer(raw):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        out[m.group(1).decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return out


def set_attr(tag: bytes, name: str, value: str | None) -> bytes:
    """A start tag with attribute ``name`` set (or removed, for None)."""
    key = re.escape(name).encode()
    pattern = re.compile(rb"\s" + key + rb"""\s*=\s*(?:"[^"]*"|'[^']*')""")
    tag = pattern.sub(b"", tag)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    return tag[:end] + f' {name}="{esc(value)}"'.encode() + tag[end:]


def unescape(text: str) -> str:
    from toolkit.xlsx.strings import unescape_xml

    return unescape_xml(text)


def prefix_of(data: bytes, root: str) -> bytes:
    m = start_tag(root).search(data)
    if m is None:
        raise PartError(f"部件缺少根元素 {root}")
    return m.group(1)


def ns_prefix(data: bytes, namespace: str) -> str | None:
    """The prefix a part declares for ``namespace`` (None: not declared)."""
    m = re.search(rb'xmlns:([\w.-]+)\s*=\s*["\']' + re.escape(namespace.encode()) + rb'["\']', data)
    return m.group(1).decode() if m else None


def rel_attr(part: bytes, rid: str) -> str:
    """``r:id="rId3"`` with the prefix the part declares for relationships (declared on
    the element itself where the part has none)."""
    p = ns_prefix(part[:65536], NS_DOCREL)
    return f'{p}:id="{rid}"' if p else f'xmlns:r="{NS_DOCREL}" r:id="{rid}"'


# -- relationships and content types -----------------------------------------------------------
@dataclass
class Rels:
    """A .rels part: (id, type, target) in order, edited and written back whole (rels
    parts are small and carry nothing but relationships)."""

    items: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, type, target, mode

    @classmethod
    def parse(cls, data: bytes | None) -> Rels:
        out = cls()
        for m in element("Relationship").finditer(data or b""):
            a = attrs(m.group(2))
            out.items.append(
                (
                    a.get("Id", ""),
                    unescape(a.get("Type", "")),
                    unescape(a.get("Target", "")),
                    a.get("TargetMode", ""),
                )
            )
        return out

    def new_id(self) -> str:
        taken = {i for i, *_ in self.items}
        n = len(self.items) + 1
        while f"rId{n}" in taken:
            n += 1
        return f"rId{n}"

    def add(self, kind: str, target: str) -> str:
        rid = self.new_id()
        self.items.append((rid, kind, target, ""))
        return rid

    def find(self, kind: str) -> tuple[str, str] | None:
        for rid, k, target, mode in self.items:
            if k == kind and mode != "External":
                return rid, target
        return None

    def drop(self, rid: str) -> None:
        self.items = [i for i in self.items if i[0] != rid]

    def target(self, rid: str) -> str | None:
        return next((t for i, _, t, m in self.items if i == rid and m != "External"), None)

    def to_bytes(self) -> bytes:
        rows = "".join(
            f'<Relationship Id="{esc(i)}" Type="{esc(k)}" Target="{esc(t)}"'
            + (f' TargetMode="{esc(m)}"' if m else "")
            + "/>"
            for i, k, t, m in self.items
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKGREL}">{rows}</Relationships>'
        ).encode()


def relative(from_part: str, to_part: str) -> str:
    """``to_part`` as a target relative to ``from_part``'s folder."""
    base = from_part.split("/")[:-1]
    to = to_part.split("/")
    common = 0
    while common < min(len(base), len(to) - 1) and base[common] == to[common]:
        common += 1
    return "/".join([".."] * (len(base) - common) + to[common:])


def content_types(
    data: bytes, add: dict[str, str], remove: Iterable[str], defaults: dict[str, str]
) -> bytes:
    """[Content_Types].xml with overrides added (part -> type) and removed, and default
    extensions added where missing."""
    gone = {"/" + p.lstrip("/") for p in (*remove, *add)}
    override = element("Override")

    def keep(m: re.Match[bytes]) -> bytes:
        name = unescape(attrs(m.group(2)).get("PartName", ""))
        return b"" if name in gone else m.group(0)

    data = override.sub(keep, data)
    defined = element("Default").finditer(data)
    have = {attrs(m.group(2)).get("Extension", "").lower() for m in defined}
    extra = "".join(
        f'<Default Extension="{esc(ext)}" ContentType="{esc(ct)}"/>'
        for ext, ct in defaults.items()
        if ext.lower() not in have
    )
    extra += "".join(
        f'<Override PartName="/{esc(p.lstrip("/"))}" ContentType="{esc(ct)}"/>'
        for p, ct in add.items()
    )
    return insert_before_end(data, "Types", extra.encode())


def insert_before_end(data: bytes, tag: str, piece: bytes) -> bytes:
    """``piece`` just before the end tag of the (last) ``tag`` element."""
    ends = list(re.finditer(rb"</(?:[\w.-]+:)?" + re.escape(tag.encode()) + rb">", data))
    m = ends[-1] if ends else None
    if m is None:
        opened = start_tag(tag).search(data)
        if opened is None or opened.group(3) != b"/":
            raise PartError(f"部件缺少元素 {tag}")
        prefix = opened.group(1)
        whole = opened.group(0)
        grown = whole[:-2] + b">" + piece + b"</" + prefix + tag.encode() + b">"
        return data[: opened.start()] + grown + data[opened.end() :]
    return data[: m.start()] + piece + data[m.start() :]


# -- custom document properties ----------------------------------------------------------------
_PROPERTY = element("property")


def custom_property(data: bytes | None, name: str, value: str) -> bytes:
    """docProps/custom.xml with ``name`` set to the string ``value`` (made if absent)."""
    if not data:
        data = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{NS_CUSTOM}" xmlns:vt="{NS_VT}"></Properties>'
        ).encode()
    pids = [int(p) for p in re.findall(rb'\spid\s*=\s*["\'](\d+)["\']', data)]

    def keep(m: re.Match[bytes]) -> bytes:
        return b"" if unescape(attrs(m.group(2)).get("name", "")) == name else m.group(0)

    data = _PROPERTY.sub(keep, data)
    p = prefix_of(data, "Properties").decode()
    vt = ns_prefix(data, NS_VT)
    if vt is None:
        vt_decl, vt = f' xmlns:vt="{NS_VT}"', "vt"
    else:
        vt_decl = ""
    prop = (
        f'<{p}property fmtid="{FMTID_USER}" pid="{max([1, *pids]) + 1}" name="{esc(name)}"'
        f"{vt_decl}><{vt}:lpwstr>{esc(value, quote=False)}</{vt}:lpwstr></{p}property>"
    )
    return insert_before_end(data, "Properties", prop.encode())
