"""File rules: whether the workbook can be read, is our template for this catalogue, and
says, without contradiction, which unit, year and amount unit its figures are in.

Identity is never guessed: the stamp, the 填报单位 cell and any other 填报单位 on the
sheet must agree, as must the stamp's year and the title's, and the amount unit of the
header, the 金额单位 cell and the stamp. A disagreement is an error that rejects the
file, so its money never lands under the wrong unit, year or amount unit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit import form
from toolkit.cellref import a1
from toolkit.issues import Issue
from toolkit.read.submission import Submission, marks_unchanged_copy, title_year
from toolkit.rules.registry import ERROR, WARNING, Rule, define
from toolkit.rules.values import invisible_note
from toolkit.text import squash
from toolkit.xlsx.limits import FileProblem

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog
    from toolkit.rules.options import CheckOptions


@dataclass
class FileContext:
    sub: Submission
    catalog: Catalog
    options: CheckOptions

    def issue(
        self, rule: Rule, row: int | None = None, column: int | None = None, **kw: object
    ) -> Issue:
        sheet = kw.pop("sheet", None)
        if sheet is None:
            sheet = (self.sub.sheet or "") if row is not None else ""
        return rule.issue(file=self.sub.path, sheet=str(sheet), row=row, column=column, **kw)  # type: ignore[arg-type]


FileJudge = Callable[[FileContext], Iterator[Issue]]
FILE_RULES: list[FileJudge] = []


def file_rule(judge: FileJudge) -> FileJudge:
    FILE_RULES.append(judge)
    return judge


# -- the file cannot be read ---------------------------------------------------------------------
FILE_UNREADABLE = define(
    "file-unreadable", ERROR, scope="file", rejects="file",
    title="文件无法读取",
    message="文件无法读取或已损坏（{detail}），请重新保存为 .xlsx 后报送",
    meaning="The file is empty, truncated or corrupt and cannot be opened.",
    where="the file",
)  # fmt: skip
FILE_ENCRYPTED = define(
    "file-encrypted", ERROR, scope="file", rejects="file",
    title="文件已加密",
    message="文件设置了打开密码，请取消密码后另存为 .xlsx 报送",
    meaning="The workbook is password-protected (encrypted).",
    where="the file",
)  # fmt: skip
FILE_FORMAT = define(
    "file-format", ERROR, scope="file", rejects="file",
    title="文件格式不是 .xlsx",
    message="文件格式为 {detail}，不是 .xlsx：请用 Excel/WPS 打开后“另存为” .xlsx 工作簿；"
    "LibreOffice 中请选择 文件 → 另存为，文件类型选“Excel 2007-365 (.xlsx)”",
    meaning="Not an .xlsx workbook (.xls, .xlsm, .xlsb, .et, .ods, .csv or other): save as .xlsx.",
    where="the file",
)  # fmt: skip
LIMIT_EXCEEDED = define(
    "limit-exceeded", ERROR, scope="file", rejects="file",
    title="超出处理上限",
    message="文件超出处理上限：{detail}",
    meaning="The file exceeds a safety limit (size, rows, cells or time); the limit is named.",
    where="the file (the sheet, when one sheet is too large)",
)  # fmt: skip
NOT_A_TEMPLATE = define(
    "not-a-template", ERROR, scope="file", rejects="file",
    title="不是预算填报模板",
    message="不是预算填报模板：{detail}",
    meaning="The entry sheet or its header row is missing: not a budget template.",
    where="the header row's first cell when the header lacks a required column; else the file",
)  # fmt: skip
_BY_KIND = {
    "unreadable": FILE_UNREADABLE, "encrypted": FILE_ENCRYPTED, "format": FILE_FORMAT,
    "limit": LIMIT_EXCEEDED,
}  # fmt: skip


def problem_issue(path: str, problem: FileProblem) -> Issue:
    """The issue of a file that could not be read (``toolkit.xlsx.limits.FileProblem``)."""
    rule = _BY_KIND.get(problem.kind, FILE_UNREADABLE)
    detail = (problem.detail or "未知原因").splitlines()[0][:200]
    return rule.issue(file=path, sheet=problem.sheet, detail=detail, limit=problem.limit)


# -- our own output, or another catalogue's template -----------------------------------------------
ANNOTATED_COPY = define(
    "annotated-copy", ERROR, scope="file", rejects="file",
    title="工具生成的标注副本",
    message="本文件是本工具生成的问题标注副本，内容与原报送文件相同，不是新的报送文件：其数据不计入汇总。"
    "请按标注改正后再报送",
    meaning="An annotated copy the toolkit wrote, unchanged since: our own output is never "
    "read as a submission (an office's corrected copy is).",
    where="the file",
)  # fmt: skip
STAMP_MISSING = define(
    "stamp-missing", WARNING, scope="file",
    title="缺少模板标识",
    message="未找到模板标识，无法确认模板和目录版本，请使用下发的模板填报",
    meaning="The template stamp (hidden sheet / custom properties) is missing.",
    where="the file",
)  # fmt: skip
STAMP_MISMATCH = define(
    "stamp-mismatch", ERROR, scope="file", rejects="file",
    title="模板目录版本不一致",
    message="模板所用目录（{detail}）与本次使用的目录不一致，请使用最新下发的模板重新填报",
    meaning="The stamp names another catalogue id, version or SHA-256 than the one in use "
    "(an error by default; can be downgraded to a warning).",
    where="the `_stamp` sheet's value cell when the stamp came from there; else the file",
)  # fmt: skip


@file_rule
def annotated_copy(ctx: FileContext) -> Iterator[Issue]:
    if marks_unchanged_copy(ctx.sub):
        yield ctx.issue(ANNOTATED_COPY)


@file_rule
def stamp(ctx: FileContext) -> Iterator[Issue]:
    sub, cat = ctx.sub, ctx.catalog
    stamp = sub.stamp
    if not stamp.get("catalog_id"):
        yield ctx.issue(STAMP_MISSING)
        return
    differs = [
        key
        for key, want in (("catalog_id", cat.id), ("catalog_version", cat.version))
        if stamp.get(key, want) != want
    ]
    if not differs and stamp.get("catalog_sha256", cat.sha256) != cat.sha256:
        differs = ["catalog_sha256"]
    if not differs:
        return
    key = differs[0]
    cell = sub.stamp_cells.get(key)
    detail = f"{stamp.get('catalog_id')} 版本 {stamp.get('catalog_version', '?')}"
    if differs == ["catalog_sha256"]:
        detail += "，内容校验值不同"
    detail += f"；应为 {cat.id} 版本 {cat.version}"
    yield ctx.issue(
        STAMP_MISMATCH,
        cell[0] if cell else None,
        cell[1] if cell else None,
        sheet=form.SHEET_STAMP if sub.stamp_source == "sheet" else "",
        value=stamp.get(key, ""),
        severity=ctx.options.stamp_mismatch,
        detail=detail,
    )


# -- the unit --------------------------------------------------------------------------------------
UNIT_MISSING = define(
    "unit-missing", ERROR, scope="file", rejects="file",
    title="未填填报单位",
    message="未填写填报单位",
    meaning="The 填报单位 cell is empty (and the stamp names no unit).",
    where="the 填报单位 value cell (e.g. `预算表!C2`)",
)  # fmt: skip
UNIT_UNKNOWN = define(
    "unit-unknown", ERROR, scope="file", rejects="file",
    title="填报单位不在名单中",
    message="填报单位“{value}”不在单位名单中{detail}",
    meaning="The 填报单位 is not in the unit list.",
    where="the 填报单位 value cell",
)  # fmt: skip
UNIT_CONFLICT = define(
    "unit-conflict", ERROR, scope="file", rejects="file",
    title="填报单位前后不一致",
    message="本文件的填报单位不一致：{detail}。无法确定是哪个单位的预算，请核对后只保留一个单位",
    meaning="The stamp, the 填报单位 cell and any other 填报单位 on the sheet name different "
    "units: the file's unit is in doubt, so nothing of it counts.",
    where="the 填报单位 value cell",
)  # fmt: skip


def found_units(sub: Submission) -> list[tuple[str, str, tuple[int, int] | None]]:
    """(unit, where it says so, cell) for every statement of the file's unit."""
    found: list[tuple[str, str, tuple[int, int] | None]] = []
    if sub.stamp.get("unit"):
        found.append((squash(sub.stamp["unit"]), "模板标识", None))
    if sub.unit_typed:
        found.append((squash(sub.unit_typed), "填报单位单元格", sub.unit_cell))
    for name, r, c in sub.units_above:
        found.append((squash(name), "表头上方另一处“填报单位”", (r, c)))
    if sub.table is not None:
        for name, r, c in sub.table.units_found:
            found.append((squash(name), "表中另一处“填报单位”", (r, c)))
    return found


