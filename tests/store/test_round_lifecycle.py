"""The lifecycle: 已接收 -> 已提交 -> 已审核 / 已退回, versions, locks, the event log."""

from __future__ import annotations

from typing import Any

import pytest
from builders import line
from roundfiles import PHONE, SIGNER, RoundFiles, clean_rows

from toolkit.store import (
    NotFound,
    State,
    TransitionRefused,
    UnitState,
    approve,
    confirm,
    history,
    receive_files,
    return_submission,
    round_status,
    versions,
)
from toolkit.store.lifecycle import Action, next_state, unit_state


def test_transition_table() -> None:
    assert next_state(Action.CONFIRM, State.RECEIVED) is State.SUBMITTED
    assert next_state(Action.APPROVE, State.SUBMITTED) is State.APPROVED
    for s in (State.RECEIVED, State.SUBMITTED, State.APPROVED):
        assert next_state(Action.RETURN, s) is State.RETURNED
    refused = [
        (Action.CONFIRM, State.SUBMITTED), (Action.CONFIRM, State.APPROVED),
        (Action.CONFIRM, State.RETURNED), (Action.APPROVE, State.RECEIVED),
        (Action.APPROVE, State.APPROVED), (Action.APPROVE, State.RETURNED),
        (Action.RETURN, State.RETURNED),
    ]  # fmt: skip
    for action, state in refused:
        with pytest.raises(TransitionRefused) as exc:
            next_state(action, state)
        assert exc.value.code == f"{action.value}-not-allowed"


def test_unit_state_refines_received() -> None:
    assert unit_state(None, 0) is UnitState.MISSING
    assert unit_state(State.RECEIVED, 2) is UnitState.ERRORS
    assert unit_state(State.RECEIVED, 0) is UnitState.RECEIVED
    assert unit_state(State.APPROVED, 0) is UnitState.APPROVED


def _one(store: Any, rnd: Any, path: Any, **kw: Any) -> Any:
    (receipt,) = receive_files(store, rnd.id, [path], actor="财政局", jobs=1, **kw)
    return receipt


def test_whole_lifecycle_with_a_return(store: Any, rnd: Any, files: RoundFiles) -> None:
    bad = files.make("v1.xlsx", "中原区", [line(), line(code="999X")])
    r1 = _one(store, rnd, bad)
    assert (r1.outcome, r1.version, r1.state) == ("new", 1, State.RECEIVED)
    assert r1.submission.errors == 1
    with pytest.raises(TransitionRefused) as exc:
        confirm(store, rnd.id, "中原区", signer=SIGNER, phone=PHONE, actor="张晓燕")
    assert exc.value.code == "has-errors"
    # the office fixes it; its signed clean file is 已提交 on receipt
    good = files.make("v2.xlsx", "中原区", clean_rows(3))
    r2 = _one(store, rnd, good)
    assert (r2.outcome, r2.version, r2.state) == ("new", 2, State.SUBMITTED)
    assert (r2.submission.signer, r2.submission.phone) == (SIGNER, PHONE)
    # while 已提交 a new file is refused, with the reason
    r3 = _one(store, rnd, files.make("v3.xlsx", "中原区", clean_rows(2, base=5)))
    assert (r3.outcome, r3.reason) == ("refused", "unit-locked")
    sub = return_submission(store, rnd.id, "中原区", reason="金额有误", version=2, actor="财政局")
    assert (sub.state, sub.decision_note) == (State.RETURNED, "金额有误")
    r4 = _one(store, rnd, files.make("v4.xlsx", "中原区", clean_rows(2, base=7)))
    assert (r4.version, r4.state) == (3, State.SUBMITTED)
    done = approve(store, rnd.id, "中原区", version=3, actor="审核员")
    assert (done.state, done.decided_by) == (State.APPROVED, "审核员")
    assert [v.state for v in versions(store, rnd.id, "中原区")] == [
        State.RECEIVED, State.RETURNED, State.APPROVED,
    ]  # fmt: skip
    kinds = [(e.kind, e.version) for e in history(store, rnd.id, "中原区")]
    assert kinds == [
        ("submission.receive", 1), ("submission.check", 1),
        ("submission.receive", 2), ("submission.check", 2), ("submission.confirm", 2),
        ("submission.refuse", None),
        ("submission.return", 2),
        ("submission.receive", 3), ("submission.check", 3), ("submission.confirm", 3),
        ("submission.approve", 3),
    ]  # fmt: skip


