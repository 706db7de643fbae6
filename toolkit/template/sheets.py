"""The sheets of the budget template, written with xlsxwriter (see ``toolkit.template``).

Formats are built once per workbook and every formula string once per row, so a workbook
costs little more than xlsxwriter's own time. Every label comes from ``toolkit.form``.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from toolkit import form
from toolkit.issues import column_letter
from toolkit.template import layout as t

if TYPE_CHECKING:  # pragma: no cover
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from toolkit.catalog import Catalog

FONT = "宋体"
INPUT_FILL = "#FFF8DC"  # pale yellow: "write here"
HEADER_FILL = "#DDEBF7"
DERIVED_FILL = "#F2F2F2"
LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}
STATUS_NOTES = {"deprecated": "已停用，不可选用", "proposed-removal": "拟取消，慎用"}

# 0-based column of each header label on the entry sheet: the order of ``form.FIELDS``.
COLUMNS = tuple(f.label for f in form.FIELDS)
COL = {label: i for i, label in enumerate(COLUMNS)}
LAST_COL = len(COLUMNS) - 1
TEXT_INPUTS = tuple(form.FIELD[name].label for name in form.TEXT_FIELDS)
PROMPTS = {f.label: f.prompt for f in form.FIELDS if f.prompt}
REQUIRED_LABELS = frozenset(form.FIELD[name].label for name in form.REQUIRED_FIELDS)


@functools.lru_cache(maxsize=4096)
def display_width(text: str) -> int:
    """Column-width units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(texts: Sequence[str], low: int, high: int) -> int:
    return max(low, min(high, max((display_width(s) for s in texts), default=0) + 2))


class Formats:
    """Every cell format of one workbook, created once."""

    def __init__(self, workbook: Workbook, amount_unit: str) -> None:
        def add(**props: Any) -> Any:
            return workbook.add_format(
                {"font_name": FONT, "font_size": 11, "valign": "vcenter", **props}
            )

        box = {"border": 1}
        amount = form.AMOUNT_UNIT_SPECS[amount_unit].number_format
        self.title = add(bold=True, font_size=16, align="center")
        self.subtitle = add(font_size=10, font_color="#595959")
        self.label = add(bold=True, align="right")
        self.value = add(bottom=1, align="left")
        self.value_input = add(bottom=1, align="left", locked=False, bg_color=INPUT_FILL)
        self.header = add(bold=True, align="center", text_wrap=True, bg_color=HEADER_FILL, **box)
        self.header_required = add(
            bold=True,
            align="center",
            text_wrap=True,
            bg_color=HEADER_FILL,
            font_color="#C00000",
            **box,
        )
        self.seq = add(align="center", bg_color=DERIVED_FILL, **box)
        self.derived = add(bg_color=DERIVED_FILL, text_wrap=True, **box)
        self.text_input = add(locked=False, text_wrap=True, num_format="@", **box)
        self.list_input = add(locked=False, num_format="@", **box)
        self.amount_input = add(locked=False, num_format=amount, **box)
        self.total_label = add(bold=True, align="center", bg_color=DERIVED_FILL, **box)
        self.total_amount = add(bold=True, num_format=amount, bg_color=DERIVED_FILL, **box)
        self.total_blank = add(bg_color=DERIVED_FILL, **box)
        self.sign_label = add(bold=True, align="right")
        self.sign_input = add(locked=False, bottom=1)
        self.sign_date = add(locked=False, bottom=1, num_format='yyyy"年"m"月"d"日"', align="left")
        self.seal = add(bold=True, align="center")
        self.missing = workbook.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.heading = add(bold=True, font_size=12)
        self.body = add(text_wrap=True, valign="top")
        self.warn = add(text_wrap=True, valign="top", font_color="#C00000")
        self.plain = add()
        self.code = add(**box)
        self.level = {n: add(indent=n - 1, text_wrap=True, bold=n == 1, **box) for n in range(1, 5)}
        self.level_fill = add(bold=True, bg_color=DERIVED_FILL, **box)
        self.desc = add(text_wrap=True, **box)


