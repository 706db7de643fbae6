"""The annotated copy is the office's package edited in place: what the marks do not
concern is carried over byte for byte, and odd but valid XML is edited, not refused."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest
from builders import build_submission, line
from openpyxl import load_workbook

from toolkit import form
from toolkit.issues import Issue
from toolkit.output.annotate import (
    ERROR_FILL,
    ISSUE_SHEET,
    MARKS_SHEET,
    WARNING_FILL,
    annotate,
    annotate_file,
)
from toolkit.rules.batch import check


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _issue(cell: str, error: bool = True, sheet: str = "数据", rule: str = "unknown-code") -> Issue:
    m = re.fullmatch(r"([A-Z]+)([0-9]+)", cell)
    assert m
    col = sum((ord(ch) - 64) * 26**k for k, ch in enumerate(reversed(m.group(1))))
    return Issue(
        rule,
        "error" if error else "warning",
        f"{cell} 的问题",
        sheet=sheet,
        cell=cell,
        row=int(m.group(2)),
        column=col,
        value="x",
    )


def _rich_workbook(path: Path) -> Path:
    """Everything openpyxl would drop: an image, a chart, sparklines (an x14 extLst)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("数据")
    money = wb.add_format({"num_format": "#,##0.00", "bold": True})
    ws.write_row(0, 0, ["项目", "金额", "一月", "二月"])
    for r in range(1, 6):
        ws.write_string(r, 0, f"项目{r}")
        ws.write_number(r, 1, 1000.5 * r, money)
        ws.write_number(r, 2, r)
        ws.write_number(r, 3, 2 * r)
        ws.add_sparkline(r, 4, {"range": f"数据!C{r + 1}:D{r + 1}"})
    ws.insert_image("G2", "dot.png", {"image_data": io.BytesIO(_png())})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=数据!$B$2:$B$6"})
    ws.insert_chart("G10", chart)
    ws.set_row(3, None, None, {"hidden": True})
    ws.set_column("C:C", None, None, {"hidden": True})
    wb.close()
    return path


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_parts_the_marks_do_not_concern_are_carried_byte_for_byte(tmp_path: Path) -> None:
    src = _rich_workbook(tmp_path / "rich.xlsx")
    issues = [_issue("B2"), _issue("C4", error=False), _issue("F9")]  # C4: hidden row, column
    target = annotate_file(src, issues, tmp_path / "out" / "copy.xlsx", mark="abc")
    before, after = _members(src), _members(target)
    for name in before:
        if name.startswith(("xl/media/", "xl/charts/", "xl/drawings/drawing", "xl/theme/")):
            assert after[name] == before[name], name
    sheet = next(n for n in before if n.startswith("xl/worksheets/sheet"))
    assert b"x14:sparklineGroups" in after[sheet]  # the sheet's extension list kept
    assert after[sheet].count(b"<row ") >= before[sheet].count(b"<row ")
    for name, data in after.items():  # every part well-formed, every new part typed
        if name.endswith((".xml", ".rels", ".vml")):
            ElementTree.fromstring(data)
    types = after["[Content_Types].xml"].decode()
    for name in set(after) - set(before):
        assert f'PartName="/{name}"' in types or name.endswith(".vml"), name
    assert 'Extension="vml"' in types
    wb = load_workbook(target)
    ws = wb["数据"]
    assert ws["B2"].fill.fgColor.rgb.endswith(ERROR_FILL)
    assert ws["B2"].number_format == "#,##0.00" and ws["B2"].font.b  # its own format kept
    assert ws["B2"].value == 1000.5
    assert ws["C4"].fill.fgColor.rgb.endswith(WARNING_FILL)
    assert not ws.row_dimensions[4].hidden and not ws.column_dimensions["C"].hidden
    assert ws["F9"].fill.fgColor.rgb.endswith(ERROR_FILL)  # a cell (and row) that was not there
    assert "F9 的问题" in ws["F9"].comment.text
    assert wb.sheetnames == [ISSUE_SHEET, "数据", MARKS_SHEET]
    assert wb.active.title == ISSUE_SHEET and not ws.sheet_view.tabSelected
    assert wb.custom_doc_props["budget_toolkit.annotated"].value == "abc"


@pytest.mark.libreoffice
def test_libreoffice_reads_the_edited_package(tmp_path: Path, lo_convert) -> None:  # type: ignore[no-untyped-def]
    src = _rich_workbook(tmp_path / "rich.xlsx")
    target = annotate_file(src, [_issue("B2"), _issue("F9")], tmp_path / "out" / "copy.xlsx")
    back = load_workbook(lo_convert(target, tmp_path / "lo"))
    assert back.sheetnames[0] == ISSUE_SHEET
    ws = back["数据"]
    assert ws["B2"].value == 1000.5 and ws["B2"].comment is not None
    assert ws["F9"].comment is not None
    assert back[ISSUE_SHEET]["C2"].value == "unknown-code"


