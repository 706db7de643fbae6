"""Class 11: formulas are found by a real XML parser.

Whatever shape the cell XML takes (comments, CDATA, `>` in attribute values, lower-case
references, namespace prefixes, single quotes, shared formulas), a formula or an error
value in an input cell is found; a repeated row or cell reference is duplicate-cell-ref,
never a silent overwrite.
"""

from __future__ import annotations

import re

import pytest
from trust_builders import (
    accepted_fen,
    build_submission,
    check,
    found,
    items,
    replace_sheet_xml,
    set_cell_xml,
    sheet_xml,
)

FORMULA_SHAPES = {
    "plain": '<c r="K5"><f>1000+1000</f><v>2000</v></c>',
    "comment-before": '<c r="K5"><!-- 改过 --><f>1000+1000</f><v>2000</v></c>',
    "comment-inside-f": '<c r="K5"><f>1000+<!-- x -->1000</f><v>2000</v></c>',
    "gt-in-attribute": '<c r="K5" s="0"><f aca="false" note="a>b">1000+1000</f><v>2000</v></c>',
    "gt-in-cell-attribute": '<c note="x>y" r="K5"><f>1000+1000</f><v>2000</v></c>',
    "lower-case-ref": '<c r="k5"><f>1000+1000</f><v>2000</v></c>',
    "single-quotes": "<c r='K5' t='n'><f>1000+1000</f><v>2000</v></c>",
    "cdata": '<c r="K5"><f><![CDATA[1000+1000]]></f><v>2000</v></c>',
    "entity": '<c r="K5"><f>1000&#43;1000</f><v>2000</v></c>',
    "pi": '<c r="K5"><?mso x?><f>1000+1000</f><v>2000</v></c>',
    "empty-f": '<c r="K5"><f></f><v>2000</v></c>',
    "self-closing-f": '<c r="K5"><f t="shared" si="7"/><v>2000</v></c>',
    "array": '<c r="K5"><f t="array" ref="K5">1000+1000</f><v>2000</v></c>',
    "spaces": '<c   r = "K5" ><f >1000+1000</f ><v >2000</v ></c >',
    "v-before-f": '<c r="K5"><v>2000</v><f>1000+1000</f></c>',
    "string-result": '<c r="K5" t="str"><f>"2000"</f><v>2000</v></c>',
}
ERROR_SHAPES = {
    "plain": '<c r="K5" t="e"><v>#REF!</v></c>',
    "n/a": '<c r="K5" t="e"><v>#N/A</v></c>',
    "div0-comment": '<c r="K5" t="e"><!-- x --><v>#DIV/0!</v></c>',
    "lower-case-ref": '<c r="k5" t="e"><v>#VALUE!</v></c>',
    "single-quotes": "<c r='K5' t='e'><v>#NAME?</v></c>",
    "formula-error": '<c r="K5" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
}


def _three(tmp_path):
    return build_submission(tmp_path / "a.xlsx", items(3))


def _assert_row5_stopped(result, rule):
    assert (rule, "error", "K5") in found(result), found(result)
    rows = result.all_rows.set_index("row")
    assert not rows.loc[5, "accepted"]
    assert accepted_fen(result) == 100_000 + 300_000


@pytest.mark.parametrize("shape", FORMULA_SHAPES, ids=str)
def test_a_formula_in_an_amount_cell_is_found_whatever_the_xml(tmp_path, shape):
    path = set_cell_xml(_three(tmp_path), "K5", FORMULA_SHAPES[shape])
    _assert_row5_stopped(check(path), "formula-in-input")


@pytest.mark.parametrize("shape", ERROR_SHAPES, ids=str)
def test_an_error_value_is_found_whatever_the_xml(tmp_path, shape):
    path = set_cell_xml(_three(tmp_path), "K5", ERROR_SHAPES[shape])
    result = check(path)
    want = "formula-in-input" if "<f>" in ERROR_SHAPES[shape] else "cell-error-value"
    _assert_row5_stopped(result, want)