# -- 预算表 --------------------------------------------------------------------------------
def write_entry(ws: Worksheet, fmt: Formats, view: t.CatalogView, opts: t.TemplateOptions) -> None:
    header = list(form.HEADER_LABELS)
    header[COL[form.COL_AMOUNT]] = form.amount_header(opts.amount_unit)
    first, last = t.FIRST_INPUT_ROW - 1, opts.last_input_row - 1  # 0-based input rows
    total = opts.total_row - 1
    c = {k: column_letter(v + 1) for k, v in COL.items()}

    # title and the unit line
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

    # header
    hrow = t.HEADER_ROW - 1
    ws.set_row(hrow, 30)
    for i, label in enumerate(header):
        is_required = COLUMNS[i] in REQUIRED_LABELS
        ws.write_string(hrow, i, label, fmt.header_required if is_required else fmt.header)

    # column widths that fit the Chinese text they will hold
    leaf_labels = [e.label for e in view.leaves]
    widths = {f.label: f.width for f in form.FIELDS}  # the spec's widths, then the fitted ones
    widths.update({
        form.COL_CODE: _fit(leaf_labels, 24, 42),
        form.COL_LEVEL1: _fit([e.label if opts.cascade else e.name for e in view.level1], 14, 30),
        form.COL_LEVEL2: _fit([e.label if opts.cascade else e.name for e in view.level2], 14, 30),
        form.COL_PROVIDER_TYPE: _fit(form.PROVIDER_TYPES, 14, 24),
        form.COL_METHOD: _fit(form.PURCHASE_METHODS, 12, 20),
        form.COL_FUNDING: _fit(form.FUNDING_SOURCES, 12, 20),
        form.COL_AMOUNT: 18 if opts.amount_unit == "元" else 20,
    })  # fmt: skip
    for label, width in widths.items():
        ws.set_column(COL[label], COL[label], width)

    # input rows: formats, the derived cells and the row number
    l1, l2 = view.level1_len, view.level2_len
    text_cols = [COL[k] for k in TEXT_INPUTS]
    list_cols = [COL[form.COL_CODE], *(COL[k] for k in form.LISTED_COLUMNS)]
    derived_cols = (COL[form.COL_LEVEL1], COL[form.COL_LEVEL2])
    if opts.cascade:
        list_cols += derived_cols
    amount_col = COL[form.COL_AMOUNT]
    code = c[form.COL_CODE]
    lookup1 = f'=IFERROR(VLOOKUP(LEFT(${code}{{n}},{l1}),{t.NAME_LEVEL1_TABLE},2,FALSE),"")'
    lookup2 = f'=IFERROR(VLOOKUP(LEFT(${code}{{n}},{l2}),{t.NAME_LEVEL2_TABLE},2,FALSE),"")'
    for r in range(first, last + 1):
        # 序号 is a fixed number: the printed form is numbered and nothing needs recalculating
        ws.write_number(r, 0, r - first + 1, fmt.seq)
        for col in text_cols:
            ws.write_blank(r, col, None, fmt.text_input)
        for col in list_cols:
            ws.write_blank(r, col, None, fmt.list_input)
        ws.write_blank(r, amount_col, None, fmt.amount_input)
        if not opts.cascade:
            n = r + 1
            ws.write_formula(r, derived_cols[0], lookup1.format(n=n), fmt.derived, "")
            ws.write_formula(r, derived_cols[1], lookup2.format(n=n), fmt.derived, "")

    # validations (one range each; formulas are relative to the first input row)
    top = first + 1
    unit = opts.amount_unit
    if opts.cascade:
        d, e = c[form.COL_LEVEL1], c[form.COL_LEVEL2]
        _validate(
            ws,
            first,
            derived_cols[0],
            last,
            derived_cols[0],
            {"validate": "list", "source": "=" + t.NAME_LEVEL1_LABELS},
            "一级目录",
            "可先选择一级目录，二级目录和目录编码的下拉列表将只列出其下的项目。",
            "一级目录无效",
            "请从下拉列表中选择一级目录。",
        )
        _validate(
            ws,
            first,
            derived_cols[1],
            last,
            derived_cols[1],
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
            f'=IF(${e}{top}<>"",INDIRECT("{t.CASCADE_LEAF_PREFIX}"&LEFT(${e}{top},{l2})),'
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
    k = c[form.COL_AMOUNT]
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

    # a row that is started but lacks a required field turns red
    span = f"SUMPRODUCT(LEN($B{top}:${c[form.COL_NOTE]}{top}))>0"
    for label in (lab for lab in COLUMNS if lab in REQUIRED_LABELS):
        col = COL[label]
        ws.conditional_format(
            first,
            col,
            last,
            col,
            {
                "type": "formula",
                "criteria": f'=AND({c[label]}{top}="",{span})',
                "format": fmt.missing,
            },
        )

    # 合计 row
    ws.write_string(total, 0, form.TOTAL_LABEL, fmt.total_label)
    for col in range(1, LAST_COL + 1):
        if col != amount_col:
            ws.write_blank(total, col, None, fmt.total_blank)
    ws.write_formula(total, amount_col, f"=SUM({k}{first + 1}:{k}{last + 1})", fmt.total_amount, 0)

    # signature block: each label with its input cell directly to the right
    sig = opts.signature_row - 1
    ws.set_row(sig, 30)
    pairs = zip(form.SIGNATURE_LABELS[:4], (1, 3, 5, 8), strict=True)
    for label, col in pairs:
        ws.write_string(sig, col, label, fmt.sign_label)
        ws.write_blank(sig, col + 1, None, fmt.sign_date if label == "填报日期" else fmt.sign_input)
    ws.merge_range(sig, LAST_COL - 1, sig, LAST_COL, form.SIGNATURE_LABELS[4], fmt.seal)

    # view, protection and print
    ws.freeze_panes(t.HEADER_ROW, 2)
    ws.protect(opts.password or "", {"format_columns": True, "format_rows": True})
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, t.HEADER_ROW - 1)
    ws.print_area(0, 0, sig, LAST_COL)
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


