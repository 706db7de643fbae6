"""The budget form's fixed vocabulary, shared by the template writer and the reader.

Sheet names, header labels, the lists behind the dropdowns, the built-in unit list and
the stamp keys live here once, so the template and the checker can never disagree.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATE_FORMAT_VERSION = "1"

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

AMOUNT_UNITS = ("元", "万元")


def amount_header(unit: str = "元") -> str:
    return f"{COL_AMOUNT}（{unit}）"


HEADER_LABELS: tuple[str, ...] = (
    COL_SEQ,
    COL_PROJECT,
    COL_CODE,
    COL_LEVEL1,
    COL_LEVEL2,
    COL_CONTENT,
    COL_PROVIDER,
    COL_PROVIDER_TYPE,
    COL_METHOD,
    COL_FUNDING,
    amount_header("元"),
    COL_TARGET,
    COL_NOTE,
)
REQUIRED_COLUMNS = (COL_PROJECT, COL_CODE, COL_AMOUNT)
TOTAL_LABEL = "合计"
UNIT_LABEL = "填报单位"
AMOUNT_UNIT_LABEL = "金额单位"
SIGNATURE_LABELS = ("填报人", "联系电话", "单位负责人", "填报日期", "（单位盖章）")

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
LISTED_COLUMNS = {
    COL_METHOD: PURCHASE_METHODS,
    COL_FUNDING: FUNDING_SOURCES,
    COL_PROVIDER_TYPE: PROVIDER_TYPES,
}

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
)
