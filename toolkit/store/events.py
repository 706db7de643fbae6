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

from toolkit.money import fen_display
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


# -- in words (`history`, the portal) ------------------------------------------------------
EVENT_LABELS = {
    "round.create": "创建报送轮次",
    "round.templates": "生成模板",
    "submission.receive": "接收",
    "submission.check": "检查",
    "submission.duplicate": "重复报送（未保存）",
    "submission.refuse": "拒收",
    "submission.confirm": "提交",
    "submission.approve": "审核通过",
    "submission.return": "退回",
}


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)


def event_text(e: Any) -> str:
    """One event's detail in a sentence, as `history` and the portal show it."""
    d = e.detail
    kind = e.kind
    if kind == "submission.receive":
        return f"{d.get('name')}（SHA-256 {str(d.get('sha256'))[:12]}…）"
    if kind == "submission.check":
        return (f"错误 {d.get('errors')} 个，警告 {d.get('warnings')} 个，采用 "
                f"{fen_display(int(d.get('amount_accepted_fen') or 0))} 元")  # fmt: skip
    if kind == "submission.refuse":
        return f"{d.get('name')}：{d.get('message')}"
    if kind == "submission.duplicate":
        return f"{d.get('name')}，与该版本相同"
    if kind == "submission.confirm":
        return f"填报人 {d.get('signer')}，联系电话 {d.get('phone')}"
    if kind in ("submission.return", "submission.approve"):
        return str(d.get("reason") or d.get("note") or "")
    if kind == "round.create":
        return f"{d.get('year')}年度，{len(d.get('units') or [])} 个单位"
    if kind == "round.templates":
        return f"{len(d.get('files') or [])} 个模板"
    return ""
