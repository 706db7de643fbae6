"""limits: the safety limits as options give them and as a clerk reads them, the per-file
deadline, and the public name."""

from __future__ import annotations

import time

import pytest

from toolkit.rules.file import problem_issue
from toolkit.xlsx.limits import MB, Deadline, LimitExceeded, Limits, show_size


def test_limits_from_options_keeps_defaults_for_none() -> None:
    limits = Limits.from_options(max_file_mb=5, max_rows=10, timeout=3)
    assert limits.max_file_bytes == 5 * MB
    assert limits.max_rows == 10
    assert limits.max_seconds == 3.0
    assert limits.max_cells == Limits().max_cells
    assert Limits.from_options() == Limits()
    assert Limits.from_options(max_cells=7, base=limits).max_rows == 10


@pytest.mark.parametrize("bad", [{"max_rows": 0}, {"max_seconds": -1}, {"max_file_bytes": 0}])
def test_limits_must_be_positive(bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Limits(**bad)


def test_limits_read_as_people_read_them() -> None:
    limits = Limits()
    assert limits.show("max_uncompressed_bytes") == "512 MB"
    assert limits.show("max_rows") == "500,000 行"
    assert limits.show("max_seconds") == "120 秒"


def test_the_deadline_gives_the_limit_exceeded_issue() -> None:
    deadline = Deadline(Limits(max_seconds=1e-6))
    time.sleep(0.001)
    assert deadline.expired()
    with pytest.raises(LimitExceeded) as info:
        deadline.check("读取")
    issue = problem_issue("a.xlsx", info.value)
    assert (issue.rule, issue.file, issue.extra["limit"]) == (
        "limit-exceeded",
        "a.xlsx",
        "max_seconds",
    )
    assert "120" not in issue.message and "max_seconds" in issue.message


def test_limits_are_part_of_the_public_api() -> None:
    import toolkit

    assert "Limits" in toolkit.__all__
    assert toolkit.Limits is Limits


def test_sizes_read_as_people_read_them() -> None:
    assert show_size(100) == "100 字节"
    assert show_size(8 * MB) == "8 MB"
    assert show_size(1.5 * MB) == "1.5 MB"
    assert show_size(2048 * MB) == "2.0 GB"
