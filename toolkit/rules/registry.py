"""The one registry of rules: every rule's id, severity, title, message and meaning.

A rule is defined once, where it judges (``toolkit.rules.cells``, ``.file``, ``.total``,
``.outside``, ``.batch``), by ``define``; this module holds the list in the order they
were defined, which is the order every report lists them in. The text report, the JSON,
the annotated copy, the report workbook and the README's rules table all render from
here (``tests/rules/test_registry.py`` renders every rule in each).

Contract for a rule author:
- ``id`` is a stable English slug; ``title`` a short Chinese name; ``message`` a Chinese
  ``str.format`` template (``value`` is always available; missing fields render empty);
  ``meaning`` one English sentence for the README; ``where`` the cell it points at.
- ``scope`` says what it judges: ``cell`` (columns of the table, vectorised),
  ``file`` (what was read of one workbook) or ``batch`` (several files).
- An error on a cell rejects its row; a ``file`` or ``batch`` error with
  ``rejects="file"`` rejects every row of the file. Warnings never reject anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toolkit.cellref import a1
from toolkit.issues import Issue, Severity

ERROR, WARNING = Severity.ERROR, Severity.WARNING


class _Fields(dict):  # type: ignore[type-arg]
    """Format fields where a missing key renders empty rather than raising."""

    def __missing__(self, key: str) -> str:
        return ""


def clip(text: str, limit: int = 60) -> str:
    """Messages quote values; a 32,767-character paste must not become the message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    title: str
    message: str
    meaning: str
    where: str
    scope: str  # cell | file | batch
    rejects: str = ""  # "file": an error here rejects every row of the file

    def render(self, **fields: Any) -> str:
        return self.message.format_map(_Fields(fields))

    def issue(
        self,
        *,
        file: str = "",
        sheet: str = "",
        row: int | None = None,
        column: int | None = None,
        value: Any = "",
        severity: Severity | None = None,
        **fields: Any,
    ) -> Issue:
        """An ``Issue`` of this rule; ``fields`` fill the message template."""
        shown = "" if value is None else str(value)
        cell = a1(row, column) if row is not None and column is not None else ""
        return Issue(
            rule=self.id,
            severity=(severity or self.severity).value,
            message=self.render(value=clip(shown), **fields),
            file=file,
            sheet=sheet,
            cell=cell,
            row=row,
            column=column,
            value=shown,
            extra=fields,
        )


REGISTRY: dict[str, Rule] = {}


def define(
    rule_id: str,
    severity: Severity,
    *,
    title: str,
    message: str,
    meaning: str,
    where: str,
    scope: str,
    rejects: str = "",
) -> Rule:
    """Register a rule (once; a second definition of an id is a programming error)."""
    if rule_id in REGISTRY:
        raise ValueError(f"rule {rule_id!r} is defined twice")
    rule = Rule(rule_id, severity, title, message, meaning, where, scope, rejects)
    REGISTRY[rule_id] = rule
    return rule


def get(rule_id: str) -> Rule:
    """A rule by id (``toolkit.rules`` imports every rule module, in order)."""
    return REGISTRY[rule_id]


def all_rules() -> list[Rule]:
    return list(REGISTRY.values())


def order(rule_id: str) -> int:
    """A rule's place in the registry (unknown ids last)."""
    keys = list(REGISTRY)
    return keys.index(rule_id) if rule_id in REGISTRY else len(keys)


def title(rule_id: str) -> str:
    rule = REGISTRY.get(rule_id)
    return rule.title if rule else rule_id


def rules_table() -> str:
    """The README's rules table, generated so that it never drifts from the code."""
    lines = ["| rule id | severity | meaning |", "| --- | --- | --- |"]
    for rule in all_rules():
        lines.append(f"| `{rule.id}` | {rule.severity.value} | {rule.meaning} |")
    return "\n".join(lines)


def where_table() -> str:
    """The README's table of where each rule points."""
    lines = ["| rule | points at |", "| --- | --- |"]
    for rule in all_rules():
        lines.append(f"| `{rule.id}` | {rule.where} |")
    return "\n".join(lines)