# -- _lists ---------------------------------------------------------------------------------
def write_lists(
    workbook: Workbook, ws: Worksheet, fmt: Formats, view: t.CatalogView, opts: t.TemplateOptions
) -> None:
    """Dropdown sources, one column each, row 1 a caption; names cover the data rows only."""
    sheet = "'" + form.SHEET_LISTS + "'"

    def column(col: int, caption: str, values: Sequence[str], name: str | None) -> None:
        ws.write_string(0, col, caption, fmt.plain)
        ws.write_column(1, col, values, fmt.plain)
        if name:
            define(name, col, 0, len(values) - 1)

    def define(name: str, col: int, lo: int, hi: int, width: int = 1) -> None:
        a, b = column_letter(col + 1), column_letter(col + width)
        if workbook.define_name(name, f"={sheet}!${a}${lo + 2}:${b}${hi + 2}") != 0:
            raise ValueError(f"无效的名称：{name}")

    units = [opts.unit] if opts.unit else list(opts.units)
    column(0, "目录编码（下拉）", [e.label for e in view.leaves], t.NAME_LEAVES)
    column(1, "一级编码", [e.code for e in view.level1], None)
    column(2, "一级目录", [e.name for e in view.level1], None)
    define(t.NAME_LEVEL1_TABLE, 1, 0, len(view.level1) - 1, width=2)
    column(3, "二级编码", [e.code for e in view.level2], None)
    column(4, "二级目录", [e.name for e in view.level2], None)
    define(t.NAME_LEVEL2_TABLE, 3, 0, len(view.level2) - 1, width=2)
    column(5, form.UNIT_LABEL, units, t.NAME_UNITS)
    column(6, form.COL_METHOD, form.PURCHASE_METHODS, t.NAME_PURCHASE_METHODS)
    column(7, form.COL_FUNDING, form.FUNDING_SOURCES, t.NAME_FUNDING_SOURCES)
    column(8, form.COL_PROVIDER_TYPE, form.PROVIDER_TYPES, t.NAME_PROVIDER_TYPES)
    if opts.cascade:
        column(9, "一级目录（级联）", [e.label for e in view.level1], t.NAME_LEVEL1_LABELS)
        column(10, "二级目录（级联）", [e.label for e in view.level2], t.NAME_LEVEL2_LABELS)
        for code, (lo, hi) in view.sub_spans.items():
            define(t.CASCADE_SUB_PREFIX + code, 10, lo, hi)
        for code, (lo, hi) in view.leaf_spans.items():
            define(t.CASCADE_LEAF_PREFIX + code, 0, lo, hi)
    ws.set_column(0, 0, _fit([e.label for e in view.leaves], 20, 80))
    ws.set_column(1, 10, 16)
    ws.protect(opts.password or "")
    ws.hide()


# -- _stamp ---------------------------------------------------------------------------------
def write_stamp(ws: Worksheet, fmt: Formats, stamp: dict[str, str], password: str) -> None:
    ws.write_column(0, 0, list(stamp), fmt.plain)
    ws.write_column(0, 1, list(stamp.values()), fmt.plain)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 70)
    ws.protect(password)
    ws.hide()


# -- 目录 -----------------------------------------------------------------------------------
def write_catalog(
    ws: Worksheet, fmt: Formats, catalog: Catalog, view: t.CatalogView, password: str
) -> None:
    meta = catalog.metadata
    ws.merge_range(0, 0, 0, 4, f"{catalog.title}（{meta.get('document_number', '')}）", fmt.title)
    ws.set_row(0, 30)
    ws.write_string(
        1,
        0,
        "本表只读，列出目录全部编码及说明。填报时在“预算表”的“目录编码”列下拉选择末级目录。",
        fmt.subtitle,
    )
    headers = ("编码", "名称", "层级", "说明", "状态")
    widths = (12, 44, 8, 80, 16)
    for i, (label, width) in enumerate(zip(headers, widths, strict=True)):
        ws.write_string(2, i, label, fmt.header)
        ws.set_column(i, i, width)
    for r, e in enumerate(view.tree, start=3):
        name_fmt = fmt.level_fill if e.level == 1 else fmt.level[e.level]
        ws.write_string(r, 0, e.code, fmt.level_fill if e.level == 1 else fmt.code)
        ws.write_string(r, 1, e.name, name_fmt)
        ws.write_string(
            r,
            2,
            LEVEL_NAMES.get(e.level, str(e.level)),
            fmt.level_fill if e.level == 1 else fmt.code,
        )
        ws.write_string(r, 3, e.description, fmt.level_fill if e.level == 1 else fmt.desc)
        ws.write_string(
            r, 4, STATUS_NOTES.get(e.status, ""), fmt.level_fill if e.level == 1 else fmt.code
        )
        lines = max(
            math.ceil(display_width(e.description) / (widths[3] - 2)),
            math.ceil((display_width(e.name) + 2 * e.level) / (widths[1] - 2)),
            1,
        )
        if lines > 1:
            ws.set_row(r, 15 * lines)
    ws.freeze_panes(3, 0)
    ws.protect(password)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_footer("&C第 &P 页 共 &N 页")
