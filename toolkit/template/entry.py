"""The entry sheet (预算表) of the budget template, written with xlsxwriter: title, unit
line, header, the input rows with their dropdowns, prompts and checks, the 合计 row, the
signature block, and the view, protection and print setup.

Every label comes from ``toolkit.form``; where things stand comes from
``toolkit.template.layout``, which the reader's tests hold to the same spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from toolkit import form
from toolkit.cellref import column_letter
from toolkit.template import layout as t
from toolkit.template.sheets import Formats, fit_width

if TYPE_CHECKING:  # pragma: no cover
    from xlsxwriter.worksheet import Worksheet

# 0-based column of each header label on the entry sheet: the order of ``form.FIELDS``.
COLUMNS = tuple(f.label for f in form.FIELDS)
COL = {label: i for i, label in enumerate(COLUMNS)}
LAST_COL = len(COLUMNS) - 1
TEXT_INPUTS = tuple(form.FIELD[name].label for name in form.TEXT_FIELDS)
PROMPTS = {f.label: f.prompt for f in form.FIELDS if f.prompt}
REQUIRED_LABELS = frozenset(form.FIELD[name].label for name in form.REQUIRED_FIELDS)


@dataclass(frozen=True)
class _Entry:
    """Where things stand on one entry sheet (0-based rows and columns, as xlsxwriter
    counts; ``top`` is the first input row as Excel numbers it, for formulas)."""

    opts: t.TemplateOptions
    view: t.CatalogView
    first: int
    last: int
    top: int
    letter: dict[str, str]  # column label -> its letter

    @classmethod
    def of(cls, view: t.CatalogView, opts: t.TemplateOptions) -> _Entry:
        letters = {k: column_letter(v + 1) for k, v in COL.items()}
        first = t.FIRST_INPUT_ROW - 1
        return cls(opts, view, first, opts.last_input_row - 1, first + 1, letters)

    @property
    def derived_cols(self) -> tuple[int, int]:
        return COL[form.COL_LEVEL1], COL[form.COL_LEVEL2]


def write_entry(ws: Worksheet, fmt: Formats, view: t.CatalogView, opts: t.TemplateOptions) -> None:
    """The 预算表 sheet: title, unit line, header, input rows with their dropdowns, prompts
    and checks, the 合计 row, the signature block, and the view, protection and print."""
    e = _Entry.of(view, opts)
    _title_and_unit(ws, fmt, opts)
    _header_and_widths(ws, fmt, view, opts)
    _input_rows(ws, fmt, e)
    _level_validations(ws, e)
    _input_validations(ws, e)
    _required_marks(ws, fmt, e)
    sig = _total_and_signature(ws, fmt, e)
    _view_and_print(ws, opts, sig)


def _title_and_unit(ws: Worksheet, fmt: Formats, opts: t.TemplateOptions) -> None:
    ws.merge_range(t.TITLE_ROW - 1, 0, t.TITLE_ROW - 1, LAST_COL, opts.title, fmt.title)
    ws.set_row(t.TITLE_ROW - 1, 30)
    ws.set_row(t.UNIT_ROW - 1, 22)
    row = t.UNIT_ROW - 1
    ws.write_string(row, t.UNIT_LABEL_COL - 1, form.UNIT_LABEL, fmt.label)
    if opts.unit is None:
        ws.write_blank(row, t.UNIT_LABEL_COL, None, fmt.value_input)
        _validate(
            ws,
            row,
            t.UNIT_LABEL_COL,
            row,
            t.UNIT_LABEL_COL,
            {"validate": "list", "source": "=" + t.NAME_UNITS},
            "填报单位",
            "请从下拉列表中选择本单位名称。",
            "填报单位无效",
            "请从下拉列表中选择本单位名称，不要手工输入。",
        )
    else:
        ws.write_string(row, t.UNIT_LABEL_COL, opts.unit, fmt.value)
    ws.write_string(row, t.AMOUNT_UNIT_LABEL_COL - 1, form.AMOUNT_UNIT_LABEL, fmt.label)
    ws.write_string(row, t.AMOUNT_UNIT_LABEL_COL, opts.amount_unit, fmt.value)


def _header_and_widths(
    ws: Worksheet, fmt: Formats, view: t.CatalogView, opts: t.TemplateOptions
) -> None:
    """The header row, and column widths that fit the Chinese text they will hold."""
    header = list(form.HEADER_LABELS)
    header[COL[form.COL_AMOUNT]] = form.amount_header(opts.amount_unit)
    hrow = t.HEADER_ROW - 1
    ws.set_row(hrow, 30)
    for i, label in enumerate(header):
        is_required = COLUMNS[i] in REQUIRED_LABELS
        ws.write_string(hrow, i, label, fmt.header_required if is_required else fmt.header)
    leaf_labels = [e.label for e in view.leaves]
    level1 = [e.label if opts.cascade else e.name for e in view.level1]
    level2 = [e.label if opts.cascade else e.name for e in view.level2]
    widths = {f.label: f.width for f in form.FIELDS}  # the spec's widths, then the fitted ones
    widths.update({
        form.COL_CODE: fit_width(leaf_labels, 24, 42),
        form.COL_LEVEL1: fit_width(level1, 14, 30),
        form.COL_LEVEL2: fit_width(level2, 14, 30),
        form.COL_PROVIDER_TYPE: fit_width(form.PROVIDER_TYPES, 14, 24),
        form.COL_METHOD: fit_width(form.PURCHASE_METHODS, 12, 20),
        form.COL_FUNDING: fit_width(form.FUNDING_SOURCES, 12, 20),
        form.COL_AMOUNT: 18 if opts.amount_unit == "元" else 20,
    })  # fmt: skip
    for label, width in widths.items():
        ws.set_column(COL[label], COL[label], width)


def _input_rows(ws: Worksheet, fmt: Formats, e: _Entry) -> None:
    """Each input row's formats, its row number and (without cascade) the 一级/二级 lookups."""
    text_cols = [COL[k] for k in TEXT_INPUTS]
    list_cols = [COL[form.COL_CODE], *(COL[k] for k in form.LISTED_COLUMNS)]
    cascade = e.opts.cascade
    level1, level2 = e.derived_cols
    if cascade:
        list_cols += (level1, level2)
    amount_col = COL[form.COL_AMOUNT]
    code = e.letter[form.COL_CODE]
    l1, l2 = e.view.level1_len, e.view.level2_len
    lookup1 = f'=IFERROR(VLOOKUP(LEFT(${code}{{n}},{l1}),{t.NAME_LEVEL1_TABLE},2,FALSE),"")'
    lookup2 = f'=IFERROR(VLOOKUP(LEFT(${code}{{n}},{l2}),{t.NAME_LEVEL2_TABLE},2,FALSE),"")'
    for r in range(e.first, e.last + 1):  # 10,000 rows a template at most: kept tight
        # 序号 is a fixed number: the printed form is numbered and nothing needs recalculating
        ws.write_number(r, 0, r - e.first + 1, fmt.seq)
        for col in text_cols:
            ws.write_blank(r, col, None, fmt.text_input)
        for col in list_cols:
            ws.write_blank(r, col, None, fmt.list_input)
        ws.write_blank(r, amount_col, None, fmt.amount_input)
        if not cascade:
            n = r + 1
            ws.write_formula(r, level1, lookup1.format(n=n), fmt.derived, "")
            ws.write_formula(r, level2, lookup2.format(n=n), fmt.derived, "")


