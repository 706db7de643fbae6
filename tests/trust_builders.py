"""Helpers for the trust suite (``tests/trust``, issue 10): build hostile or clerk-made
submissions, check them, and read back exactly what was counted and what was stopped.

Everything asserts on rule ids, severities, cells and integer fen, never on wording.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from builders import LEAF, build_submission, entry_part, line

import toolkit
from toolkit import form

E = form.SHEET_ENTRY
# three more valid leaves of the built-in catalogue, so lines differ by code too
LEAVES = ("033A0101", "033A0102", "033A0103", "033A0201")


def item(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid line item, different from every other ``item(j)`` (no duplicate-row)."""
    row = line(project=f"第{i + 1}号服务项目", amount=1000 * (i + 1))
    row.update(overrides)
    return row


def items(n: int) -> list[dict[str, Any]]:
    return [item(i) for i in range(n)]


def check(paths: Any, **options: Any) -> toolkit.CheckResult:
    if isinstance(paths, str | Path):
        paths = [paths]
    return toolkit.check(list(paths), **options)


def found(result: Any, path: Any = None) -> set[tuple[str, str, str]]:
    """{(rule, severity, cell)} of one file (or of all files)."""
    return {
        (i.rule, i.severity, i.cell)
        for f in result.files
        if path is None or Path(f.path) == Path(path)
        for i in f.issues
    }


def rules(result: Any, path: Any = None) -> set[str]:
    return {r for r, _, _ in found(result, path)}


def issues(result: Any, rule: str, path: Any = None) -> list[Any]:
    return [
        i
        for f in result.files
        if path is None or Path(f.path) == Path(path)
        for i in f.issues
        if i.rule == rule
    ]


def cells(result: Any, rule: str, path: Any = None) -> set[str]:
    return {i.cell for i in issues(result, rule, path)}


def accepted_fen(result: Any, path: Any = None) -> int:
    rows = result.all_rows
    if path is not None:
        rows = rows[rows["file"].map(lambda p: Path(p) == Path(path))]
    acc = rows[rows["accepted"]]
    return int(acc["amount_fen"].sum()) if len(acc) else 0


def rejected_read(result: Any, path: Any = None) -> Decimal:
    """Signed sum of ``amount_read`` (元) over the rejected rows."""
    rows = result.all_rows
    if path is not None:
        rows = rows[rows["file"].map(lambda p: Path(p) == Path(path))]
    rej = rows[~rows["accepted"]]
    return sum((v for v in rej["amount_read"].tolist() if v is not None and v == v), Decimal(0))


def file_json(result: Any, path: Any = None) -> dict[str, Any]:
    from toolkit.output.render import to_json

    files = to_json(result)["files"]
    if path is None:
        assert len(files) == 1
        return files[0]
    return next(f for f in files if Path(f["path"]) == Path(path))


def table_rows(result: Any, path: Any = None) -> list[int]:
    rows = result.all_rows
    if path is not None:
        rows = rows[rows["file"].map(lambda p: Path(p) == Path(path))]
    return [int(r) for r in rows["row"].tolist()]


def edit(path: Path, fn: Callable[[Any], None], out: Path | None = None) -> Path:
    """Open with openpyxl, let ``fn(ws)`` change the entry sheet, save (to ``out``)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    fn(wb[E] if E in wb.sheetnames else wb.active)
    target = out or path
    wb.save(target)
    return target


def edit_wb(path: Path, fn: Callable[[Any], None], out: Path | None = None) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    fn(wb)
    target = out or path
    wb.save(target)
    return target


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(entry_part(path))


def replace_sheet_xml(path: Path, fn: Callable[[bytes], bytes]) -> Path:
    """Rewrite the entry sheet's XML with ``fn`` (asserting it changed)."""
    part = entry_part(path)
    with zipfile.ZipFile(path) as zin:
        members = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in members:
            if info.filename == part:
                new = fn(data)
                assert new != data, "the sheet XML did not change"
                data = new
            zout.writestr(info, data)
    return path


def inline_cell(ref: str, text: str) -> bytes:
    from xml.sax.saxutils import escape

    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'.encode()


def set_cell_xml(path: Path, ref: str, new_xml: bytes | str) -> Path:
    """Replace the ``<c r="ref" ...>...</c>`` element (or ``<c r="ref" .../>``) verbatim."""
    import re

    new = new_xml.encode() if isinstance(new_xml, str) else new_xml
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)

    def fn(data: bytes) -> bytes:
        assert pattern.search(data), f"no cell {ref}"
        return pattern.sub(lambda m: new, data, count=1)

    return replace_sheet_xml(path, fn)


def append_rows_xml(path: Path, rows_xml: bytes) -> Path:
    """Insert raw ``<row>`` elements at the end of ``sheetData``."""

    def fn(data: bytes) -> bytes:
        assert b"</sheetData>" in data
        return data.replace(b"</sheetData>", rows_xml + b"</sheetData>", 1)

    return replace_sheet_xml(path, fn)


def stray_rows_xml(first_row: int, rows: int, cols: int, value: bytes = b"1") -> bytes:
    """``rows`` x ``cols`` numeric cells from ``first_row`` on (column A on)."""
    from toolkit.cellref import column_letter

    letters = [column_letter(c).encode() for c in range(1, cols + 1)]
    out = []
    for r in range(first_row, first_row + rows):
        rb = str(r).encode()
        cells = b"".join(b'<c r="' + L + rb + b'"><v>' + value + b"</v></c>" for L in letters)
        out.append(b'<row r="' + rb + b'">' + cells + b"</row>")
    return b"".join(out)


