"""Catalogue import from and export to spreadsheets (.xlsx / .csv).

Two table forms are read:

* the notice's own form: 序号 / 一级目录 / 二级目录 / 三级目录 (/ 四级目录) / 说明, with
  "code name" in the level cell (``033A0101 居家养老服务``);
* a simple form: 编码 / 名称 / 说明 (or code / name / description).

Metadata sits in key/value rows above the header (CSV) or on a 目录信息 sheet (xlsx), so that
JSON -> xlsx/csv -> JSON is lossless. Import problems name the row and column.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from toolkit.catalog.model import Catalog, CatalogError, CatalogProblem, validate_catalog
from toolkit.cellref import a1

LEVEL_LABELS = ("一级目录", "二级目录", "三级目录", "四级目录")
SEQ_LABEL = "序号"
DESC_LABELS = ("说明", "description", "描述")
CODE_LABELS = ("编码", "code", "目录编码")
NAME_LABELS = ("名称", "name", "目录名称")
STATUS_LABEL = "状态"
ANNOTATIONS_LABEL = "批注"
META_SHEET = "目录信息"
LIST_KEYS = ("issuers", "supersedes")
META_KEYS = (
    "id",
    "title",
    "issuers",
    "document_number",
    "issue_date",
    "supersedes",
    "department_code",
    "department",
    "version",
)
CODE_RE = re.compile(r"^\s*([0-9]{3}[A-Za-z](?:[0-9]{2}){0,3})(?:\s+(.*))?$", re.S)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _norm_label(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _read_rows(path: Path) -> tuple[list[list[str]], dict[str, Any] | None]:
    """Rows of text from the catalogue sheet, plus metadata from a 目录信息 sheet if any."""
    if path.suffix.lower() == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            text = path.read_text(encoding="gb18030")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))], None
    from openpyxl import load_workbook

    from toolkit.xlsx.preflight import preflight

    # A catalogue file is as untrusted as a submission: no zip bomb or far-flung cell
    # reaches openpyxl.
    refused = preflight(path)
    if refused is not None:
        raise CatalogError(f"无法读取目录表格：{path}（{refused.detail or refused.kind}）")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise CatalogError(f"无法读取目录表格：{path}（{exc}）") from exc
    try:
        meta = None
        sheets = [ws for ws in wb.worksheets if ws.title != META_SHEET]
        if META_SHEET in wb.sheetnames:
            meta_rows = [
                [_cell_text(v) for v in r] for r in wb[META_SHEET].iter_rows(values_only=True)
            ]
            meta = _metadata_from_rows(meta_rows)
        for ws in sheets:
            rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
            if _find_header(rows) is not None:
                return rows, meta
        return ([[_cell_text(v) for v in r] for r in sheets[0].iter_rows(values_only=True)], meta)
    finally:
        wb.close()


def _find_header(rows: Sequence[Sequence[str]]) -> tuple[int, str, dict[str, int]] | None:
    """(row index, form, column map) of the header row, or None."""
    for i, row in enumerate(rows[:50]):
        labels = {_norm_label(c): j for j, c in enumerate(row) if c}
        levels = {lab: labels[lab] for lab in LEVEL_LABELS if lab in labels}
        if "一级目录" in levels and "二级目录" in levels:
            cols = dict(levels)
        elif any(c in labels for c in CODE_LABELS) and any(n in labels for n in NAME_LABELS):
            cols = {
                "code": next(labels[c] for c in CODE_LABELS if c in labels),
                "name": next(labels[n] for n in NAME_LABELS if n in labels),
            }
        else:
            continue
        for d in DESC_LABELS:
            if d in labels:
                cols["description"] = labels[d]
                break
        for key, lab in (("status", STATUS_LABEL), ("annotations", ANNOTATIONS_LABEL)):
            if _norm_label(lab) in labels:
                cols[key] = labels[_norm_label(lab)]
        return i, ("table" if "一级目录" in cols else "simple"), cols
    return None


def _metadata_from_rows(rows: Iterable[Sequence[str]]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for row in rows:
        if not row or not row[0]:
            continue
        key = row[0].strip()
        if key not in META_KEYS:
            continue
        values = [c for c in row[1:] if c]
        meta[key] = values if key in LIST_KEYS else (values[0] if values else "")
    return meta


def import_catalog(
    path: str | Path, metadata: dict[str, Any] | None = None, *, validate: bool = True
) -> dict[str, Any]:
    """Read a catalogue table into its JSON document.

    ``metadata`` fills or overrides catalogue metadata the file does not carry. Raises
    ``CatalogError`` whose problems name the row (and, for cells that cannot be parsed,
    the A1 cell) of each problem; with ``validate`` the schema and structural checks run
    too, their ``$.entries[i]`` paths translated to the source row.
    """
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"目录文件不存在：{path}")
    rows, sheet_meta = _read_rows(path)
    found = _find_header(rows)
    if found is None:
        raise CatalogError(
            f"{path}：找不到表头（需要 序号/一级目录/二级目录/三级目录/说明，或 编码/名称/说明）"
        )
    header, form, cols = found
    meta = sheet_meta if sheet_meta is not None else _metadata_from_rows(rows[:header])
    problems: list[CatalogProblem] = []
    entries: list[dict[str, Any]] = []
    entry_rows: list[int] = []
    for i in range(header + 1, len(rows)):
        got = _row_entry(rows[i], i + 1, form, cols, after_entry=bool(entries))
        if isinstance(got, CatalogProblem):
            problems.append(got)
        elif got is not None:
            entries.append(got)
            entry_rows.append(i + 1)
    if problems:
        raise CatalogError(f"目录表格有 {len(problems)} 处无法导入：{path}", problems)
    if metadata:
        meta.update(metadata)
    if "department_code" not in meta and entries:
        meta["department_code"] = entries[0]["code"][:3]
    doc = {k: meta[k] for k in META_KEYS if k in meta}
    doc.update({k: v for k, v in meta.items() if k not in doc})
    doc["entries"] = entries
    if validate:
        found_problems = _locate(validate_catalog(doc), entry_rows)
        if found_problems:
            raise CatalogError(f"目录无效：{path}（{len(found_problems)} 个问题）", found_problems)
    return doc


def _row_entry(
    row: Sequence[str], excel_row: int, form: str, cols: dict[str, int], *, after_entry: bool
) -> dict[str, Any] | CatalogProblem | None:
    """One table row as a catalogue entry, the problem that stops it (located at its cell),
    or None for a row with no entry. ``form`` is ``table`` (one level column filled a row)
    or the simple 编码/名称 form."""

    def cell(key: str) -> str:
        j = cols.get(key)
        return row[j] if j is not None and j < len(row) else ""

    def problem(col: int, message: str) -> CatalogProblem:
        return CatalogProblem(a1(excel_row, col + 1), message, "import")

    level = 0
    if form == "table":
        filled = [(lvl, key) for lvl, key in enumerate(LEVEL_LABELS, 1) if cell(key)]
        if not filled:
            if cell("description") and after_entry:  # a 说明 cut off from its entry
                return problem(
                    cols["description"], "说明没有对应的目录编码（续行请并入上一行的单元格）"
                )
            return None
        if len(filled) > 1:
            return problem(cols[filled[1][1]], "一行只能填写一个级次的目录")
        level, key = filled[0]
        text, col = cell(key), cols[key]
    else:
        text, col = cell("code"), cols["code"]
        if not text and not cell("name"):
            return None
        if cell("name"):
            text = f"{text} {cell('name')}"
    m = CODE_RE.match(text)
    if not m:
        return problem(col, f"无法识别目录编码：“{text}”")
    code = m.group(1).upper()
    code_level = (len(code) - 2) // 2
    if form == "table" and code_level != level:
        return problem(
            col, f"编码 {code} 是第 {code_level} 级，却填在“{LEVEL_LABELS[level - 1]}”列"
        )
    return _entry(code, re.sub(r"\s*\n\s*", "", (m.group(2) or "")).strip(), code_level, cell)


def _entry(code: str, name: str, level: int, cell: Callable[[str], str]) -> dict[str, Any]:
    """The entry's JSON, with its optional 说明, status and annotations from the row."""
    entry: dict[str, Any] = {
        "code": code,
        "name": name,
        "level": level,
        "parent": None if level == 1 else code[:-2],
    }
    desc = cell("description")
    if desc:
        entry["description"] = desc
    status = cell("status")
    if status and status != "active":
        entry["status"] = status
    notes = cell("annotations")
    if notes:
        try:
            entry["annotations"] = json.loads(notes)
        except json.JSONDecodeError:
            entry["annotations"] = [{"text": notes}]
    return entry


