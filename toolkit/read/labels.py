"""The form's own row labels as a clerk may type them: 合计/总计, 小计, and the signature
block's labels (填报人：…), recognised whatever the spaces, brackets and widths."""

from __future__ import annotations

import unicodedata
from typing import Any

from toolkit import form
from toolkit.text import squash

TOTAL_LABELS = (form.TOTAL_LABEL, "总计")


def is_total_label(value: Any) -> bool:
    return isinstance(value, str) and "计" in value and squash(value) in TOTAL_LABELS


def is_subtotal_label(value: Any) -> bool:
    return isinstance(value, str) and "计" in value and squash(value) in form.SUBTOTAL_LABELS


def signature_label(value: Any) -> tuple[str, str] | None:
    """(label, value after its colon) when a cell is one of the form's signature labels."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = squash(value)
    for label, key in _SIGNATURE_KEYS:
        if text == key or text == key.strip("()"):
            return label, ""
        if text.startswith(key) and text[len(key) : len(key) + 1] == ":":
            return label, text[len(key) + 1 :]
    return None


_SIGNATURE_KEYS = tuple((label, squash(label)) for label in form.SIGNATURE_LABELS)
# what a signature label's squashed text can start with ("单" for 单位盖章 without brackets)
INITIALS = frozenset(key[0] for _, key in _SIGNATURE_KEYS) | {"单"}


def may_be_signature(value: str) -> bool:
    """A cheap screen before ``signature_label``: the first character that is not a
    space, as NFKC reads it ("（" as "("), starts a label."""
    first = value.lstrip()[:1]
    return first in INITIALS or unicodedata.normalize("NFKC", first)[:1] in INITIALS
