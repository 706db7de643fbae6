"""Workbooks for portal tests: a unit's stamped template filled by label (tests/builders)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from builders import fill_template, line

LEAVES = ["033A0101", "033A0102", "033B0101", "033C0101", "033A0201"]
UNITS = ["中原区", "二七区", "金水区", "惠济区"]


def clean_rows(n: int = 3, base: int = 100_000, salt: str = "") -> list[dict[str, Any]]:
    """``n`` valid, distinct line items whose amounts are known to the fen."""
    return [
        line(project=f"项目{salt}{i}", code=LEAVES[i % len(LEAVES)], amount=base + i * 1001.25)
        for i in range(n)
    ]


def faulty_rows() -> list[dict[str, Any]]:
    """Two good lines and one that names a level-2 code (an error the clerk must fix)."""
    return [*clean_rows(2), line(project="错误项目", code="033A01", amount=80_000)]


def fill(template: Path, target: Path, rows: Sequence[Mapping[str, Any] | None]) -> Path:
    return fill_template(template, target, rows)


def template_for(store: Any, round_id: str, unit: str, folder: Path) -> Path:
    from toolkit.store import write_round_templates

    (path,) = write_round_templates(store, round_id, folder / unit, units=[unit], actor="tests")
    return path
