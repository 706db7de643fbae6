"""Running `budget-toolkit submit` as real processes, and checking a store afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from builders import fill_template, line
from roundfiles import clean_rows, sign
from sqlalchemy import func, select

import toolkit
from toolkit.store import db as storedb
from toolkit.store import schema, verify_store

UNITS = ("中原区", "二七区", "金水区", "惠济区")


def inbox(folder: Path, tag: str = "", per_unit: int = 3) -> Path:
    """Per unit: a file with an error, an unsigned clean one, a signed clean one (so the
    versions go 已接收, 已接收, 已提交), plus a file of another year (refused) and a copy
    of a file (a duplicate). Templates carry no round, so any 2027 round takes them."""
    folder.mkdir(parents=True, exist_ok=True)
    cat = toolkit.load_catalog()
    for i, unit in enumerate(UNITS):
        tpl = toolkit.write_template(cat, folder.parent / f"t{tag}-{i}.xlsx", year=2027, unit=unit)
        for k in range(per_unit):
            rows = clean_rows(2 + k, base=1000 * (i + 1) + k, salt=f"{tag}{k}")
            if k == 0:
                rows.append(line(project="错行", code="999X"))
            path = fill_template(tpl, folder / f"{i}{k}{tag}_{unit}.xlsx", rows)
            if k == per_unit - 1:
                sign(path)
    other = toolkit.write_template(cat, folder.parent / f"t{tag}-y.xlsx", year=2026, unit="中原区")
    sign(fill_template(other, folder / f"9{tag}_2026年度.xlsx", clean_rows(1)))
    first = sorted(folder.glob("*.xlsx"))[0]
    (folder / f"99{tag}_重发.xlsx").write_bytes(first.read_bytes())
    return folder


def submit_argv(
    data: Path, round_id: str, database: str | None, *paths: Path, actor: str = "测试"
) -> list[str]:
    db = ["--database", database] if database else []
    return [sys.executable, "-m", "toolkit", "submit", "--data", str(data), "--round", round_id,
            *db, "--format", "json", "--actor", actor, *map(str, paths)]  # fmt: skip


def start(argv: list[str], jobs: int = 1) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen([*argv, "--jobs", str(jobs)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)  # fmt: skip


def receipts(proc: subprocess.Popen[str], timeout: float = 300) -> list[dict[str, Any]]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode in (0, 1), err
    files: list[dict[str, Any]] = json.loads(out)["files"]
    return files


def snapshot(store: Any, round_id: str) -> list[tuple[str, int, str, str]]:
    """(unit, version, sha256, state) of every stored version of a round."""
    s = schema.submissions
    with storedb.read_tx(store.engine) as conn:
        rows = conn.execute(select(s.c.unit, s.c.version, s.c.sha256, s.c.state)
                            .where(s.c.round_id == round_id)
                            .order_by(s.c.unit, s.c.version))  # fmt: skip
        return [tuple(r) for r in rows]


def assert_consistent(store: Any) -> None:
    """Nothing half-done: originals intact, rows complete, versions 1..n without repeats,
    exactly one receive and one check event per version, no event without its version."""
    assert verify_store(store) == []
    e, s = schema.events, schema.submissions
    with storedb.read_tx(store.engine) as conn:
        snap = conn.execute(select(s.c.round_id, s.c.unit, s.c.version, s.c.sha256)
                            .order_by(s.c.round_id, s.c.unit, s.c.version)).all()  # fmt: skip
        kinds = Counter(conn.execute(select(e.c.kind)).scalars())
        linked = conn.execute(
            select(func.count()).select_from(e).where(e.c.submission_id.is_not(None))
            .where(~e.c.submission_id.in_(select(s.c.id)))
        ).scalar()  # fmt: skip
        per_sub = Counter(
            conn.execute(select(e.c.submission_id).where(e.c.kind == "submission.receive"))
            .scalars()
        )  # fmt: skip
    by_unit: dict[tuple[str, str], list[int]] = {}
    for round_id, unit, version, _sha in snap:
        by_unit.setdefault((round_id, unit), []).append(version)
    for key, numbers in by_unit.items():
        assert numbers == list(range(1, len(numbers) + 1)), key
    assert len({(r, u, sha) for r, u, _v, sha in snap}) == len(snap)
    assert linked == 0
    assert kinds["submission.receive"] == kinds["submission.check"] == len(snap)
    assert set(per_sub.values()) <= {1}
