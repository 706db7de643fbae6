"""Small queries every writer shares: lock a unit, a unit's versions, one submission."""

from __future__ import annotations

from sqlalchemy import Connection, select

from toolkit.store.models import Submission
from toolkit.store.schema import round_units, submissions

# every submission column but the (large) check JSON
SUBMISSION_COLUMNS = [c for c in submissions.c if c.name != "check_json"]


def lock_unit(conn: Connection, round_id: str, unit: str) -> None:
    """Serialise writers of one unit: PostgreSQL locks its row; SQLite's writers already
    hold the database's write lock (``BEGIN IMMEDIATE``), and FOR UPDATE is left out."""
    conn.execute(
        select(round_units.c.unit)
        .where(round_units.c.round_id == round_id, round_units.c.unit == unit)
        .with_for_update()
    )


def unit_versions(conn: Connection, round_id: str, unit: str) -> list[Submission]:
    """A unit's versions, oldest first."""
    rows = conn.execute(
        select(*SUBMISSION_COLUMNS)
        .where(submissions.c.round_id == round_id, submissions.c.unit == unit)
        .order_by(submissions.c.version)
    )
    return [Submission.from_row(r._mapping) for r in rows]


def load_submission(conn: Connection, sub_id: int) -> Submission:
    row = conn.execute(select(*SUBMISSION_COLUMNS).where(submissions.c.id == sub_id)).one()
    return Submission.from_row(row._mapping)
