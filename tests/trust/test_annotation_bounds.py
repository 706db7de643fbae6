"""Class 14: our own files are bounded too.

The annotated copy's bookkeeping sheet (_标注记录, hidden) is input like any other when the
copy comes back: a huge, far-reaching or bogus record must neither blow up time or memory
nor stop the new copy from being written, and never grows the form.

Each annotation runs in a child process with a memory cap and a timeout, so a failure
here cannot take the shared machine down with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import pytest
from trust_builders import build_submission, check, edit_wb, item, rules

from toolkit.output.annotate import MARKS_SHEET, annotate

MEMORY_CAP = 1024**3
TIMEOUT = 60

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
    import toolkit
    from toolkit.output.annotate import annotate
    start = time.monotonic()
    result = toolkit.check([sys.argv[1]])
    done = annotate(result, sys.argv[2])
    print(json.dumps({{
        "target": str(done[0].target) if done and done[0].target else None,
        "reason": done[0].reason if done else "",
        "seconds": time.monotonic() - start,
    }}))
    """
).format(cap=MEMORY_CAP)


def _annotate_in_child(copy, outdir):
    started = time.monotonic()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(copy), str(outdir)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"annotating took more than {TIMEOUT} s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall"] = time.monotonic() - started
    return out


def _copy(tmp_path):
    """An original with one warning (it counts) and the annotated copy of it."""
    original = build_submission(tmp_path / "a.xlsx", [item(0), item(1, project="服务\u200b项目")])
    result = check(original)
    assert rules(result) == {"invalid-text"}
    (done,) = annotate(result, tmp_path / "first")
    assert done.target is not None
    return done.target


def _record(copy, rows):
    def add(wb):
        ws = wb[MARKS_SHEET]
        for values in rows:
            ws.append(list(values))

    return edit_wb(copy, add)


def _entry_extent(path):
    from openpyxl import load_workbook

    ws = load_workbook(path)["预算表"]
    return ws.max_row, ws.max_column


def test_a_plain_copy_is_annotated_again(tmp_path):
    copy = _copy(tmp_path)
    out = _annotate_in_child(copy, tmp_path / "again")
    assert out["target"], out["reason"]
    assert _entry_extent(out["target"]) == _entry_extent(copy)


def test_a_range_in_the_record_is_bounded(tmp_path):
    copy = _record(
        _copy(tmp_path), [("预算表", "A1:XFD1048576", "solid", "rgb:FFFF0000", "", "", "")]
    )
    out = _annotate_in_child(copy, tmp_path / "again")
    assert out["target"], out["reason"]
    assert out["seconds"] < 30


def test_far_cells_in_the_record_never_grow_the_form(tmp_path):
    copy = _copy(tmp_path)
    before = _entry_extent(copy)
    rows = [
        ("预算表", f"XFD{1_000_000 + n}", "solid", "rgb:FFFF0000", "", "", "")
        for n in range(20_000)
    ]
    copy = _record(copy, rows)
    out = _annotate_in_child(copy, tmp_path / "again")
    assert out["target"], out["reason"]
    assert out["seconds"] < 30
    assert _entry_extent(out["target"]) == before


@pytest.mark.parametrize(
    "row",
    [
        ("预算表", "B5", "bogus", "", "", "", ""),
        ("预算表", "B5", "solid", "rgb:ZZZ", "", "", ""),
        ("预算表", "not-a-cell", "", "", "", "", ""),
        ("预算表", "B5", "solid", "theme:x", "", "", ""),
    ],
    ids=["fill", "colour", "cell", "theme"],
)
def test_a_bogus_record_row_never_stops_the_copy(tmp_path, row):
    copy = _record(_copy(tmp_path), [row])
    out = _annotate_in_child(copy, tmp_path / "again")
    assert out["target"], out["reason"]


def test_a_huge_comment_in_the_record_stays_bounded(tmp_path):
    copy = _record(_copy(tmp_path), [("预算表", "F4", "", "", "", "长" * 30_000, "x")])
    out = _annotate_in_child(copy, tmp_path / "again")
    assert out["target"], out["reason"]
    assert out["seconds"] < 30


def test_check_skips_a_huge_record_sheet_quickly(tmp_path):
    copy = _copy(tmp_path)
    rows = [("预算表", f"B{n}", "", "", "", "", "") for n in range(4, 60_004)]
    copy = _record(copy, rows)
    started = time.monotonic()
    result = check(copy)
    assert time.monotonic() - started < 30
    # the record is never read as data
    assert len(result.all_rows) == 2
