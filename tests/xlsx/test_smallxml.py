"""toolkit.xlsx.smallxml: a small part's elements, kept by their bytes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.xlsx import smallxml
from toolkit.xlsx.package import Package

_NAMES = st.sampled_from(["a", "b", "x:c", "sheet", "Relationship"])


@st.composite
def _documents(draw: st.DrawFn, depth: int = 0) -> ET.Element:
    tag = draw(_NAMES).replace("x:", "{urn:x}")
    el = ET.Element(
        tag, draw(st.dictionaries(st.sampled_from(["id", "name", "r"]), st.text("ab1", max_size=3)))
    )
    el.text = draw(st.none() | st.text("中文a ", min_size=1, max_size=4))
    if depth < 3:
        el.extend(draw(st.lists(_documents(depth + 1), max_size=3)))
    return el


def _depths(root: ET.Element) -> list[tuple[str, dict[str, str], str | None, int]]:
    out = []

    def walk(el: ET.Element, depth: int) -> None:
        out.append((el.tag, dict(el.attrib), el.text, depth))
        for child in el:
            walk(child, depth + 1)

    walk(root, 0)
    return out


@settings(max_examples=100, deadline=None)
@given(_documents())
def test_elements_are_the_document_in_order_with_depths(root: ET.Element) -> None:
    data = ET.tostring(root, encoding="utf-8")
    got = smallxml.elements(data)
    assert [(e.tag, dict(e.attrib), e.text, e.depth) for e in got] == _depths(ET.fromstring(data))
    assert smallxml.elements(bytearray(data)) == got  # kept by the bytes, whatever holds them


def test_a_kept_part_is_parsed_once_and_a_big_one_never_kept() -> None:
    small = b"<r><a id='1'/></r>"
    assert smallxml.elements(small) is smallxml.elements(small)
    big = b"<r>" + b"<a/>" * (smallxml.CACHED_BYTES // 4) + b"</r>"
    assert len(smallxml.elements(big)) == smallxml.CACHED_BYTES // 4 + 1
    assert smallxml.elements(big) is not smallxml.elements(big)


def test_deep_nesting_and_bad_xml() -> None:
    deep = b"<a>" * 5000 + b"</a>" * 5000
    assert smallxml.elements(deep)[-1].depth == 4999
    with pytest.raises(ET.ParseError):
        smallxml.elements(b"<a><b></a>")
    from defusedxml import DTDForbidden, EntitiesForbidden

    with pytest.raises((DTDForbidden, EntitiesForbidden)):
        smallxml.elements(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')


def test_local_names() -> None:
    assert smallxml.local("{urn:x}sheet") == "sheet"
    assert smallxml.local("x:sheet") == "sheet"
    assert smallxml.local("sheet") == "sheet"


def test_custom_properties_read_their_values_and_the_last_of_a_name_counts(
    tmp_path: Path,
) -> None:
    ns = 'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    vt = 'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"'
    custom = (
        f"<Properties {ns}{vt}>"
        '<property pid="2" name="budget_toolkit.unit">'
        "<vt:lpwstr> 中原区 </vt:lpwstr></property>"
        '<property pid="3" name="other"><vt:lpwstr>x</vt:lpwstr></property>'
        '<property pid="4" name="budget_toolkit.year"><vt:lpwstr>2026</vt:lpwstr></property>'
        '<property pid="5" name="budget_toolkit.year"><vt:i4>2027</vt:i4></property>'
        "</Properties>"
    )
    path = tmp_path / "p.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("docProps/custom.xml", custom)
    with Package(path) as pkg:
        assert pkg.custom_properties() == {"unit": "中原区", "year": "2027"}
