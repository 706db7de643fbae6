"""The round store: reporting rounds on a real database (SQLite by default, PostgreSQL).

A data folder keeps every received file of a round once (by SHA-256), its check, its
version history and lifecycle state (已接收 → 已提交 → 已审核 / 已退回) and an
append-only event log; the round's roll-up is the plain roll-up over each unit's current
approved version. Imported lazily, so ``budget-toolkit --help`` stays fast.

    from toolkit import store as rs

    with rs.open_store("报送数据", create=True) as st:
        rnd = rs.create_round(st, 2027, deadline="2026年12月15日", actor="财政局")
        receipts = rs.receive_files(st, rnd.id, ["收到的预算表/"], actor="财政局")
        board = rs.round_status(st, rnd.id)
        rs.approve(st, rnd.id, "中原区", actor="财政局")
        rollup = rs.rollup_round(st, rnd.id)
        toolkit.write_report(rollup.summary(), "汇总.xlsx")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_API = {
    "Store": "toolkit.store.store",
    "open_store": "toolkit.store.store",
    "StoreError": "toolkit.store.errors",
    "NotFound": "toolkit.store.errors",
    "TransitionRefused": "toolkit.store.errors",
    "IntegrityProblem": "toolkit.store.errors",
    "State": "toolkit.store.lifecycle",
    "UnitState": "toolkit.store.lifecycle",
    "Round": "toolkit.store.models",
    "Submission": "toolkit.store.models",
    "Receipt": "toolkit.store.models",
    "Event": "toolkit.store.models",
    "UnitStatus": "toolkit.store.models",
    "RoundStatus": "toolkit.store.models",
    "create_round": "toolkit.store.rounds",
    "list_rounds": "toolkit.store.rounds",
    "get_round": "toolkit.store.rounds",
    "round_catalog": "toolkit.store.rounds",
    "round_status": "toolkit.store.rounds",
    "round_unit": "toolkit.store.rounds",
    "write_round_templates": "toolkit.store.rounds",
    "receive_files": "toolkit.store.submissions",
    "receive_file": "toolkit.store.submissions",
    "intake_context": "toolkit.store.submissions",
    "record_examined": "toolkit.store.submissions",
    "Intake": "toolkit.store.submissions",
    "examine": "toolkit.store.intake",
    "Job": "toolkit.store.intake",
    "Examined": "toolkit.store.intake",
    "confirm": "toolkit.store.actions",
    "approve": "toolkit.store.actions",
    "return_submission": "toolkit.store.actions",
    "versions": "toolkit.store.records",
    "get_submission": "toolkit.store.records",
    "submission_issues": "toolkit.store.records",
    "submission_check": "toolkit.store.records",
    "submission_totals": "toolkit.store.records",
    "original_path": "toolkit.store.records",
    "verify_store": "toolkit.store.records",
    "history": "toolkit.store.rounds",
    "rollup_round": "toolkit.store.rollup",
    "RoundRollup": "toolkit.store.rollup",
}
__all__ = [
    "Event",
    "Examined",
    "Intake",
    "IntegrityProblem",
    "Job",
    "NotFound",
    "Receipt",
    "Round",
    "RoundRollup",
    "RoundStatus",
    "State",
    "Store",
    "StoreError",
    "Submission",
    "TransitionRefused",
    "UnitState",
    "UnitStatus",
    "approve",
    "confirm",
    "create_round",
    "examine",
    "get_round",
    "get_submission",
    "history",
    "intake_context",
    "list_rounds",
    "open_store",
    "original_path",
    "receive_file",
    "receive_files",
    "record_examined",
    "return_submission",
    "rollup_round",
    "round_catalog",
    "round_status",
    "round_unit",
    "submission_check",
    "submission_issues",
    "submission_totals",
    "verify_store",
    "versions",
    "write_round_templates",
]

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.store.actions import approve, confirm, return_submission
    from toolkit.store.errors import IntegrityProblem, NotFound, StoreError, TransitionRefused
    from toolkit.store.intake import Examined, Job, examine
    from toolkit.store.lifecycle import State, UnitState
    from toolkit.store.models import Event, Receipt, Round, RoundStatus, Submission, UnitStatus
    from toolkit.store.records import (
        get_submission,
        original_path,
        submission_check,
        submission_issues,
        submission_totals,
        verify_store,
        versions,
    )
    from toolkit.store.rollup import RoundRollup, rollup_round
    from toolkit.store.rounds import (
        create_round,
        get_round,
        history,
        list_rounds,
        round_catalog,
        round_status,
        round_unit,
        write_round_templates,
    )
    from toolkit.store.store import Store, open_store
    from toolkit.store.submissions import (
        Intake,
        intake_context,
        receive_file,
        receive_files,
        record_examined,
    )


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
