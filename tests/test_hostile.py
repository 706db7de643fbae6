"""The hostile corpus through the whole pipeline: check -> roll-up, one file at a time and
all together.

Each case runs in its own process under an address-space cap and a timeout, as a finance
office's batch would meet it: it must come back as a clear issue with the right rule id
(and cell, where the problem has one), with no traceback, within bounded time and memory.
Then one batch mixes every case with good files: the good files' rows must be accepted
and the totals must be exactly theirs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import builders as B
import hostile as H
import pytest

from toolkit import form
from toolkit.catalog import Catalog, load_catalog

# the corpus runs each case in a forked child under an address-space cap (POSIX only)
resource = pytest.importorskip("resource", reason="needs POSIX resource limits and fork")
REPO = Path(__file__).resolve().parents[1]
ADDRESS_SPACE = 2 * 1024**3  # per case: a bomb that got through would die here, not pass
CASE_SECONDS = 60  # the subprocess is killed after this (a hang is a failure)
WALL_SECONDS = 30  # what a case may take in check() itself
RSS_MB = 800  # peak resident memory of the whole process, pandas included
UNITS = form.ZHENGZHOU_UNITS

RUNNER = r"""
import json, os, resource, signal, sys, time
import pandas as pd
from toolkit import check
from toolkit.totals.rollup import summarize

def peak_kb():
    with open("/proc/self/status") as f:
        return int(next(l for l in f if l.startswith("VmHWM")).split()[1])

def one(paths, cap, seconds):
    signal.alarm(seconds)  # a hang, even inside C code, ends the child
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    start = time.monotonic()
    res = check(paths)
    summary = summarize(res)
    out = {
        "seconds": time.monotonic() - start,
        "peak_kb": peak_kb(),
        "files": [
            {"path": f.path, "status": f.status, "unit": f.unit, "counts": f.counts,
             "issues": [i.to_dict() for i in f.issues]}
            for f in res.files
        ],
        "rows": [
            {"file": r.file, "row": int(r.row), "accepted": bool(r.accepted),
             "fen": None if pd.isna(r.amount_fen) else int(r.amount_fen), "reasons": r.reasons}
            for r in res.all_rows.itertuples()
        ],
        "level1_fen": {
            c: int(f) for c, f in zip(summary.level1["code"], summary.level1["amount_fen"])
        },
        "reconciled": bool(summary.reconciliation.ok),
    }
    return json.dumps(out, ensure_ascii=False)

jobs, cap, seconds = json.loads(sys.stdin.read()), int(sys.argv[1]), int(sys.argv[2])
results = []
for paths in jobs:  # each job in a forked child: own memory cap, own clock, own crash
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            data = one(paths, cap, seconds).encode()
        except BaseException as exc:
            import traceback
            data = json.dumps({"crash": traceback.format_exc()}).encode()
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        results.append({"crash": f"killed by signal {os.WTERMSIG(status)}"})
    else:
        results.append(json.loads(data))
print(json.dumps(results, ensure_ascii=False))
"""


def run_checks(jobs: list[list[Path]], timeout: int = 600) -> list[dict[str, Any]]:
    """check() + summarize() for each job (a list of paths) in its own forked child of one
    runner process, under an address-space cap and an alarm; their JSON, in order."""
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(ADDRESS_SPACE), str(CASE_SECONDS)],
        input=json.dumps([[str(p) for p in job] for job in jobs]),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=_env(),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    for job, out in zip(jobs, results, strict=True):
        assert "crash" not in out, (job, out["crash"] if "crash" in out else "")
    return results


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


# -- the corpus -------------------------------------------------------------------------------
# Rows of the good submissions: row 4 and 5 of a build_submission sheet (header on row 3,
# amounts in column K).
GOOD_ROWS = [
    B.line(project="社区居家养老服务项目", amount=120000),
    B.line(project="养老服务评估", code="033A0102", amount=1234.5),
]
GOOD_FEN = 12_000_000 + 123_450


@dataclass
class Case:
    name: str
    build: Callable[[Path, Catalog, str], Path]  # (path, catalog, unit) -> file written
    expect: list[tuple[str, str]] = field(default_factory=list)  # (rule id, cell or "")
    accepted: int | None = None  # rows accepted, where the file is otherwise good
    unreadable: bool = False


def _good(
    path: Path, catalog: Catalog, unit: str, rows: list[Any] | None = None, **kw: Any
) -> Path:
    kw.setdefault("stamp", B.stamp_for(catalog))
    return B.build_submission(path, GOOD_ROWS if rows is None else rows, unit=unit, **kw)


def _from_good(fn: Callable[..., Path]) -> Callable[[Path, Catalog, str], Path]:
    """A hostile variant made from a good submission of the case's own unit."""

    def build(path: Path, catalog: Catalog, unit: str) -> Path:
        source = _good(path.with_name("src-" + path.stem + ".xlsx"), catalog, unit)
        try:
            return fn(path, source)
        finally:
            source.unlink()

    return build