def _level_validations(ws: Worksheet, e: _Entry) -> None:
    """The 目录编码 dropdown, and with cascade the 一级/二级 dropdowns that narrow it
    (formulas relative to the first input row)."""
    first, last, top = e.first, e.last, e.top
    l1, l2 = e.view.level1_len, e.view.level2_len
    if e.opts.cascade:
        d, col_e = e.letter[form.COL_LEVEL1], e.letter[form.COL_LEVEL2]
        level1, level2 = e.derived_cols
        _validate(
            ws,
            first,
            level1,
            last,
            level1,
            {"validate": "list", "source": "=" + t.NAME_LEVEL1_LABELS},
            "一级目录",
            "可先选择一级目录，二级目录和目录编码的下拉列表将只列出其下的项目。",
            "一级目录无效",
            "请从下拉列表中选择一级目录。",
        )
        _validate(
            ws,
            first,
            level2,
            last,
            level2,
            {
                "validate": "list",
                "source": f'=IF(${d}{top}="",{t.NAME_LEVEL2_LABELS},'
                f'INDIRECT("{t.CASCADE_SUB_PREFIX}"&LEFT(${d}{top},{l1})))',
            },
            "二级目录",
            "可选择二级目录，目录编码的下拉列表将只列出其下的末级目录。",
            "二级目录无效",
            "请从下拉列表中选择二级目录（须属于所选一级目录）。",
        )
        code_source = (
            f'=IF(${col_e}{top}<>"",INDIRECT("{t.CASCADE_LEAF_PREFIX}"&LEFT(${col_e}{top},{l2})),'
            f'IF(${d}{top}<>"",INDIRECT("{t.CASCADE_LEAF_PREFIX}"&LEFT(${d}{top},{l1})),'
            f"{t.NAME_LEAVES}))"
        )
        code_prompt = (
            "请选择末级目录（编码 名称）。已选一级/二级目录时只列出其下的项目。"
            "不清楚时查看“目录”工作表。"
        )
    else:
        code_source = "=" + t.NAME_LEAVES
        code_prompt = (
            "请从下拉列表中选择末级目录（编码 名称），一级、二级目录会自动显示。"
            "不清楚时查看“目录”工作表。"
        )
    _validate(
        ws,
        first,
        COL[form.COL_CODE],
        last,
        COL[form.COL_CODE],
        {"validate": "list", "source": code_source},
        "目录编码",
        code_prompt,
        "目录编码无效",
        "目录编码必须从下拉列表中选择，不要手工输入或粘贴。",
    )


