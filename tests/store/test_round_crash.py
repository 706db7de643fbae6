"""SIGKILL during `submit`, again and again: what is committed stays intact and verifiable,
nothing half-done is visible or counted, and running the same `submit` again finishes the
job without duplicates."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path
from typing import Any

from processes import UNITS, assert_consistent, inbox, receipts, snapshot, start, submit_argv

from toolkit.store import create_round, open_store, rollup_round

KILLS = {"sqlite": 20, "postgresql": 10}


def _round(data: Path, database: str | None) -> str:
    with open_store(data, database, create=True) as st:
        return create_round(st, 2027, units=UNITS, actor="测试").id


def test_sigkill_during_submit(
    tmp_path: Path, database: str | None, another_database: str | None
) -> None:
    folder = inbox(tmp_path / "收件", per_unit=5)
    empty = tmp_path / "空"
    empty.mkdir()
    # the same job, uninterrupted, in a data folder of its own: what the end must look like
    ref_data, ref_db = tmp_path / "reference", another_database
    ref_round = _round(ref_data, ref_db)
    began = time.monotonic()
    receipts(start(submit_argv(ref_data, ref_round, ref_db, empty)))
    overhead = time.monotonic() - began  # start-up and exit of a submit with nothing to do
    began = time.monotonic()
    receipts(start(submit_argv(ref_data, ref_round, ref_db, folder)))
    duration = time.monotonic() - began
    with open_store(ref_data, ref_db) as ref:
        expected = snapshot(ref, ref_round)
        plain = _money(rollup_round(ref, ref_round, include_submitted=True, jobs=1))
    assert len(expected) == 5 * len(UNITS)

    # campaigns: a new round each, submitted and killed until a run gets through
    data = tmp_path / "data"
    rng = random.Random(12)
    kills, landed = KILLS["sqlite" if database is None else "postgresql"], []
    # when to kill: between start-up and the reference's end, adapted as the machine's
    # load changes (a kill before anything could commit moves the window later)
    lo, hi, attempts = 0.8 * overhead, duration, 0
    while kills > 0:
        round_id = _round(data, database)
        argv = submit_argv(data, round_id, database, folder)
        had = 0
        while kills > 0:
            attempts += 1
            assert attempts <= 5 * KILLS["sqlite"], f"kills never landed: {landed}"
            proc = start(argv, jobs=1 + kills % 2)
            wait = rng.uniform(lo, hi)
            time.sleep(wait)
            if proc.poll() is not None:
                proc.communicate()
                hi = wait  # it finishes sooner than thought: kill earlier next time
                lo = min(lo, hi / 2)
                break  # this run finished before the kill
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            kills -= 1
            with open_store(data, database) as st:
                assert_consistent(st)
                now = snapshot(st, round_id)
                assert set(now) <= set(expected)  # the same versions, bytes and states
                landed.append(len(now))
                if len(now) == had:  # killed before its first commit: later next time
                    lo, hi = lo + (hi - lo) / 2, min(hi * 1.25, 3 * duration)
                had = len(now)
                done = rollup_round(st, round_id, include_submitted=True, jobs=1)
                assert done.ok and len(done.counted) <= len(UNITS)
            if len(now) == len(expected):
                break  # everything was in before this kill: the next kill needs a new round
        with open_store(data, database) as st:
            before = len(snapshot(st, round_id))
        final = receipts(start(argv))  # the same submit again completes the job
        assert sum(f["outcome"] == "new" for f in final) == len(expected) - before
        with open_store(data, database) as st:
            assert_consistent(st)
            assert snapshot(st, round_id) == expected
            assert _money(rollup_round(st, round_id, include_submitted=True, jobs=1)) == plain
    mid_job = [n for n in landed if 0 < n < len(expected)]
    assert len(mid_job) >= 3, f"too few kills landed mid-job: {landed}"


def _money(done: Any) -> dict[str, Any]:
    import toolkit

    doc = toolkit.report_json(done.summary())
    return {k: doc[k] for k in ("rows", "amounts", "totals", "by_unit", "grand_total")}
