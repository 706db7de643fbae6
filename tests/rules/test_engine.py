"""One file judged: letting the sheet's cells go early (``check_file`` does, to keep a
200,000-row file small) changes nothing that is found or counted."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from builders import build_submission, line

from toolkit.catalog import load_catalog
from toolkit.read.submission import read_submission
from toolkit.rules.engine import judge
from toolkit.rules.options import CheckOptions

CASES: dict[str, tuple[list[dict[str, Any] | None], dict[str, Any]]] = {
    "sum formula": ([line(), line(amount=2500.5), line(amount=7)], {}),
    "typed total that lies": ([line(), line(amount=3)], {"total": 999}),
    "no total row": ([line(), line()], {"total": None}),
    "subtotal inside the sum": (
        [line(), line(amount=5), {"seq": "小计", "amount": "=SUM(K4:K5)"}, line(amount=9)],
        {},
    ),
    "faulty cells": (
        [line(amount=-5), line(amount="abc"), line(amount=1.234), line(code="033A01"), None],
        {},
    ),
    "total typed as text": ([line(), line()], {"total": "240,000.00元"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_releasing_the_cells_early_changes_nothing(tmp_path: Path, case: str) -> None:
    rows, kw = CASES[case]
    path = build_submission(tmp_path / "a.xlsx", rows, **kw)
    catalog, options = load_catalog(), CheckOptions()
    kept = judge(read_submission(path), catalog, options, release_cells=False)
    released = judge(read_submission(path), catalog, options, release_cells=True)
    assert asdict(released[0]) == asdict(kept[0])
    assert list(released[1]) == list(kept[1])
    assert kept[0].issues or case == "sum formula"  # the cases do reach the 合计's rules
