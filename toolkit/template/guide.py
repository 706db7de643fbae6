"""The 填报说明 sheet: what a clerk must know before filling the budget template.

Kept apart from the sheet layout because it is prose: the rules, the unit, the deadline,
how to pick a code and what not to do (most bad submissions come from pasting over
dropdowns, formulas in input cells and re-saving in another format).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from toolkit import form
from toolkit.template import layout as t
from toolkit.template.sheets import Formats, display_width

if TYPE_CHECKING:  # pragma: no cover
    from xlsxwriter.worksheet import Worksheet

    from toolkit.catalog import Catalog

GUIDE_WIDTH = 68  # column width of the one text column: fits A4 portrait unscaled


def guide_lines(
    catalog: Catalog, view: t.CatalogView, opts: t.TemplateOptions
) -> list[tuple[str, str]]:
    """(style, text) lines of the 填报说明 sheet; style is title, heading, body or warn."""
    unit = opts.amount_unit
    places = form.AMOUNT_UNIT_SPECS[unit].decimals
    deadline = opts.deadline or "财政部门通知规定的截止时间"
    first, last = t.FIRST_INPUT_ROW, opts.last_input_row
    if opts.unit:
        who = f"本表已预先填好填报单位“{opts.unit}”，请勿更改；单位有误时请联系财政部门重新下发。"
    else:
        who = f"请先在“预算表”第 {t.UNIT_ROW} 行“{form.UNIT_LABEL}”的下拉列表中选择本单位。"
    if opts.cascade:
        levels = (
            "“一级目录”“二级目录”可先行选择，用来缩小“目录编码”下拉列表的范围"
            "（也可直接选择目录编码）；改动一级或二级目录后，请重新选择目录编码。"
        )
    else:
        levels = "“一级目录”“二级目录”根据所选目录编码自动显示，无需填写，也不能修改。"
    lists = "；".join(f"{k}：{'、'.join(v)}" for k, v in form.LISTED_COLUMNS.items())
    example = t.template_filename(opts.year, opts.unit or form.ZHENGZHOU_UNITS[0])
    doc = catalog.metadata.get("document_number", "")
    return [
        ("title", f"{opts.title} 填报说明"),
        ("heading", "一、填报范围"),
        (
            "body",
            f"本表用于编报{opts.year}年度政府购买服务预算。每个项目填写一行；"
            "同一项目涉及多个目录编码的，按编码分行填写。",
        ),
        ("body", who),
        ("heading", "二、填写方法"),
        (
            "body",
            f"1. 只在“预算表”第 {first} 行至第 {last} 行的填写区域填写；"
            "灰色单元格由表格自动生成，已锁定。",
        ),
        (
            "body",
            "2. “项目名称”“目录编码”“预算金额”为必填项（表头红字）。"
            "一行已开始填写但缺少必填项时，该单元格显示为红色。",
        ),
        (
            "body",
            f"3. “目录编码”请从下拉列表中选择末级目录（形如“{view.leaves[0].label}”）。{levels}",
        ),
        ("body", "4. 不清楚应选哪个编码时，请查看“目录”工作表：其中按层级列出了全部编码及说明。"),
        ("body", f"5. 下拉选项——{lists}。"),
        (
            "body",
            f"6. 预算金额以“{unit}”为单位，填写不小于 0 的数字，最多 {places} 位小数；"
            "合计行自动求和。",
        ),
        (
            "body",
            "7. 填写完毕后，在表格下方填写填报人、联系电话、单位负责人和填报日期，"
            "打印后加盖单位公章。",
        ),
        ("heading", "三、请勿进行以下操作"),
        (
            "warn",
            "1. 不要把其他表格的内容复制粘贴到下拉单元格中：粘贴会绕过下拉列表的校验，"
            "导致数据无法汇总。请逐行从下拉列表中选择。",
        ),
        (
            "warn",
            "2. 不要在填写区域输入公式（如“=A1*2”）；金额请直接填写数值，"
            "不要填写“万元”“元”等文字。",
        ),
        (
            "warn",
            "3. 不要插入、删除或移动行列，不要修改表头文字，不要重命名、删除或取消隐藏工作表；"
            "行数不够时请联系财政部门索取行数更多的模板。",
        ),
        (
            "warn",
            "4. 不要修改金额单位；不要另存为 .xls、.et、.csv 或 .ods 格式，请保持 .xlsx 格式报送。",
        ),
        ("heading", "四、报送要求"),
        (
            "body",
            f"请于{deadline}前报送：电子版（本 .xlsx 文件）和加盖公章的纸质版（或扫描件）各一份。",
        ),
        ("body", f"文件名建议为“年度_单位_预算表.xlsx”，如“{example}”。"),
        ("heading", "五、模板信息"),
        (
            "body",
            f"目录：{catalog.title}（{doc}），版本 {catalog.version}，"
            f"共 {len(view.leaves)} 个可选末级目录。",
        ),
        (
            "body",
            f"模板格式版本 {form.TEMPLATE_FORMAT_VERSION}，预算年度 {opts.year}，金额单位 {unit}。"
            "请使用财政部门下发的最新模板填报。",
        ),
    ]


def write_guide(
    ws: Worksheet, fmt: Formats, catalog: Catalog, view: t.CatalogView, opts: t.TemplateOptions
) -> None:
    ws.set_column(0, 0, GUIDE_WIDTH)
    ws.hide_gridlines(2)
    styles = {"title": fmt.title, "heading": fmt.heading, "warn": fmt.warn, "body": fmt.body}
    for r, (style, text) in enumerate(guide_lines(catalog, view, opts)):
        ws.write_string(r, 0, text, styles[style])
        # explicit heights: Excel does not grow rows of wrapped text written by a library
        lines = max(1, math.ceil(display_width(text) / (GUIDE_WIDTH - 4)))
        ws.set_row(r, 30 if style == "title" else 16 * lines + 4)
    ws.protect(opts.password or "")
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页 共 &N 页")