def test_a_formula_in_a_code_cell_with_a_valid_cached_code(tmp_path):
    path = set_cell_xml(
        _three(tmp_path), "C5", '<c r="C5" t="str"><f>"033A"&amp;"0101"</f><v>033A0101</v></c>'
    )
    result = check(path)
    assert ("formula-in-input", "error", "C5") in found(result)


def test_a_shared_formula_is_found_on_every_cell_it_covers(tmp_path):
    path = _three(tmp_path)
    set_cell_xml(path, "K5", '<c r="K5"><f t="shared" ref="K5:K6" si="0">K4*2</f><v>2000</v></c>')
    set_cell_xml(path, "K6", '<c r="K6"><f t="shared" si="0"/><v>4000</v></c>')
    result = check(path)
    assert {("formula-in-input", "error", "K5"), ("formula-in-input", "error", "K6")} <= found(
        result
    )
    assert accepted_fen(result) == 100_000


def _prefixed(xml: bytes) -> bytes:
    text = xml.decode()
    text = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", r"<\1x:\2", text)
    text = text.replace("<x:?xml", "<?xml")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return text.replace(f'xmlns="{ns}"', f'xmlns:x="{ns}"', 1).encode()


def test_a_formula_in_a_namespace_prefixed_sheet(tmp_path):
    path = set_cell_xml(_three(tmp_path), "K5", FORMULA_SHAPES["plain"])
    replace_sheet_xml(path, _prefixed)
    assert b"<x:f>" in sheet_xml(path)
    _assert_row5_stopped(check(path), "formula-in-input")


def test_an_error_value_in_a_namespace_prefixed_sheet(tmp_path):
    path = set_cell_xml(_three(tmp_path), "K5", ERROR_SHAPES["plain"])
    replace_sheet_xml(path, _prefixed)
    _assert_row5_stopped(check(path), "cell-error-value")


# -- repeated references ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "second",
    [
        '<c r="K5"><v>9000</v></c>',  # the same reference again
        '<c r="k5"><v>9000</v></c>',  # the same cell in lower case
        '<c r="$K$5"><v>9000</v></c>',
    ],
)
def test_a_repeated_cell_reference_is_an_error(tmp_path, second):
    path = _three(tmp_path)

    def repeat(data: bytes) -> bytes:
        cut = data.index(b'<row r="6"') - len(b"</row>")
        return data[:cut] + second.encode() + data[cut:]

    replace_sheet_xml(path, repeat)
    result = check(path)
    assert ("duplicate-cell-ref", "error", "K5") in found(result), found(result)
    rows = result.all_rows.set_index("row")
    assert not rows.loc[5, "accepted"]
    assert accepted_fen(result) == 400_000


def test_a_repeated_row_is_an_error_not_an_overwrite(tmp_path):
    path = _three(tmp_path)

    def repeat(data: bytes) -> bytes:
        return data.replace(
            b'<row r="6"', b'<row r="5"><c r="K5"><v>9000</v></c></row><row r="6"', 1
        )

    replace_sheet_xml(path, repeat)
    result = check(path)
    assert ("duplicate-cell-ref", "error", "K5") in found(result), found(result)
    assert accepted_fen(result) == 400_000


def test_a_repeated_reference_in_a_stray_cell_is_not_silent(tmp_path):
    """Two values for one cell below the table: whichever is read, it is reported."""
    path = build_submission(tmp_path / "a.xlsx", items(2), cells={"K20": 500})

    def repeat(data: bytes) -> bytes:
        return data.replace(b'<c r="K20"', b'<c r="K20" t="n"><v>700</v></c><c r="K20"', 1)

    replace_sheet_xml(path, repeat)
    result = check(path)
    assert any(c == "K20" and s == "error" for _, s, c in found(result)), found(result)


def test_a_formula_in_a_strict_ooxml_sheet(tmp_path):
    path = set_cell_xml(_three(tmp_path), "K5", FORMULA_SHAPES["plain"])
    transitional = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strict = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
    replace_sheet_xml(path, lambda x: x.replace(transitional, strict, 1))
    _assert_row5_stopped(check(path), "formula-in-input")
