"""The cell rules: each one a rule definition and a mask over the ``Frame``'s columns.

``cell_rule`` registers a rule with the fields it looks at, a ``judge`` (frame, field)
-> boolean mask over the table rows, and optionally ``describe`` (frame, field, row
position) -> (value shown, message fields). Rules run in the order below; a rule with
``blocks=True`` claims the cells it flags, so later rules say nothing more about them
(a formula in an amount cell is a formula, not also "not a number"). An error rejects
its row. ``tests/rules/test_cells.py`` runs each rule on random columns against a plain
row-by-row reference.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from toolkit import form
from toolkit.rules import values as V
from toolkit.rules.frame import Frame
from toolkit.rules.registry import ERROR, WARNING, Rule, define
from toolkit.xlsx.styles import NumberFormat

Mask = np.ndarray
Judge = Callable[[Frame, str], Mask]
Describe = Callable[[Frame, str, int], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class CellRule:
    rule: Rule
    fields: tuple[str, ...]
    judge: Judge
    describe: Describe
    blocks: bool = False


CELL_RULES: list[CellRule] = []
INPUT_FIELDS = tuple(f.name for f in form.FIELDS if f.kind in ("text", "code", "list", "amount"))


def _shown(f: Frame, name: str, i: int) -> tuple[str, dict[str, Any]]:
    return f.shown(name, i), {"header": f.header(name)}


def cell_rule(
    rule_id: str,
    severity: Any,
    fields: tuple[str, ...],
    *,
    title: str,
    message: str,
    meaning: str,
    where: str,
    blocks: bool = False,
    describe: Describe = _shown,
) -> Callable[[Judge], Judge]:
    rule = define(
        rule_id, severity, title=title, message=message, meaning=meaning, where=where,
        scope="cell",
    )  # fmt: skip

    def register(judge: Judge) -> Judge:
        CELL_RULES.append(CellRule(rule, fields, judge, describe, blocks))
        return judge

    return register


def _amount_mask(f: Frame, *statuses: int) -> Mask:
    return np.array([a is not None and a.status in statuses for a in f.amounts], dtype=bool)


# -- what is in the cell at all ------------------------------------------------------------------
@cell_rule(
    "duplicate-cell-ref", ERROR, INPUT_FIELDS, blocks=True,
    title="单元格重复出现",
    message="文件中单元格 {cell} 出现了不止一次，其内容无法确定；请用 Excel/WPS 打开后重新保存",
    meaning="The sheet's XML holds the same cell reference twice: its value is ambiguous.",
    where="the cell",
    describe=lambda f, name, i: (f.shown(name, i), {"cell": f"{f.header(name)}第{f.rows[i]}行"}),
)  # fmt: skip
def _repeated(f: Frame, name: str) -> Mask:
    return f.repeated[name]


def _formula_message(f: Frame, name: str, i: int) -> tuple[str, dict[str, Any]]:
    want = "数值" if form.FIELD[name].kind == "amount" else "文字"
    return f.shown(name, i), {"header": f.header(name), "want": want}


@cell_rule(
    "formula-in-input", ERROR, INPUT_FIELDS, blocks=True,
    title="填写了公式",
    message="“{header}”中填写了公式 {value}，请直接填写{want}",
    meaning="A formula typed into an input cell; its cached result is not trusted.",
    where="the cell", describe=_formula_message,
)  # fmt: skip
def _formula(f: Frame, name: str) -> Mask:
    return f.formula[name]


@cell_rule(
    "cell-error-value", ERROR, INPUT_FIELDS, blocks=True,
    title="单元格为错误值",
    message="单元格为错误值 {value}，请更正",
    meaning="An error value (#REF!, #DIV/0!, #N/A, ...) in an input cell.",
    where="the cell",
)  # fmt: skip
def _error(f: Frame, name: str) -> Mask:
    return f.error[name]


@cell_rule(
    "required-missing", ERROR, form.REQUIRED_FIELDS, blocks=True,
    title="必填项为空",
    message="“{header}”为必填项，请填写",
    meaning="A required field (项目名称, 目录编码 or 预算金额) is empty.",
    where="the cell",
)  # fmt: skip
def _required(f: Frame, name: str) -> Mask:
    return f.blank[name]


_LEVEL_NAMES = {1: "一级目录", 2: "二级目录"}


def _read_number(f: Frame, i: int) -> str:
    """The number a text amount reads as, for the message ("" when it reads as none)."""
    a = f.amounts[i]
    return format(a.read, ",f") if a and a.read is not None else ""


# -- amounts ---------------------------------------------------------------------------------------
def _not_number(f: Frame, name: str, i: int) -> tuple[str, dict[str, Any]]:
    a = f.amounts[i]
    spaces = a is not None and a.status == V.SPACES
    detail = "数字中间有空格或换行，" if spaces else ""
    return f.shown(name, i), {"detail": detail}


@cell_rule(
    "amount-not-number", ERROR, ("amount",), blocks=True,
    title="金额不是数字",
    message="预算金额“{value}”不是一个数字，{detail}请填写数值",
    meaning="The amount is not one number: text, a date, a boolean, or digits with spaces "
    "or line breaks between them.",
    where="the 预算金额 cell", describe=_not_number,
)  # fmt: skip
def _amount_not_number(f: Frame, name: str) -> Mask:
    return _amount_mask(f, V.NOT_NUMBER, V.SPACES)


@cell_rule(
    "amount-precision", ERROR, ("amount",), blocks=True,
    title="金额小数位过多",
    message="预算金额 {value} 超过 {places} 位小数（最小单位为分）",
    meaning="More than 2 decimal places in 元 (6 in 万元).",
    where="the 预算金额 cell",
    describe=lambda f, name, i: (
        f.shown(name, i), {"places": form.AMOUNT_UNIT_SPECS[f.unit].decimals}
    ),
)  # fmt: skip
def _amount_precision(f: Frame, name: str) -> Mask:
    return _amount_mask(f, V.PRECISION)


@cell_rule(
    "amount-negative", ERROR, ("amount",), blocks=True,
    title="金额为负数",
    message="预算金额不能为负数：{value}",
    meaning="The amount is negative.",
    where="the 预算金额 cell",
)  # fmt: skip
def _amount_negative(f: Frame, name: str) -> Mask:
    return _amount_mask(f, V.NEGATIVE)


@cell_rule(
    "amount-too-large", ERROR, ("amount",), blocks=True,
    title="金额超过上限",
    message="预算金额 {value} 超过上限 {cap} 元，请核对金额单位",
    meaning="The amount exceeds the configurable cap (often a 元/万元 mix-up).",
    where="the 预算金额 cell",
    describe=lambda f, name, i: (f.shown(name, i), {"cap": f"{f.options.max_amount:,}"}),
)  # fmt: skip
def _amount_too_large(f: Frame, name: str) -> Mask:
    return _amount_mask(f, V.TOO_LARGE)


def _format_problem(f: Frame, i: int) -> str:
    fmt = f.formats[i] if i < len(f.formats) else None
    return "" if fmt is None else _format_words(fmt, f.unit)


@functools.lru_cache(maxsize=1024)
def _format_words(fmt: NumberFormat, unit: str) -> str:
    """What a number format does to an amount of ``unit``, in words ("" for nothing);
    a form has a handful of formats, so each is judged once."""
    if fmt.hides:
        return "不显示数字的格式（打印出来是空白）"
    if fmt.is_percent:
        return "百分比格式（显示为原数的 100 倍）"
    if fmt.scales:
        return "千位缩放格式（显示为原数除以 1000）"
    other = [u for u in fmt.literal_units() if u != unit]
    if other:
        return f"带“{other[0]}”字样的格式（本表金额单位为 {unit}）"
    return ""


@cell_rule(
    "amount-format", ERROR, ("amount",), blocks=True,
    title="金额格式显示为其他单位",
    message="预算金额 {value} 的单元格设置了{detail}，"
    "打印出的数字与计入的金额不一致：请把单元格格式改回“数值”",
    meaning="The amount cell's number format shows another unit (a percent, a thousands "
    "scaling, a literal 万元 in a 元 form): the paper shows another number than is counted.",
    where="the 预算金额 cell",
    describe=lambda f, name, i: (f.shown(name, i), {"detail": _format_problem(f, i)}),
)  # fmt: skip
def _amount_format(f: Frame, name: str) -> Mask:
    mask = np.zeros(f.n, bool)
    formats, unit = f.formats, f.unit
    words: dict[int, str] = {}  # id of a row's format -> _format_words (a form has a few)
    for i, a in enumerate(f.amounts[: len(formats)]):
        if a is None or a.status != V.OK or a.as_text or (fmt := formats[i]) is None:
            continue
        said = words.get(id(fmt))
        if said is None:
            said = words[id(fmt)] = _format_words(fmt, unit)
        if said:
            mask[i] = True
    return mask


@cell_rule(
    "amount-as-text", WARNING, ("amount",),
    title="金额以文字形式存储",
    message="预算金额“{value}”是以文字形式填写的：本工具按 {number} 计入，但表格自己的合计"
    "（SUM）不计文字，打印的合计会少这一笔；请把单元格改为数值格式后重新输入",
    meaning="An amount typed as text (thousands separators, full-width digits, ¥): counted, "
    "but the form's own SUM skips it, so the printed 合计 differs.",
    where="the 预算金额 cell",
    describe=lambda f, name, i: (
        f.shown(name, i),
        {"number": _read_number(f, i)},
    ),
)  # fmt: skip
def _amount_as_text(f: Frame, name: str) -> Mask:
    return np.array([a is not None and a.as_text and a.status == V.OK for a in f.amounts], bool)


# -- codes -----------------------------------------------------------------------------------------
def _unknown(f: Frame, name: str, i: int) -> tuple[str, dict[str, Any]]:
    facts = f.codes[i]
    explain = facts.explain if facts is not None else ""
    return f.shown(name, i), {"detail": f"（{explain}）" if explain else ""}


@cell_rule(
    "unknown-code", ERROR, ("code",), blocks=True,
    title="目录编码不存在",
    message="目录编码“{value}”不在目录中{detail}，请从下拉列表中选择",
    meaning="The catalogue code does not exist in the catalogue (invisible or look-alike "
    "characters are named).",
    where="the 目录编码 cell", describe=_unknown,
)  # fmt: skip
def _unknown_code(f: Frame, name: str) -> Mask:
    return np.array([c is not None and c.problem == "unknown" for c in f.codes], bool)


@cell_rule(
    "non-leaf-code", ERROR, ("code",),
    title="未选到三级目录",
    message="“{value}”是{detail}，请选择其下的三级目录编码",
    meaning="A level-1 or level-2 code is used where a leaf is required.",
    where="the 目录编码 cell",
    describe=lambda f, name, i: (
        f.catalog[f.codes[i].code].label,  # type: ignore[union-attr]
        {"detail": _LEVEL_NAMES.get(f.catalog[f.codes[i].code].level, "上级目录")},  # type: ignore[union-attr]
    ),
)  # fmt: skip
def _non_leaf(f: Frame, name: str) -> Mask:
    return np.array([c is not None and c.problem == "non-leaf" for c in f.codes], bool)


@cell_rule(
    "code-name-mismatch", ERROR, ("code",),
    title="编码与名称不符",
    message="所填“{value}”中的名称与编码 {code} 在目录中的名称“{expected}”不符",
    meaning="A 'code name' label whose name does not match the catalogue name of the code.",
    where="the 目录编码 cell",
    describe=lambda f, name, i: (
        f.shown(name, i),
        {"code": f.codes[i].code, "expected": f.catalog[f.codes[i].code].name},  # type: ignore[union-attr]
    ),
)  # fmt: skip
def _name_mismatch(f: Frame, name: str) -> Mask:
    return np.array(
        [c is not None and c.problem != "unknown" and bool(c.name_mismatch) for c in f.codes], bool
    )


# -- lists and text --------------------------------------------------------------------------------
@cell_rule(
    "value-not-in-list", ERROR, form.LIST_FIELDS,
    title="取值不在下拉列表中",
    message="“{header}”的值“{value}”不在可选范围内{detail}，请从下拉列表中选择",
    meaning="A value outside its list for 购买方式, 资金来源 or 承接主体类型 (invisible "
    "characters are named).",
    where="the cell",
    describe=lambda f, name, i: (
        f.shown(name, i), {"header": f.header(name), "detail": V.invisible_note(f.shown(name, i))}
    ),
)  # fmt: skip
def _unlisted(f: Frame, name: str) -> Mask:
    return f.unlisted[name]


@cell_rule(
    "invalid-text", WARNING, form.TEXT_FIELDS,
    title="文字内容异常",
    message="“{header}”的内容{detail}，已按原样保留，请核对",
    meaning="Control, zero-width or direction characters, or over-long text, in a text cell.",
    where="the cell",
    describe=lambda f, name, i: (
        f.texts[name][i] or "",
        {"header": f.header(name), "detail": f.text_problems[name].get(i, "")},
    ),
)  # fmt: skip
def _text(f: Frame, name: str) -> Mask:
    mask = np.zeros(f.n, bool)
    mask[[i for i, p in f.text_problems[name].items() if p]] = True
    return mask


# -- whole rows -----------------------------------------------------------------------------------
def duplicate_of(f: Frame) -> list[int | None]:
    """For each row, the Excel row of an identical earlier line item (None: the first).

    Identical rows hash alike, so only rows whose key's hash another row shares are
    compared by their keys (a 200,000-row table keeps no tuple per row)."""
    cached = getattr(f, "_duplicate_of", None)
    if cached is not None:
        return cached
    columns = (
        f.texts["project"], [c.code if c and c.code else None for c in f.codes],
        f.texts["content"], f.texts["provider"], f.lists["provider_type"],
        f.lists["method"], f.lists["funding"],
        [a.read if a is not None else None for a in f.amounts],
        f.texts["target"], f.texts["note"],
    )  # fmt: skip
    positions, hashes = array("q"), array("q")
    for i, raw in enumerate(zip(*columns, strict=True)):
        key = _row_key(f, raw, i)
        if key is not None:
            positions.append(i)
            hashes.append(hash(key))
    out: list[int | None] = [None] * f.n
    if len(hashes) > 1:
        order = np.argsort(np.frombuffer(hashes, dtype=np.int64), kind="stable")
        ranked = np.frombuffer(hashes, dtype=np.int64)[order]
        same = ranked[1:] == ranked[:-1]
        shared = np.zeros(len(ranked), bool)
        shared[1:] |= same
        shared[:-1] |= same
        seen: dict[tuple[Any, ...], int] = {}
        for i in np.sort(np.frombuffer(positions, dtype=np.int64)[order[shared]]).tolist():
            key = _row_key(f, tuple([col[i] for col in columns]), i)
            first = seen.setdefault(key, i)  # type: ignore[arg-type]
            if first != i:
                out[i] = int(f.rows[first])
    f._duplicate_of = out  # type: ignore[attr-defined]
    return out


def _row_key(f: Frame, key: tuple[Any, ...], i: int) -> tuple[Any, ...] | None:
    """What makes two line items the same, from row ``i``'s values in the key's columns
    (None: no name, code or amount to compare)."""
    if key[0] is None and key[1] is None and key[7] is None:
        return None
    if key[1] is None:
        key = (*key[:1], f.shown("code", i), *key[2:])
    if key[7] is None:
        key = (*key[:7], f.shown("amount", i), *key[8:])
    return key


@cell_rule(
    "duplicate-row", ERROR, ("project",),
    title="重复行",
    message="本行与第 {first} 行完全相同，疑为重复填报",
    meaning="The same line item appears twice in one file; the later copy is rejected.",
    where="the 项目名称 cell of the later copy (the message names the first row)",
    describe=lambda f, name, i: (f.texts["project"][i] or "", {"first": duplicate_of(f)[i]}),
)  # fmt: skip
def _duplicate_row(f: Frame, name: str) -> Mask:
    return np.array([d is not None for d in duplicate_of(f)], bool)


@cell_rule(
    "hidden-row", WARNING, ("project",),
    title="隐藏的行",
    message="第 {line} 行{how}，打印出的表格上看不到它，但它已计入汇总：请取消隐藏后核对并打印",
    meaning="A line item in a hidden row or one filtered out by an autofilter: it is counted, "
    "but the printed form leaves it out.",
    where="the 项目名称 cell of the row",
    describe=lambda f, name, i: (
        f.shown(name, i),
        {"line": int(f.rows[i]), "how": "被筛选隐藏" if f.filtered[i] else "被隐藏"},
    ),
)  # fmt: skip
def _hidden_row(f: Frame, name: str) -> Mask:
    return f.hidden | f.filtered


__all__ = ["CELL_RULES", "INPUT_FIELDS", "CellRule", "duplicate_of"]
