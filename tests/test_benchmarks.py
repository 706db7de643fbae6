"""Smoke run of benchmarks/bench.py at a tiny size: it runs, measures and reports.

No timing is asserted (the issue forbids it): the ratios on a 3-file sample mean
nothing. What is asserted is that every command ran, every target got a measured
value, and every command did the same work (the cross-check against the seeded data).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    work = tmp_path_factory.mktemp("bench")
    results = work / "latest.json"
    sizes = ["--files", "3", "--rows", "20", "--big-rows", "60", "--template-units", "1"]
    sizes += ["--faulty-rows", "60", "--faults", "10"]
    if shutil.which("soffice") is None and not Path("/usr/bin/soffice").exists():
        sizes.append("--no-libreoffice")  # formulas then carry no cached values
    runs = ["--repeat", "1", "--warmup", "0"]
    where = ["--data-dir", str(work / "data"), "--results", str(results)]
    proc = subprocess.run(
        [sys.executable, str(BENCH), *sizes, *runs, *where],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=work,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, json.loads(results.read_text(encoding="utf-8"))


def test_every_command_ran(smoke: tuple[str, dict]) -> None:
    _, result = smoke
    commands = result["commands"]
    assert {
        "check_dir",
        "rollup_json",
        "rollup_xlsx",
        "check_big",
        "check_faulty",
        "annotate_faulty",
        "template",
        "naive_dir",
        "read_dir",
        "read_big",
        "readwrite_dir",
        "template_bare",
    } <= set(commands)
    for name, c in commands.items():
        assert not c["skipped"], name
        assert len(c["times"]) == 1 and c["times"][0] > 0, name
        assert c["peak_mb"] > 0, name


def test_every_target_is_measured(smoke: tuple[str, dict]) -> None:
    stdout, result = smoke
    keys = [t["key"] for t in result["targets"]]
    assert keys == [
        "check-j1-vs-read",
        "check-vs-read",
        "rollup-vs-read",
        "check-vs-naive",
        "rollup-vs-naive",
        "big-vs-read",
        "big-memory",
        "report-vs-readwrite",
        "annotate-vs-check",
        "annotate-memory",
        "template-vs-bare",
    ]
    for t in result["targets"]:
        assert isinstance(t["value"], float) and t["value"] > 0, t
        assert t["met"] in (True, False), t
    assert "| target | measured | limit | met |" in stdout
    assert result["table"] in stdout


def test_commands_did_the_same_work(smoke: tuple[str, dict]) -> None:
    _, result = smoke
    checks = result["cross_check"]
    assert len(checks) == 6  # naive, bare read+write, check, rollup, faulty check, annotate
    assert all(line.startswith("ok") for line in checks), checks


def test_data_is_seeded_and_cached(smoke: tuple[str, dict]) -> None:
    _, result = smoke
    data = Path(result["data"])
    done = json.loads((data / "DONE.json").read_text(encoding="utf-8"))
    assert done["files"] == 3 and done["rows"] == 60 and done["big"]["rows"] == 60
    assert done["faulty"]["rows"] == 60 and sum(done["faulty"]["faults"].values()) == 10
    assert len(list((data / "submissions").glob("*.xlsx"))) == 3
    params = dict(result["params"])
    assert isinstance(params.pop("libreoffice"), bool)
    assert params == {
        "files": 3,
        "rows": 20,
        "big_rows": 60,
        "template_units": 1,
        "seed": 2027,
        "faulty_rows": 60,
        "faults": 10,
    }


def test_submissions_are_filled_real_templates(smoke: tuple[str, dict]) -> None:
    """Every sheet of the unit's template is kept, with its dropdowns, protection and
    stamp; the rows sit between the header and the template's own 合计 =SUM row."""
    from openpyxl import load_workbook

    from toolkit import form

    _, result = smoke
    path = sorted((Path(result["data"]) / "submissions").glob("*.xlsx"))[0]
    wb = load_workbook(path)
    assert {form.SHEET_ENTRY, form.SHEET_CATALOG, form.SHEET_LISTS, form.SHEET_STAMP} <= set(
        wb.sheetnames
    )
    ws = wb[form.SHEET_ENTRY]
    assert ws.protection.sheet and ws.data_validations.dataValidation
    stamp = {p.name: p.value for p in wb.custom_doc_props}
    assert stamp[form.STAMP_PREFIX + "unit"] == ws["C2"].value
    assert ws["B4"].value and ws["C4"].value and ws["K4"].value is not None
    total = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == form.TOTAL_LABEL)
    assert total == 24 and str(ws.cell(total, 11).value).upper() == "=SUM(K4:K23)"
