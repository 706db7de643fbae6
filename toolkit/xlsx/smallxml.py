"""A small XML part as its elements, parsed by defusedxml (no DTD, no entities).

The files an office returns from one template carry most of their small parts
(relationships, ``workbook.xml``, a worksheet's frame around its cells) byte for byte
alike, so the last few parts seen are kept, keyed by their bytes; a part above
``CACHED_BYTES`` is parsed each time and never kept.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

CACHED_BYTES = 1 << 16


class Element(NamedTuple):
    tag: str  # as expat gives it: ``{namespace}local``
    attrib: dict[str, str]  # shared by every caller of a kept part: read it, never change it
    text: str | None
    depth: int  # 0 for the root, 1 for its children, ...

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrib.get(key, default)


def elements(data: bytes) -> tuple[Element, ...]:
    """Every element of the document in document order; the parser's exception when the
    bytes are not well-formed XML (nothing is kept then)."""
    if len(data) > CACHED_BYTES:
        return _parse(data)
    return _parse_kept(bytes(data))


@lru_cache(maxsize=16)
def _parse_kept(data: bytes) -> tuple[Element, ...]:
    return _parse(data)


def _parse(data: bytes) -> tuple[Element, ...]:
    import defusedxml.ElementTree as SafeET

    out: list[Element] = []
    stack = [(SafeET.fromstring(data), 0)]
    while stack:  # document order without recursion (a crafted part may nest deeply)
        el, depth = stack.pop()
        out.append(Element(el.tag, el.attrib, el.text, depth))
        stack.extend((child, depth + 1) for child in reversed(el))
    return tuple(out)


def local(tag: str) -> str:
    """``{namespace}local`` or ``prefix:local`` -> ``local``."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
