"""The invariant of issue 10, as a property: random submissions with random faults.

For every file: the rows read are exactly the line items written in the table, and
accepted + rejected = every amount on them, to the fen (unreadable amounts counted
apart); every line-like value written outside the table is an error at its row; and an
exit code of 0 implies that the paper total (what the form's own =SUM computes from the
cells, worked out here independently) equals the counted total.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trust_builders import LEAVES, build_submission, check, edit, file_json, found, item

# fault -> (cell value for 预算金额 or None to keep, other overrides, what is read in 元,
#           what the sheet's SUM adds (None: unknown, a formula), must it be rejected)
UNKNOWN = object()


@dataclass
class Line:
    overrides: dict[str, Any]
    read: Decimal | None  # amount as read, 元 (None: not a number)
    paper: Any  # Decimal added by SUM, or UNKNOWN (formula)
    rejected: bool
    hidden: bool = False


def _line(draw: Any, i: int, faults: list[str]) -> Line:
    base = Decimal(draw(st.integers(1, 500_000))) + Decimal(draw(st.integers(0, 99))) / 100
    fault = draw(st.sampled_from(faults))
    code = LEAVES[i % len(LEAVES)]
    o: dict[str, Any] = {"code": code, "amount": float(base) if base % 1 else int(base)}
    read, paper, rejected, hidden = base, base, False, False
    if fault == "text":
        o["amount"] = draw(st.sampled_from([f"{base:,}", f"¥{base}", f"{base}元"]))
        paper = Decimal(0)  # SUM skips text; accepted here only if nothing else fails
    elif fault == "fullwidth":
        o["amount"] = str(base).translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))
        paper = Decimal(0)
    elif fault == "spaced":
        o["amount"] = draw(st.sampled_from(["1 000", "12\t34", "1,000.\n5", "2\u00a0500"]))
        read, paper, rejected = None, Decimal(0), True
    elif fault == "negative":
        o["amount"] = -int(base)
        read = paper = Decimal(-int(base))
        rejected = True
    elif fault == "decimals":
        o["amount"] = float(f"{int(base)}.125")
        read = paper = Decimal(f"{int(base)}.125")
        rejected = True
    elif fault == "too-large":
        o["amount"] = 2_000_000_000
        read = paper = Decimal(2_000_000_000)
        rejected = True
    elif fault == "formula":
        o["amount"] = f"={int(base)}+0"
        read, paper, rejected = None, UNKNOWN, True  # no cached value (openpyxl)
    elif fault == "unknown-code":
        o["code"] = draw(st.sampled_from(["033Z9999", "033\u04100101", "033A\u200b0101"]))
        rejected = True
    elif fault == "no-project":
        o["project"] = None
        rejected = True
    elif fault == "bad-list":
        o["method"] = "随便买"
        rejected = True
    elif fault == "signature-word":
        o["project"] = draw(st.sampled_from(["填报人员培训", "联系电话回访", "单位负责人述职"]))
    elif fault == "no-seq":
        o["seq"] = None
    elif fault == "hidden":
        hidden = True
    return Line(o, read, paper, rejected, hidden)


@dataclass
class Form:
    lines: list[Line]
    strays: dict[str, Any] = field(default_factory=dict)  # outside the table
    total: Any = "formula"


BASE_FAULTS = [
    "none", "none", "text", "fullwidth", "spaced", "negative", "decimals", "too-large",
    "formula", "unknown-code", "no-project", "bad-list", "signature-word", "no-seq",
]  # fmt: skip


@st.composite
def forms(draw: Any, faults: list[str]) -> Form:
    n = draw(st.integers(1, 6))
    lines = [_line(draw, i, faults) for i in range(n)]
    total_row = 4 + n
    strays: dict[str, Any] = {}
    where = draw(st.sampled_from(["none", "below", "beside", "total-row", "signature", "text"]))
    if where == "below":
        strays[f"K{total_row + 6}"] = draw(st.integers(1, 9999))
    elif where == "beside":
        strays["N4"] = draw(st.sampled_from([123, "033A0101", "1,000"]))
    elif where == "total-row":
        strays[f"C{total_row}"] = "033A0102"
    elif where == "signature":
        strays[f"K{total_row + 2}"] = draw(st.integers(1, 9999))
    elif where == "text":
        strays[f"O{total_row + 8}"] = "随手写的备注"
    total = draw(st.sampled_from(["formula", "formula", "typed-right", "typed-wrong"]))
    return Form(lines, strays, total)


def _write(form: Form, folder: Path) -> Path:
    rows = []
    for i, ln in enumerate(form.lines):
        row = item(i)
        row.update({k: v for k, v in ln.overrides.items() if k != "seq"})
        rows.append(row)
    numbers = [ln.paper for ln in form.lines]
    total: Any = "formula"
    if form.total != "formula" and UNKNOWN not in numbers:
        right = sum(numbers, Decimal(0))
        total = float(right) if form.total == "typed-right" else float(right + 1)
    path = build_submission(folder / "a.xlsx", rows, total=total, cells=form.strays)
    cleared = [4 + i for i, ln in enumerate(form.lines) if "seq" in ln.overrides]
    hidden = [4 + i for i, ln in enumerate(form.lines) if ln.hidden]
    if cleared or hidden:

        def change(ws: Any) -> None:
            for r in cleared:
                ws[f"A{r}"] = None
            for r in hidden:
                ws.row_dimensions[r].hidden = True

        edit(path, change)
    return path


def _prove(form: Form) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(form, Path(tmp))
        result = check(path)
        f = result.files[0]
        rows = result.all_rows
        n = len(form.lines)
        # the rows read are exactly the line items written in the table
        assert sorted(int(r) for r in rows["row"]) == list(range(4, 4 + n)), found(result)
        # accepted + rejected = every readable amount on them, to the fen
        readable = [ln.read for ln in form.lines if ln.read is not None]
        expected = sum(readable, Decimal(0))
        j = file_json(result)
        accepted = Decimal(j["amount_accepted"])
        signed_rejected = Decimal(j["amount_rejected_positive"]) + Decimal(
            j["amount_rejected_negative"]
        )
        assert accepted + signed_rejected == expected
        assert Decimal(j["amount_read"]) == expected
        assert Decimal(j["amount_rejected"]) == sum(
            (abs(x) for x, acc in zip(
                [ln.read for ln in form.lines], rows.sort_values("row")["accepted"], strict=True
            ) if x is not None and not acc),
            Decimal(0),
        )  # fmt: skip
        assert j["rows_rejected_unreadable"] == sum(1 for ln in form.lines if ln.read is None)
        # a row that must be stopped is stopped
        by_row = rows.set_index("row")
        for i, ln in enumerate(form.lines):
            if ln.rejected:
                assert not by_row.loc[4 + i, "accepted"], (i, found(result))
        # every line-like value outside the table is an error at its row
        got = found(result)
        for ref, value in form.strays.items():
            line_like = not (isinstance(value, str) and not value[:1].isdigit())
            row = "".join(ch for ch in ref if ch.isdigit())
            hits = [s for _, s, c in got if c.endswith(row) and c[: -len(row)].isalpha()]
            if line_like:
                assert "error" in hits, (ref, got)
            else:
                assert hits, (ref, got)
        # exit code 0 implies paper total == counted total
        exit_code = 1 if result.errors else 0
        if exit_code == 0:
            assert f.status == "ok"
            papers = [ln.paper for ln in form.lines]
            assert UNKNOWN not in papers, got
            paper = sum(papers, Decimal(0))
            if form.total == "typed-wrong":  # what the form prints is the typed 合计
                paper += 1
            assert accepted == paper, (accepted, paper, got)
            assert signed_rejected == 0


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(forms(BASE_FAULTS))
def test_every_yuan_is_counted_or_stopped(form):
    _prove(form)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(forms([*BASE_FAULTS, "hidden", "hidden", "hidden"]))
def test_every_yuan_is_counted_or_stopped_with_hidden_rows(form):
    _prove(form)
