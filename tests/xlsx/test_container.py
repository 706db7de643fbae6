"""container: the zip's members stream under one set of caps, whichever reader asks.

``preflight`` (every member) and ``Package`` (the parts the reader parses) inflate through
the same ``Inflater``, so a crafted member is refused the same way by both; and a part's
relationship target resolves to one part name everywhere."""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from pathlib import Path

import hostile as H
import pytest

from toolkit.xlsx.container import (
    OTHER_SPREADSHEET_SUFFIXES,
    Inflater,
    open_container,
    rels_name,
    resolve_target,
    sniff,
)
from toolkit.xlsx.limits import Deadline, FileProblem, LimitExceeded, Limits
from toolkit.xlsx.package import Package
from toolkit.xlsx.preflight import preflight

MB = 1024 * 1024


def _package_problem(path: Path, limits: Limits) -> FileProblem:
    with pytest.raises(FileProblem) as info, Package(path, limits) as pkg:
        pkg.read("xl/worksheets/sheet1.xml", cap=1 << 40)
    return info.value


def _reader_problem(path: Path, part: str) -> FileProblem:
    """What the reader says on opening the package and reading ``part`` whole."""
    with pytest.raises(FileProblem) as info, Package(path) as pkg:
        pkg.read(part)
    return info.value


def test_a_member_inflating_past_its_declared_size_is_refused_alike(tmp_path: Path) -> None:
    limits = Limits(max_compression_ratio=5000)
    bomb = H.zip_bomb(tmp_path / "lying.xlsx", inflated=64 * MB, declared=20 * MB)
    by_preflight = preflight(bomb, limits)
    by_reader = _package_problem(bomb, limits)
    assert by_preflight is not None
    for problem in (by_preflight, by_reader):
        assert problem.kind == "unreadable"
        assert "xl/worksheets/sheet1.xml" in problem.detail
        assert "超过声明大小" in problem.detail


@pytest.mark.parametrize("part", ["[Content_Types].xml", "xl/workbook.xml"])
def test_a_small_part_that_lies_costs_one_chunk_not_its_stream(tmp_path: Path, part: str) -> None:
    # a 650 KB file whose small part inflates to 640 MB: refused at the chunk that passes
    # its declared size, by preflight and by the reader, holding a few MB at most
    path = H.lying_small_part(tmp_path / "lying.xlsx", part)
    for refuse in (lambda: preflight(path), lambda: _reader_problem(path, part)):
        tracemalloc.start()
        started = time.monotonic()
        try:
            problem = refuse()
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert problem is not None and problem.kind == "unreadable"
        assert part in problem.detail and "超过声明大小" in problem.detail
        assert peak < 16 * MB, peak
        assert time.monotonic() - started < 2.0


def test_a_ratio_bomb_is_refused_alike(tmp_path: Path) -> None:
    bomb = H.zip_bomb(tmp_path / "b.xlsx", inflated=64 * MB)
    limits = Limits(max_compression_ratio=100)
    by_preflight = preflight(bomb, limits)
    by_reader = _package_problem(bomb, limits)
    for problem in (by_preflight, by_reader):
        assert isinstance(problem, LimitExceeded)
        assert problem.limit == "max_compression_ratio"


def test_the_inflater_counts_every_member_against_the_total(tmp_path: Path) -> None:
    path = H.write_zip(tmp_path / "a.xlsx", H.minimal_parts())
    limits = Limits()
    size = sniff(path, limits)
    with path.open("rb") as fp:
        zf = open_container(fp, size, limits)
        inflater = Inflater(fp, size, limits, Deadline(limits), "读取")
        got = {i.filename: b"".join(inflater.chunks(i)) for i in zf.infolist()}
    with zipfile.ZipFile(path) as zf:
        assert got == {i.filename: zf.read(i) for i in zf.infolist()}
    assert inflater.inflated == sum(len(v) for v in got.values())


def test_the_time_limit_names_what_was_being_done(tmp_path: Path) -> None:
    path = H.write_zip(tmp_path / "a.xlsx", H.minimal_parts())
    limits = Limits(max_seconds=1e-9)
    size = sniff(path, limits)
    with path.open("rb") as fp:
        zf = open_container(fp, size, limits)
        inflater = Inflater(fp, size, limits, Deadline(limits), "解压检查")
        with pytest.raises(LimitExceeded) as info:
            b"".join(inflater.chunks(zf.infolist()[0]))
    assert info.value.limit == "max_seconds"
    assert info.value.detail.startswith("解压检查")


@pytest.mark.parametrize(
    ("base", "target", "part"),
    [
        ("xl/workbook.xml", "worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("xl/workbook.xml", "/xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("xl/worksheets/sheet1.xml", "../comments1.xml", "xl/comments1.xml"),
        ("xl/worksheets/sheet1.xml", "./../drawings/./d1.xml", "xl/drawings/d1.xml"),
        ("", "xl/workbook.xml", "xl/workbook.xml"),
        ("xl/workbook.xml", "../../../x.xml", "x.xml"),  # never above the package root
    ],
)
def test_relationship_targets_resolve_to_part_names(base: str, target: str, part: str) -> None:
    assert resolve_target(base, target) == part


def test_one_list_of_other_spreadsheet_suffixes(tmp_path: Path) -> None:
    from toolkit.rules.batch import find_files
    from toolkit.store.intake import SPREADSHEET_SUFFIXES

    assert set(SPREADSHEET_SUFFIXES) == {".xlsx", *OTHER_SPREADSHEET_SUFFIXES}
    assert ".xlsx" not in OTHER_SPREADSHEET_SUFFIXES
    for suffix, name in OTHER_SPREADSHEET_SUFFIXES.items():
        assert suffix in name  # the clerk's message names the suffix it saw
    # a folder's search takes every one of them (to report it), and nothing else
    for suffix in (".xlsx", *OTHER_SPREADSHEET_SUFFIXES, ".txt", ".pdf"):
        (tmp_path / f"a{suffix}").write_bytes(b"x")
    found = {p.suffix for p in find_files([tmp_path])}
    assert found == {".xlsx", *OTHER_SPREADSHEET_SUFFIXES}


@pytest.mark.parametrize(
    ("part", "rels"),
    [
        ("", "_rels/.rels"),
        ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"),
        ("xl/worksheets/sheet1.xml", "xl/worksheets/_rels/sheet1.xml.rels"),
    ],
)
def test_a_parts_relationships_part(part: str, rels: str) -> None:
    assert rels_name(part) == rels
