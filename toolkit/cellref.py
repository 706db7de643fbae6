"""A1 cell references, both ways, and the worksheet's bounds: the one place they are spelt.

``column_letter(27) == "AA"``, ``a1(7, 11) == "K7"``, ``col_index("K") == 11`` (letters as
``str`` or as the ``bytes`` a sheet's XML gives), ``parse_ref("$K$7") == (7, 11)``,
``parse_range("M203:A3") == (3, 1, 203, 13)``. The compiled sheet step (``xlsx/_scan.c``)
keeps its own copy of the bounds, as C must.
"""

from __future__ import annotations

import re

EXCEL_MAX_ROW, EXCEL_MAX_COL = 1_048_576, 16_384


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA (0 -> "")."""
    letters = ""
    while column > 0:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


def col_index(letters: str | bytes) -> int:
    """``"K"`` -> 11, ``b"AA"`` -> 27 (upper- or lower-case)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ch if isinstance(ch, int) else ord(ch)) - 64
    return n


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def parse_ref(ref: str) -> tuple[int, int] | None:
    """``"K7"`` -> (7, 11); None when it is not a cell reference."""
    m = _REF.fullmatch(ref.strip())
    if m is None:
        return None
    return int(m.group(2)), col_index(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int] | None:
    """``"A3:M203"`` (or one cell) -> (r1, c1, r2, c2), normalised so r1 <= r2, c1 <= c2."""
    first, _, last = ref.strip().partition(":")
    a = parse_ref(first)
    b = parse_ref(last) if last else a
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])