def _from_template(fn: Callable[..., Path]) -> Callable[[Path, Catalog, str], Path]:
    """A hostile variant made from the real template (xlsxwriter: shared strings, styles,
    dropdowns, hidden sheets), as a crafted file would start from one."""

    def build(path: Path, catalog: Catalog, unit: str) -> Path:
        from toolkit.template import write_template

        source = write_template(catalog, path.with_name("tpl-" + path.stem + ".xlsx"), unit=unit)
        assert "xl/sharedStrings.xml" in H.read_parts(source)
        try:
            return fn(path, source)
        finally:
            source.unlink()

    return build


def _plain(fn: Callable[[Path], Path]) -> Callable[[Path, Catalog, str], Path]:
    return lambda path, catalog, unit: fn(path)


def _merged_table(path: Path, catalog: Catalog, unit: str) -> Path:
    """A clerk merges 项目名称 down two rows and 购买内容 across two columns."""
    from openpyxl import load_workbook

    rows = [*GOOD_ROWS, B.line(project="第三项", amount=10)]
    src = _good(path, catalog, unit, rows)
    wb = load_workbook(src)
    ws = wb[form.SHEET_ENTRY]
    ws.merge_cells("B5:B6")  # row 6 loses its project name (only B5 keeps a value)
    ws.merge_cells("F4:G4")  # 购买内容 over 承接主体: G4 (optional) becomes empty
    wb.save(path)
    return path


def _formulas(path: Path, catalog: Catalog, unit: str) -> Path:
    cells = {"K4": "=100*2", "B5": '=HYPERLINK("http://example.invalid/x","点我")'}
    return _good(path, catalog, unit, cells=cells)


def _errors(path: Path, catalog: Catalog, unit: str) -> Path:
    rows = [*GOOD_ROWS, B.line(project="第三项", amount=10)]
    source = _good(path.with_name("src-" + path.name), catalog, unit, rows)
    H.error_cells(path, source, {"K4": "#REF!", "K5": "#DIV/0!", "C6": "#N/A"})
    source.unlink()
    return path


def _excel365_errors(path: Path, catalog: Catalog, unit: str) -> Path:
    """Errors newer Excel writes for dynamic arrays and data types (python-calamine 0.9
    refuses the whole sheet for them)."""
    rows = [*GOOD_ROWS, B.line(project="第三项", amount=10)]
    source = _good(path.with_name("src-" + path.name), catalog, unit, rows)
    H.error_cells(path, source, {"K4": "#SPILL!", "C5": "#CALC!", "B6": "#GETTING_DATA"})
    source.unlink()
    return path


def _dates_and_booleans(path: Path, catalog: Catalog, unit: str) -> Path:
    rows = [
        B.line(project="日期金额", amount=datetime(2027, 1, 1)),
        B.line(project="布尔金额", amount=True),
        B.line(project="正常", amount=99),
    ]
    return _good(path, catalog, unit, rows)


