"""One error model: every problem in a submission is an ``Issue`` with a stable rule id.

An ``Issue`` is a plain value: rule id, severity, file, sheet, A1 cell, the value found
and the Chinese message. The rules themselves (id, severity, title, message template,
meaning) live in one registry, ``toolkit.rules.registry``; exceptions are kept for work
that cannot go on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Severity.ERROR else "警告"


@dataclass(frozen=True)
class Issue:
    """One problem, located as a clerk sees it: file, sheet, A1 cell, 1-based row/column."""

    rule: str
    severity: str
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    column: int | None = None
    value: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR.value

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        return d