def _locate(problems: list[CatalogProblem], rows: list[int]) -> list[CatalogProblem]:
    """Rewrite ``$.entries[i]...`` paths of an imported document to its source rows."""
    out = []
    for p in problems:
        m = re.match(r"^\$\.entries\[(\d+)\]", p.path)
        if m and int(m.group(1)) < len(rows):
            out.append(
                CatalogProblem(f"第 {rows[int(m.group(1))]} 行（{p.path}）", p.message, p.kind)
            )
        else:
            out.append(p)
    return out


# -- export -------------------------------------------------------------------------------
def _table_rows(catalog: Catalog) -> list[list[str]]:
    depth = max(e.level for e in catalog.entries)
    levels = list(LEVEL_LABELS[: max(depth, 3)])
    header = [SEQ_LABEL, *levels, "说明", STATUS_LABEL, ANNOTATIONS_LABEL]
    out = [header]
    seq = 0
    for e in catalog.entries:
        cells = [""] * len(header)
        if e.level == max(depth, 3) or not catalog.children(e.code):
            seq += 1
            cells[0] = str(seq)
        cells[e.level] = e.label
        cells[len(levels) + 1] = e.description
        cells[len(levels) + 2] = "" if e.status == "active" else e.status
        if e.annotations:
            cells[len(levels) + 3] = json.dumps(
                [dict(a) for a in e.annotations], ensure_ascii=False
            )
        out.append(cells)
    return out


