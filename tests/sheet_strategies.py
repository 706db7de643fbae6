"""Random worksheet XML written every way a spreadsheet program or a hand-edited file
writes it (for the parser's and the annotated copy's property tests)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

from toolkit.xlsx.cells import STRAY

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS = ["项目", "033A0101 居家养老服务", "a&b", " 前后空格 "]

text = st.lists(
    st.sampled_from([*list("ab 1,.¥元<>&\"'\t\n養老"), "\u3000", "&amp;", "\r\n"]), max_size=8
).map("".join)
number = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.decimals(-(10**6), 10**6, places=3, allow_nan=False).map(str),
    st.sampled_from(["1E+3", "1.5e-2", " 12 ", "-0"]),
)


class Plan:
    """A sheet parser's plan for the tests: a policy per column (STRAY for the rest) from
    ``start_row`` on; text starting with a digit looks like a line item."""

    def __init__(self, start_row: int, policies: dict[int, int]) -> None:
        self.start_row = start_row
        self._policies = policies

    def policy(self, column: int) -> int:
        return self._policies.get(column, STRAY)

    def line_like(self, kind: int, value: Any) -> bool:
        return isinstance(value, str) and value[:1].isdigit()


ODD_KINDS = ["shared-f", "empty-is", "empty-v", "escape", "charref", "date", "attrs"]


@st.composite
def cell(draw: st.DrawFn, ref: str, odd: bool = False) -> str:
    style = draw(st.sampled_from(["", ' s="0"', ' s="3"']))
    kinds = ["n", "s", "str", "inline", "b", "e", "empty", "f"] + (ODD_KINDS if odd else [])
    kind = draw(st.sampled_from(kinds))
    if kind in ODD_KINDS:
        return _odd_cell(draw, kind, ref, style)
    r = f' r="{ref}"' if draw(st.integers(0, 9)) or kind == "f" else ""  # mostly referenced
    if kind == "n":
        return f"<c{r}{style}><v>{draw(number)}</v></c>"
    if kind == "s":
        return f'<c{r}{style} t="s"><v>{draw(st.integers(0, len(STRINGS) - 1))}</v></c>'
    if kind == "str":
        return f'<c{r}{style} t="str"><f>"x"&amp;"y"</f><v>{escape(draw(text))}</v></c>'
    if kind == "inline":
        space = ' xml:space="preserve"' if draw(st.booleans()) else ""
        return f'<c{r}{style} t="inlineStr"><is><t{space}>{escape(draw(text))}</t></is></c>'
    if kind == "b":
        return f'<c{r}{style} t="b"><v>{draw(st.sampled_from(["0", "1"]))}</v></c>'
    if kind == "e":
        error = draw(st.sampled_from(["#DIV/0!", "#REF!", "#N/A", "#VALUE!"]))
        return f'<c{r}{style} t="e"><v>{error}</v></c>'
    if kind == "empty":
        return f"<c{r}{style}/>" if r else f"<c{style}/>"
    formula = draw(st.sampled_from(["SUM(K4:K9)", "1/0", "A1&amp;B1", "IF(A1&lt;2,1,2)"]))
    cached = draw(st.one_of(st.none(), number))
    value = f"<v>{cached}</v>" if cached is not None else ""
    return f"<c{r}{style}><f>{formula}</f>{value}</c>"


def _odd_cell(draw: st.DrawFn, kind: str, ref: str, style: str) -> str:
    """Shapes that real files hold now and then: shared formulas, empty inline strings and
    values, ``_x000D_`` escapes, character references, dates, more attributes."""
    r = f' r="{ref}"'
    if kind == "shared-f":
        cached = draw(st.one_of(st.none(), number))
        value = f"<v>{cached}</v>" if cached is not None else ""
        return f'<c{r}{style}><f t="shared" si="0"/>{value}</c>'
    if kind == "empty-is":
        return f'<c{r}{style} t="inlineStr"><is></is></c>'
    if kind == "empty-v":
        return f'<c{r}{style} t="s"><v></v></c>'
    if kind == "escape":
        return f'<c{r}{style} t="str"><v>a_x000D_b{escape(draw(text))}</v></c>'
    if kind == "charref":
        return f'<c{r}{style} t="str"><v>&#20859;&#x8001;{escape(draw(text))}</v></c>'
    if kind == "date":
        return f'<c{r}{style} t="d"><v>2027-01-0{draw(st.integers(1, 9))}</v></c>'
    extra = draw(st.sampled_from([' cm="1"', ' ph="1" vm="2"', '\ts="5"', ' t="n" s="1"']))
    return f"<c{r}{extra}><v>{draw(number)}</v></c>"


@st.composite
def sheet_xml(draw: st.DrawFn, odd: bool = False) -> bytes:
    rows = []
    for r in sorted(draw(st.sets(st.integers(1, 40), max_size=8))):
        cols = sorted(draw(st.sets(st.integers(1, 14), max_size=6)))
        cells = "".join(draw(cell(ref_of(r, c), odd)) for c in cols)
        hidden = draw(st.sampled_from([' hidden="1"', ' ht="0"', ' hidden="true"'])) if odd else ""
        hidden = (hidden or ' hidden="1"') if draw(st.integers(0, 5)) == 0 else ""
        spans = f' spans="1:{max(cols)}"' if cols and draw(st.booleans()) else ""
        if odd and hidden and draw(st.booleans()):  # r after the other attributes: legal
            rows.append(f'<row{hidden}{spans} r="{r}">{cells}</row>')
        else:
            rows.append(f'<row r="{r}"{spans}{hidden}>{cells}</row>')
    if odd and rows and draw(st.integers(0, 4)) == 0:  # a row again: repeated references
        rows.append(draw(st.sampled_from(rows)))
    prefix = draw(st.sampled_from(["", "", "", "x:"]))
    body = "".join(rows)
    if prefix:
        body = body.replace("<", "<x:").replace("<x:/", "</x:")
    root = f"{prefix}worksheet"
    xmlns = f"xmlns{':x' if prefix else ''}={quoteattr(NS)}"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{root} {xmlns}>'
        f"<{prefix}sheetData>{body}</{prefix}sheetData></{root}>"
    ).encode()


def ref_of(row: int, col: int) -> str:
    return f"{chr(ord('A') + col - 1)}{row}"
