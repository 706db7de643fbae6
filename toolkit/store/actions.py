"""The lifecycle's actions on the current version of a unit: confirm, approve, return.

Each runs in one write transaction that holds the unit's lock: it reads the current
version, checks the lifecycle allows the action (``lifecycle.next_state``) and any
condition of its own, moves the state with an UPDATE that only matches the state it
read, and appends the event. ``version``, when given, must be the current version, so
finance never decides on another file than the one it looked at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from toolkit.store import events as ev
from toolkit.store.db import write_tx
from toolkit.store.errors import TransitionRefused
from toolkit.store.lifecycle import Action, next_state
from toolkit.store.models import Submission
from toolkit.store.queries import load_submission, lock_unit, unit_versions
from toolkit.store.rounds import round_unit
from toolkit.store.schema import submissions

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.store.store import Store


def confirm(
    store: Store,
    round_id: str,
    unit: str,
    *,
    signer: str,
    phone: str,
    version: int | None = None,
    actor: str,
) -> Submission:
    """The office confirms its clean current version (已接收 -> 已提交) with 填报人 and
    联系电话. ``TransitionRefused`` when the file has errors or is not 已接收."""
    signer, phone = (signer or "").strip(), (phone or "").strip()
    if not signer or not phone:
        raise ValueError("提交须填写填报人和联系电话")
    name = round_unit(store, round_id, unit)
    with write_tx(store.engine) as conn:
        sub = _current(conn, round_id, name, version)
        return confirm_in(conn, sub, signer, phone, actor, {"via": "confirm"})


def confirm_in(
    conn: Connection, sub: Submission, signer: str, phone: str, actor: str, detail: dict[str, Any]
) -> Submission:
    """Confirm inside the caller's transaction (``submit`` does it for signed clean files)."""
    if sub.errors or sub.check_status != "ok":
        raise TransitionRefused(
            "has-errors", f"{sub.unit}第 {sub.version} 版有 {sub.errors} 个错误，改正后才能提交"
        )
    at = ev.now()
    values = {"signer": signer, "phone": phone, "submitted_at": at, "submitted_by": actor}
    return _move(conn, sub, Action.CONFIRM, actor, values, {**detail, "signer": signer,
                                                            "phone": phone}, at)  # fmt: skip


def approve(
    store: Store,
    round_id: str,
    unit: str,
    *,
    version: int | None = None,
    note: str | None = None,
    actor: str,
) -> Submission:
    """Finance approves the unit's 已提交 version (-> 已审核); ``note`` is optional."""
    note = note.strip() if note and note.strip() else None
    name = round_unit(store, round_id, unit)
    with write_tx(store.engine) as conn:
        sub = _current(conn, round_id, name, version)
        at = ev.now()
        values = {"decided_at": at, "decided_by": actor, "decision_note": note}
        return _move(conn, sub, Action.APPROVE, actor, values, {"note": note}, at)


def return_submission(
    store: Store,
    round_id: str,
    unit: str,
    *,
    reason: str,
    version: int | None = None,
    actor: str,
) -> Submission:
    """Finance returns the unit's current version (-> 已退回) with a reason; the office
    then sends a new file, which becomes the next version."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("退回须说明原因（--reason）")
    name = round_unit(store, round_id, unit)
    with write_tx(store.engine) as conn:
        sub = _current(conn, round_id, name, version)
        at = ev.now()
        values = {"decided_at": at, "decided_by": actor, "decision_note": reason}
        return _move(conn, sub, Action.RETURN, actor, values, {"reason": reason}, at)


def _current(conn: Connection, round_id: str, name: str, version: int | None) -> Submission:
    lock_unit(conn, round_id, name)
    found = unit_versions(conn, round_id, name)
    if not found:
        raise TransitionRefused("no-submission", f"{name}尚未报送任何文件")
    current = found[-1]
    if version is not None and version != current.version:
        raise TransitionRefused(
            "not-current", f"{name}第 {version} 版不是当前版本（当前为第 {current.version} 版）"
        )
    return current


def _move(
    conn: Connection,
    sub: Submission,
    action: Action,
    actor: str,
    values: dict[str, Any],
    detail: dict[str, Any],
    at: Any,
) -> Submission:
    target = next_state(action, sub.state)
    done = conn.execute(
        submissions.update()
        .where(submissions.c.id == sub.id, submissions.c.state == sub.state.value)
        .values(state=target.value, **values)
    )
    if done.rowcount != 1:  # pragma: no cover - the unit lock makes this unreachable
        raise TransitionRefused("changed", f"{sub.unit}第 {sub.version} 版的状态刚被他人改变")
    ev.record(conn, sub.round_id, f"submission.{action.value}", actor, at=at, unit=sub.unit,
              submission_id=sub.id, version=sub.version, from_state=sub.state.value,
              to_state=target.value, detail=detail)  # fmt: skip
    return load_submission(conn, sub.id)