def _meta_rows(catalog: Catalog) -> list[list[str]]:
    rows = []
    for key in META_KEYS:
        if key in catalog.metadata:
            value = catalog.metadata[key]
            rows.append([key, *(value if isinstance(value, list) else [str(value)])])
    return rows


def export_catalog(catalog: Catalog, path: str | Path) -> Path:
    """Write the catalogue as .json, .csv (UTF-8 with BOM) or .xlsx, by the file's suffix."""
    from toolkit.safety import atomic_write

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = json.dumps(catalog.to_dict(), ensure_ascii=False, indent=2) + "\n"
        with atomic_write(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    elif suffix == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerows(_meta_rows(catalog))
        writer.writerow([])
        writer.writerows(_table_rows(catalog))
        with atomic_write(path) as tmp:
            tmp.write_text(buf.getvalue(), encoding="utf-8-sig")
    elif suffix == ".xlsx":
        _export_xlsx(catalog, path)
    else:
        raise ValueError(f"不支持的导出格式：{path.suffix}（可用 .json、.csv、.xlsx）")
    return path


def _export_xlsx(catalog: Catalog, path: Path) -> None:
    import xlsxwriter

    from toolkit.safety import atomic_write

    with atomic_write(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({"title": catalog.title, "created": _FIXED_TIME})
        head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet("目录")
        rows = _table_rows(catalog)
        widths = [6] + [28] * (len(rows[0]) - 4) + [48, 10, 30]
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if value:
                    ws.write_string(i, j, value, head if i == 0 else wrap)
        ws.freeze_panes(1, 0)
        meta = wb.add_worksheet(META_SHEET)
        meta.set_column(0, 0, 18)
        meta.set_column(1, 4, 30)
        for i, row in enumerate(_meta_rows(catalog)):
            for j, value in enumerate(row):
                meta.write_string(i, j, value)
        wb.close()


def _fixed_time() -> Any:
    import datetime as dt

    return dt.datetime(2000, 1, 1)


_FIXED_TIME = _fixed_time()
