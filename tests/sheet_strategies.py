"""Random worksheet XML written every way a spreadsheet program or a hand-edited file
writes it (for the parser's and the annotated copy's property tests)."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from hypothesis import strategies as st

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


@st.composite
def cell(draw: st.DrawFn, ref: str) -> str:
    style = draw(st.sampled_from(["", ' s="0"', ' s="3"']))
    kind = draw(st.sampled_from(["n", "s", "str", "inline", "b", "e", "empty", "f"]))
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


@st.composite
def sheet_xml(draw: st.DrawFn) -> bytes:
    rows = []
    for r in sorted(draw(st.sets(st.integers(1, 40), max_size=8))):
        cols = sorted(draw(st.sets(st.integers(1, 14), max_size=6)))
        cells = "".join(draw(cell(ref_of(r, c))) for c in cols)
        hidden = ' hidden="1"' if draw(st.integers(0, 5)) == 0 else ""
        spans = f' spans="1:{max(cols)}"' if cols and draw(st.booleans()) else ""
        rows.append(f'<row r="{r}"{spans}{hidden}>{cells}</row>')
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
