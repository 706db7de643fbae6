"""Annotated copies: marks on the bad cells, a linked issue list, the original untouched."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from builders import build_from_template, build_submission, line
from openpyxl import load_workbook

from toolkit import form
from toolkit.output.annotate import ERROR_FILL, ISSUE_SHEET, WARNING_FILL, annotate, annotate_file
from toolkit.read.submission import legacy_content_hash, read_submission
from toolkit.rules.batch import check


def _lists(ws) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The dropdowns of a sheet: (cells, source) of every list validation."""
    return sorted(
        (str(d.sqref), str(d.formula1))
        for d in ws.data_validations.dataValidation
        if d.type == "list"
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def checked(tmp_path: Path):  # type: ignore[no-untyped-def]
    src = tmp_path / "in"
    src.mkdir()
    rows = [line(), line(code="033Z", amount=-1), line(project='=HYPERLINK("http://x","点我")')]
    path = build_submission(src / "中原区.xlsx", rows, cells={"P4": "旁注"})
    build_submission(src / "clean.xlsx", [line()], unit="金水区")
    result = check(src)
    result.files.sort(key=lambda f: f.path != str(path))  # the file with issues first
    return path, result


def test_copy_marks_every_bad_cell(tmp_path: Path, checked) -> None:  # type: ignore[no-untyped-def]
    path, result = checked
    before = _sha(path)
    done = annotate(result, tmp_path / "out")
    assert [d.target.name for d in done if d.target] == ["中原区_问题标注.xlsx"]
    assert _sha(path) == before  # the original is untouched
    wb = load_workbook(done[0].target)
    ws = wb[form.SHEET_ENTRY]
    for issue in result.files[0].issues:
        cell = ws[issue.cell]
        want = ERROR_FILL if issue.is_error else WARNING_FILL
        assert cell.fill.fgColor.rgb.endswith(want), issue
        assert issue.message in cell.comment.text
    # the office's own data is still there
    assert ws["C5"].value == "033Z" and ws["K5"].value == -1 and ws["P4"].value == "旁注"


def test_issue_sheet_lists_and_links_every_issue(tmp_path: Path, checked) -> None:  # type: ignore[no-untyped-def]
    _, result = checked
    target = annotate(result, tmp_path / "out")[0].target
    wb = load_workbook(target)
    assert wb.sheetnames[0] == ISSUE_SHEET and wb.active.title == ISSUE_SHEET
    ws = wb[ISSUE_SHEET]
    listed = list(ws.iter_rows(min_row=2, values_only=True))
    issues = result.files[0].issues
    assert len(listed) == len(issues)
    assert {r[2] for r in listed} == {i.rule for i in issues}
    links = {
        ws.cell(r, 5).hyperlink.location
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, 5).hyperlink
    }
    assert links == {f"'{form.SHEET_ENTRY}'!{i.cell}" for i in issues if i.cell}


def test_submitted_text_is_inert_in_the_issue_sheet(tmp_path: Path, checked) -> None:  # type: ignore[no-untyped-def]
    _, result = checked
    target = annotate(result, tmp_path / "out")[0].target
    from toolkit.xlsx.package import Package

    with Package(target) as pkg:
        part = pkg.workbook.sheet(ISSUE_SHEET).part  # type: ignore[union-attr]
    with zipfile.ZipFile(target) as zf:
        issue_xml = zf.read(part).decode()
        strings = "".join(zf.read(n).decode() for n in zf.namelist() if n == "xl/sharedStrings.xml")
    # the formula typed into B6 is quoted in the list as text, never as a formula
    assert "<f>" not in issue_xml
    assert any(
        text in issue_xml + strings
        for text in ("=HYPERLINK(&quot;http://x&quot;", '=HYPERLINK("http://x"')
    )


def test_files_without_issues_get_no_copy_and_unreadable_ones_say_why(tmp_path: Path) -> None:
    build_submission(tmp_path / "ok.xlsx", [line()])
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 nope")
    done = annotate(check(tmp_path), tmp_path / "out")
    assert [(Path(d.source).name, d.target) for d in done] == [("bad.xlsx", None)]
    assert done[0].reason