def _input_validations(ws: Worksheet, e: _Entry) -> None:
    """The list columns' dropdowns, the amount's check and the text columns' prompts."""
    first, last, top = e.first, e.last, e.top
    for label, name in t.LIST_NAMES.items():
        _validate(
            ws,
            first,
            COL[label],
            last,
            COL[label],
            {"validate": "list", "source": "=" + name},
            label,
            PROMPTS[label],
            f"{label}无效",
            f"请从下拉列表中选择{label}。",
        )
    unit = e.opts.amount_unit
    k = e.letter[form.COL_AMOUNT]
    amount_col = COL[form.COL_AMOUNT]
    places = form.AMOUNT_UNIT_SPECS[unit].decimals
    _validate(
        ws,
        first,
        amount_col,
        last,
        amount_col,
        {
            "validate": "custom",
            "value": f"=AND(ISNUMBER({k}{top}),{k}{top}>=0,ROUND({k}{top},{places})={k}{top})",
        },
        form.amount_header(unit),
        f"请填写不小于 0 的数字，单位：{unit}，最多 {places} 位小数。不要填写公式或文字。",
        "预算金额无效",
        f"预算金额必须是不小于 0 的数字，最多 {places} 位小数（金额单位：{unit}）。",
    )
    for label in TEXT_INPUTS:
        ws.data_validation(
            first,
            COL[label],
            last,
            COL[label],
            {"validate": "any", "input_title": label, "input_message": PROMPTS[label]},
        )


def _required_marks(ws: Worksheet, fmt: Formats, e: _Entry) -> None:
    """A row that is started but lacks a required field turns red."""
    span = f"SUMPRODUCT(LEN($B{e.top}:${e.letter[form.COL_NOTE]}{e.top}))>0"
    for label in (lab for lab in COLUMNS if lab in REQUIRED_LABELS):
        col = COL[label]
        ws.conditional_format(
            e.first,
            col,
            e.last,
            col,
            {
                "type": "formula",
                "criteria": f'=AND({e.letter[label]}{e.top}="",{span})',
                "format": fmt.missing,
            },
        )


def _total_and_signature(ws: Worksheet, fmt: Formats, e: _Entry) -> int:
    """The 合计 row's =SUM, and the signature block: each label with its input cell directly
    to the right. Returns the signature row (0-based), the last printed row."""
    total = e.opts.total_row - 1
    amount_col = COL[form.COL_AMOUNT]
    k = e.letter[form.COL_AMOUNT]
    ws.write_string(total, 0, form.TOTAL_LABEL, fmt.total_label)
    for col in range(1, LAST_COL + 1):
        if col != amount_col:
            ws.write_blank(total, col, None, fmt.total_blank)
    ws.write_formula(
        total, amount_col, f"=SUM({k}{e.first + 1}:{k}{e.last + 1})", fmt.total_amount, 0
    )
    sig = e.opts.signature_row - 1
    ws.set_row(sig, 30)
    pairs = zip(form.SIGNATURE_LABELS[:4], (1, 3, 5, 8), strict=True)
    for label, col in pairs:
        ws.write_string(sig, col, label, fmt.sign_label)
        ws.write_blank(sig, col + 1, None, fmt.sign_date if label == "填报日期" else fmt.sign_input)
    ws.merge_range(sig, LAST_COL - 1, sig, LAST_COL, form.SIGNATURE_LABELS[4], fmt.seal)
    return sig


def _view_and_print(ws: Worksheet, opts: t.TemplateOptions, last_row: int) -> None:
    ws.freeze_panes(t.HEADER_ROW, 2)
    ws.protect(opts.password or "", {"format_columns": True, "format_rows": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, t.HEADER_ROW - 1)
    ws.print_area(0, 0, last_row, LAST_COL)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页 共 &N 页")


def _validate(
    ws: Worksheet,
    r1: int,
    c1: int,
    r2: int,
    c2: int,
    options: dict[str, Any],
    input_title: str,
    input_message: str,
    error_title: str,
    error_message: str,
) -> None:
    """A validation with its Chinese prompt and error; refuses what Excel would reject."""
    options = {
        **options,
        "input_title": input_title,
        "input_message": input_message,
        "error_title": error_title,
        "error_message": error_message,
        "error_type": "stop",
        "ignore_blank": True,
    }
    if ws.data_validation(r1, c1, r2, c2, options) != 0:
        raise ValueError(f"数据验证设置无效：{options}")