@file_rule
def unit(ctx: FileContext) -> Iterator[Issue]:
    sub = ctx.sub
    if sub.problem is not None and sub.header is None:
        return
    row, col = sub.unit_cell or (None, None)
    found = found_units(sub)
    names = list(dict.fromkeys(name for name, _, _ in found))
    if len(names) > 1:
        detail = "；".join(
            f"{where}{f'（{_a1(cell)}）' if cell else ''}为“{name}”" for name, where, cell in found
        )
        yield ctx.issue(UNIT_CONFLICT, row, col, value=sub.unit or "", detail=detail)
        return
    if not sub.unit:
        yield ctx.issue(UNIT_MISSING, row, col)
    elif squash(sub.unit) not in ctx.options.units:
        yield ctx.issue(UNIT_UNKNOWN, row, col, value=sub.unit, detail=invisible_note(sub.unit))


def _a1(cell: tuple[int, int]) -> str:
    return a1(*cell)


# -- the year --------------------------------------------------------------------------------------
YEAR_CONFLICT = define(
    "year-conflict", ERROR, scope="file", rejects="file",
    title="预算年度前后不一致",
    message="模板标识的年度为 {stamp} 年，标题却是 {title} 年："
    "无法确定是哪一年的预算，请使用该年度下发的模板",
    meaning="The stamp's budget year and the title's disagree.",
    where="the title cell",
)  # fmt: skip