def test_same_names_from_different_folders_do_not_overwrite(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        build_submission(tmp_path / folder / "预算.xlsx", [line(code="bad")], unit="中原区")
    done = annotate(check(tmp_path), tmp_path / "out")
    assert sorted(d.target.name for d in done) == ["预算_问题标注.xlsx", "预算_问题标注_2.xlsx"]


def test_annotated_copy_checks_the_same(tmp_path: Path, checked) -> None:  # type: ignore[no-untyped-def]
    """Sent back unchanged, our copy is recognised and not counted; once the office edits
    it, the 问题清单 sheet and the marks do not confuse the reader: it re-checks the same."""
    _, result = checked
    target = annotate(result, tmp_path / "out")[0].target
    unchanged = check(target)
    found = [(i.rule, i.cell) for i in unchanged.files[0].issues]
    assert found[0] == ("annotated-copy", "")
    assert found[1:] == [(i.rule, i.cell) for i in result.files[0].issues]
    assert not unchanged.rows["accepted"].any()

    wb = load_workbook(target)
    ws = wb[form.SHEET_ENTRY]
    header = [c.value for c in ws[4 - 1]]
    note = header.index(form.COL_NOTE) + 1
    ws.cell(4, note).value = "已按标注核对"  # the good row: its issues stay as they were
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    again = check(edited)
    assert [(i.rule, i.cell) for i in again.files[0].issues] == [
        (i.rule, i.cell) for i in result.files[0].issues
    ]


def test_a_copy_marked_with_the_older_hash_is_still_known(tmp_path: Path, checked) -> None:  # type: ignore[no-untyped-def]
    """Copies written before the content hash changed form carry the older hash: fed back
    unchanged they are still our copy; a mark that is neither hash is an edited copy."""
    path, result = checked
    sub = read_submission(path)
    assert sub.content_hash == result.files[0].content_hash
    assert legacy_content_hash(sub) != sub.content_hash
    for mark, known in ((legacy_content_hash(sub), True), ("0" * 64, False)):
        target = annotate_file(path, result.files[0].issues, tmp_path / f"{known}.xlsx", mark=mark)
        found = [i.rule for i in check(target).files[0].issues]
        assert (found[0] == "annotated-copy") is known
        assert found.count("annotated-copy") == int(known)


@pytest.mark.libreoffice
def test_libreoffice_opens_the_copy_with_data_and_dropdowns(
    tmp_path: Path, catalog, lo_convert
) -> None:  # type: ignore[no-untyped-def]
    """Filled from the real template: the copy keeps its dropdowns, formulas and stamp."""
    rows = [line(), line(code="033A01", amount="abc"), line(method="乱填")]
    src = build_from_template(catalog, tmp_path, "a.xlsx", rows, year=2027)
    result = check(src)
    target = annotate(result, tmp_path / "out")[0].target
    original = load_workbook(src)
    copy = load_workbook(target)
    ws0, ws1 = original[form.SHEET_ENTRY], copy[form.SHEET_ENTRY]
    validations = _lists(ws0)
    assert len(validations) >= 4  # the template's dropdowns: unit, code, method, funding, type
    assert _lists(ws1) == validations
    assert set(original.defined_names) <= set(copy.defined_names)
    # what openpyxl carries over from the template, checked rather than assumed
    assert ws1.protection.sheet == ws0.protection.sheet is True
    assert ws1.freeze_panes == ws0.freeze_panes
    assert ws1.print_title_rows == ws0.print_title_rows
    assert len(ws1.conditional_formatting) == len(ws0.conditional_formatting)
    assert len(ws1.merged_cells.ranges) == len(ws0.merged_cells.ranges)
    assert [d.prompt for d in ws1.data_validations.dataValidation] == [
        d.prompt for d in ws0.data_validations.dataValidation
    ]
    # the template's stamp properties, and our mark: the copy's content hash
    assert {p.name for p in copy.custom_doc_props.props} == {
        p.name for p in original.custom_doc_props.props
    } | {"budget_toolkit.annotated"}
    assert copy.custom_doc_props["budget_toolkit.annotated"].value == result.files[0].content_hash
    assert copy[form.SHEET_STAMP].sheet_state == "hidden"
    assert ws1["C4"].protection.locked == ws0["C4"].protection.locked
    resaved = lo_convert(target, tmp_path / "lo")
    lo = load_workbook(resaved)
    ws2 = lo[form.SHEET_ENTRY]
    assert ISSUE_SHEET in lo.sheetnames
    assert _lists(ws2) == validations
    for row in ws0.iter_rows(min_row=1, max_row=8):
        for cell in row:
            assert ws2[cell.coordinate].value == cell.value or (
                isinstance(cell.value, str) and cell.value.startswith("=")
            )
    assert ws2["C5"].comment is not None
    assert lo[form.SHEET_STAMP].sheet_state == "hidden"
    # after LibreOffice the mark survives: still our unchanged copy, with the same problems
    again = check(resaved)
    assert [(i.rule, i.cell) for i in again.files[0].issues] == [("annotated-copy", "")] + [
        (i.rule, i.cell) for i in result.files[0].issues
    ]


def test_a_fixed_copy_checked_again_loses_its_old_marks(tmp_path: Path) -> None:
    """Finance sends the copy back, the office fixes it, finance checks it again."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    src = tmp_path / "in"
    src.mkdir()
    path = build_submission(src / "a.xlsx", [line(code="bad"), line(amount=-1)])
    wb = load_workbook(path)
    ws = wb[form.SHEET_ENTRY]
    ws["C4"].fill = PatternFill(fill_type="solid", start_color="FFDDEEFF", end_color="FFDDEEFF")
    ws["C4"].comment = Comment("请选择编码", "张三")
    wb.save(path)
    first = annotate(check(path), tmp_path / "round1")[0].target
    # the office fixes the code in the copy and sends it back
    wb = load_workbook(first)
    wb[form.SHEET_ENTRY]["C4"] = "033A0101"
    back = tmp_path / "back"
    back.mkdir()
    wb.save(back / "a.xlsx")
    result = check(back / "a.xlsx")
    assert [(i.rule, i.cell) for i in result.files[0].issues] == [("amount-negative", "K5")]
    second = annotate(result, tmp_path / "round2")[0].target
    ws = load_workbook(second)[form.SHEET_ENTRY]
    assert ws["C4"].fill.fgColor.rgb == "FFDDEEFF"  # the office's own fill is back
    assert ws["C4"].comment.text == "请选择编码" and ws["C4"].comment.author == "张三"
    assert ws["K5"].fill.fgColor.rgb.endswith(ERROR_FILL)
    assert "负数" in ws["K5"].comment.text


def test_a_problem_left_unfixed_keeps_the_office_comment_through_every_round(
    tmp_path: Path,
) -> None:
    """Sent back with the problem still there, twice: the office's own fill and comment
    come back each time, and its comment stands once above ours, never lost or doubled."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    path = build_submission(tmp_path / "a.xlsx", [line(code="bad")])
    wb = load_workbook(path)
    ws = wb[form.SHEET_ENTRY]
    ws["C4"].fill = PatternFill(fill_type="solid", start_color="FFDDEEFF", end_color="FFDDEEFF")
    ws["C4"].comment = Comment("请选择编码", "张三")
    wb.save(path)
    current = path
    for n in range(3):
        result = check(current)
        assert ("unknown-code", "C4") in [(i.rule, i.cell) for i in result.files[0].issues]
        current = annotate(result, tmp_path / f"round{n}")[0].target
        ws = load_workbook(current)[form.SHEET_ENTRY]
        assert ws["C4"].comment.text.startswith("请选择编码\n——\n")
        assert ws["C4"].comment.text.count("请选择编码") == 1
        assert ws["C4"].fill.fgColor.rgb.endswith(ERROR_FILL)
        edited = load_workbook(current)  # the office touches the copy: an ordinary file again
        edited[form.SHEET_ENTRY]["M4"] = f"第{n + 1}次退回"
        current = tmp_path / f"back{n}.xlsx"
        edited.save(current)
    wb = load_workbook(current)
    record = list(wb["_标注记录"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[3], r[5], r[6]) for r in record] == [
        ("C4", "solid", "rgb:FFDDEEFF", "请选择编码", "张三")
    ]