def _long_and_control_text(path: Path, catalog: Catalog, unit: str) -> Path:
    rows = [
        B.line(project="长" * 32_767, amount=1),
        B.line(project="CONTROL-MARK", amount=2),
        B.line(project="正常", amount=3),
    ]
    source = _good(path.with_name("src-" + path.name), catalog, unit, rows)
    # openpyxl refuses control characters; Excel stores them as _xHHHH_ escapes
    mark = b"\xe9\xa1\xb9_x0007_\xe7\x9b\xae"  # 项<BEL>目
    part = H.entry_sheet_part(source)
    H.rewrite(source, path, {part: lambda x: x.replace(b"CONTROL-MARK", mark)})
    source.unlink()
    return path


def _other_template(path: Path, catalog: Catalog, unit: str) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["2027年度部门预算支出表"])
    ws.append(["序号", "支出科目", "金额"])
    ws.append([1, "办公费", 1000])
    wb.save(path)
    return path


def _other_catalog(path: Path, catalog: Catalog, unit: str) -> Path:
    stamp = {**B.stamp_for(catalog), "catalog_version": "2019"}
    return _good(path, catalog, unit, stamp=stamp, stamp_in="sheet")


def _other_department(path: Path, catalog: Catalog, unit: str) -> Path:
    """Another department's template: same form, another catalogue id (stamp in properties)."""
    stamp = {**B.stamp_for(catalog), "catalog_id": "zhengzhou-education-2021"}
    return _good(path, catalog, unit, stamp=stamp, stamp_in="properties")


CASES = [
    Case("empty.xlsx", _plain(H.empty_file), [("file-unreadable", "")], unreadable=True),
    Case("truncated.xlsx", _from_good(H.truncated_zip), [("file-unreadable", "")], unreadable=True),
    Case(
        "flipped-byte.xlsx",
        _from_good(H.corrupt_member),
        [("file-unreadable", "")],
        unreadable=True,
    ),
    Case("random.xlsx", _plain(H.random_bytes), [("file-format", "")], unreadable=True),
    Case("csv-renamed.xlsx", _plain(H.csv_renamed), [("file-format", "")], unreadable=True),
    Case("pdf-renamed.xlsx", _plain(H.pdf_renamed), [("file-format", "")], unreadable=True),
    Case("encrypted.xlsx", _from_good(H.encrypted_xlsx), [("file-encrypted", "")], unreadable=True),
    Case("macro.xlsm", _from_good(H.with_macro), [("file-format", "")], unreadable=True),
    Case("macro-renamed.xlsx", _from_good(H.with_macro), [("file-format", "")], unreadable=True),
    Case("old.xls", _plain(H.old_xls), [("file-format", "")], unreadable=True),
    Case("old-renamed.xlsx", _plain(H.old_xls), [("file-format", "")], unreadable=True),
    Case("bomb.xlsx", _plain(H.zip_bomb), [("limit-exceeded", "")], unreadable=True),
    Case(
        "bomb-lying.xlsx",
        _plain(lambda p: H.zip_bomb(p, declared=4096)),
        [("file-unreadable", "")],
        unreadable=True,
    ),
    Case(
        "laughs-sheet.xlsx",
        _from_good(H.billion_laughs_sheet),
        [("file-unreadable", "")],
        unreadable=True,
    ),
    Case(
        "laughs-strings.xlsx",
        _from_template(H.billion_laughs_strings),
        [("file-unreadable", "")],
        unreadable=True,
    ),
    Case("xxe.xlsx", _plain(H.external_entity), [("file-unreadable", "")], unreadable=True),
    Case("far-cell.xlsx", _from_good(H.far_cell), [("limit-exceeded", "")], unreadable=True),
    Case("giant-merge.xlsx", _from_good(H.giant_merge), [("limit-exceeded", "")], unreadable=True),
    Case(
        "far-cell-implicit.xlsx",
        _plain(lambda p: H.far_cell_variants(p, "implicit")),
        [("limit-exceeded", "")],
        unreadable=True,
    ),
    Case(
        "far-cell-beyond-excel.xlsx",
        _plain(lambda p: H.far_cell_variants(p, "beyond")),
        [("file-unreadable", "")],
        unreadable=True,
    ),
    Case("dimension.xlsx", _from_good(H.huge_dimension), [], accepted=2),
    Case("formatted-rows.xlsx", _from_good(H.empty_formatted_rows), [], accepted=2),
    Case("merged-table.xlsx", _merged_table, [("required-missing", "B6")], accepted=2),
    Case("formulas.xlsx", _formulas, [("formula-in-input", "K4"), ("formula-in-input", "B5")], 0),
    Case(
        "errors.xlsx",
        _errors,
        [("cell-error-value", "K4"), ("cell-error-value", "K5"), ("cell-error-value", "C6")],
        accepted=0,
    ),
    Case(
        "excel365-errors.xlsx",
        _excel365_errors,
        [("cell-error-value", "K4"), ("cell-error-value", "C5"), ("cell-error-value", "B6")],
        accepted=0,
    ),
    Case(
        "dates-booleans.xlsx",
        _dates_and_booleans,
        [("amount-not-number", "K4"), ("amount-not-number", "K5")],
        accepted=1,
    ),
    Case(
        "long-text.xlsx",
        _long_and_control_text,
        [("invalid-text", "B4"), ("invalid-text", "B5")],
        accepted=3,  # warnings: the text is kept as it is
    ),
    Case("other-template.xlsx", _other_template, [("not-a-template", "")], accepted=0),
    Case("other-catalog.xlsx", _other_catalog, [("stamp-mismatch", "B3")], accepted=0),
    Case("other-department.xlsx", _other_department, [("stamp-mismatch", "")], accepted=0),
    Case("损坏文件.xlsx", _good, [], accepted=2),
    Case("report.xls.xlsx", _good, [], accepted=2),
]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Case, Path]]:
    """Every case written once, each readable one for a unit of its own (no duplicates)."""
    folder = tmp_path_factory.mktemp("hostile")
    catalog = load_catalog()
    readable = [c.name for c in CASES if not c.unreadable]
    assert len(readable) + 3 <= len(UNITS)  # three more units for the batch's good files
    built = {}
    for case in CASES:
        unit = UNITS[readable.index(case.name)] if case.name in readable else UNITS[0]
        built[case.name] = (case, case.build(folder / case.name, catalog, unit))
    return built


