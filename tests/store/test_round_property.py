"""Property: on random rounds, the store's roll-up equals the plain roll-up of the current
counted files, to the fen; and the store follows an independent model of the lifecycle."""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import fill_template, line
from hypothesis import given, settings
from hypothesis import strategies as st
from roundfiles import sign

import toolkit
from toolkit import store as rs
from toolkit.store.blobs import sha256_file

UNITS = ("中原区", "二七区", "金水区")
LEAVES = ("033A0101", "033A0102", "033A0201", "033B0101", "033B0201", "033C0101", "033C0201")


@dataclass(frozen=True)
class Variant:
    path: Path
    sha256: str
    clean: bool
    signed: bool


def _rows(rng: random.Random, n: int) -> list[dict[str, Any]]:
    return [
        line(project=f"项目{rng.randrange(10**6)}", code=rng.choice(LEAVES),
             amount=rng.randrange(1, 10**9) / 100)
        for _ in range(n)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Variant]]:
    """Per unit: signed clean files, an unsigned clean one and one with errors."""
    folder = tmp_path_factory.mktemp("pool")
    cat = toolkit.load_catalog()
    rng = random.Random(20261201)
    out: dict[str, list[Variant]] = {}
    for unit in UNITS:
        template = toolkit.write_template(cat, folder / f"t-{unit}.xlsx", year=2027, unit=unit)
        kinds = [(True, True), (True, True), (True, False), (False, True)]
        out[unit] = []
        for i, (clean, signed) in enumerate(kinds):
            rows = _rows(rng, rng.randrange(1, 6))
            if not clean:
                rows.append(line(project="错误行", code="999X", amount=12.34))
            path = fill_template(template, folder / f"{unit}-{i}.xlsx", rows)
            if signed:
                sign(path)
            out[unit].append(Variant(path, sha256_file(path)[0], clean, signed))
    return out


@dataclass
class Model:
    """The lifecycle, written down independently of the store."""

    versions: dict[str, list[list[Any]]] = field(default_factory=dict)  # unit -> [[sha, state, v]]

    def receive(self, unit: str, v: Variant) -> tuple[str, int | None]:
        mine = self.versions.setdefault(unit, [])
        for sha, _state, version in mine:
            if sha == v.sha256:
                return "duplicate", version
        if mine and mine[-1][1] in ("submitted", "approved"):
            return "refused", None
        state = "submitted" if v.clean and v.signed else "received"
        mine.append([v.sha256, state, len(mine) + 1])
        return "new", len(mine)

    def act(self, unit: str, action: str) -> bool:
        mine = self.versions.get(unit)
        if not mine:
            return False
        moves = {"approve": {"submitted": "approved"},
                 "return": {"received": "returned", "submitted": "returned",
                            "approved": "returned"}}  # fmt: skip
        target = moves[action].get(mine[-1][1])
        if target is None:
            return False
        mine[-1][1] = target
        return True

    def counted(self, include_submitted: bool) -> dict[str, str]:
        states = {"approved", "submitted"} if include_submitted else {"approved"}
        return {u: vs[-1][0] for u, vs in self.versions.items() if vs and vs[-1][1] in states}


steps = st.lists(
    st.tuples(st.sampled_from(UNITS), st.integers(0, 3),
              st.sampled_from(["none", "approve", "approve", "return"])),
    min_size=1, max_size=7,
)  # fmt: skip


def _plain(paths: list[Path]) -> dict[str, Any]:
    result = toolkit.check(paths, toolkit.load_catalog(), units=list(UNITS), jobs=1)
    return toolkit.report_json(toolkit.summarize(result, units=list(UNITS)))


@settings(max_examples=20, deadline=None)
@given(ops=steps, include_submitted=st.booleans())
def test_store_rollup_equals_plain_rollup(
    pool: dict[str, list[Variant]], ops: list[tuple[str, int, str]], include_submitted: bool
) -> None:
    with tempfile.TemporaryDirectory() as d, rs.open_store(Path(d) / "data", create=True) as store:
        rnd = rs.create_round(store, 2027, units=UNITS, actor="t")
        model = Model()
        for unit, k, action in ops:
            v = pool[unit][k]
            (got,) = rs.receive_files(store, rnd.id, [v.path], actor="t", jobs=1)
            assert (got.outcome, got.version) == model.receive(unit, v)
            if action != "none":
                allowed = model.act(unit, action)
                try:
                    if action == "approve":
                        rs.approve(store, rnd.id, unit, actor="t")
                    else:
                        rs.return_submission(store, rnd.id, unit, reason="随机退回", actor="t")
                    assert allowed
                except rs.TransitionRefused:
                    assert not allowed
        expected = model.counted(include_submitted)
        done = rs.rollup_round(store, rnd.id, include_submitted=include_submitted, jobs=1)
        assert done.ok, done.discrepancies
        assert {s.unit: s.sha256 for s in done.counted} == expected
        by_sha = {v.sha256: v.path for vs in pool.values() for v in vs}
        mine = toolkit.report_json(done.summary())
        theirs = _plain([by_sha[sha] for sha in expected.values()])
        for key in ("rows", "amounts", "totals", "by_unit", "grand_total"):
            assert mine[key] == theirs[key], key
        # the line items stored at receipt add up to the same level-2 totals
        stored: dict[str, int] = {}
        for s in done.counted:
            for code, fen in rs.submission_totals(store, s.id)["level2"].items():
                stored[code] = stored.get(code, 0) + fen
        plain = {c: int(Decimal(x) * 100) for c, x in theirs["totals"]["level2"].items()}
        assert stored == {c: fen for c, fen in plain.items() if fen}
        assert rs.verify_store(store) == []
