"""Two `submit` processes on one round at once: no lost update, no version given twice,
an event log that agrees with what each process reported."""

from __future__ import annotations

import itertools
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from processes import UNITS, assert_consistent, inbox, receipts, start, submit_argv
from sqlalchemy import select

from toolkit.store import create_round, open_store, schema
from toolkit.store import db as storedb

REPEATS = 3


def _events(st: Any, round_id: str) -> list[tuple[str, str]]:
    e = schema.events
    with storedb.read_tx(st.engine) as conn:
        rows = conn.execute(select(e.c.actor, e.c.kind).where(e.c.round_id == round_id)
                            .where(e.c.kind.like("submission.%")).order_by(e.c.id))  # fmt: skip
        return [tuple(r) for r in rows]


def _versions(st: Any, round_id: str) -> dict[tuple[str, int], str]:
    s = schema.submissions
    with storedb.read_tx(st.engine) as conn:
        rows = conn.execute(select(s.c.unit, s.c.version, s.c.sha256, s.c.state)
                            .where(s.c.round_id == round_id)).all()  # fmt: skip
    states: dict[str, list[tuple[int, str]]] = {}
    for unit, version, _sha, state in rows:
        states.setdefault(unit, []).append((version, state))
    for unit, vs in states.items():  # at most one 已提交 version, and it is the newest
        locked = [v for v, s in sorted(vs) if s in ("submitted", "approved")]
        assert locked in ([], [max(vs)[0]]), unit
    return {(u, v): sha for u, v, sha, _ in rows}


def test_two_submits_at_once(tmp_path: Path, database: str | None) -> None:
    a = inbox(tmp_path / "甲", tag="a")
    b = inbox(tmp_path / "乙", tag="b")
    shared = sorted(a.glob("1*_二七区.xlsx"))[1]  # the same bytes sent by both
    shutil.copy(shared, b / "00b_同一文件.xlsx")
    data = tmp_path / "data"
    interleaved = 0
    for _ in range(REPEATS):
        with open_store(data, database, create=True) as st:
            round_id = create_round(st, 2027, units=UNITS, actor="测试").id
        procs = [start(submit_argv(data, round_id, database, folder, actor=who))
                 for folder, who in ((a, "甲"), (b, "乙"))]  # fmt: skip
        got = [receipts(p) for p in procs]
        with open_store(data, database) as st:
            assert_consistent(st)
            stored = _versions(st, round_id)
            events = _events(st, round_id)
        new = [(r["unit"], r["version"], r["sha256"]) for rs in got for r in rs
               if r["outcome"] == "new"]  # fmt: skip
        assert sorted(new) == sorted((u, v, sha) for (u, v), sha in stored.items())
        assert len(new) == len({(u, v) for u, v, _ in new})  # no version given twice
        outcomes = Counter(r["outcome"] for rs in got for r in rs)
        kinds = Counter(kind for _, kind in events)
        assert kinds["submission.receive"] == outcomes["new"]
        assert kinds["submission.duplicate"] == outcomes["duplicate"]
        assert kinds["submission.refuse"] == outcomes["refused"]
        reasons = Counter(r["reason"] for rs in got for r in rs if r["outcome"] == "refused")
        assert set(reasons) <= {"year-mismatch", "unit-locked"}
        assert reasons["year-mismatch"] == 2
        shared_sha = next(r["sha256"] for r in got[1] if r["name"] == "00b_同一文件.xlsx")
        assert sum(sha == shared_sha for sha in stored.values()) <= 1
        per_file = ("submission.receive", "submission.duplicate", "submission.refuse")
        for who, reported in zip(("甲", "乙"), got, strict=True):  # one event per file reported
            assert sum(k in per_file for actor, k in events if actor == who) == len(reported)
        actors = [actor for actor, _ in events]
        interleaved += sum(x != y for x, y in itertools.pairwise(actors)) > 1
    assert interleaved, "the two processes never ran at the same time"
