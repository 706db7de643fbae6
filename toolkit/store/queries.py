"""Small queries every writer shares: lock a unit, a unit's versions, one submission.

The statements are built once (with bound parameters), so a batch of files does not pay
for building them again for every file.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, select

from toolkit.store.models import Submission
from toolkit.store.schema import round_units, submissions

# every submission column but the (large) check JSON
SUBMISSION_COLUMNS = [c for c in submissions.c if c.name != "check_json"]

_LOCK = (
    select(round_units.c.unit)
    .where(round_units.c.round_id == bindparam("r"), round_units.c.unit == bindparam("u"))
    .with_for_update()
)
_VERSIONS = (
    select(*SUBMISSION_COLUMNS)
    .where(submissions.c.round_id == bindparam("r"), submissions.c.unit == bindparam("u"))
    .order_by(submissions.c.version)
)
_ONE = select(*SUBMISSION_COLUMNS).where(submissions.c.id == bindparam("id"))


def lock_unit(conn: Connection, round_id: str, unit: str) -> None:
    """Serialise writers of one unit: PostgreSQL locks its row; SQLite's writers already
    hold the database's write lock (``BEGIN IMMEDIATE``), and FOR UPDATE is left out."""
    conn.execute(_LOCK, {"r": round_id, "u": unit})


def unit_versions(conn: Connection, round_id: str, unit: str) -> list[Submission]:
    """A unit's versions, oldest first."""
    rows = conn.execute(_VERSIONS, {"r": round_id, "u": unit})
    return [Submission.from_row(r._mapping) for r in rows]


def load_submission(conn: Connection, sub_id: int) -> Submission:
    return Submission.from_row(conn.execute(_ONE, {"id": sub_id}).one()._mapping)
