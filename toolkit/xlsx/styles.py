"""Number formats: what a cell's style makes of its number on screen and on paper.

A budget amount is a number; its format decides what the clerk sees and signs. A date
format turns 46000 into 2025-12-09, a percent format shows 5000 %, a trailing comma
divides by a thousand, a quoted "万元" says the number is in ten thousands. The reader
keeps each amount cell's format so the rules can say so at the cell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

# ECMA-376 Part 1, 18.8.30 (built-in formats), with the CJK locale ids Excel uses for
# Chinese dates (27-36, 50-58).
BUILTIN_FORMATS = {
    0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
    11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "mm-dd-yy", 15: "d-mmm-yy",
    16: "d-mmm", 17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm",
    21: "h:mm:ss", 22: "m/d/yy h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss",
    46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}  # fmt: skip
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|[_*].')
_DATE_CODES = re.compile(r"[yYmMdDhHsS年月日时分秒]")


@dataclass(frozen=True)
class NumberFormat:
    """A number format code and what it does to a number (each answer worked out once per
    format: a sheet's cells share a few)."""

    code: str
    builtin: int | None = None

    @cached_property
    def is_date(self) -> bool:
        if self.builtin is not None and self.builtin in DATE_FORMAT_IDS:
            return True
        bare = _QUOTED.sub("", self.code.split(";")[0])
        return bool(_DATE_CODES.search(bare.replace("General", "")))

    @cached_property
    def hides(self) -> bool:
        """``;;;`` and the like: the positive section is empty, the number prints as nothing."""
        first = self.code.split(";")[0]
        return ";" in self.code and not _QUOTED.sub("", first).strip() and not _QUOTED.search(first)

    @cached_property
    def is_percent(self) -> bool:
        return "%" in _QUOTED.sub("", self.code)

    @cached_property
    def scales(self) -> bool:
        """A comma right after the last digit placeholder divides by 1,000 per comma."""
        for section in _QUOTED.sub("", self.code).split(";"):
            if re.search(r"[0#?],+(?![0#?])", section):
                return True
        return False

    def literal_units(self) -> list[str]:
        """Unit words the format prints beside the number, e.g. ["万元"] for
        ``#,##0.00"万元"`` or ``#,##0.00\\万\\元`` (quoted and escaped text)."""
        text = "".join(
            m.group(0).strip('"').lstrip("\\")
            for m in _QUOTED.finditer(self.code)
            if m.group(0)[0] in '"\\'
        )
        found = []
        for unit in ("千万元", "亿元", "万元", "千元", "百元", "元"):
            if unit in text:
                found.append(unit)
                text = text.replace(unit, "")
        found += [u for u in ("亿", "万", "千") if u in text]
        return found


@dataclass(frozen=True)
class Styles:
    """Cell style index -> number format, from ``xl/styles.xml`` (immutable: the files of
    one template share one)."""

    formats: tuple[NumberFormat, ...] = ()

    def number_format(self, style: int) -> NumberFormat:
        if 0 <= style < len(self.formats):
            return self.formats[style]
        return NumberFormat("General", 0)


def parse_styles(data: bytes) -> Styles:
    """The cellXfs' number formats (a small part: defusedxml, no DTD, no entities).

    The files an office returns from one template mostly carry the same ``styles.xml``
    byte for byte, so the last few small parts parsed are kept, keyed by their bytes."""
    if not data:
        return Styles()
    if len(data) > _CACHED_BYTES:
        return _parse_styles(data)
    return _parse_styles_cached(bytes(data))


_CACHED_BYTES = 1 << 16  # a template's part is about 19 KB; a big one is parsed each time


@lru_cache(maxsize=8)
def _parse_styles_cached(data: bytes) -> Styles:
    return _parse_styles(data)


def _parse_styles(data: bytes) -> Styles:
    import defusedxml.ElementTree as SafeET

    root = SafeET.fromstring(data)
    custom: dict[int, str] = {}
    xfs: list[Any] = []
    for el in root:
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "numFmts":
            for fmt in el:
                fid = _int(fmt.get("numFmtId"))
                if fid is not None:
                    custom[fid] = fmt.get("formatCode", "")
        elif tag == "cellXfs":
            xfs = [xf for xf in el if xf.tag.rsplit("}", 1)[-1] == "xf"]
    formats = []
    for xf in xfs:
        fid = _int(xf.get("numFmtId")) or 0
        if fid in custom:
            formats.append(NumberFormat(custom[fid], None))
        else:
            formats.append(NumberFormat(BUILTIN_FORMATS.get(fid, "General"), fid))
    return Styles(tuple(formats))


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None
