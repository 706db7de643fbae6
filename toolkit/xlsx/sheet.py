"""One pass over a worksheet's XML: every cell with its kind, value, style and formula,
hidden rows and columns, the autofilter, merged ranges and repeated cell references.

Two parsers fill the same ``Worksheet``. ``expat`` is a real XML parser and is always
right; it costs a Python call per element. The fast parser reads the shape that Excel,
WPS, LibreOffice, openpyxl and xlsxwriter all write (``<c r="K7" s="3" t="s"><v>..``)
with one regular expression that runs in C and turns the matches into columns with
numpy, and it proves for every chunk that it saw every tag there is: no tag other than
row, c, f, v, is and t, no comment, CDATA or processing instruction, every ``<c``,
``<f``, ``<v>``, ``<is>`` and ``<t`` inside a matched cell, every ``&`` a predefined or
numeric entity. Any other shape (a comment between cells, lower-case references,
single-quoted attributes, cells without ``r``, namespace prefixes, rich inline text)
falls back to expat for the whole sheet, so the result never depends on which parser
ran; ``tests/xlsx`` compares the two on random sheets.

The fast parser's loop over the matches runs in C when it can: ``_scan.c``, built on
install, reads a strict subset of that shape (no character references, carriage returns,
``_x`` escapes or date cells; cells in order) into the same columns, proving every tag by
its own grammar, and declines any other chunk, which then takes the Python loop. Without
a compiler the package still installs and reads everything, only slower.
``tests/xlsx/test_scan.py`` compares the two loops on random sheets, with plans.

The document is read in chunks cut at ``</row>``, so a 200,000-row sheet never sits in
memory as XML, and cells are kept as a ``Plan`` says once the reader knows the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from toolkit.xlsx.sheet_exact import exact as _exact
from toolkit.xlsx.sheet_fast import Irregular
from toolkit.xlsx.sheet_fast import fast as _fast
from toolkit.xlsx.worksheet import PlanFor, Worksheet

Source = Callable[[], Iterator[bytes]]


def parse_sheet(
    source: bytes | Source,
    strings: list[str],
    plan_for: PlanFor | None = None,
    *,
    exact: bool = False,
    max_cells: int = 10_000_000,
) -> Worksheet:
    """Parse one worksheet's XML.

    ``source`` is the XML, or a function that returns its chunks afresh (called a second
    time only when the fast parser finds a shape it cannot prove and expat takes over).
    ``strings`` are the workbook's shared strings. ``plan_for(cells, whole_below)`` is
    asked, as rows come in, for a ``Plan`` (None: keep everything for now); rows below
    ``whole_below`` have all their cells in ``cells``. ``exact=True`` forces expat.
    Raises ``SheetError`` for XML that is not a worksheet, ``CellLimit`` past ``max_cells``.
    """
    chunks: Source = (lambda: iter((source,))) if isinstance(source, bytes | bytearray) else source
    if not exact:
        try:
            return _fast(chunks(), strings, plan_for, max_cells)
        except Irregular:
            pass
    return _exact(chunks(), strings, plan_for, max_cells)
