"""Receiving files: originals by SHA-256, duplicates recognised, identity refused with reasons,
the check stored as it was."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from builders import fill_template, line
from roundfiles import RoundFiles, clean_rows, sign

import toolkit
from toolkit.store import (
    create_round,
    get_submission,
    history,
    receive_file,
    receive_files,
    round_status,
    submission_check,
    submission_issues,
    submission_totals,
    verify_store,
)


def _receive(store: Any, rnd: Any, *paths: Path, **kw: Any) -> list[Any]:
    return receive_files(store, rnd.id, list(paths), actor="财政局", jobs=1, **kw)


def test_original_is_stored_once_by_hash_read_only(
    store: Any, rnd: Any, files: RoundFiles, data_dir: Path
) -> None:
    path = files.make("中原区预算.xlsx", "中原区", clean_rows(2))
    (r,) = _receive(store, rnd, path)
    blob = data_dir / "originals" / r.sha256[:2] / r.sha256
    assert blob.read_bytes() == path.read_bytes()
    assert not blob.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not list(data_dir.rglob("中原区预算.xlsx"))  # never named by the sent name
    assert r.submission.original_name == "中原区预算.xlsx"
    assert r.submission.source == "import" and r.submission.source_path == str(path)
    copy = path.with_name("再次发送.xlsx")
    copy.write_bytes(path.read_bytes())
    again = _receive(store, rnd, copy, path)
    assert [(a.outcome, a.unit, a.version) for a in again] == [("duplicate", "中原区", 1)] * 2
    assert len(list((data_dir / "originals").rglob("*"))) == 2  # one folder, one file
    assert [e.kind for e in history(store, rnd.id, "中原区")][-2:] == ["submission.duplicate"] * 2
    assert verify_store(store) == []


def test_duplicates_within_one_batch(store: Any, rnd: Any, files: RoundFiles) -> None:
    path = files.make("a.xlsx", "二七区", clean_rows(2), signed=False)
    twin = path.with_name("b.xlsx")
    twin.write_bytes(path.read_bytes())
    got = _receive(store, rnd, path, twin)
    assert [(g.outcome, g.version) for g in got] == [("new", 1), ("duplicate", 1)]
    assert round_status(store, rnd.id).unit("二七区").versions == 1


def test_the_stored_check_is_the_check_of_the_stored_bytes(
    store: Any, rnd: Any, files: RoundFiles
) -> None:
    rows = [*clean_rows(3), line(project="坏行", code="999X"), line(project="负数", amount=-5)]
    path = files.make("a.xlsx", "金水区", rows)
    (r,) = _receive(store, rnd, path)
    plain = toolkit.check([path], toolkit.load_catalog(), units=list(rnd.units))
    block = toolkit.files_json(plain)[0]
    stored = submission_check(store, r.submission.id)
    assert {**stored, "path": None} == {**block, "path": None}
    assert stored["path"] == "a.xlsx"
    issues = submission_issues(store, r.submission.id)
    assert [(i["rule"], i["cell"]) for i in issues] == [
        (i["rule"], i["cell"]) for i in block["issues"]
    ]
    assert {i["rule"] for i in issues} == {"unknown-code", "amount-negative"}
    sub = r.submission
    accepted = plain.all_rows[plain.all_rows["accepted"]]
    assert (sub.rows_read, sub.rows_accepted) == (5, 3)
    assert sub.amount_accepted_fen == int(accepted["amount_fen"].sum())
    assert sub.amount_read_fen == int(plain.all_rows["amount_fen"].dropna().sum())
    totals = submission_totals(store, sub.id)
    for level, column in (("level1", "level1"), ("level2", "level2"), ("level3", "code")):
        expect = {k: int(v) for k, v in accepted.groupby(column)["amount_fen"].sum().items()}
        assert totals[level] == expect


def _other_template(tmp_path: Path, name: str, **options: Any) -> Path:
    template = toolkit.write_template(toolkit.load_catalog(), tmp_path / f"t-{name}", **options)
    return sign(fill_template(template, tmp_path / name, clean_rows(2)))


def test_identity_refusals(store: Any, rnd: Any, files: RoundFiles, tmp_path: Path) -> None:
    other = create_round(store, 2027, units=["中原区"], actor="财政局")
    cat = toolkit.load_catalog()
    doc = cat.to_dict()
    doc["version"] = "2021"
    cat2 = toolkit.Catalog.from_dict(doc, source="test")
    garbage = tmp_path / "坏文件.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a workbook")
    cases = {
        "round-mismatch": RoundFiles(store, other.id, tmp_path / "o").make("o.xlsx", "中原区",
                                                                            clean_rows(1)),
        "year-mismatch": _other_template(tmp_path, "y.xlsx", year=2026, unit="中原区"),
        "unit-mismatch": files.make("u.xlsx", "中原区", clean_rows(1), write_unit="二七区"),
        "unit-not-in-round": _other_template(tmp_path, "n.xlsx", year=2027, unit="上街区"),
        "unit-undetermined": fill_template(
            toolkit.write_template(cat, tmp_path / "g.xlsx", year=2027), tmp_path / "g2.xlsx",
            clean_rows(1),
        ),
        "catalog-mismatch": sign(fill_template(
            toolkit.write_template(cat2, tmp_path / "c.xlsx", year=2027, unit="金水区"),
            tmp_path / "c2.xlsx", clean_rows(1),
        )),
        "file-unreadable": garbage,
    }  # fmt: skip
    got = _receive(store, rnd, *cases.values())
    assert [(g.outcome, g.reason) for g in got] == [("refused", k) for k in cases]
    assert all(g.message for g in got)
    assert "二七区" in got[2].message and "中原区" in got[2].message
    board = round_status(store, rnd.id)
    assert board.counts["received"] == 0
    refusals = [e for e in history(store, rnd.id) if e.kind == "submission.refuse"]
    assert [e.detail["reason"] for e in refusals] == list(cases)
    assert not any(store.blobs.exists(g.sha256) for g in got)  # refused: nothing kept


def test_a_known_sender(store: Any, rnd: Any, files: RoundFiles, tmp_path: Path) -> None:
    zy = files.make("zy.xlsx", "中原区", clean_rows(1))
    (wrong,) = _receive(store, rnd, zy, unit="金水区")
    assert (wrong.outcome, wrong.reason) == ("refused", "unit-mismatch")
    generic = toolkit.write_template(toolkit.load_catalog(), tmp_path / "g.xlsx", year=2027,
                                     round_id=rnd.id)  # fmt: skip
    blank = fill_template(generic, tmp_path / "无单位.xlsx", clean_rows(2))
    (r,) = _receive(store, rnd, blank, unit="金水区")
    assert (r.outcome, r.unit, r.version) == ("new", "金水区", 1)
    assert [i["rule"] for i in submission_issues(store, r.submission.id)] == ["unit-missing"]
    assert r.submission.rows_accepted == 0  # a file-level error rejects every row


def test_portal_upload_is_named_as_sent(store: Any, rnd: Any, files: RoundFiles) -> None:
    made = files.make("upload.xlsx", "惠济区", clean_rows(2))
    path = made.rename(made.with_name("tmp-upload-1234"))  # the portal's temp file: no suffix
    r = receive_file(store, rnd.id, path, name="惠济区预算表.xlsx", unit="惠济区", actor="惠济区")
    sub = get_submission(store, rnd.id, "惠济区")
    assert (r.outcome, sub.original_name, sub.source, sub.source_path) == (
        "new", "惠济区预算表.xlsx", "upload", None,
    )  # fmt: skip
    assert r.state.value == "received"  # uploads wait for the clerk's 提交


def test_folders_are_searched(store: Any, rnd: Any, files: RoundFiles, tmp_path: Path) -> None:
    folder = tmp_path / "收件箱"
    (folder / "子目录").mkdir(parents=True)
    files.make("a.xlsx", "中原区", clean_rows(1)).rename(folder / "子目录" / "a.xlsx")
    (folder / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / ".hidden.xlsx").write_bytes(b"x")
    (folder / "说明.txt").write_text("not a spreadsheet", encoding="utf-8")
    got = _receive(store, rnd, folder)
    assert [(Path(g.path).name, g.outcome, g.reason) for g in got] == [
        ("a.xlsx", "new", None), ("旧格式.xls", "refused", "file-unreadable"),
    ]  # fmt: skip
    assert "xls" in got[1].message


@pytest.mark.parametrize("jobs", [1, 2])
def test_workers_give_the_same_receipts(
    store: Any, rnd: Any, files: RoundFiles, tmp_path: Path, jobs: int
) -> None:
    paths = [files.make(f"{u}.xlsx", u, clean_rows(i + 1, salt=u)) for i, u in enumerate(rnd.units)]
    got = receive_files(store, rnd.id, paths, actor="x", jobs=jobs)
    assert [(g.unit, g.version, g.state.value) for g in got] == [
        (u, 1, "submitted") for u in rnd.units
    ]
    assert json.loads(json.dumps([g.to_json() for g in got]))[0]["outcome"] == "new"


def test_examine_in_another_process_then_record(store: Any, rnd: Any, files: RoundFiles) -> None:
    """The portal's split: the upload is checked in a worker process (spawned: nothing
    inherited), the web process only records what came back."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from toolkit.store import Intake, Job, examine, intake_context, record_examined

    path = files.make("a.xlsx", "金水区", clean_rows(2))
    ctx = intake_context(store, rnd.id)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        examined = pool.submit(examine, ctx, Job(str(path), "金水区.xlsx", "金水区")).result()
    assert store.blobs.exists(examined.sha256)
    r = record_examined(store, rnd.id, examined, Intake(actor="金水区", source="upload",
                                                        confirm_signed=False))  # fmt: skip
    assert (r.outcome, r.unit, r.version, r.state.value) == ("new", "金水区", 1, "received")


def test_a_round_with_nothing_approved_rolls_up_to_zero(store: Any, rnd: Any) -> None:
    from toolkit.store import rollup_round

    done = rollup_round(store, rnd.id, jobs=1)
    assert done.ok and done.counted == [] and len(done.not_counted) == len(rnd.units)
    doc = toolkit.report_json(done.summary())
    assert doc["grand_total"] == "0.00" and doc["rows"] == {"read": 0, "accepted": 0, "rejected": 0}