@file_rule
def year(ctx: FileContext) -> Iterator[Issue]:
    sub = ctx.sub
    stamp_year = sub.stamp.get("year", "")
    shown = title_year(sub)
    if stamp_year.isdigit() and shown is not None and int(stamp_year) != shown:
        row, col = sub.title_cell or (None, None)
        yield ctx.issue(
            YEAR_CONFLICT, row, col, value=sub.title or "", stamp=stamp_year, title=shown
        )


# -- the amount unit -------------------------------------------------------------------------------
AMOUNT_UNIT_UNKNOWN = define(
    "amount-unit-unknown", ERROR, scope="file", rejects="file",
    title="金额单位无法识别",
    message="金额单位“{value}”不是 元 或 万元，无法换算："
    "请使用下发的模板，金额以元（或万元模板的万元）填写",
    meaning="The amount unit (header, 金额单位 cell or stamp) is neither 元 nor 万元 "
    "(千元, 亿元 ...).",
    where="the cell that states it",
)  # fmt: skip
AMOUNT_UNIT_CONFLICT = define(
    "amount-unit-conflict", ERROR, scope="file", rejects="file",
    title="金额单位前后不一致",
    message="本文件的金额单位不一致：{detail}。无法确定金额是元还是万元，请核对",
    meaning="The header, the 金额单位 cell and the stamp state different amount units.",
    where="the 金额单位 cell",
)  # fmt: skip
_UNIT_SOURCES = {"header": "表头", "cell": "金额单位单元格", "stamp": "模板标识"}