def _prefixed(path: Path) -> Path:
    """The entry sheet rewritten with an ``x:`` prefix on every element (valid XML that
    no office client writes, but some generators do)."""
    from builders import entry_part

    part = entry_part(path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    xml = members[part].decode()
    xml = re.sub(r"<(/?)(?!\?)([A-Za-z]+)([\s/>])", r"<\1x:\2\3", xml)
    xml = xml.replace('<x:worksheet xmlns="', '<x:worksheet xmlns:x="', 1)
    members[part] = xml.encode()
    out = path.with_name("prefixed.xlsx")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out


def test_a_sheet_with_namespace_prefixes_is_marked(tmp_path: Path) -> None:
    path = _prefixed(build_submission(tmp_path / "a.xlsx", [line(), line(code="033Z")]))
    result = check(path)
    found = [(i.rule, i.cell) for i in result.files[0].issues]
    assert ("unknown-code", "C5") in found
    (done,) = annotate(result, tmp_path / "out")
    assert done.target is not None, done.reason
    xml = _members(done.target)
    entry = next(v for k, v in xml.items() if b"<x:sheetData" in v)
    assert b"<c " not in entry and b"<row " not in entry  # new elements took the prefix
    ws = load_workbook(done.target)[form.SHEET_ENTRY]
    assert ws["C5"].fill.fgColor.rgb.endswith(ERROR_FILL)
    again = check(done.target)
    assert [(i.rule, i.cell) for i in again.files[0].issues][1:] == found


def test_sheet_local_names_follow_their_sheets(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    first.title = "说明"
    first["A1"] = "说明"
    data = wb.create_sheet("数据")
    for r in range(1, 5):
        data.append([f"项目{r}", r])
    data.print_title_rows = "1:1"
    first.print_area = "A1:C3"
    src = tmp_path / "names.xlsx"
    wb.save(src)
    target = annotate_file(src, [_issue("B2")], tmp_path / "copy.xlsx")
    original, copy = load_workbook(src), load_workbook(target)
    assert copy["数据"].print_title_rows == original["数据"].print_title_rows == "$1:$1"
    assert copy["说明"].print_area == original["说明"].print_area
    assert copy["说明"].print_area and "A$1:$C$3" in copy["说明"].print_area
    assert copy[ISSUE_SHEET].print_title_rows in ("1:1", "$1:$1")


def test_the_office_comments_stay_beside_ours(tmp_path: Path) -> None:
    from openpyxl.comments import Comment

    path = build_submission(tmp_path / "a.xlsx", [line(), line(code="033Z")])
    wb = load_workbook(path)
    ws = wb[form.SHEET_ENTRY]
    ws["B4"].comment = Comment("项目已立项", "李四")
    ws["C5"].comment = Comment("编码待定", "李四")
    wb.save(path)
    (done,) = annotate(check(path), tmp_path / "out")
    ws = load_workbook(done.target)[form.SHEET_ENTRY]
    assert ws["B4"].comment.text == "项目已立项" and ws["B4"].comment.author == "李四"
    assert ws["C5"].comment.text.startswith("编码待定\n——\n")
    assert "unknown-code" in ws["C5"].comment.text


def test_a_comment_inside_the_cell_data_is_refused_with_a_reason(tmp_path: Path) -> None:
    from builders import patch_part

    path = build_submission(tmp_path / "a.xlsx", [line(), line(code="033Z")])
    from builders import entry_part

    patch_part(path, entry_part(path), "<row ", "<!-- 注 --><row ", count=1)
    result = check(path)
    assert any(i.rule == "unknown-code" for i in result.files[0].issues)
    (done,) = annotate(result, tmp_path / "out")
    assert done.target is None and "注释" in done.reason
    assert not list((tmp_path / "out").glob("*.xlsx"))


def test_a_hundred_marks_in_one_row_and_a_missing_row(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["a", "b", "c"])
    ws.append([1, None, 3])
    src = tmp_path / "s.xlsx"
    wb.save(src)
    issues = [_issue(f"{col}{row}") for row in (2, 7) for col in ("A", "B", "C", "E", "AA")]
    copy = load_workbook(annotate_file(src, issues, tmp_path / "copy.xlsx"))["数据"]
    for i in issues:
        assert copy[i.cell].fill.fgColor.rgb.endswith(ERROR_FILL), i.cell
        assert copy[i.cell].comment is not None, i.cell
    assert copy["A2"].value == 1 and copy["C2"].value == 3 and copy["B2"].value is None


def test_an_untouched_office_comment_is_kept_as_written(tmp_path: Path) -> None:
    """Rich text, ids in other namespaces (Excel 365's xr:uid): a comment on a cell with
    no issue is carried over as the office wrote it."""
    from builders import patch_part
    from openpyxl.comments import Comment

    path = build_submission(tmp_path / "a.xlsx", [line(), line(code="033Z")])
    wb = load_workbook(path)
    wb[form.SHEET_ENTRY]["B4"].comment = Comment("x", "李四")
    wb.save(path)
    part = next(n for n in _members(path) if "comments" in n and n.endswith(".xml"))
    xml = _members(path)[part].decode()
    rich = (
        '<comment ref="B4" authorId="0" xr:uid="{0A1B2C3D-0000-4000-8000-000000000001}">'
        "<text><r><rPr><b/></rPr><t>重要：</t></r><r><t>已立项</t></r></text></comment>"
    )
    xml = re.sub(r"<comment ref=\"B4\".*?</comment>", rich, xml, flags=re.S)
    xml = xml.replace(
        "<comments ",
        '<comments xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" ',
        1,
    )
    patch_part(path, part, _members(path)[part], xml.encode())
    (done,) = annotate(check(path), tmp_path / "out")
    after = _members(done.target)
    copied = next(v for n, v in after.items() if "comments" in n and n.endswith(".xml"))
    assert rich.encode() in copied
    ElementTree.fromstring(copied)
    ws = load_workbook(done.target)[form.SHEET_ENTRY]
    assert ws["B4"].comment.text == "重要：已立项"
    assert "unknown-code" in ws["C5"].comment.text
