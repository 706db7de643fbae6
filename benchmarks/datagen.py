"""Synthetic submissions for the benchmark: the toolkit's real templates, filled as offices do.

Every submission is the unit's own template, written by ``toolkit.write_template`` (its
stamp, dropdowns, styles, protection, print setup and every sheet), then filled with
openpyxl by header label: the header row is found by the labels of ``toolkit.form.FIELDS``,
line items go into the input rows, and the template's 合计 ``=SUM`` row and signature
block stay below them. A workbook with more rows than a template can have
(``toolkit.template.layout.MAX_ROWS``) gets rows inserted as Excel inserts them: the 合计
row and signature block move down, the ``SUM`` range, the data validations, the
conditional formats and the print area grow over the new rows, and the new rows carry the
template's styles and 一级/二级 formulas.

openpyxl saves formulas without their results. An office's file has them (Excel and
WPS cache every formula's value), so the files the checks are timed on are then re-saved
through LibreOffice headless (``soffice --convert-to xlsx``), which computes and caches
the 一级/二级 lookups and the 合计.

Everything is seeded and cached under ``benchmarks/data/<key>/``, keyed by the sizes,
the seed, the generator version and the template's layout, so a second run reuses the
files.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from copy import copy
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

import toolkit
from toolkit import form
from toolkit.template.layout import MAX_ROWS

if TYPE_CHECKING:
    from toolkit.catalog import Catalog, Entry

GENERATOR_VERSION = "2"  # 2: real templates filled by openpyxl, re-saved by LibreOffice
YEAR = 2027
PLACEHOLDER_UNIT = "基准测试单位"  # layout template's unit (the bare-xlsxwriter baseline)
BAD_CODE = "099Z9999 未列入目录的服务"  # seeded unknown-code rows (the checker rejects them)
REPO = Path(__file__).resolve().parents[1]
FIXED_TIME = datetime(2026, 11, 1, 9, 0, 0)
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"
SIGNATURE = {"填报人": "张晓燕", "联系电话": "0371-67188888", "单位负责人": "李建国"}

PROVIDERS = (
    "郑州市夕阳红社会工作服务中心",
    "河南康宁养老服务有限公司",
    "郑州市爱心助残服务中心",
    "中原社会工作发展研究院",
    "郑州市民政事务服务中心",
    "河南安康物业服务有限公司",
    "郑州市青少年社会服务中心",
    "金水区社区服务协会",
)
TARGETS = (
    "服务对象满意度不低于90%",
    "全年服务不少于1200人次",
    "按期完成率100%",
    "覆盖辖区全部社区",
)
NOTES = ("", "", "", "续签项目", "新增项目")

# The faulty workbook's seeded faults: kind -> (rule id the checker must report, change).
FAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    "unknown-code": ("unknown-code", {form.COL_CODE: BAD_CODE}),
    "text-amount": ("amount-not-number", {form.COL_AMOUNT: "十二万元"}),
    "blank-project": ("required-missing", {form.COL_PROJECT: None}),
    "blank-amount": ("required-missing", {form.COL_AMOUNT: None}),
    "not-in-list": ("value-not-in-list", {form.COL_METHOD: "直接委托"}),
}


def unit_names(count: int, prefix: str = "基准单位") -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(1, count + 1)]


# -- seeded content ----------------------------------------------------------------------
def make_rows(
    catalog: Catalog,
    count: int,
    rng: random.Random,
    bad_rate: float = 0.002,
    faults: dict[int, str] | None = None,
) -> list[dict[str, Any]]:
    """Line items as a clerk picks them: "code name" from the dropdown, amounts in fen.

    ``bad_rate`` of the rows carry an unknown code; ``faults`` maps a row index to one of
    ``FAULTS`` (the row is changed so; its ``fault`` key names the kind)."""
    leaves: list[Entry] = list(catalog.leaves)
    rows = []
    for i in range(count):
        leaf = rng.choice(leaves)
        bad = rng.random() < bad_rate
        row: dict[str, Any] = {
            form.COL_PROJECT: f"{leaf.name}项目{i + 1:06d}",
            form.COL_CODE: BAD_CODE if bad else leaf.label,
            form.COL_CONTENT: (leaf.description or leaf.name)[:40],
            form.COL_PROVIDER: rng.choice(PROVIDERS),
            form.COL_PROVIDER_TYPE: rng.choice(form.PROVIDER_TYPES),
            form.COL_METHOD: rng.choice(form.PURCHASE_METHODS),
            form.COL_FUNDING: rng.choice(form.FUNDING_SOURCES),
            form.COL_AMOUNT: rng.randrange(5_000_00, 3_000_000_00),  # fen
            form.COL_TARGET: rng.choice(TARGETS),
            form.COL_NOTE: rng.choice(NOTES),
        }
        kind = (faults or {}).get(i)
        if kind is not None:
            row.update(FAULTS[kind][1])
            row["fault"] = kind
        rows.append(row)
    return rows


def fault_plan(rows: int, count: int, rng: random.Random) -> dict[int, str]:
    """``count`` distinct row indices, the fault kinds dealt round-robin."""
    kinds = list(FAULTS)
    picked = sorted(rng.sample(range(rows), min(count, rows)))
    return {r: kinds[k % len(kinds)] for k, r in enumerate(picked)}


# -- a real template, filled by label ----------------------------------------------------
def write_template(catalog: Catalog, path: Path, unit: str, rows: int = 200) -> None:
    """One unit's template through the toolkit's public API (stamp time pinned: stable)."""
    toolkit.write_template(
        catalog, path, unit=unit, year=YEAR, rows=min(rows, MAX_ROWS), stamp_time=FIXED_TIME
    )


def _label(value: Any) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def find_header(ws: Any, scan: int = 30) -> tuple[int, dict[str, int]]:
    """The header row (1-based) and field name -> column, by the labels of ``form.FIELDS``."""
    for row in ws.iter_rows(min_row=1, max_row=scan):
        found: dict[str, int] = {}
        for cell in row:
            text = _label(cell.value)
            for f in form.FIELDS:
                if text == f.label or (f.kind == "amount" and text.startswith(f.label)):
                    found[f.name] = cell.column
        if all(name in found for name in form.REQUIRED_FIELDS):
            return row[0].row, found
    raise ValueError("no header row with the form's labels")


def find_total(ws: Any, header: int) -> int:
    for row in ws.iter_rows(min_row=header + 1):
        if any(_label(c.value) == form.TOTAL_LABEL for c in row):
            return row[0].row
    raise ValueError("no 合计 row below the header")


_CELL = re.compile(r"(?<![A-Za-z_\d$.])(\$?[A-Z]{1,3})(\$?)(\d+)(?![\d(A-Za-z_!])")


def _row_formula(formula: str, row: int) -> str:
    """``formula`` with its relative references to ``row`` replaced by ``{r}``."""
    parts = formula.replace("{", "{{").replace("}", "}}").split('"')

    def repl(m: re.Match[str]) -> str:
        if m.group(2) or int(m.group(3)) != row:
            return m.group(0)
        return f"{m.group(1)}{{r}}"

    parts[::2] = [_CELL.sub(repl, p) for p in parts[::2]]
    return '"'.join(parts)


def insert_rows(ws: Any, header: int, total: int, extra: int) -> None:
    """Insert ``extra`` input rows above the 合计 row, as Excel does when a clerk inserts
    them: everything below moves down, ranges over the input rows grow, the new rows take
    the last input row's styles and formulas."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.utils import get_column_letter

    last, new_last = total - 1, total - 1 + extra
    width = ws.max_column
    below = [m for m in ws.merged_cells.ranges if m.min_row >= total]
    for m in below:
        ws.unmerge_cells(m.coord)
    ws.move_range(f"A{total}:{get_column_letter(width)}{ws.max_row}", rows=extra)
    for m in below:
        m.shift(0, extra)
        ws.merge_cells(m.coord)
    proto = [ws.cell(last, c) for c in range(1, width + 1)]
    formulas = {
        p.column: _row_formula(p.value, last)
        for p in proto
        if isinstance(p.value, str) and p.value.startswith("=")
    }
    seq = proto[0].value if isinstance(proto[0].value, int) else None
    for r in range(last + 1, new_last + 1):
        for p in proto:
            cell = ws.cell(r, p.column)
            cell._style = copy(p._style)
            if p.column in formulas:
                cell.value = formulas[p.column].format(r=r)
        if seq is not None:
            ws.cell(r, 1).value = seq + r - last

    def grow(ref: str) -> str:
        out = []
        for part in str(ref).split():
            m = re.fullmatch(r"([A-Z]+)(\d+):([A-Z]+)(\d+)", part)
            if m and int(m.group(4)) == last and int(m.group(2)) > header:
                part = f"{m.group(1)}{m.group(2)}:{m.group(3)}{new_last}"
            out.append(part)
        return " ".join(out)

    for dv in ws.data_validations.dataValidation:
        dv.sqref = grow(dv.sqref)
    rules = [(grow(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    ws.conditional_formatting = ConditionalFormattingList()
    for ref, rule in rules:
        ws.conditional_formatting.add(ref, rule)
    new_total = total + extra
    for cell in ws[new_total]:
        if isinstance(cell.value, str) and cell.value.upper().startswith("=SUM("):
            col = get_column_letter(cell.column)
            cell.value = f"=SUM({col}{header + 1}:{col}{new_last})"
    if ws.print_area:
        ws.print_area = f"A1:{get_column_letter(width)}{ws.max_row}"


def fill_template(template: Path, path: Path, items: list[dict[str, Any]]) -> None:
    """Fill a template's input rows by header label, sign it, and save it as ``path``."""
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb[form.SHEET_ENTRY]
    header, columns = find_header(ws)
    total = find_total(ws, header)
    room = total - header - 1
    if len(items) > room:
        insert_rows(ws, header, total, len(items) - room)
        total += len(items) - room
    inputs = [
        (f.label, columns[f.name])
        for f in form.FIELDS
        if f.kind not in ("seq", "derived") and f.name in columns
    ]
    for r, item in enumerate(items, start=header + 1):
        for label, col in inputs:
            value = item.get(label)
            if value is None or value == "":
                continue
            if label == form.COL_AMOUNT and isinstance(value, int):
                value = value / 100  # fen -> 元, typed as a number
            cell = ws.cell(r, col)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # typed text, never a formula
    for row in ws.iter_rows(min_row=total + 1, max_row=ws.max_row):
        for cell in row:
            text = _label(cell.value).rstrip(":：")
            if text in SIGNATURE:
                ws.cell(cell.row, cell.column + 1).value = SIGNATURE[text]
            elif text == "填报日期":
                ws.cell(cell.row, cell.column + 1).value = FIXED_TIME.date()
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.save(path)


def make_submission(catalog: Catalog | None, path: Path, unit: str, items: list[dict]) -> None:
    """The unit's real template (enough input rows, up to ``MAX_ROWS``), filled."""
    if catalog is None:
        catalog = _catalog()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.xlsx"
        write_template(catalog, template, unit, rows=max(len(items), 1))
        fill_template(template, path, items)


_CACHE: dict[str, Catalog] = {}


def _catalog() -> Catalog:
    if "c" not in _CACHE:
        from toolkit.catalog import load_catalog

        _CACHE["c"] = load_catalog()
    return _CACHE["c"]


def _make_job(job: tuple[str, str, int, int, float, dict[int, str] | None]) -> list[dict]:
    """Worker: one seeded submission; returns its rows (for the expected totals)."""
    path, unit, rows, seed, bad_rate, faults = job
    items = make_rows(_catalog(), rows, random.Random(seed), bad_rate, faults)
    make_submission(None, Path(path), unit, items)
    return [
        {"fen": i[form.COL_AMOUNT], "code": i[form.COL_CODE], "fault": i.get("fault")}
        for i in items
    ]


# -- LibreOffice: cached values, as an office's file has them -----------------------------
def resave_with_libreoffice(paths: list[Path], log: Callable[[str], None], procs: int = 2) -> None:
    """Re-save ``paths`` in place through ``soffice --headless --convert-to xlsx``, which
    recalculates and caches every formula's value. Private profiles, so a LibreOffice the
    user runs is not disturbed; ``procs`` instances side by side."""
    if not paths:
        return
    if not Path(SOFFICE).exists():
        raise RuntimeError(f"LibreOffice not found ({SOFFICE}): it caches the formulas' values")
    chunks = [paths[k::procs] for k in range(procs) if paths[k::procs]]
    with tempfile.TemporaryDirectory(prefix="bench-lo-") as tmp:
        running = []
        for k, chunk in enumerate(chunks):
            out = Path(tmp) / f"out{k}"
            out.mkdir()
            argv = [
                SOFFICE,
                f"-env:UserInstallation=file://{tmp}/profile{k}",
                "--headless",
                "--norestore",
                "--convert-to",
                "xlsx:Calc MS Excel 2007 XML",
                "--outdir",
                str(out),
                *map(str, chunk),
            ]
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            running.append((proc, out, chunk))
        for proc, out, chunk in running:
            _, err = proc.communicate()
            for p in chunk:
                done = out / p.name
                if not done.is_file():
                    raise RuntimeError(f"LibreOffice did not convert {p}: {err[-500:]!r}")
                os.replace(done, p)
    log(f"data: {len(paths)} file(s) re-saved by LibreOffice (cached formula values)")


# -- the template's layout (for the bare-xlsxwriter template baseline) --------------------
@dataclass
class SheetCells:
    title: str
    state: str  # visible | hidden | veryHidden
    cells: list[tuple[int, int, Any]]  # 1-based row, column, value (formulas start with "=")
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class Layout:
    """A template's cells, merges, sheet states, custom properties and defined names."""

    sheets: list[SheetCells]
    properties: dict[str, Any]
    names: list[tuple[str, str]]

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=str)

    @classmethod
    def from_json(cls, text: str) -> Layout:
        data = json.loads(text)
        data["sheets"] = [
            SheetCells(
                s["title"],
                s["state"],
                [tuple(c) for c in s["cells"]],
                [tuple(m) for m in s["merges"]],
            )
            for s in data["sheets"]
        ]
        data["names"] = [tuple(n) for n in data["names"]]
        return cls(**data)


def read_layout(path: Path) -> Layout:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    sheets: list[SheetCells] = []
    for ws in wb.worksheets:
        cells = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None or c.value == "":
                    continue
                value = c.value
                if not isinstance(value, str | int | float | bool):
                    value = getattr(value, "text", None) or str(value)
                cells.append((c.row, c.column, value))
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        sheets.append(SheetCells(ws.title, ws.sheet_state, cells, merges))
    props = {p.name: p.value for p in getattr(wb, "custom_doc_props", None) or []}
    names = [
        (name, dn.attr_text)
        for name, dn in wb.defined_names.items()
        if not name.startswith("_xlnm") and dn.attr_text
    ]
    return Layout(sheets=sheets, properties=props, names=names)


def _sub(value: Any, unit: str) -> Any:
    return value.replace(PLACEHOLDER_UNIT, unit) if isinstance(value, str) else value


def _write_cell(ws: Any, r: int, c: int, value: Any) -> None:
    if isinstance(value, bool):
        ws.write_boolean(r - 1, c - 1, value)
    elif isinstance(value, int | float):
        ws.write_number(r - 1, c - 1, value)
    elif isinstance(value, str) and value.startswith("=") and len(value) > 1:
        ws.write_formula(r - 1, c - 1, value, None, 0)
    else:
        ws.write_string(r - 1, c - 1, str(value))


def write_cells_copy(path: Path, layout: Layout, unit: str) -> None:
    """The template's cells as they are (the bare-xlsxwriter baseline of template generation)."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    wb.set_properties({"created": FIXED_TIME})
    for name, value in layout.properties.items():
        wb.set_custom_property(name, _sub(value, unit))
    for name, ref in layout.names:
        wb.define_name(name, "=" + ref)
    for sheet in layout.sheets:
        ws = wb.add_worksheet(sheet.title)
        merged_first = {(m[0], m[1]): m for m in sheet.merges}
        for r, c, v in sheet.cells:
            if (r, c) in merged_first:
                r0, c0, r1, c1 = merged_first.pop((r, c))
                ws.merge_range(r0 - 1, c0 - 1, r1 - 1, c1 - 1, "")
            _write_cell(ws, r, c, _sub(v, unit))
        for r0, c0, r1, c1 in merged_first.values():
            ws.merge_range(r0 - 1, c0 - 1, r1 - 1, c1 - 1, "")
        if sheet.state == "hidden":
            ws.hide()
        elif sheet.state == "veryHidden":
            ws.very_hidden()
    wb.close()


# -- the cached data set -------------------------------------------------------------------
@dataclass
class Dataset:
    root: Path
    submissions: Path  # folder of files x rows workbooks
    big: Path  # one big_rows workbook
    faulty: Path | None  # one faulty_rows workbook with seeded faults (None: not made)
    units: Path  # unit list covering every submission (so no unit-unknown noise)
    template_units: Path  # the 16 Zhengzhou units + template_units synthetic ones
    layout: Path  # Layout as JSON (the template's cells, for the bare-xlsxwriter baseline)
    params: dict[str, Any]
    expected: dict[str, Any]  # rows and fen written, for the cross-check


def _layout_hash(layout: Layout, extra: str) -> str:
    """What the files depend on: the template's cells, names and stamp, the generator."""
    h = hashlib.sha256(f"{GENERATOR_VERSION}|{extra}".encode())
    h.update(layout.to_json().encode())
    return h.hexdigest()[:10]


def prepare(
    data_dir: Path,
    files: int,
    rows: int,
    big_rows: int,
    template_units: int,
    seed: int,
    log: Callable[[str], None] = print,
    *,
    faulty_rows: int = 0,
    faults: int = 1000,
    libreoffice: bool = True,
    jobs: int = 2,
) -> Dataset:
    params: dict[str, Any] = {
        "files": files,
        "rows": rows,
        "big_rows": big_rows,
        "template_units": template_units,
        "seed": seed,
    }
    if faulty_rows:
        params |= {"faulty_rows": faulty_rows, "faults": faults}
    params["libreoffice"] = libreoffice
    catalog = _catalog()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "layout_template.xlsx"
        write_template(catalog, template, PLACEHOLDER_UNIT)
        layout = read_layout(template)
    parts = [f"f{files}-r{rows}-b{big_rows}-t{template_units}-s{seed}"]
    if faulty_rows:
        parts.append(f"x{faulty_rows}k{faults}")
    parts.append("lo" if libreoffice else "nolo")
    key = "-".join([*parts, _layout_hash(layout, "-".join(parts))])
    root = data_dir / key
    ds = Dataset(
        root=root,
        submissions=root / "submissions",
        big=root / "big" / "big.xlsx",
        faulty=root / "faulty" / "faulty.xlsx" if faulty_rows else None,
        units=root / "units.txt",
        template_units=root / "template_units.txt",
        layout=root / "layout.json",
        params=params,
        expected={},
    )
    done = root / "DONE.json"
    if done.exists():
        ds.expected = json.loads(done.read_text(encoding="utf-8"))
        log(f"data: cached in {root}")
        return ds
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    log(f"data: generating in {root} (real templates by toolkit.write_template, openpyxl fill)")
    ds.layout.write_text(layout.to_json(), encoding="utf-8")

    units = unit_names(files)
    big_unit, faulty_unit = "基准单位大表", "基准单位错表"
    ds.units.write_text("\n".join([*units, big_unit, faulty_unit]) + "\n", encoding="utf-8")
    tunits = [*form.ZHENGZHOU_UNITS, *unit_names(template_units, "模板单位")]
    ds.template_units.write_text("\n".join(tunits) + "\n", encoding="utf-8")

    rng = random.Random(seed)
    ds.submissions.mkdir()
    ds.big.parent.mkdir()
    jobs_list: list[tuple[str, str, int, int, float, dict[int, str] | None]] = [
        (str(ds.submissions / f"{i:03d}_{u}.xlsx"), u, rows, rng.randrange(2**32), 0.002, None)
        for i, u in enumerate(units, start=1)
    ]
    jobs_list.append((str(ds.big), big_unit, big_rows, rng.randrange(2**32), 0.002, None))
    if ds.faulty is not None:
        ds.faulty.parent.mkdir()
        plan = fault_plan(faulty_rows, faults, random.Random(rng.randrange(2**32)))
        jobs_list.append(
            (str(ds.faulty), faulty_unit, faulty_rows, rng.randrange(2**32), 0.0, plan)
        )
    # the big ones first, so they overlap the many small ones
    began = time.monotonic()
    order = sorted(range(len(jobs_list)), key=lambda k: -jobs_list[k][2])
    results: dict[int, list[dict]] = {}
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {k: pool.submit(_make_job, jobs_list[k]) for k in order}
        for k in order:
            results[k] = futures[k].result()
    log(f"data: {len(jobs_list)} workbooks filled in {time.monotonic() - began:.0f} s")
    if libreoffice:
        began = time.monotonic()
        resave_with_libreoffice([Path(j[0]) for j in jobs_list], log, procs=max(1, jobs))
        log(f"data: LibreOffice took {time.monotonic() - began:.0f} s")

    expected: dict[str, Any] = {"files": files, "rows": 0, "fen": 0}
    expected |= {"accepted_rows": 0, "accepted_fen": 0}
    for k in range(files):
        _tally(expected, results[k])
    expected["big"] = _tally(_zero(), results[files])
    if ds.faulty is not None:
        faulty = _tally(_zero(), results[files + 1])
        by_rule: dict[str, int] = {}
        for item in results[files + 1]:
            if item["fault"]:
                rule = FAULTS[item["fault"]][0]
                by_rule[rule] = by_rule.get(rule, 0) + 1
        expected["faulty"] = faulty | {"faults": by_rule}
    done.write_text(json.dumps(expected, indent=2, ensure_ascii=False), encoding="utf-8")
    ds.expected = expected
    return ds


def _zero() -> dict[str, Any]:
    return {"rows": 0, "fen": 0, "accepted_rows": 0, "accepted_fen": 0}


def _tally(acc: dict[str, Any], items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    for item in items:
        acc["rows"] += 1
        fen = item["fen"] if isinstance(item["fen"], int) else 0
        acc["fen"] += fen
        if item["code"] != BAD_CODE and not item.get("fault"):
            acc["accepted_rows"] += 1
            acc["accepted_fen"] += fen
    return acc


def iter_xlsx(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    yield from sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$"))
