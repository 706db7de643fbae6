"""Text as the form compares it: NFKC, spaces squashed, labels without their brackets.

Cells come from Excel, WPS and LibreOffice typed by hand: full-width digits and spaces,
line breaks inside labels, ``*`` and ``（必填）`` marks. Every stage compares text through
these few functions, so the template, the reader and the roll-up agree on what "the same"
means.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from typing import Any

_SPACE_RE = re.compile(r"\s+")
_PAREN_RE = re.compile(r"\(.*?\)")


def nfkc(text: str) -> str:
    """Full-width digits, letters, spaces and brackets -> half-width; stripped."""
    return unicodedata.normalize("NFKC", text).strip()


def squash(text: str) -> str:
    """NFKC with every space removed: how labels and list values are compared."""
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text))


def label_key(text: Any) -> tuple[str, str]:
    """A header cell -> (label without brackets, bracketed part), e.g. ('预算金额', '万元')."""
    if not isinstance(text, str):
        return "", ""
    s = squash(text).strip("*").replace("(必填)", "")
    inner = "".join(m.group(0)[1:-1] for m in _PAREN_RE.finditer(s))
    return _PAREN_RE.sub("", s).strip("*:："), inner


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Any) -> str:
    """A cell as the clerk sees it: floats without a spurious ``.0``, dates in ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
