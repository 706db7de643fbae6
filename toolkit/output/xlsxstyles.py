"""The styles part edited in place: fills, fonts and cell formats added at the end of
their lists, nothing already there renumbered or rewritten.

A marked cell keeps its own number format, font, border, alignment and protection: its
cell format is copied with only the fill changed, so an amount still shows as the office
formatted it. A fill is written as a small spec, ``rgb:FFC7CE``, ``theme:4:-0.25`` or
``indexed:64``, which is what the annotated copy's record keeps to undo a mark later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.output.xlsxparts import NS_MAIN, PartError, attrs, element, esc, set_attr

FILL_TYPES = ("solid", "none", "darkGray", "mediumGray", "lightGray", "gray125", "gray0625")
_RGB = re.compile(r"[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?")
_LISTS = (("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf"))
MINIMAL = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{NS_MAIN}"><fonts count="1"><font><sz val="11"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    "</styleSheet>"
).encode()


def color_xml(tag: str, spec: str) -> str:
    """``<fgColor rgb=".."/>`` from a colour spec ("" gives no element)."""
    if not spec:
        return ""
    kind, _, rest = spec.partition(":")
    value, _, tint = rest.partition(":")
    extra = f' tint="{float(tint)!r}"' if tint else ""
    if kind == "rgb":
        if not _RGB.fullmatch(value):
            raise ValueError(spec)
        return f'<{tag} rgb="{value.upper().rjust(8, "F")}"{extra}/>'
    if kind in ("theme", "indexed") and value.isdigit() and int(value) < 100:
        return f'<{tag} {kind}="{int(value)}"{extra}/>'
    raise ValueError(spec)


def check_spec(spec: str) -> None:
    """ValueError unless ``spec`` is a colour spec this module writes (a record is input)."""
    color_xml("c", spec)
    _, _, rest = spec.partition(":")
    _, _, tint = rest.partition(":")
    if tint and not -1.0 <= float(tint) <= 1.0:
        raise ValueError(spec)


def _color_spec(raw: bytes | None) -> str:
    a = attrs(raw)
    tint = a.get("tint", "")
    try:
        tail = f":{float(tint)!r}" if tint and float(tint) else ""
    except ValueError:
        tail = ""
    if "rgb" in a and _RGB.fullmatch(a["rgb"]):
        return f"rgb:{a['rgb']}{tail}"
    for kind in ("theme", "indexed"):
        if a.get(kind, "").isdigit():
            return f"{kind}:{a[kind]}{tail}"
    return ""


@dataclass(frozen=True)
class FillSpec:
    fill_type: str = ""  # "" = no pattern fill at all
    fg: str = ""
    bg: str = ""

    def xml(self) -> str:
        if not self.fill_type:
            return "<fill><patternFill/></fill>"
        fg, bg = color_xml("fgColor", self.fg), color_xml("bgColor", self.bg)
        kind = esc(self.fill_type)
        return f'<fill><patternFill patternType="{kind}">{fg}{bg}</patternFill></fill>'


def solid(rgb: str) -> FillSpec:
    return FillSpec("solid", f"rgb:FF{rgb}", f"rgb:FF{rgb}")


class StyleSheet:
    """styles.xml with fills, fonts and cell formats to add; ``to_bytes`` writes it."""

    def __init__(self, data: bytes | None) -> None:
        self.data = data or MINIMAL
        self.items: dict[str, list[bytes]] = {}
        self.added: dict[str, list[str]] = {}
        self.spans: dict[str, tuple[int, int, bytes, bytes]] = {}
        for block, item in _LISTS:
            m = element(block).search(self.data)
            if m is None:
                raise PartError(f"样式部件缺少 {block}")
            inner_start = self.data.find(b">", m.start()) + 1
            whole = m.group(0)
            inner = b"" if whole.endswith(b"/>") else self.data[inner_start : m.end()]
            self.items[block] = [x.group(0) for x in element(item).finditer(inner)]
            self.added[block] = []
            self.spans[block] = (m.start(), m.end(), m.group(1), m.group(2) or b"")
        self.prefix = self.spans["cellXfs"][2].decode()
        self._with_fill: dict[tuple[int, FillSpec], int] = {}
        self._fills: dict[FillSpec, int] = {}

    def count(self, block: str) -> int:
        return len(self.items[block]) + len(self.added[block])

    def _add(self, block: str, xml: str) -> int:
        n = self.count(block)
        self.added[block].append(xml)
        return n

    def _item(self, block: str, n: int) -> bytes | None:
        """The ``n``-th fill, font or cell format, one added here included."""
        items, added = self.items[block], self.added[block]
        if 0 <= n < len(items):
            return items[n]
        if len(items) <= n < len(items) + len(added):
            return added[n - len(items)].encode("utf-8")
        return None

    def _xf(self, style: int) -> bytes:
        return self._item("cellXfs", style) or self._item("cellXfs", 0) or b"<xf/>"

    def fill_of(self, style: int) -> FillSpec:
        """The pattern fill a cell format shows (empty spec for none or a gradient)."""
        fill_id = attrs(_start(self._xf(style))).get("fillId", "0")
        raw = self._item("fills", int(fill_id)) if fill_id.isdigit() else None
        if raw is None:
            return FillSpec()
        pattern = element("patternFill").search(raw)
        if pattern is None:
            return FillSpec()
        kind = attrs(pattern.group(2)).get("patternType", "")
        if kind not in FILL_TYPES:
            return FillSpec()
        fg = element("fgColor").search(pattern.group(0))
        bg = element("bgColor").search(pattern.group(0))
        return FillSpec(
            kind, _color_spec(fg.group(2)) if fg else "", _color_spec(bg.group(2)) if bg else ""
        )

    def fill(self, spec: FillSpec) -> int:
        got = self._fills.get(spec)
        if got is None:
            got = self._fills[spec] = self._add("fills", self._prefixed(spec.xml()))
        return got

    def with_fill(self, style: int, spec: FillSpec) -> int:
        """A cell format like ``style`` but with ``spec`` as its fill."""
        key = (style, spec)
        got = self._with_fill.get(key)
        if got is None:
            xf = self._xf(style)
            head = _start(xf)
            new_head = set_attr(head, "fillId", str(self.fill(spec)))
            new_head = set_attr(new_head, "applyFill", "1")
            got = self._with_fill[key] = self._add(
                "cellXfs", (new_head + xf[len(head) :]).decode("utf-8")
            )
        return got

    def font(self, extra: str, drop: tuple[str, ...] = ()) -> int:
        """A font like the default one, with ``extra`` child elements (``drop`` removed)."""
        fonts = self.items["fonts"]
        base = fonts[0].decode("utf-8") if fonts else "<font/>"
        for tag in drop:
            base = re.sub(rf"<(?:[\w.-]+:)?{tag}\b[^>]*?/>", "", base)
        if base.endswith("/>"):
            p = base[1 : base.index("font")]
            base = base[:-2] + f"></{p}font>"
        cut = base.rindex("</")
        return self._add("fonts", base[:cut] + self._prefixed(extra) + base[cut:])

    def xf(self, font: int = 0, fill: int = 0, wrap: bool = True) -> int:
        """A new cell format (general number format, no border), top-aligned and wrapped."""
        align = f'<{self.prefix}alignment wrapText="1" vertical="top"/>' if wrap else ""
        return self._add(
            "cellXfs",
            f'<{self.prefix}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="0" '
            f'xfId="0" applyFont="1" applyFill="1" applyAlignment="1">{align}</{self.prefix}xf>',
        )

    def _prefixed(self, xml: str) -> str:
        if not self.prefix:
            return xml
        return re.sub(r"<(/?)(?=[A-Za-z])", rf"<\1{self.prefix}", xml)

    def to_bytes(self) -> bytes:
        out, pos = [], 0
        for block, _ in sorted(_LISTS, key=lambda b: self.spans[b[0]][0]):
            start, end, prefix, attr = self.spans[block]
            if not self.added[block]:
                continue
            tag = prefix + block.encode()
            head = set_attr(b"<" + tag + attr + b">", "count", str(self.count(block)))
            body = b"".join(self.items[block]) + "".join(self.added[block]).encode("utf-8")
            out += [self.data[pos:start], head, body, b"</" + tag + b">"]
            pos = end
        out.append(self.data[pos:])
        return b"".join(out)


def _start(xml: bytes) -> bytes:
    end = xml.find(b">") + 1
    return xml[:end]
