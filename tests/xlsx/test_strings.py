"""The shared string table reads exactly as expat reads it, whichever path reads it.

Three readings of the same bytes: ``parse_shared_strings`` with the compiled step
(``toolkit/xlsx/_strings.c``), the same without it (plain items directly), and
``_parse_exact`` (expat). On random tables, in the shapes Excel, WPS and LibreOffice write
and in odd ones (names, attribute bytes, what stands before and after the items), they
give the same texts, or all three raise ``StringsError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.xlsx import strings as S
from toolkit.xlsx.strings import StringsError, parse_shared_strings

HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9">'
)

# pieces of text, each as it is written in the XML
TEXT_PIECES = [
    "养老服务",
    "居家养老",
    "abc",
    " ",
    "\t",
    "\n",
    "1,234.50",
    "&amp;",
    "&lt;b&gt;",
    "&quot;&apos;",
    "_x000D_",
    "_x005F_x000D_",
    "_xZZ",
    "a>b",
    "]]>",
    "]]",
    "]",
    "\r\n",
    "\r",
    "&#13;",
    "&#x41;",
    "&#xD800;",
    "&nbsp;",
    "&",
    "\x01",
    "\ufffe",
    "\uffff",
    "\U0001f600",
]
ODD_PIECES = {"]]>", "\r\n", "\r", "&#13;", "&#x41;", "&#xD800;", "&nbsp;", "&", "\x01"}
ODD_PIECES |= {"\ufffe", "\uffff"}


@st.composite
def _text(draw: Any, odd: bool) -> bytes:
    pool = TEXT_PIECES if odd else [p for p in TEXT_PIECES if p not in ODD_PIECES]
    return "".join(draw(st.lists(st.sampled_from(pool), max_size=4))).encode()


RUN_PROPERTIES = [
    b"",
    b"<rPr><b/></rPr>",
    '<rPr><sz val="11"/><color rgb="FF000000"/><rFont val="宋体"/><family val="2"/></rPr>'.encode(),
    b"<rPr><rFont val='a&amp;b'/></rPr>",
    b'<rPr><rFont val="a>b"/></rPr>',
]
ODD_RUN_PROPERTIES = [
    b'<rPr><b val="1" val="1"/></rPr>',  # a repeated attribute
    b"<rPr><b val=1/></rPr>",  # unquoted
    b'<rPr><x:b val="1"/></rPr>',  # an unbound prefix
    b'<rPr><b val="a&c"/></rPr>',  # a bare ampersand
    b"<rPr><b/></rPx>",  # mismatched
    b"<rPr><!-- a comment --></rPr>",
    b'<rPr><b val="1"val="2"/></rPr>',
    b"<rPr><1/></rPr>",  # a name may not start with a digit
    b"<rPr><-b></-b></rPr>",
    b'<rPr><b 1="x"/></rPr>',
    b'<rPr><b xml:="x"/></rPr>',
    b'<rPr><b xml:a:b="x"/></rPr>',
    b'<rPr><rFont val="\xff"/></rPr>',  # an attribute value that is not UTF-8
    b'<rPr><rFont val="\xed\xa0\x80"/></rPr>',  # a surrogate
    b'<rPr><rFont val="\xef\xbf\xbe"/></rPr>',  # U+FFFE
]


def _t(text: bytes, how: int) -> bytes:
    if how == 0:
        return b"<t>" + text + b"</t>"
    if how == 1:
        return b'<t xml:space="preserve">' + text + b"</t>"
    if how == 2:
        return b"<t/>" if not text else b"<t >" + text + b"</t>"
    return b"<t\n xml:space='preserve'>" + text + b"</t>"


@st.composite
def _item(draw: Any, odd: bool) -> bytes:
    shape = draw(st.sampled_from(["plain", "plain", "rich", "phonetic", "spaced", "odd"]))
    if shape == "odd" and not odd:
        shape = "plain"
    how = draw(st.integers(0, 3))
    if shape == "plain":
        return b"<si>" + _t(draw(_text(odd)), how) + b"</si>"
    if shape == "spaced":
        return b"<si>\n  " + _t(draw(_text(odd)), how) + b"\n</si>"
    props = RUN_PROPERTIES + (ODD_RUN_PROPERTIES if odd else [])
    runs = b"".join(
        b"<r>" + draw(st.sampled_from(props)) + _t(draw(_text(odd)), how) + b"</r>"
        for _ in range(draw(st.integers(1, 3)))
    )
    if shape == "rich":
        return b"<si>" + runs + b"</si>"
    if shape == "phonetic":
        phonetic = '<si><t>文字</t><rPh sb="0" eb="2"><t>ぶんじ</t></rPh>'.encode()
        return phonetic + runs + b"</si>"
    return draw(
        st.sampled_from(
            [
                b"<si>stray text<t>a</t></si>",  # text outside <t>
                b"<si><r><t>a</t></si>",  # an element left open
                b"<si><t>a</t><si><t>b</t></si>",  # nested items
                b'<si count="1"><t>a</t></si>',  # an item with an attribute
                b"<si/>",
                b"<si><x:t>a</x:t></si>",
                b"<si><?pi x?><t>a</t></si>",
                b"<si><t>a</t ></si>",
                b"<si><t>a</t></si >",
                b"<si><t>\xff\xfe</t></si>",  # not UTF-8
            ]
        )
    )


SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9">'
DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
PROLOGS = [
    HEAD,
    SST,
    b"\xef\xbb\xbf" + HEAD,  # a byte-order mark
    DECLARATION + b"\r\n" + SST + b"\n",
    b"<?xml version='1.0'?><sst count='1' uniqueCount='1'>",
    b'<sst xmlns="u" xmlns:x="v" count="1">',
]
ODD_PROLOGS = [
    b'<?xml version="1.0" encoding="ISO-8859-1"?>' + SST,  # expat reads it as Latin-1
    b'<?xml version="1.0" encoding="GBK"?>' + SST,  # expat cannot read it
    b'<?xml version="1.0" encoding="bogus"?>' + SST,
    b"junk" + SST,
    b"\x00" + SST,
    b"",  # no <sst> at all
    b'<sst a="&amp;">',
    b'<sst a="&foo;">',
    b'<sst a="1" a="2">',
    b'<sst x:a="1">',  # an unbound prefix
    b'<sst xmlns:x="">',
    b"<sst><x>",  # an element left open before the items
    b"<!DOCTYPE sst>" + SST,
    b"<!-- c -->" + SST,
    b' <?xml version="1.0"?>' + SST,  # the declaration must come first
]
EPILOGS = [b"</sst>", b"</sst>\n", b"</sst>\r\n  "]
ODD_EPILOGS = [b"</sst>junk", b"</sst><!DOCTYPE x>", b"</sst><x/>", b"</sst >", b""]


@st.composite
def _table(draw: Any, odd: bool = False) -> bytes:
    items = draw(st.lists(_item(odd), max_size=6))
    sep = draw(st.sampled_from([b"", b"\n", b"\n  "]))
    head = draw(st.sampled_from(PROLOGS + (ODD_PROLOGS if odd else [])))
    tail = draw(st.sampled_from(EPILOGS + (ODD_EPILOGS if odd else [])))
    return head + sep.join(items) + tail


def _reading(fn: Callable[[bytes], list[str]], data: bytes) -> Any:
    try:
        return fn(data)
    except StringsError:
        return StringsError


def _without_c(data: bytes) -> Any:
    held = S._scan
    S._scan = None
    try:
        return _reading(parse_shared_strings, data)
    finally:
        S._scan = held


@settings(max_examples=600, deadline=None)
@given(data=st.one_of(_table(), _table(odd=True)))
def test_every_path_reads_what_expat_reads(data: bytes) -> None:
    exact = _reading(S._parse_exact, data)
    assert _reading(parse_shared_strings, data) == exact
    assert _without_c(data) == exact


def _body(data: bytes) -> bytes:
    return data[data.find(b"<si") : data.rfind(b"</sst>")]


def test_the_compiled_step_takes_the_shapes_offices_write() -> None:
    assert S._scan is not None
    data = (
        HEAD
        + (
            "<si><t>养老服务</t></si>"
            '<si><t xml:space="preserve"> a &amp; b </t></si>'
            '<si><r><rPr><b val="true"/><sz val="16"/><rFont val="宋体"/></rPr>'
            '<t xml:space="preserve">2027</t></r><r><t>年度预算</t></r></si>'
            "<si><t/></si><si><t>x_x000D_y</t></si></sst>"
        ).encode()
    )
    assert S._scan.strings(_body(data)) == (
        ["养老服务", " a & b ", "2027年度预算", "", "x_x000D_y"],
        [4],
    )
    assert parse_shared_strings(data) == S._parse_exact(data)
    assert parse_shared_strings(data)[4] == "x\ry"


@pytest.mark.parametrize(
    "item",
    [
        b"<si><t>a\r\nb</t></si>",  # expat turns CR LF into LF
        b"<si><t>&#13;</t></si>",
        b"<si><t>a]]>b</t></si>",
        b"<si><t>\x01</t></si>",
        b'<si><t>a</t><rPh sb="0" eb="1"><t>b</t></rPh></si>',
        b"<si><t>\xff</t></si>",
        b"<si><!--c--><t>a</t></si>",
    ],
)
def test_the_compiled_step_declines_what_expat_rewrites_or_rejects(item: bytes) -> None:
    data = HEAD + item + b"</sst>"
    assert S._scan is not None and S._scan.strings(_body(data)) is None
    assert _reading(parse_shared_strings, data) == _reading(S._parse_exact, data)


def test_line_ends_and_attribute_brackets_read_as_expat_reads_them() -> None:
    # the old fast path kept a CR and read '>' inside an attribute as the tag's end
    data = HEAD + b'<si><t>a\r\nb</t></si><si><t foo="a>b">x</t></si></sst>'
    assert parse_shared_strings(data) == ["a\nb", "x"]
    assert _without_c(data) == ["a\nb", "x"]


@pytest.mark.parametrize(
    "data",
    [
        b"<sst>&bad;</sst>",  # no item, but not well-formed
        b"<sst></sst><foo>",
        b'<sst xmlns="u">\x00<t/>&lt;</sst>',
        b'<?xml version="1.0" encoding="GBK"?><sst><si><t>\xd1\xf8</t></si></sst>',
        b'<?xml version="1.0" encoding="ISO-8859-1"?><sst><si><t>\xc3\xa9</t></si></sst>',
    ],
)
def test_what_lies_outside_the_items_is_read_as_expat_reads_it(data: bytes) -> None:
    exact = _reading(S._parse_exact, data)
    assert _reading(parse_shared_strings, data) == exact
    assert _without_c(data) == exact


def test_an_empty_part_is_malformed_not_an_empty_table() -> None:
    """Hypothesis found it (b"" = no prolog, no items, no epilog): expat refuses an empty
    document, so every path does; a package without the part reads as no strings."""
    assert _reading(S._parse_exact, b"") is StringsError
    assert _reading(parse_shared_strings, b"") is StringsError
    assert _without_c(b"") is StringsError
