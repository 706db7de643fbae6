"""What the round store hands out: plain, frozen records with their JSON shapes.

Amounts are integer fen; in JSON they are decimal strings with two places (as every
other output of the toolkit). Times are aware UTC datetimes; in JSON, ISO 8601 in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from toolkit.store.lifecycle import State, UnitState


def fen_text(fen: int) -> str:
    """Integer fen as a decimal string in 元 with two places: 12345 -> '123.45'."""
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{yuan}.{cents:02d}"


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class Round:
    """A reporting round: year, catalogue, units expected, amount unit, deadline."""

    id: str
    year: int
    seq: int
    catalog_id: str
    catalog_version: str
    catalog_sha256: str
    amount_unit: str
    deadline: str | None
    deadline_date: date | None
    created_at: datetime
    created_by: str
    units: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.id,
            "year": self.year,
            "catalog": {
                "id": self.catalog_id,
                "version": self.catalog_version,
                "sha256": self.catalog_sha256,
            },
            "amount_unit": self.amount_unit,
            "deadline": self.deadline,
            "deadline_date": iso(self.deadline_date),
            "created_at": iso(self.created_at),
            "created_by": self.created_by,
            "units": list(self.units),
        }


@dataclass(frozen=True)
class Submission:
    """One received file of one unit of a round: a version, its check and its state."""

    id: int
    round_id: str
    unit: str
    version: int
    sha256: str
    size: int
    original_name: str
    source: str
    source_path: str | None
    source_note: str | None
    received_at: datetime
    received_by: str
    state: State
    check_status: str
    errors: int
    warnings: int
    rows_read: int
    rows_accepted: int
    amount_read_fen: int
    amount_accepted_fen: int
    file_unit: str | None
    file_year: int | None
    file_round: str | None
    signer: str | None
    phone: str | None
    submitted_at: datetime | None
    submitted_by: str | None
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Submission:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["state"] = State(values["state"])
        return cls(**values)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_accepted

    @property
    def amount_rejected_fen(self) -> int:
        return self.amount_read_fen - self.amount_accepted_fen

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "unit": self.unit,
            "version": self.version,
            "state": self.state.value,
            "state_label": self.state.label,
            "sha256": self.sha256,
            "size": self.size,
            "original_name": self.original_name,
            "source": self.source,
            "source_path": self.source_path,
            "source_note": self.source_note,
            "received_at": iso(self.received_at),
            "received_by": self.received_by,
            "check_status": self.check_status,
            "errors": self.errors,
            "warnings": self.warnings,
            "rows": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "amount_read": fen_text(self.amount_read_fen),
            "amount_accepted": fen_text(self.amount_accepted_fen),
            "amount_rejected": fen_text(self.amount_rejected_fen),
            "signer": self.signer,
            "phone": self.phone,
            "submitted_at": iso(self.submitted_at),
            "submitted_by": self.submitted_by,
            "decided_at": iso(self.decided_at),
            "decided_by": self.decided_by,
            "decision_note": self.decision_note,
        }


@dataclass(frozen=True)
class Event:
    """One entry of the append-only event log."""

    id: int
    round_id: str
    at: datetime
    actor: str
    kind: str
    unit: str | None
    submission_id: int | None
    version: int | None
    from_state: str | None
    to_state: str | None
    detail: dict[str, Any]

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Event:
        values = {f.name: row[f.name] for f in fields(cls)}
        values["detail"] = json.loads(values["detail"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "actor": self.actor,
            "kind": self.kind,
            "unit": self.unit,
            "submission_id": self.submission_id,
            "version": self.version,
            "from": self.from_state,
            "to": self.to_state,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Receipt:
    """What happened to one file handed to the store.

    ``outcome``: ``new`` (stored as ``version``), ``duplicate`` (the same bytes are
    already ``version`` of ``unit``: nothing stored) or ``refused`` (``reason`` is a
    stable code, ``message`` says why in Chinese; nothing stored).
    """

    path: str
    name: str
    sha256: str | None
    outcome: str
    unit: str | None = None
    version: int | None = None
    submission: Submission | None = None
    reason: str | None = None
    message: str | None = None
    check: dict[str, Any] | None = None  # the file's block of `check --format json`

    @property
    def state(self) -> State | None:
        return self.submission.state if self.submission else None

    def to_json(self) -> dict[str, Any]:
        sub = self.submission
        return {
            "path": self.path,
            "name": self.name,
            "sha256": self.sha256,
            "outcome": self.outcome,
            "unit": self.unit,
            "version": self.version,
            "state": sub.state.value if sub else None,
            "state_label": sub.state.label if sub else None,
            "reason": self.reason,
            "message": self.message,
            "submission": sub.to_json() if sub else None,
            "check": self.check,
        }


@dataclass(frozen=True)
class UnitStatus:
    """One expected unit of a round, as the board shows it."""

    unit: str
    position: int
    state: UnitState
    versions: int
    current: Submission | None
    issues: list[dict[str, Any]] = field(default_factory=list)
    late: bool | None = None

    def to_json(self) -> dict[str, Any]:
        cur = self.current
        return {
            "unit": self.unit,
            "status": self.state.value,
            "status_label": self.state.label,
            "version": cur.version if cur else None,
            "versions": self.versions,
            "received_at": iso(cur.received_at) if cur else None,
            "submitted_at": iso(cur.submitted_at) if cur else None,
            "decided_at": iso(cur.decided_at) if cur else None,
            "decided_by": cur.decided_by if cur else None,
            "decision_note": cur.decision_note if cur else None,
            "signer": cur.signer if cur else None,
            "phone": cur.phone if cur else None,
            "errors": cur.errors if cur else 0,
            "warnings": cur.warnings if cur else 0,
            "rows_accepted": cur.rows_accepted if cur else 0,
            "rows_rejected": cur.rows_rejected if cur else 0,
            "amount_accepted": fen_text(cur.amount_accepted_fen if cur else 0),
            "amount_rejected": fen_text(cur.amount_rejected_fen if cur else 0),
            "late": self.late,
            "issues": self.issues,
        }


COUNT_KEYS = ("expected", "received", "errors", "awaiting", "submitted", "approved",
              "returned", "missing")  # fmt: skip


@dataclass(frozen=True)
class RoundStatus:
    """Every expected unit of a round and the counts finance asks for."""

    round: Round
    units: list[UnitStatus]

    @property
    def counts(self) -> dict[str, int]:
        states = [u.state for u in self.units]
        return {
            "expected": len(states),
            "received": sum(s is not UnitState.MISSING for s in states),
            "errors": states.count(UnitState.ERRORS),
            "awaiting": states.count(UnitState.RECEIVED),
            "submitted": states.count(UnitState.SUBMITTED),
            "approved": states.count(UnitState.APPROVED),
            "returned": states.count(UnitState.RETURNED),
            "missing": states.count(UnitState.MISSING),
        }

    def unit(self, name: str) -> UnitStatus:
        for u in self.units:
            if u.unit == name:
                return u
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "round": self.round.to_json(),
            "counts": self.counts,
            "units": [u.to_json() for u in self.units],
        }
