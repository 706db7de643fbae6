"""Reading what a round holds: versions, their issues, check results, totals, originals.

Everything here is read-only and reads one consistent snapshot per call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from toolkit.store.db import read_tx
from toolkit.store.errors import IntegrityProblem, NotFound
from toolkit.store.models import Submission
from toolkit.store.queries import unit_versions
from toolkit.store.rounds import round_unit
from toolkit.store.schema import issues, line_items, submissions

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.store.store import Store


def versions(store: Store, round_id: str, unit: str) -> list[Submission]:
    """Every version of a unit, oldest first."""
    name = round_unit(store, round_id, unit)
    with read_tx(store.engine) as conn:
        return unit_versions(conn, round_id, name)


def get_submission(
    store: Store, round_id: str, unit: str, version: int | None = None
) -> Submission:
    """A unit's version ``version`` (None: the current one); ``NotFound`` if none."""
    found = versions(store, round_id, unit)
    if version is not None:
        found = [s for s in found if s.version == version]
    if not found:
        what = f"第 {version} 版" if version is not None else "任何文件"
        raise NotFound("no-version", f"{unit}在报送轮次 {round_id} 中没有{what}")
    return found[-1]


def submission_issues(store: Store, submission_id: int) -> list[dict[str, Any]]:
    """The issues of a version's check (rule, severity, sheet, cell, row, column, value,
    message), in the order the check reported them."""
    with read_tx(store.engine) as conn:
        rows = conn.execute(
            select(issues).where(issues.c.submission_id == submission_id).order_by(issues.c.seq)
        )
        return [
            {k: v for k, v in r._mapping.items() if k not in ("submission_id", "seq")} for r in rows
        ]


def submission_check(store: Store, submission_id: int) -> dict[str, Any]:
    """The version's block of ``check --format json``, as it was when it was received."""
    with read_tx(store.engine) as conn:
        text = conn.execute(
            select(submissions.c.check_json).where(submissions.c.id == submission_id)
        ).scalar()
    if text is None:
        raise NotFound("no-submission", f"没有编号为 {submission_id} 的报送文件")
    result: dict[str, Any] = json.loads(text)
    return result


def submission_totals(store: Store, submission_id: int) -> dict[str, dict[str, int]]:
    """Accepted fen of one version per level-1, level-2 and leaf code (as it would be
    counted): ``{"level1": {"033A": 1200000, ...}, "level2": {...}, "level3": {...}}``."""
    out: dict[str, dict[str, int]] = {"level1": {}, "level2": {}, "level3": {}}
    with read_tx(store.engine) as conn:
        for key, column in (("level1", line_items.c.level1), ("level2", line_items.c.level2),
                            ("level3", line_items.c.code)):  # fmt: skip
            rows = conn.execute(
                select(column, func.sum(line_items.c.amount_fen))
                .where(line_items.c.submission_id == submission_id, line_items.c.accepted)
                .group_by(column)
                .order_by(column)
            )
            out[key] = {code: int(fen or 0) for code, fen in rows if code is not None}
    return out


def original_path(store: Store, sub: Submission) -> Path:
    """The stored original of a version, after checking it still matches its SHA-256.

    The file is read-only and named by its hash; serve it as a download named
    ``sub.original_name``, never by that name on disk.
    """
    return store.blobs.verified(sub.sha256)


@dataclass(frozen=True)
class StoreProblem:
    submission_id: int
    round_id: str
    unit: str
    version: int
    code: str  # original-missing | original-corrupt | rows-missing | issues-missing
    message: str


def verify_store(store: Store, round_id: str | None = None) -> list[StoreProblem]:
    """Check every stored version: its original exists and hashes to its name, and its
    line items and issues are all there. An empty list means all is intact."""
    query = select(submissions.c.id, submissions.c.round_id, submissions.c.unit,
                   submissions.c.version, submissions.c.sha256, submissions.c.rows_read,
                   submissions.c.errors, submissions.c.warnings)  # fmt: skip
    if round_id is not None:
        query = query.where(submissions.c.round_id == round_id)
    with read_tx(store.engine) as conn:
        subs = conn.execute(query.order_by(submissions.c.id)).all()
        n_items = dict(conn.execute(select(line_items.c.submission_id, func.count())
                                    .group_by(line_items.c.submission_id)).all())  # fmt: skip
        n_issues = dict(conn.execute(select(issues.c.submission_id, func.count())
                                     .group_by(issues.c.submission_id)).all())  # fmt: skip
    problems = []
    for s in subs:
        where = (s.id, s.round_id, s.unit, s.version)
        try:
            store.blobs.verified(s.sha256)
        except IntegrityProblem as exc:
            problems.append(StoreProblem(*where, exc.code, exc.message))
        if n_items.get(s.id, 0) != s.rows_read:
            problems.append(StoreProblem(*where, "rows-missing", "明细行数与检查结果不符"))
        if n_issues.get(s.id, 0) != s.errors + s.warnings:
            problems.append(StoreProblem(*where, "issues-missing", "问题条数与检查结果不符"))
    return problems
