"""The sheets of the budget template beside the entry sheet (``entry``), written with
xlsxwriter (see ``toolkit.template``): the formats of a workbook, the hidden ``_lists`` and
``_stamp`` sheets and the read-only 目录.

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
from toolkit.cellref import column_letter
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


@functools.lru_cache(maxsize=4096)
def display_width(text: str) -> int:
    """Column-width units: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_width(texts: Sequence[str], low: int, high: int) -> int:
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
    ws.set_column(0, 0, fit_width([e.label for e in view.leaves], 20, 80))
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
