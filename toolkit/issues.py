"""One error model: every problem in a submission is an ``Issue`` with a stable rule id.

All rule ids, severities and Chinese message templates live in ``Rule`` (as pyxform keeps
its error codes in one enum), so the README's rules table is generated from here and a
message is never written twice. Exceptions are kept for work that cannot go on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum, StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Severity.ERROR else "警告"


class Rule(Enum):
    """Rule id (stable English slug), default severity, Chinese message template, meaning.

    Templates use ``str.format`` fields; ``value`` is always available.
    """

    # -- the file as a whole ----------------------------------------------------------
    FILE_UNREADABLE = (
        "file-unreadable",
        Severity.ERROR,
        "文件无法读取或已损坏（{detail}），请重新保存为 .xlsx 后报送",
        "The file is empty, truncated or corrupt and cannot be opened.",
    )
    FILE_ENCRYPTED = (
        "file-encrypted",
        Severity.ERROR,
        "文件设置了打开密码，请取消密码后另存为 .xlsx 报送",
        "The workbook is password-protected (encrypted).",
    )
    FILE_FORMAT = (
        "file-format",
        Severity.ERROR,
        "文件格式为 {detail}，不是 .xlsx：请用 Excel/WPS 打开后“另存为” .xlsx 工作簿",
        "Not an .xlsx workbook (.xls, .xlsm, .xlsb, .et, .ods, .csv or other): save as .xlsx.",
    )
    LIMIT_EXCEEDED = (
        "limit-exceeded",
        Severity.ERROR,
        "文件超出处理上限：{detail}",
        "The file exceeds a safety limit (size, rows, cells or time); the limit is named.",
    )
    NOT_A_TEMPLATE = (
        "not-a-template",
        Severity.ERROR,
        "不是预算填报模板：{detail}",
        "The entry sheet or its header row is missing: not a budget template.",
    )
    STAMP_MISSING = (
        "stamp-missing",
        Severity.WARNING,
        "未找到模板标识，无法确认模板和目录版本，请使用下发的模板填报",
        "The template stamp (hidden sheet / custom properties) is missing.",
    )
    STAMP_MISMATCH = (
        "stamp-mismatch",
        Severity.ERROR,
        "模板所用目录（{detail}）与本次使用的目录不一致，请使用最新下发的模板重新填报",
        "The stamp names another catalogue id, version or SHA-256 than the one in use "
        "(an error by default; can be downgraded to a warning).",
    )
    # -- the unit ---------------------------------------------------------------------
    UNIT_MISSING = (
        "unit-missing",
        Severity.ERROR,
        "未填写填报单位",
        "The 填报单位 cell is empty.",
    )
    UNIT_UNKNOWN = (
        "unit-unknown",
        Severity.ERROR,
        "填报单位“{value}”不在单位名单中",
        "The 填报单位 is not in the unit list.",
    )
    DUPLICATE_SUBMISSION = (
        "duplicate-submission",
        Severity.WARNING,
        "{detail}",
        "Two or more files for the same unit and year: the newer stamp (then the newer file) "
        "counts; reported on every file involved.",
    )
    SUPERSEDED_SUBMISSION = (
        "superseded-submission",
        Severity.ERROR,
        "本文件已被同一单位同一年度的较新文件取代（{detail}），其数据不计入汇总",
        "This file is an older submission for the same unit and year; its rows do not count.",
    )
    # -- cells ------------------------------------------------------------------------
    REQUIRED_MISSING = (
        "required-missing",
        Severity.ERROR,
        "“{header}”为必填项，请填写",
        "A required field (项目名称, 目录编码 or 预算金额) is empty.",
    )
    UNKNOWN_CODE = (
        "unknown-code",
        Severity.ERROR,
        "目录编码“{value}”不在目录中，请从下拉列表中选择",
        "The catalogue code does not exist in the catalogue.",
    )
    NON_LEAF_CODE = (
        "non-leaf-code",
        Severity.ERROR,
        "“{value}”是{detail}，请选择其下的三级目录编码",
        "A level-1 or level-2 code is used where a leaf is required.",
    )
    CODE_NAME_MISMATCH = (
        "code-name-mismatch",
        Severity.ERROR,
        "编码 {code} 在目录中的名称是“{expected}”，与所填“{value}”不符",
        "A 'code name' label whose name does not match the catalogue name of the code.",
    )
    AMOUNT_NOT_NUMBER = (
        "amount-not-number",
        Severity.ERROR,
        "预算金额“{value}”不是数字，请填写数值",
        "The amount is not a number (text, date, boolean or error value).",
    )
    AMOUNT_NEGATIVE = (
        "amount-negative",
        Severity.ERROR,
        "预算金额不能为负数：{value}",
        "The amount is negative.",
    )
    AMOUNT_PRECISION = (
        "amount-precision",
        Severity.ERROR,
        "预算金额 {value} 超过 {detail} 位小数（最小单位为分）",
        "More than 2 decimal places in 元 (6 in 万元).",
    )
    AMOUNT_TOO_LARGE = (
        "amount-too-large",
        Severity.ERROR,
        "预算金额 {value} 超过上限 {detail} 元，请核对金额单位",
        "The amount exceeds the configurable cap (often a 元/万元 mix-up).",
    )
    VALUE_NOT_IN_LIST = (
        "value-not-in-list",
        Severity.ERROR,
        "“{header}”的值“{value}”不在可选范围内，请从下拉列表中选择",
        "A value outside its list for 购买方式, 资金来源 or 承接主体类型.",
    )
    FORMULA_IN_INPUT = (
        "formula-in-input",
        Severity.ERROR,
        "“{header}”中填写了公式 {value}，请直接填写数值或文字",
        "A formula typed into an input cell; cached results are not trusted.",
    )
    CELL_ERROR_VALUE = (
        "cell-error-value",
        Severity.ERROR,
        "单元格为错误值 {value}，请更正",
        "An error value (#REF!, #DIV/0!, #N/A, ...) in an input cell.",
    )
    INVALID_TEXT = (
        "invalid-text",
        Severity.WARNING,
        "“{header}”的内容{detail}，已按原样保留，请核对",
        "Control characters or over-long text in a text cell.",
    )
    DUPLICATE_ROW = (
        "duplicate-row",
        Severity.ERROR,
        "本行与第 {detail} 行完全相同，疑为重复填报",
        "The same line item appears twice in one file; the later copy is rejected.",
    )
    TOTAL_MISMATCH = (
        "total-mismatch",
        Severity.WARNING,
        "合计行填写为 {value}，按明细重新计算应为 {expected}，以重新计算的金额为准",
        "The 合计 row as entered disagrees with the recomputed sum (the recomputed sum counts).",
    )
    ROW_AFTER_TOTAL = (
        "row-after-total",
        Severity.ERROR,
        "合计行（第 {detail} 行）之后的这一行填有目录编码和金额，不会计入汇总："
        "请把它移到合计行之上",
        "A line item (code and amount) below the 合计 row: it is not counted, so it is an "
        "error, not a stray value.",
    )
    VALUE_OUTSIDE_TABLE = (
        "value-outside-table",
        Severity.WARNING,
        "表格以外的单元格有内容“{value}”，不会被读取，请移入表格或删除",
        "A value to the right of the table or below the 合计 row; it is not read.",
    )

    def __init__(self, rule_id: str, severity: Severity, template: str, meaning: str) -> None:
        self.id = rule_id
        self.severity = severity
        self.template = template
        self.meaning = meaning

    @classmethod
    def by_id(cls, rule_id: str) -> Rule:
        for rule in cls:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def render(self, **fields: Any) -> str:
        values = _Fields(fields)
        return self.template.format_map(values)


class _Fields(dict):  # type: ignore[type-arg]
    """Format fields where a missing key renders empty rather than raising."""

    def __missing__(self, key: str) -> str:
        return ""


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

    @classmethod
    def make(
        cls,
        rule: Rule,
        *,
        file: str = "",
        sheet: str = "",
        row: int | None = None,
        column: int | None = None,
        value: Any = "",
        severity: Severity | None = None,
        **fields: Any,
    ) -> Issue:
        """Build an issue from its rule; ``fields`` fill the message template."""
        shown = "" if value is None else str(value)
        cell = a1(row, column) if row is not None and column is not None else ""
        return cls(
            rule=rule.id,
            severity=(severity or rule.severity).value,
            message=rule.render(value=_clip(shown), **fields),
            file=file,
            sheet=sheet,
            cell=cell,
            row=row,
            column=column,
            value=shown,
            extra=fields,
        )

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR.value

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        return d


def _clip(text: str, limit: int = 60) -> str:
    """Messages quote values; a 32,767-character paste must not become the message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while column > 0:
        column, rem = divmod(column - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def a1(row: int, column: int) -> str:
    return f"{column_letter(column)}{row}"


def rules_table() -> str:
    """The README's rules table, generated so that it never drifts from the code."""
    lines = ["| rule id | severity | meaning |", "| --- | --- | --- |"]
    for rule in Rule:
        lines.append(f"| `{rule.id}` | {rule.severity.value} | {rule.meaning} |")
    return "\n".join(lines)