@pytest.fixture(scope="session")
def runs(corpus: dict[str, tuple[Case, Path]]) -> dict[str, dict[str, Any]]:
    """Each case checked in its own capped process."""
    names = list(corpus)
    results = run_checks([[corpus[n][1]] for n in names])
    return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_case_is_a_clear_located_issue(case: Case, runs: dict[str, dict[str, Any]]) -> None:
    out = runs[case.name]
    assert len(out["files"]) == 1
    f = out["files"][0]
    found = {(i["rule"], i["cell"]) for i in f["issues"]}
    for rule, cell in case.expect:
        assert (rule, cell) in found, (case.name, f["issues"])
    for issue in f["issues"]:
        assert issue["message"], issue
        # a clear issue: Chinese text, not a leaked exception
        assert "Error:" not in issue["message"] and "Traceback" not in issue["message"], issue
    if case.unreadable:
        assert f["status"] == "unreadable", f
        assert [i["rule"] for i in f["issues"]] == [case.expect[0][0]], f["issues"]
        assert out["rows"] == []
    if case.accepted is not None:
        assert sum(r["accepted"] for r in out["rows"]) == case.accepted, out["rows"]
    if not case.expect and not case.unreadable:
        assert not [i for i in f["issues"] if i["severity"] == "error"], f["issues"]
    assert out["reconciled"]
    assert out["seconds"] < WALL_SECONDS, out["seconds"]
    assert out["peak_kb"] < RSS_MB * 1024, out["peak_kb"]


def test_the_dimension_case_really_claims_the_whole_sheet(corpus: dict[str, Any]) -> None:
    _, path = corpus["dimension.xlsx"]
    part = H.entry_sheet_part(path)
    assert b'<dimension ref="A1:XFD1048576"/>' in H.read_parts(path)[part]


