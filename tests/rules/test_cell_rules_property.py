"""The per-cell rules judge whole columns at once; a row's issues must not depend on the
rows around it. Reference: the same row alone in a file of its own, checked row by row.

Only rules of scope ``cell`` are compared, except ``duplicate-row``, which is about two
rows by its nature; file rules (the paper total, the unit) judge the file, not the row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from builders import build_submission, line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.rules import registry
from toolkit.rules.batch import check

FIRST_ROW = 4  # the first input row of the builders' form
CELL_RULES = {r.id for r in registry.all_rules() if r.scope == "cell"} - {"duplicate-row"}

# good and bad values for each field, the kinds offices really type
POOLS: dict[str, list[Any]] = {
    "project": ["社区居家养老服务项目", "", "  ", "=HYPERLINK(\"x\",\"y\")", "a\u200bb"],
    "code": [
        "033A0101", "033A0101 居家养老服务", "033A0101居家养老服务", "033A01", "033Z9999",
        "O33A0101", "", "033A0102 居家养老服务", "=A1",
    ],
    "amount": [
        120000, 0.01, 0, -5, 1.234, "1,234.50", "１２３", "12 34", "abc", "", 10**15, "=1+1",
        "¥1,000",
    ],
    "method": ["公开招标", "乱填", ""],
    "funding": ["一般公共预算", "其他", ""],
    "provider_type": ["社会组织", "个人", ""],
    "content": ["上门助餐", "", "x\u202ey"],
}  # fmt: skip

rows_strategy = st.lists(
    st.fixed_dictionaries({k: st.sampled_from(v) for k, v in POOLS.items()}).map(
        lambda over: line(**over)
    ),
    min_size=2,
    max_size=5,
)


def _row_issues(path: Path) -> dict[int, set[tuple[str, str]]]:
    """Per sheet row: the (rule, column letter) of every cell-scope issue."""
    result = check(path)
    found: dict[int, set[tuple[str, str]]] = {}
    for issue in result.files[0].issues:
        if issue.rule in CELL_RULES and issue.row:
            column = issue.cell.rstrip("0123456789")
            found.setdefault(issue.row, set()).add((issue.rule, column))
    return found


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows_strategy)
def test_a_rows_issues_do_not_depend_on_the_rows_around_it(
    tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    together = _row_issues(build_submission(tmp_path / "all.xlsx", rows))
    for i, row in enumerate(rows):
        alone = _row_issues(build_submission(tmp_path / f"row{i}.xlsx", [row]))
        assert together.get(FIRST_ROW + i, set()) == alone.get(FIRST_ROW, set()), (i, row)
    assert set(together) <= {FIRST_ROW + i for i in range(len(rows))}
