"""Catalog -> budget template workbook(s) that clerks fill in Excel, WPS or LibreOffice.

The template decides how clean the returned data is, so every choice here serves the
reader: fixed labels from ``toolkit.form``, dropdown sources behind defined names over a
hidden sheet (never inline lists, which break past 255 characters and in WPS), and a
stamp naming the template format and catalogue. Output is deterministic: the same
inputs give byte-identical files, so the committed generic template can be checked.

Layout of the entry sheet (1-based rows; the reader should still find cells by label):
row 1 title, row 2 ``填报单位`` in B2 with its value in C2 and ``金额单位`` in J2 with
its value in K2, row 3 the header, rows 4 .. 3+N the input rows, row 4+N the ``合计``
row, and the signature block two rows below it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from toolkit import form

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog, Entry

# -- layout (1-based, as a clerk sees it) ----------------------------------------------
TITLE_ROW = 1
UNIT_ROW = 2  # 填报单位 label in UNIT_LABEL_COL, value right of it; 金额单位 likewise
UNIT_LABEL_COL = 2  # B2 = 填报单位, C2 = value
AMOUNT_UNIT_LABEL_COL = 10  # J2 = 金额单位, K2 = value
HEADER_ROW = 3
FIRST_INPUT_ROW = 4
DEFAULT_ROWS = 200
MAX_ROWS = 10_000
SIGNATURE_GAP = 2  # the signature block starts this many rows below the 合计 row

# -- defined names (ASCII: Excel, LibreOffice and WPS all accept them) ------------------
NAME_LEAVES = "LeafCodes"  # every selectable leaf as "code name"
NAME_LEVEL1_TABLE = "Level1Table"  # code | name, for VLOOKUP of 一级目录
NAME_LEVEL2_TABLE = "Level2Table"  # code | name, for VLOOKUP of 二级目录
NAME_UNITS = "UnitList"
NAME_PURCHASE_METHODS = "PurchaseMethods"
NAME_FUNDING_SOURCES = "FundingSources"
NAME_PROVIDER_TYPES = "ProviderTypes"
LIST_NAMES = {
    form.COL_METHOD: NAME_PURCHASE_METHODS,
    form.COL_FUNDING: NAME_FUNDING_SOURCES,
    form.COL_PROVIDER_TYPE: NAME_PROVIDER_TYPES,
}
# --cascade only
NAME_LEVEL1_LABELS = "Level1Labels"  # level-1 entries as "code name"
NAME_LEVEL2_LABELS = "Level2Labels"  # all level-2 entries as "code name"
CASCADE_SUB_PREFIX = "Sub_"  # Sub_033A: level-2 labels under a level-1 code
CASCADE_LEAF_PREFIX = "Leaf_"  # Leaf_033A / Leaf_033A01: leaves under a category

# Document "created" time when no generation time is stamped: fixed, so output is stable.
FIXED_CREATED = datetime(2000, 1, 1)
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}


@dataclass(frozen=True)
class TemplateOptions:
    """What varies between templates; validated once so writers can trust it.

    ``stamp_time``: ``None`` stamps the generation time into per-unit workbooks only (the
    generic one stays byte-stable); ``True``/``False`` force it on/off; a ``datetime``
    is used as the generation time (naive means UTC).
    """

    year: int = field(default_factory=lambda: date.today().year + 1)
    unit: str | None = None
    units: Sequence[str] = form.ZHENGZHOU_UNITS
    rows: int = DEFAULT_ROWS
    amount_unit: str = "元"
    cascade: bool = False
    password: str | None = None
    stamp_time: bool | datetime | None = None
    deadline: str | None = None
    round_id: str | None = None  # stamped as ``round``: a returned file names its round

    def __post_init__(self) -> None:
        if not isinstance(self.year, int) or not 1900 <= self.year <= 9999:
            raise ValueError(f"预算年度无效：{self.year}")
        if not isinstance(self.rows, int) or not 1 <= self.rows <= MAX_ROWS:
            raise ValueError(f"填报行数应在 1 到 {MAX_ROWS} 之间：{self.rows}")
        if self.amount_unit not in form.AMOUNT_UNITS:
            raise ValueError(f"金额单位只能是 元 或 万元：{self.amount_unit}")
        if self.unit is not None:
            object.__setattr__(self, "unit", _clean_unit(self.unit))
        if isinstance(self.units, str):
            raise TypeError("units must be a list of unit names, not one string")
        units = tuple(dict.fromkeys(_clean_unit(u) for u in self.units))
        if not units and self.unit is None:
            raise ValueError("单位名单为空")
        object.__setattr__(self, "units", units)

    @property
    def generated_at(self) -> str | None:
        """The ISO generation time to stamp, or None when it is left out."""
        when = self.stamp_time
        if when is None:
            when = self.unit is not None
        if when is False:
            return None
        if when is True:
            when = datetime.now(UTC).replace(microsecond=0)
        assert isinstance(when, datetime)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.isoformat()

    @property
    def title(self) -> str:
        return f"{self.year}年度政府购买服务预算表"

    @property
    def last_input_row(self) -> int:
        return FIRST_INPUT_ROW + self.rows - 1

    @property
    def total_row(self) -> int:
        return FIRST_INPUT_ROW + self.rows

    @property
    def signature_row(self) -> int:
        return self.total_row + SIGNATURE_GAP


def _clean_unit(name: object) -> str:
    text = str(name).strip()
    if not text:
        raise ValueError("单位名称不能为空")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise ValueError(f"单位名称含有控制字符：{text!r}")
    return text


# -- the catalogue, as the template uses it --------------------------------------------
@dataclass(frozen=True)
class CatalogView:
    """The catalogue in tree order, with the code lengths the lookup formulas use."""

    tree: tuple[Entry, ...]  # depth-first, children in catalogue order
    leaves: tuple[Entry, ...]  # selectable leaves (deprecated ones left out), tree order
    level1: tuple[Entry, ...]
    level2: tuple[Entry, ...]
    level1_len: int
    level2_len: int
    # category code -> (first, last) 0-based index into ``leaves`` / ``level2``
    leaf_spans: dict[str, tuple[int, int]]
    sub_spans: dict[str, tuple[int, int]]


def catalog_view(catalog: Catalog) -> CatalogView:
    tree: list[Entry] = []

    def walk(code: str | None) -> None:
        for child in catalog.children(code):
            tree.append(child)
            walk(child.code)

    walk(None)
    leaves = tuple(e for e in tree if catalog.is_leaf(e.code) and e.status != "deprecated")
    if not leaves:
        raise ValueError("目录中没有可选的末级编码")
    level1 = tuple(e for e in tree if e.level == 1)
    level2 = tuple(e for e in tree if e.level == 2)
    return CatalogView(
        tree=tuple(tree),
        leaves=leaves,
        level1=level1,
        level2=level2,
        level1_len=_code_length(level1, 1),
        level2_len=_code_length(level2, 2),
        leaf_spans=_spans(leaves, (*level1, *level2)),
        sub_spans=_spans(level2, level1),
    )


def _code_length(entries: Iterable[Entry], level: int) -> int:
    lengths = {len(e.code) for e in entries}
    if len(lengths) > 1:
        raise ValueError(f"第 {level} 级编码长度不一致：{sorted(lengths)}")
    return lengths.pop() if lengths else 2 * level + 2


def _spans(items: Sequence[Entry], groups: Iterable[Entry]) -> dict[str, tuple[int, int]]:
    """Contiguous index ranges of ``items`` under each group (tree order keeps them so)."""
    spans: dict[str, tuple[int, int]] = {}
    for group in groups:
        hits = [i for i, e in enumerate(items) if e.code.startswith(group.code)]
        if hits:
            spans[group.code] = (hits[0], hits[-1])
    return spans


# -- stamp ------------------------------------------------------------------------------
def template_stamp(catalog: Catalog, options: TemplateOptions) -> dict[str, str]:
    """The stamp, in ``form.STAMP_KEYS`` order; all values are text."""
    stamp = {
        "template_version": form.TEMPLATE_FORMAT_VERSION,
        "catalog_id": catalog.id,
        "catalog_version": catalog.version,
        "catalog_sha256": catalog.sha256,
        "year": str(options.year),
        "unit": options.unit or "",
        "amount_unit": options.amount_unit,
        "generated_at": options.generated_at,
        "round": options.round_id or None,
        "rows": str(options.rows),
    }
    return {k: v for k in form.STAMP_KEYS if (v := stamp[k]) is not None}


# -- file names -------------------------------------------------------------------------
def safe_filename(name: str, max_length: int = 120) -> str:
    """A file name that is valid on Windows, macOS and Linux and keeps the Chinese text."""
    text = _UNSAFE_FILENAME.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    text = text[:max_length].rstrip(" .") or "_"
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = "_" + text
    return text


def template_filename(year: int, unit: str) -> str:
    """``2027_中原区_预算表.xlsx``."""
    return f"{year}_{safe_filename(unit)}_预算表.xlsx"