def test_unsigned_clean_file_waits_for_confirmation(
    store: Any, rnd: Any, files: RoundFiles
) -> None:
    r = _one(store, rnd, files.make("a.xlsx", "二七区", clean_rows(2), signed=False))
    assert r.state is State.RECEIVED
    assert round_status(store, rnd.id).unit("二七区").state is UnitState.RECEIVED
    with pytest.raises(ValueError):
        confirm(store, rnd.id, "二七区", signer=" ", phone=PHONE, actor="x")
    sub = confirm(store, rnd.id, "二七区", signer="李四", phone="13800000000", actor="李四")
    assert (sub.state, sub.signer, sub.submitted_by) == (State.SUBMITTED, "李四", "李四")
    event = history(store, rnd.id, "二七区")[-1]
    assert (event.kind, event.from_state, event.to_state) == (
        "submission.confirm", "received", "submitted",
    )  # fmt: skip
    assert event.detail["signer"] == "李四"


def test_confirm_off_keeps_signed_files_received(store: Any, rnd: Any, files: RoundFiles) -> None:
    r = _one(store, rnd, files.make("a.xlsx", "二七区", clean_rows(2)), confirm_signed=False)
    assert r.state is State.RECEIVED


def test_decisions_name_the_current_version(store: Any, rnd: Any, files: RoundFiles) -> None:
    _one(store, rnd, files.make("a.xlsx", "金水区", clean_rows(1), signed=False))
    _one(store, rnd, files.make("b.xlsx", "金水区", clean_rows(2)))
    with pytest.raises(TransitionRefused) as exc:
        approve(store, rnd.id, "金水区", version=1, actor="x")
    assert exc.value.code == "not-current"
    with pytest.raises(TransitionRefused) as exc:
        approve(store, rnd.id, "惠济区", actor="x")
    assert exc.value.code == "no-submission"
    with pytest.raises(NotFound):
        approve(store, rnd.id, "不存在区", actor="x")
    with pytest.raises(ValueError):
        return_submission(store, rnd.id, "金水区", reason="  ", actor="x")
    approve(store, rnd.id, "金水区", version=2, actor="x")
    with pytest.raises(TransitionRefused) as exc:
        approve(store, rnd.id, "金水区", actor="x")
    assert exc.value.code == "approve-not-allowed"


def test_an_approved_version_can_be_reopened(store: Any, rnd: Any, files: RoundFiles) -> None:
    _one(store, rnd, files.make("a.xlsx", "惠济区", clean_rows(2)))
    approve(store, rnd.id, "惠济区", actor="x")
    locked = _one(store, rnd, files.make("b.xlsx", "惠济区", clean_rows(3)))
    assert locked.reason == "unit-locked"
    return_submission(store, rnd.id, "惠济区", reason="单位申请更正", actor="x")
    assert _one(store, rnd, files.make("b2.xlsx", "惠济区", clean_rows(3))).version == 2


def test_status_board(store: Any, rnd: Any, files: RoundFiles) -> None:
    _one(store, rnd, files.make("a.xlsx", "中原区", [line(code="999X")]))
    _one(store, rnd, files.make("b.xlsx", "二七区", clean_rows(2)))
    _one(store, rnd, files.make("c.xlsx", "金水区", clean_rows(4)))
    approve(store, rnd.id, "金水区", actor="x")
    board = round_status(store, rnd.id)
    assert board.counts == {"expected": 4, "received": 3, "errors": 1, "awaiting": 0,
                            "submitted": 1, "approved": 1, "returned": 0, "missing": 1}  # fmt: skip
    zy = board.unit("中原区")
    assert zy.state is UnitState.ERRORS
    assert [(i["rule"], i["cell"]) for i in zy.issues] == [("unknown-code", "C4")]
    jin = board.unit("金水区")
    expected_fen = sum(round(r["amount"] * 100) for r in clean_rows(4))
    assert (jin.current.amount_accepted_fen, jin.current.rows_accepted) == (expected_fen, 4)
    assert board.unit("惠济区").current is None
    shape = board.to_json()
    assert set(shape) == {"round", "counts", "units"}
    assert shape["units"][2]["amount_accepted"] == f"{expected_fen // 100}.{expected_fen % 100:02d}"


def test_deadlines_and_lateness(store: Any, rnd: Any, files: RoundFiles) -> None:
    from datetime import UTC, date, datetime

    from toolkit.store.rounds import _late, deadline_end, parse_deadline

    assert parse_deadline("2026年12月15日前报送") == date(2026, 12, 15)
    assert parse_deadline("２０２６-１２-１５") == date(2026, 12, 15)
    assert parse_deadline("12月15日") is None
    assert parse_deadline("2026年13月1日") is None
    end = deadline_end(date(2026, 12, 15))
    assert end == datetime(2026, 12, 15, 15, 59, 59, 999999, UTC)  # 23:59:59.999999 Beijing
    _one(store, rnd, files.make("a.xlsx", "中原区", clean_rows(1)))
    sub = round_status(store, rnd.id).unit("中原区").current
    before, after = datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 16, tzinfo=UTC)
    assert _late(rnd, None, before) is False
    assert _late(rnd, None, after) is True  # nothing submitted, deadline passed
    on_time = sub.submitted_at <= end
    assert _late(rnd, sub, after) is (not on_time)
