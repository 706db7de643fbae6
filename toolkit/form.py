"""The budget form, specified once: its sheets, its columns, its lists, its units.

``FIELDS`` is the one spec of the entry sheet's columns (field name, Chinese label, kind,
required, list of choices, input prompt, width); the template writer, the reader, the
rules and the reports all derive from it, so they can never disagree. A new column is
one new entry. ``AMOUNT_UNITS`` says, per amount unit, how many decimals an amount may
carry and how many fen one unit is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TEMPLATE_FORMAT_VERSION = "2"  # 2: the stamp names the number of input rows

# -- sheets ---------------------------------------------------------------------------
SHEET_GUIDE = "填报说明"
SHEET_ENTRY = "预算表"
SHEET_CATALOG = "目录"
SHEET_LISTS = "_lists"  # hidden: dropdown sources
SHEET_STAMP = "_stamp"  # hidden: template stamp (key / value rows)

# -- header row (entry sheet) -----------------------------------------------------------
COL_SEQ = "序号"
COL_PROJECT = "项目名称"
COL_CODE = "目录编码"
COL_LEVEL1 = "一级目录"
COL_LEVEL2 = "二级目录"
COL_CONTENT = "购买内容"
COL_PROVIDER = "承接主体"
COL_PROVIDER_TYPE = "承接主体类型"
COL_METHOD = "购买方式"
COL_FUNDING = "资金来源"
COL_AMOUNT = "预算金额"  # the header reads 预算金额（元） or 预算金额（万元）
COL_TARGET = "绩效目标"
COL_NOTE = "备注"


@dataclass(frozen=True)
class AmountUnit:
    """An amount unit of the form: its name, the decimals an amount may carry (so that
    the smallest step is one fen), fen per unit, and the number format the template uses."""

    name: str
    decimals: int
    fen: int
    number_format: str


AMOUNT_UNIT_SPECS = {
    "元": AmountUnit("元", 2, 100, "#,##0.00"),
    "万元": AmountUnit("万元", 6, 1_000_000, "#,##0.00####"),
}
AMOUNT_UNITS = tuple(AMOUNT_UNIT_SPECS)


def amount_header(unit: str = "元") -> str:
    return f"{COL_AMOUNT}（{unit}）"


TOTAL_LABEL = "合计"
UNIT_LABEL = "填报单位"
AMOUNT_UNIT_LABEL = "金额单位"
SIGNATURE_LABELS = ("填报人", "联系电话", "单位负责人", "填报日期", "（单位盖章）")
SUBTOTAL_LABELS = ("小计",)  # a row a clerk labels so is not a line item
NOTE_PREFIXES = ("注", "说明", "备注")  # a note row below the table starts so

# -- dropdown lists ---------------------------------------------------------------------
PURCHASE_METHODS = (
    "公开招标",
    "邀请招标",
    "竞争性谈判",
    "竞争性磋商",
    "单一来源",
    "询价",
    "框架协议采购",
    "其他",
)
FUNDING_SOURCES = ("一般公共预算", "政府性基金预算", "国有资本经营预算", "其他")
# 政府购买服务管理办法（财政部令第102号）第六条
PROVIDER_TYPES = ("企业", "社会组织", "事业单位", "农村集体经济组织", "基层群众性自治组织", "个人")


# -- the columns ---------------------------------------------------------------------------
# kind: "seq" the row number the template writes; "text" free text; "code" the catalogue
# code (a dropdown of "code name" labels); "derived" filled by the template's formula
# from the code (never read); "list" one of ``choices``; "amount" the budget amount.
@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    prompt: str = ""
    width: int = 14

    def header(self, amount_unit: str = "元") -> str:
        """The header cell's text: the label, with the unit for the amount."""
        return amount_header(amount_unit) if self.kind == "amount" else self.label


FIELDS: tuple[Field, ...] = (
    Field("seq", COL_SEQ, "seq", width=6),
    Field(
        "project", COL_PROJECT, "text", True,
        prompt="必填。填写项目的规范名称，如“居家养老服务项目”。", width=26,
    ),
    Field("code", COL_CODE, "code", True, width=24),
    Field("level1", COL_LEVEL1, "derived", width=14),
    Field("level2", COL_LEVEL2, "derived", width=14),
    Field("content", COL_CONTENT, "text", prompt="简要说明购买的服务内容、数量和标准。", width=26),
    Field(
        "provider", COL_PROVIDER, "text", prompt="填写承接主体全称；尚未确定的填“待定”。", width=22
    ),
    Field(
        "provider_type", COL_PROVIDER_TYPE, "list", choices=PROVIDER_TYPES,
        prompt="按《政府购买服务管理办法》第六条选择承接主体类型。",
    ),
    Field(
        "method", COL_METHOD, "list", choices=PURCHASE_METHODS,
        prompt="请从下拉列表中选择采购方式。",
    ),
    Field(
        "funding", COL_FUNDING, "list", choices=FUNDING_SOURCES,
        prompt="请从下拉列表中选择资金来源。",
    ),
    Field("amount", COL_AMOUNT, "amount", True, width=18),
    Field(
        "target", COL_TARGET, "text", prompt="填写可衡量的产出和效果目标，如服务人次、满意度。",
        width=24,
    ),
    Field("note", COL_NOTE, "text", prompt="其他需要说明的事项（可不填）。", width=18),
)  # fmt: skip
FIELD = {f.name: f for f in FIELDS}
FIELD_BY_LABEL = {f.label: f for f in FIELDS}
REQUIRED_FIELDS = tuple(f.name for f in FIELDS if f.required)
TEXT_FIELDS = tuple(f.name for f in FIELDS if f.kind == "text")
LIST_FIELDS = tuple(f.name for f in FIELDS if f.kind == "list")
DERIVED_FIELDS = tuple(f.name for f in FIELDS if f.kind == "derived")
LISTED_COLUMNS = {f.label: f.choices for f in FIELDS if f.kind == "list"}
HEADER_LABELS: tuple[str, ...] = tuple(f.header("元") for f in FIELDS)

# -- reporting units --------------------------------------------------------------------
ZHENGZHOU_UNITS = (
    "中原区",
    "二七区",
    "管城回族区",
    "金水区",
    "上街区",
    "惠济区",
    "中牟县",
    "巩义市",
    "荥阳市",
    "新密市",
    "新郑市",
    "登封市",
    "郑东新区",
    "郑州经济技术开发区",
    "郑州高新技术产业开发区",
    "郑州航空港经济综合实验区",
)


def load_units(path: str | Path | None) -> tuple[str, ...]:
    """A unit list file: one name per line (UTF-8, ``#`` comments); default Zhengzhou's."""
    if path is None:
        return ZHENGZHOU_UNITS
    text = Path(path).read_text(encoding="utf-8-sig")
    units: list[str] = []
    for line in text.splitlines():
        name = line.split("#", 1)[0].strip()
        if name and name not in units:
            units.append(name)
    if not units:
        raise ValueError(f"单位名单为空：{path}")
    return tuple(units)


# -- stamp ------------------------------------------------------------------------------
# Written to custom document properties and to the hidden SHEET_STAMP (key in A, value in B).
STAMP_PREFIX = "budget_toolkit."
STAMP_KEYS = (
    "template_version",
    "catalog_id",
    "catalog_version",
    "catalog_sha256",
    "year",
    "unit",
    "amount_unit",
    "generated_at",  # left out of the committed generic template so it stays byte-stable
    "round",  # the reporting round a template was made for (budget-toolkit template --round)
    "rows",  # the number of input rows: where the table ends, from the template itself
)