def test_the_formatted_rows_case_really_has_100k_formatted_rows(corpus: dict[str, Any]) -> None:
    _, path = corpus["formatted-rows.xlsx"]
    xml = H.read_parts(path)[H.entry_sheet_part(path)]
    assert xml.count(b'customFormat="1"') >= 100_000


def _good_files(tmp_path: Path, catalog: Catalog) -> list[tuple[Path, int, int]]:
    """Good files of three kinds, each with (path, rows, fen) it must contribute."""
    one_fen = [B.line(amount=0.01)]
    return [
        (_good(tmp_path / "好-1.xlsx", catalog, UNITS[-1]), 2, GOOD_FEN),
        (_good(tmp_path / "好-2.xlsx", catalog, UNITS[-2], rows=one_fen), 1, 1),
        # filled into the real template (dropdowns, formulas, hidden sheets, stamp)
        (
            B.build_from_template(catalog, tmp_path, "模板-3.xlsx", GOOD_ROWS, unit=UNITS[-3]),
            2,
            GOOD_FEN,
        ),
    ]


def _assert_batch(out: dict[str, Any], corpus: dict[str, Any], good: list[Any]) -> None:
    paths = [p for _, p in corpus.values()] + [p for p, _, _ in good]
    by_path = {f["path"]: f for f in out["files"]}
    assert set(by_path) == {str(p) for p in paths}  # every file accounted for
    for case, path in corpus.values():
        if case.unreadable:
            assert by_path[str(path)]["status"] == "unreadable", by_path[str(path)]
    accepted = [r for r in out["rows"] if r["accepted"]]
    for p, n, fen in good:
        mine = [r for r in accepted if r["file"] == str(p)]
        assert (len(mine), sum(r["fen"] for r in mine)) == (n, fen), p.name
        assert by_path[str(p)]["status"] == "ok", by_path[str(p)]["issues"]
    # the totals are exactly the accepted rows' amounts: nothing lost, nothing added
    total_accepted = sum(r["fen"] for r in accepted)
    assert sum(out["level1_fen"].values()) == total_accepted
    expected = sum(c.accepted or 0 for c, _ in corpus.values()) + sum(n for _, n, _ in good)
    assert len(accepted) == expected
    assert out["reconciled"]


def test_a_batch_of_every_case_and_good_files_is_checked_and_rolled_up(
    corpus: dict[str, tuple[Case, Path]], tmp_path: Path
) -> None:
    good = _good_files(tmp_path, load_catalog())
    (out,) = run_checks([[p for _, p in corpus.values()] + [p for p, _, _ in good]])
    _assert_batch(out, corpus, good)


@pytest.mark.libreoffice
def test_a_libreoffice_saved_good_file_counts_in_a_hostile_batch(
    corpus: dict[str, tuple[Case, Path]], tmp_path: Path, lo_convert: Callable[..., Path]
) -> None:
    catalog = load_catalog()
    good = _good_files(tmp_path, catalog)
    # the first good file as LibreOffice saves it, in its place: every unit has a file
    # already (the corpus uses all the others), so it cannot be a further one
    path, rows, fen = good[0]
    good[0] = (lo_convert(path, tmp_path / "lo"), rows, fen)
    path.unlink()
    (out,) = run_checks([[p for _, p in corpus.values()] + [p for p, _, _ in good]])
    _assert_batch(out, corpus, good)


def test_rlimit_in_the_runner_really_caps_memory() -> None:
    """The cap the cases run under is real: allocating past it fails in the child."""
    code = (
        "import resource, sys; cap = int(sys.argv[1]);"
        "resource.setrlimit(resource.RLIMIT_AS, (cap, cap));"
        "b = bytearray(cap)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(ADDRESS_SPACE)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0 and "MemoryError" in proc.stderr
    assert resource.RLIMIT_AS  # the platform has the limit the corpus relies on
