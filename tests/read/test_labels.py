"""labels: the form's row labels as clerks type them, and the cheap screen before the
signature test never turning a real label away."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit import form
from toolkit.read.labels import (
    INITIALS,
    is_subtotal_label,
    is_total_label,
    may_be_signature,
    signature_label,
)


@pytest.mark.parametrize("text", ["合计", " 合 计 ", "总计", "合计：", "合　计"])
def test_total_labels(text: str) -> None:
    assert is_total_label(text) == (text != "合计：")


@pytest.mark.parametrize("value", ["小计", "合计数", "计", 0, None, "总计划编制服务"])
def test_what_is_not_a_total_label(value: object) -> None:
    assert not is_total_label(value)


def test_subtotal_labels() -> None:
    assert is_subtotal_label(" 小 计")
    assert not is_subtotal_label("合计")


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("填报人", ("填报人", "")),
        ("填报人：张三", ("填报人", "张三")),
        ("联系电话: 0371-1234", ("联系电话", "0371-1234")),
        ("（单位盖章）", ("（单位盖章）", "")),
        ("单位盖章", ("（单位盖章）", "")),
        ("填报人员名单", None),
        ("", None),
    ],
)
def test_signature_labels(text: str, found: tuple[str, str] | None) -> None:
    assert signature_label(text) == found


LABEL_TEXTS = st.builds(
    lambda label, pre, post, tail: f"{pre}{label}{post}{tail}",
    st.sampled_from(form.SIGNATURE_LABELS),
    st.sampled_from(["", " ", "　", "\t"]),
    st.sampled_from(["", "：", ":", " ： "]),
    st.text(max_size=6),
)


@given(st.one_of(LABEL_TEXTS, st.text(max_size=12)))
def test_the_screen_never_turns_a_label_away(value: str) -> None:
    if signature_label(value) is not None:
        assert value[:1] in INITIALS or may_be_signature(value)
