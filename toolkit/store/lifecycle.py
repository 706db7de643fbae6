"""The lifecycle of a submission: its states and the transitions between them.

A unit's submissions are numbered versions; the **current** version is the newest one.

    (received file) ──receive──> 已接收 received   (checked; may have errors)
    已接收 ──confirm──> 已提交 submitted            (a clean file; 填报人 and 联系电话 given)
    已提交 ──approve──> 已审核 approved             (finance)
    已接收 / 已提交 / 已审核 ──return──> 已退回 returned   (finance, with a reason)

While the current version is 已提交 or 已审核 the unit is locked: a new file is refused
until finance returns the version. So at most one version of a unit is ever 已提交 or
已审核, and it is the current one. A returned version stays returned; the office sends a
new file, which becomes the next version. The database enforces the same transitions
(migration 0002).
"""

from __future__ import annotations

from enum import StrEnum

from toolkit.store.errors import TransitionRefused


class State(StrEnum):
    RECEIVED = "received"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    State.RECEIVED: "已接收",
    State.SUBMITTED: "已提交",
    State.APPROVED: "已审核",
    State.RETURNED: "已退回",
}


class Action(StrEnum):
    CONFIRM = "confirm"
    APPROVE = "approve"
    RETURN = "return"

    @property
    def label(self) -> str:
        return {"confirm": "提交", "approve": "审核通过", "return": "退回"}[self.value]


TRANSITIONS: dict[Action, dict[State, State]] = {
    Action.CONFIRM: {State.RECEIVED: State.SUBMITTED},
    Action.APPROVE: {State.SUBMITTED: State.APPROVED},
    Action.RETURN: {
        State.RECEIVED: State.RETURNED,
        State.SUBMITTED: State.RETURNED,
        State.APPROVED: State.RETURNED,
    },
}
LOCKED = frozenset({State.SUBMITTED, State.APPROVED})  # a new file is refused meanwhile


def next_state(action: Action, state: State) -> State:
    """The state ``action`` leads to from ``state``; ``TransitionRefused`` if none."""
    target = TRANSITIONS[action].get(state)
    if target is None:
        raise TransitionRefused(
            f"{action.value}-not-allowed",
            f"{state.label}的版本不能{action.label}",
        )
    return target


class UnitState(StrEnum):
    """What a unit's row on the board says: its current version's state, refined."""

    MISSING = "missing"  # no file yet
    ERRORS = "errors"  # current version received, with errors
    RECEIVED = "received"  # current version received, clean, not yet confirmed
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return UNIT_LABELS[self]


UNIT_LABELS = {
    UnitState.MISSING: "未接收",
    UnitState.ERRORS: "有错误",
    UnitState.RECEIVED: "待提交",
    UnitState.SUBMITTED: "已提交",
    UnitState.APPROVED: "已审核",
    UnitState.RETURNED: "已退回",
}


def unit_state(state: State | None, errors: int) -> UnitState:
    """The board state of a unit whose current version is in ``state`` (None: no file)."""
    if state is None:
        return UnitState.MISSING
    if state is State.RECEIVED:
        return UnitState.ERRORS if errors else UnitState.RECEIVED
    return UnitState(state.value)
