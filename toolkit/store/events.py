"""The append-only event log: who did what to which round, unit and version, and when.

Every change to the store writes its event in the same transaction as the change
itself, so the log and the data never disagree. Rows are never updated or deleted (the
database refuses it: migration 0002).

Kinds: ``round.create``, ``round.templates``, ``submission.receive``,
``submission.check``, ``submission.duplicate``, ``submission.refuse``,
``submission.confirm``, ``submission.approve``, ``submission.return``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from toolkit.store.schema import events

if TYPE_CHECKING:  # pragma: no cover
    pass


_INSERT = events.insert()


def now() -> datetime:
    return datetime.now(UTC)


def record(
    conn: Connection,
    round_id: str,
    kind: str,
    actor: str,
    *,
    at: datetime | None = None,
    unit: str | None = None,
    submission_id: int | None = None,
    version: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event (inside the caller's transaction)."""
    values = {
        "round_id": round_id,
        "at": at or now(),
        "actor": actor,
        "kind": kind,
        "unit": unit,
        "submission_id": submission_id,
        "version": version,
        "from_state": from_state,
        "to_state": to_state,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    }
    conn.execute(_INSERT, values)