# -- the real template -------------------------------------------------------------------
def from_template(catalog: Any, tmp: Path, name: str, lines: Sequence[Any], **options: Any) -> Path:
    """The real template (10 input rows unless told) filled by label, as a clerk would."""
    from builders import build_from_template

    options.setdefault("rows", 10)
    options.setdefault("year", 2027)
    return build_from_template(catalog, tmp, name, lines, **options)


# -- LibreOffice -------------------------------------------------------------------------
def lo_many(
    srcs: Iterable[Path], outdir: Path, fmt: str = "xlsx", timeout: int = 240
) -> list[Path]:
    """Open, recalculate and re-save several files in ONE headless LibreOffice run."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        import pytest

        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    srcs = list(srcs)
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    env = {**os.environ, "HOME": str(outdir)}
    cmd = [
        soffice,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *map(str, srcs),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, env=env)
    outs = [outdir / (s.stem + "." + fmt.split(":")[0]) for s in srcs]
    for o in outs:
        assert o.exists(), f"LibreOffice did not write {o}"
    return outs


# -- LibreOffice as a clerk: insert, type, hide, through its own Basic --------------------
LO_MACRO = """Sub Run(src As String, dst As String, op As String)
    Dim args(0) As New com.sun.star.beans.PropertyValue
    args(0).Name = "Hidden"
    args(0).Value = True
    doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), "_blank", 0, args())
    sheet = doc.Sheets.getByName("预算表")
    sheet.unprotect("")
    parts = Split(op, ":")
    r = CLng(parts(1))
    If parts(0) = "insert" Then
        sheet.Rows.insertByIndex(r - 1, 1)
        sheet.getCellRangeByName("B" & r).setString("插入的项目")
        sheet.getCellRangeByName("C" & r).setString("033A0102")
        sheet.getCellRangeByName("I" & r).setString("公开招标")
        sheet.getCellRangeByName("K" & r).setValue(5000)
    ElseIf parts(0) = "text" Then
        sheet.getCellRangeByName("K" & r).setString(parts(2))
    ElseIf parts(0) = "hide" Then
        sheet.Rows.getByIndex(r - 1).IsVisible = False
    End If
    Dim out(1) As New com.sun.star.beans.PropertyValue
    out(0).Name = "FilterName"
    out(0).Value = "Calc MS Excel 2007 XML"
    out(1).Name = "Overwrite"
    out(1).Value = True
    doc.storeToURL(ConvertToURL(dst), out())
    doc.close(True)
End Sub
"""
_LO_PROFILE: list[Path] = []


def _lo_profile(soffice: str) -> Path:
    """A LibreOffice profile (made once per test run) whose Standard library holds
    ``LO_MACRO``: ``Run(src, dst, op)`` with op ``insert:ROW`` (insert a row there and
    type a line into it: setString for text, setValue for the amount), ``text:ROW:TEXT``
    (type TEXT into K{ROW} as text) or ``hide:ROW``."""
    import tempfile
    from xml.sax.saxutils import escape

    if _LO_PROFILE:
        return _LO_PROFILE[0]
    home = Path(tempfile.mkdtemp(prefix="trust-lo-"))
    profile = home / "profile"
    seed = home / "seed.csv"
    seed.write_text("a\n", encoding="utf-8")
    env = {**os.environ, "HOME": str(home)}
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "xlsx", "--outdir", str(home), str(seed)],
        check=True, capture_output=True, timeout=180, env=env,
    )  # fmt: skip
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    assert module.exists(), "LibreOffice made no Standard Basic library"
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC '
        '"-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
        '<script:module xmlns:script="http://openoffice.org/2000/script" '
        'script:name="Module1" script:language="StarBasic">'
        + escape(LO_MACRO)
        + "</script:module>",
        encoding="utf-8",
    )
    _LO_PROFILE.append(profile)
    return profile


def lo_edit(src: Path, dst: Path, op: str, timeout: int = 180) -> Path:
    """Let headless LibreOffice open ``src``, do ``op`` as a clerk would, save ``dst``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        import pytest

        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    profile = _lo_profile(soffice)
    env = {**os.environ, "HOME": str(profile.parent)}
    url = f'macro:///Standard.Module1.Run("{src}","{dst}","{op}")'
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", url],
        check=True, capture_output=True, timeout=timeout, env=env,
    )  # fmt: skip
    assert dst.exists(), f"LibreOffice did not write {dst} ({op})"
    return dst


# -- the CLI -------------------------------------------------------------------------------
def run_cli(*args: Any) -> Any:
    from click.testing import CliRunner

    from toolkit.cli import cli

    runner = CliRunner()
    return runner.invoke(cli, [str(a) for a in args], obj={}, catch_exceptions=False)


__all__ = [
    "LEAF",
    "LEAVES",
    "E",
    "accepted_fen",
    "append_rows_xml",
    "build_submission",
    "cells",
    "check",
    "edit",
    "edit_wb",
    "file_json",
    "found",
    "from_template",
    "inline_cell",
    "issues",
    "item",
    "items",
    "line",
    "lo_edit",
    "lo_many",
    "rejected_read",
    "replace_sheet_xml",
    "rules",
    "run_cli",
    "set_cell_xml",
    "sheet_xml",
    "stray_rows_xml",
    "table_rows",
]