@file_rule
def amount_unit(ctx: FileContext) -> Iterator[Issue]:
    units = ctx.sub.amount_units
    for source, (value, r, c) in units.items():
        if value not in form.AMOUNT_UNITS:
            yield ctx.issue(AMOUNT_UNIT_UNKNOWN, r, c, value=value, source=_UNIT_SOURCES[source])
            return
    if len({value for value, _, _ in units.values()}) > 1:
        detail = "；".join(f"{_UNIT_SOURCES[s]}为“{v}”" for s, (v, _, _) in units.items())
        r, c = units.get("cell", units.get("header", ("", None, None)))[1:]
        yield ctx.issue(AMOUNT_UNIT_CONFLICT, r, c, value=ctx.sub.amount_unit, detail=detail)


# -- columns and sheets ----------------------------------------------------------------------------
DUPLICATE_COLUMN = define(
    "duplicate-column", ERROR, scope="file", rejects="file",
    title="列名重复",
    message="“{first}”（{first_cell}）和“{second}”（{second_cell}）是同一列：无法确定以哪一列为准，请删除多余的一列",
    meaning="Two columns carry the same or a look-alike label (两个 预算金额, 目录编码（旧） "
    "beside 目录编码): the reader never silently takes the first.",
    where="the second column's header cell",
)  # fmt: skip
EXTRA_ENTRY_SHEET = define(
    "extra-entry-sheet", ERROR, scope="file", rejects="file",
    title="预算表有副本",
    message="工作表“{copy}”是预算表的副本，填有 {rows} 行数据，"
    "这些数据不会被读取：请把它们移到“{entry}”中并删除副本",
    meaning="A copy of the entry sheet holds line items (or holds them while the entry sheet "
    "is empty): they would not be counted.",
    where="the copy's first line item",
)  # fmt: skip
HIDDEN_COLUMN = define(
    "hidden-column", WARNING, scope="file",
    title="隐藏的列",
    message="“{value}”列被隐藏了，其中有 {cells} 个单元格有内容："
    "打印出的表格上看不到，但已读取；请取消隐藏后核对",
    meaning="A column of the form is hidden and holds data: read, but not on the printed form.",
    where="the column's header cell",
)  # fmt: skip


@file_rule
def columns(ctx: FileContext) -> Iterator[Issue]:
    h = ctx.sub.header
    if h is None:
        return
    for _name, first, second in h.duplicates:
        yield ctx.issue(
            DUPLICATE_COLUMN, h.row, second, value=str(h.labels.get(second, "")),
            first=str(h.labels.get(first, "")).strip(), first_cell=a1(h.row, first),
            second=str(h.labels.get(second, "")).strip(), second_cell=a1(h.row, second),
        )  # fmt: skip


@file_rule
def copies(ctx: FileContext) -> Iterator[Issue]:
    for copy in ctx.sub.copies:
        if copy.rows:
            yield ctx.issue(
                EXTRA_ENTRY_SHEET, copy.first_row, 1, sheet=copy.sheet, value=copy.sheet,
                copy=copy.sheet, rows=copy.rows, entry=ctx.sub.sheet,
            )  # fmt: skip


@file_rule
def hidden_columns(ctx: FileContext) -> Iterator[Issue]:
    sub = ctx.sub
    ws, table = sub.worksheet, sub.table
    if ws is None or table is None or sub.header is None or not ws.hidden_cols:
        return
    for name, c in sub.header.columns.items():
        if c in ws.hidden_cols and form.FIELD[name].kind != "derived":
            col = table.columns[name]
            cells = sum(
                1 for v in col.values if v is not None and (not isinstance(v, str) or v.strip())
            )
            if cells:
                yield ctx.issue(
                    HIDDEN_COLUMN, sub.header.row, c, value=form.FIELD[name].label, cells=cells
                )


__all__ = ["FILE_RULES", "FileContext", "problem_issue"]
