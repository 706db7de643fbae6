"""preflight: every broken or crafted file becomes one located file-level issue, fast and
small, before a spreadsheet library opens it; a real workbook passes untouched."""

from __future__ import annotations

import os
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import hostile as H
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.rules import registry
from toolkit.rules.file import problem_issue
from toolkit.rules.registry import Rule
from toolkit.xlsx.container import OTHER_SPREADSHEET_SUFFIXES
from toolkit.xlsx.limits import DEFAULT_LIMITS, Limits
from toolkit.xlsx.preflight import _SheetScan, preflight

MB = 1024 * 1024


def issues_of(path: Path, limits: Limits = DEFAULT_LIMITS) -> list:  # type: ignore[type-arg]
    """The preflight verdict as issues, as check reports it (none: safe to open)."""
    problem = preflight(path, limits)
    return [] if problem is None else [problem_issue(str(path), problem)]


def _bounded(path: Path, limits: Limits = DEFAULT_LIMITS) -> list:
    """preflight, asserting it stays within 2 s and 64 MB of Python allocations."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        issues = issues_of(path, limits)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.monotonic() - start < 2.0, path
    assert peak < 64 * MB, (path, peak)
    return issues


def _only(issues: list, rule: Rule, limit: str | None = None):  # type: ignore[no-untyped-def]
    assert [i.rule for i in issues] == [rule.id], issues
    issue = issues[0]
    assert issue.severity == "error"
    assert issue.message  # the Chinese message is rendered, with its detail
    if limit is not None:
        assert issue.extra["limit"] == limit
        assert limit in issue.message  # the message names the limit ...
    return issue


CASES: list[tuple[str, Callable[[Path], Path], Rule, str | None]] = [
    ("empty.xlsx", H.empty_file, registry.get("file-unreadable"), None),
    ("random.xlsx", H.random_bytes, registry.get("file-format"), None),
    ("data.xlsx", H.csv_renamed, registry.get("file-format"), None),
    ("gbk.xlsx", H.csv_gbk_renamed, registry.get("file-format"), None),
    ("scan.xlsx", H.pdf_renamed, registry.get("file-format"), None),
    ("export.xlsx", H.html_as_xls, registry.get("file-format"), None),
    ("cut.xlsx", H.truncated_zip, registry.get("file-unreadable"), None),
    ("flipped.xlsx", H.corrupt_member, registry.get("file-unreadable"), None),
    ("archive.xlsx", H.zip_without_workbook, registry.get("file-format"), None),
    ("letter.xlsx", H.docx_renamed, registry.get("file-format"), None),
    ("calc.xlsx", H.ods_renamed, registry.get("file-format"), None),
    ("old.xlsx", H.old_xls, registry.get("file-format"), None),
    ("old.xls", H.old_xls, registry.get("file-format"), None),
    (
        "old-locked.xls",
        lambda p: H.old_xls(p, encrypted=True),
        registry.get("file-encrypted"),
        None,
    ),
    ("word.xlsx", H.doc_renamed, registry.get("file-format"), None),
    ("locked.xlsx", H.encrypted_xlsx, registry.get("file-encrypted"), None),
    ("locked-shape.xlsx", H.encrypted_cfb_stub, registry.get("file-encrypted"), None),
    ("macro.xlsx", H.with_macro, registry.get("file-format"), None),
    ("macro.xlsm", H.with_macro, registry.get("file-format"), None),
    (
        "macro-type.xlsx",
        lambda p: H.with_macro(p, content_type_only=True),
        registry.get("file-format"),
        None,
    ),
    ("bomb.xlsx", H.zip_bomb, registry.get("limit-exceeded"), "max_uncompressed_bytes"),
    (
        "bomb-lies.xlsx",
        lambda p: H.zip_bomb(p, declared=1000),
        registry.get("file-unreadable"),
        None,
    ),
    ("parts.xlsx", H.many_members, registry.get("limit-exceeded"), "max_zip_members"),
    ("laughs.xlsx", H.billion_laughs_sheet, registry.get("file-unreadable"), None),
    ("laughs-sst.xlsx", H.billion_laughs_strings, registry.get("file-unreadable"), None),
    ("xxe.xlsx", H.external_entity, registry.get("file-unreadable"), None),
    ("utf7.xlsx", H.utf7_sheet, registry.get("file-unreadable"), None),
    ("far.xlsx", H.far_cell, registry.get("limit-exceeded"), "max_cells"),
    ("merged.xlsx", H.giant_merge, registry.get("limit-exceeded"), "max_merged_cells"),
    *(
        (
            f"far-{v}.xlsx",
            lambda p, v=v: H.far_cell_variants(p, v),
            registry.get("limit-exceeded"),
            "max_cells",
        )
        for v in ("implicit", "lowercase", "dollar", "moved")
    ),
    (
        "far-beyond.xlsx",
        lambda p: H.far_cell_variants(p, "beyond"),
        registry.get("file-unreadable"),
        None,
    ),
]


@pytest.mark.parametrize(("name", "make", "rule", "limit"), CASES, ids=[c[0] for c in CASES])
def test_broken_and_crafted_files(
    tmp_path: Path, name: str, make: Callable[[Path], Path], rule: Rule, limit: str | None
) -> None:
    path = make(tmp_path / name)
    issue = _only(_bounded(path), rule, limit)
    assert issue.file == str(path)


@pytest.mark.parametrize(
    "name", ["预算表.xlsx", "损坏文件.xlsx", "report.xls.xlsx", "副本 (2).XLSX", "no-suffix"]
)
def test_a_real_workbook_passes_under_any_name(tmp_path: Path, name: str) -> None:
    assert _bounded(H.write_zip(tmp_path / name, H.minimal_parts())) == []


def test_an_openpyxl_workbook_passes(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "预算表"
    wb.active.append(["项目名称", "目录编码", "预算金额（元）"])
    wb.active.append(["社区养老", "033A0101", 120000])
    wb.active.merge_cells("A5:C5")
    wb.save(tmp_path / "a.xlsx")
    assert _bounded(tmp_path / "a.xlsx") == []


def test_cells_without_references_are_placed_like_readers_place_them(tmp_path: Path) -> None:
    # 1,000 rows of r-less cells in two columns: positions counted, nothing exceeded
    rows = b"".join(b'<row><c><v>1</v></c><c t="s"><v>0</v></c></row>' for _ in range(1000))
    path = H.write_zip(tmp_path / "norefs.xlsx", H.minimal_parts(H.sheet(rows)))
    assert _bounded(path) == []
    # four r-less cells, two of them placed on row 1000 by their row: they span A1:B1000
    gap = b'<row r="1"><c><v>1</v></c><c><v>1</v></c></row><row r="1000"><c/><c><v>1</v></c></row>'
    path = H.write_zip(tmp_path / "gap.xlsx", H.minimal_parts(H.sheet(gap)))
    assert issues_of(path, Limits(max_cells=2000)) == []
    issue = _only(
        issues_of(path, Limits(max_cells=1999)), registry.get("limit-exceeded"), "max_cells"
    )
    assert "A1:B1000" in issue.message


def test_a_huge_dimension_alone_is_not_an_error(tmp_path: Path) -> None:
    # Excel writes big <dimension> refs for formatted sheets; readers must not trust it
    assert _bounded(H.huge_dimension(tmp_path / "dim.xlsx")) == []


def test_stored_members_are_read_too(tmp_path: Path) -> None:
    path = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in H.minimal_parts().items():
            zf.writestr(name, data)
    assert _bounded(path) == []
    laughs = tmp_path / "stored-laughs.xlsx"
    with zipfile.ZipFile(laughs, "w", zipfile.ZIP_STORED) as zf:
        for name, data in H.minimal_parts(H.sheet(b"", prolog=H.LAUGHS)).items():
            zf.writestr(name, data)
    _only(_bounded(laughs), registry.get("file-unreadable"))


@pytest.mark.parametrize("suffix", sorted(OTHER_SPREADSHEET_SUFFIXES))
def test_other_spreadsheet_suffixes_say_save_as_xlsx(tmp_path: Path, suffix: str) -> None:
    path = H.write_zip(tmp_path / f"a{suffix}", H.minimal_parts())
    issue = _only(_bounded(path), registry.get("file-format"))
    assert suffix in issue.message


def test_a_folder_a_missing_file_and_a_pipe(tmp_path: Path) -> None:
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    _only(issues_of(folder), registry.get("file-unreadable"))
    _only(issues_of(tmp_path / "missing.xlsx"), registry.get("file-unreadable"))
    if hasattr(os, "mkfifo"):  # POSIX: opening a pipe would block forever
        fifo = tmp_path / "pipe.xlsx"
        os.mkfifo(fifo)
        _only(_bounded(fifo), registry.get("file-unreadable"))


def test_a_ratio_bomb_under_the_size_cap_is_stopped_while_inflating(tmp_path: Path) -> None:
    path = H.zip_bomb(tmp_path / "b.xlsx", inflated=256 * MB)
    _only(_bounded(path), registry.get("limit-exceeded"), "max_compression_ratio")


def test_a_member_that_inflates_past_its_declared_size_is_stopped(tmp_path: Path) -> None:
    # declared sizes pass every limit; the stream is inflated anyway and cut off early
    limits = Limits(max_compression_ratio=5000)
    bomb = H.zip_bomb(tmp_path / "lying.xlsx", inflated=256 * MB, declared=60 * MB)
    issue = _only(_bounded(bomb, limits), registry.get("file-unreadable"))
    assert "xl/worksheets/sheet1.xml" in issue.message


def test_file_size_limit(tmp_path: Path) -> None:
    path = H.write_zip(tmp_path / "a.xlsx", H.minimal_parts())
    issue = _only(
        issues_of(path, Limits(max_file_bytes=100)),
        registry.get("limit-exceeded"),
        "max_file_bytes",
    )
    assert "100 字节" in issue.message


def test_row_and_cell_limits_name_the_sheet(tmp_path: Path) -> None:
    path = H.too_many_rows(tmp_path / "rows.xlsx", 1200)
    issue = _only(
        issues_of(path, Limits(max_rows=1000)), registry.get("limit-exceeded"), "max_rows"
    )
    assert issue.sheet == "预算表"
    assert "1,200" in issue.message
    _only(issues_of(path, Limits(max_cells=1000)), registry.get("limit-exceeded"), "max_cells")
    assert issues_of(path, Limits(max_rows=1200, max_cells=1200)) == []


@pytest.mark.parametrize(("ref", "ok"), [("A1:J10000", True), ("A1:J10001", False)])
def test_merged_area_limit(tmp_path: Path, ref: str, ok: bool) -> None:
    # 100,000 merged cells pass by default (openpyxl takes ~2.5 s on them); one row more fails
    merge = b'<mergeCells count="1"><mergeCell ref="%s"/></mergeCells>' % ref.encode()
    path = H.write_zip(tmp_path / "m.xlsx", H.minimal_parts(H.sheet(b"", after=merge)))
    issues = _bounded(path)
    if ok:
        assert issues == []
    else:
        _only(issues, registry.get("limit-exceeded"), "max_merged_cells")


def test_time_limit(tmp_path: Path) -> None:
    path = H.too_many_rows(tmp_path / "rows.xlsx", 100)
    _only(issues_of(path, Limits(max_seconds=1e-6)), registry.get("limit-exceeded"), "max_seconds")


def test_a_200000_row_submission_passes_the_defaults(tmp_path: Path) -> None:
    # about the size of the largest real submission: 200k rows x 13 columns
    cells = (
        b'<c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>\xe9\xa1\xb9\xe7\x9b\xae'
        b"%d</t></is></c>"
        + b"".join(b'<c r="%s%%d"><v>1</v></c>' % c.encode() for c in "CDEFGHIJKLM")
    )
    rows = b"".join(
        b'<row r="%d">' % r + cells % ((r, r, r, r) + (r,) * 11) + b"</row>"
        for r in range(1, 200_001)
    )
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in H.minimal_parts(H.sheet(rows)).items():
            zf.writestr(name, data)
    start = time.monotonic()
    assert issues_of(path) == []
    assert time.monotonic() - start < 15


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_sheet_scan_counts_rows_cells_and_span_across_chunk_boundaries(prefix: bytes) -> None:
    p = prefix
    rows = b"".join(
        b'<%srow r="%d"><%sc r="B%d"><%sv>1</%sv></%sc><%sc r="C%d" s="1"/></%srow>'
        % (p, r, p, r, p, p, p, p, r, p)
        for r in range(2, 3002)
    )
    xml = (
        b'<%sworksheet xmlns:x="m"><%ssheetData>' % (p, p)
        + rows
        + b'</%ssheetData><%smergeCells><%smergeCell ref="A1:D10"/></%smergeCells>' % (p, p, p, p)
        + b"</%sworksheet>" % p
    )
    for size in (1, 7, 64, 1000, len(xml)):
        scan = _SheetScan("s")
        for i in range(0, len(xml), size):
            scan.feed(xml[i : i + size])
        scan.finish()
        assert (scan.rows, scan.cells, scan.merged) == (3000, 6000, 40), size
        # the formatted-only C cells (self-closing) do not widen the span
        assert (scan.min_row, scan.max_row, scan.min_col, scan.max_col) == (2, 3001, 2, 2)


@settings(max_examples=25, deadline=None)
@given(cut=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=30))
def test_sheet_scan_is_independent_of_chunking(cut: list[int]) -> None:
    xml = H.sheet(
        b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(1, 200))
    )
    scan = _SheetScan("s")
    pos = 0
    for size in cut * (len(xml) // sum(cut) + 1):
        scan.feed(xml[pos : pos + size])
        pos += size
        if pos >= len(xml):
            break
    scan.finish()
    assert (scan.rows, scan.cells, scan.max_row) == (199, 199, 199)


def test_utf16_parts_are_guarded_too(tmp_path: Path) -> None:
    body = H.sheet(b"", prolog=H.LAUGHS).replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    parts = H.minimal_parts(b"\xff\xfe" + body.decode().encode("utf-16-le"))
    _only(_bounded(H.write_zip(tmp_path / "u16.xlsx", parts)), registry.get("file-unreadable"))
    clean = H.minimal_parts(b"\xff\xfe" + H.sheet(b"").decode().encode("utf-16-le"))
    assert _bounded(H.write_zip(tmp_path / "ok16.xlsx", clean)) == []


def test_duplicate_member_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in H.minimal_parts().items():
            zf.writestr(name, data)
        with pytest.warns(UserWarning):
            zf.writestr("xl/worksheets/sheet1.xml", H.sheet(b""))
    _only(_bounded(path), registry.get("file-unreadable"))


def test_limits_reach_preflight_through_check(tmp_path: Path) -> None:
    from toolkit import check

    path = H.too_many_rows(tmp_path / "rows.xlsx", 50)
    result = check(path, limits=Limits.from_options(max_rows=10))
    (f,) = result.files
    assert f.status == "unreadable"
    assert [(i.rule, i.extra.get("limit")) for i in f.issues] == [("limit-exceeded", "max_rows")]
    assert len(result.all_rows) == 0


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=64), min_size=1, max_size=40),
    utf16=st.booleans(),
)
def test_the_dtd_guard_is_independent_of_chunking(cuts: list[int], utf16: bool) -> None:
    from toolkit.xlsx.limits import FileProblem
    from toolkit.xlsx.preflight import _XmlGuard

    def feed(xml: bytes) -> None:
        if utf16:
            xml = b"\xff\xfe" + xml.decode().encode("utf-16-le")
        guard = _XmlGuard("x.xml", xml=True)
        pos = 0
        for size in cuts * (len(xml) // sum(cuts) + 1):
            guard.feed(xml[pos : pos + size])
            pos += size
            if pos >= len(xml):
                break
        guard.finish()

    feed(H.sheet(b'<row r="1"><c r="A1"><v>1</v></c></row>'))  # no DTD: passes
    with pytest.raises(FileProblem):
        feed(H.sheet(b"", prolog=H.LAUGHS))


def test_dtd_after_leading_whitespace_or_a_one_byte_first_chunk_is_still_found(
    tmp_path: Path,
) -> None:
    from toolkit.xlsx.limits import FileProblem
    from toolkit.xlsx.preflight import _XmlGuard

    # XML allows whitespace before a DOCTYPE when there is no declaration
    body = b" " * 2000 + H.LAUGHS + H.sheet(b"").split(b"\n", 1)[1]
    path = H.write_zip(tmp_path / "ws.xlsx", H.minimal_parts(body))
    _only(_bounded(path), registry.get("file-unreadable"))
    guard = _XmlGuard("xl/worksheets/sheet1.xml", xml=True)
    with pytest.raises(FileProblem):
        for piece in (b"\xff\xfe", H.sheet(b"", prolog=H.LAUGHS).decode().encode("utf-16-le")):
            guard.feed(piece)
        guard.finish()


def test_an_svg_image_with_a_doctype_is_not_a_bomb(tmp_path: Path) -> None:
    svg = (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg/>'
    )
    parts = {**H.minimal_parts(), "xl/media/image1.svg": svg}
    assert _bounded(H.write_zip(tmp_path / "svg.xlsx", parts)) == []


# -- the CLI options --------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["check", "rollup"])
def test_cli_limit_options_reach_preflight(tmp_path: Path, command: str) -> None:
    import json

    from click.testing import CliRunner

    from toolkit.cli import cli

    path = H.too_many_rows(tmp_path / "rows.xlsx", 50)
    runner = CliRunner()

    def rules(*options: str) -> list[tuple[str, str]]:
        args = ["check", str(path), "--format", "json", *options]
        if command == "rollup":
            args = ["rollup", str(path), "--json", "-", *options]
        out = runner.invoke(cli, args)
        assert out.exit_code == 1, out.output  # not a budget template, or over a limit
        (f,) = json.loads(out.stdout)["files"]
        return [(i["rule"], i["message"]) for i in f["issues"]]

    for option, value, limit in (
        ("--max-rows", "10", "max_rows"),
        ("--max-file-mb", "0.0001", "max_file_bytes"),
    ):
        ((rule, message),) = rules(option, value)
        assert rule == "limit-exceeded" and limit in message
    assert "limit-exceeded" not in {r for r, _ in rules("--max-rows", "50", "--timeout", "60")}
    for bad in (["--timeout", "0"], ["--max-rows", "0"], ["--max-file-mb", "-1"]):
        assert runner.invoke(cli, [command, str(path), *bad]).exit_code == 2
