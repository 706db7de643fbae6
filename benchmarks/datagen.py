"""Synthetic submissions for the benchmark, made from the toolkit's own template.

The layout (every sheet's cells, the entry sheet's header, input rows, 合计 row and
signature block, the stamp and the defined names) is read from a template that
``toolkit.write_template`` writes, so the files follow whatever the template writer
produces today. Filling is then done with xlsxwriter, which is fast enough to write
150,000 rows in seconds: openpyxl would take minutes for the 200,000-row workbook. The
files look like what a script fills in (formulas carry their computed results, no
dropdowns or styles are copied), which is what the reader must handle anyway.

Everything is seeded and cached under ``benchmarks/data/<key>/``, keyed by the sizes,
the seed and the source of the template writer, so a second run reuses the files.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

import toolkit
from toolkit import form

if TYPE_CHECKING:
    from toolkit.catalog import Catalog, Entry

GENERATOR_VERSION = "1"
YEAR = 2027
PLACEHOLDER_UNIT = "基准测试单位"  # layout template's unit, replaced in every copy
BAD_CODE = "099Z9999 未列入目录的服务"  # seeded unknown-code rows (the checker rejects them)
REPO = Path(__file__).resolve().parents[1]
FIXED_TIME = datetime(2026, 11, 1, 9, 0, 0)

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


def unit_names(count: int, prefix: str = "基准单位") -> list[str]:
    return [f"{prefix}{i:03d}" for i in range(1, count + 1)]


# -- the template's layout ------------------------------------------------------------
@dataclass
class SheetCells:
    title: str
    state: str  # visible | hidden | veryHidden
    cells: list[tuple[int, int, Any]]  # 1-based row, column, value (formulas start with "=")
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


@dataclass
class Layout:
    """What a filled copy keeps of the template, and where the entry table sits."""

    sheets: list[SheetCells]
    properties: dict[str, Any]
    names: list[tuple[str, str]]
    header_row: int
    first_input: int
    last_input: int
    total_row: int
    columns: dict[str, int]  # header label -> 1-based column (amount under form.COL_AMOUNT)
    amount_unit: str

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


def write_template(catalog: Catalog, path: Path, unit: str) -> None:
    """One unit's template through the toolkit's public API, with its default options."""
    toolkit.write_template(catalog, path, unit=unit, year=YEAR)


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
    props: dict[str, Any] = {}
    for prop in getattr(wb, "custom_doc_props", None) or []:
        props[prop.name] = prop.value
    names = [
        (name, dn.attr_text)
        for name, dn in wb.defined_names.items()
        if not name.startswith("_xlnm") and dn.attr_text
    ]
    entry = next(s for s in sheets if s.title == form.SHEET_ENTRY)
    by_row: dict[int, dict[int, Any]] = {}
    for r, c, v in entry.cells:
        by_row.setdefault(r, {})[c] = v
    header_row = next(
        r
        for r in sorted(by_row)
        if form.COL_CODE in by_row[r].values() and form.COL_PROJECT in by_row[r].values()
    )
    columns: dict[str, int] = {}
    amount_unit = "元"
    for c, v in by_row[header_row].items():
        label = str(v).strip()
        if label.startswith(form.COL_AMOUNT):
            columns[form.COL_AMOUNT] = c
            amount_unit = "万元" if "万元" in label else "元"
        else:
            columns[label] = c
    total_row = next(
        r
        for r in sorted(by_row)
        if r > header_row and any(str(v).strip() == form.TOTAL_LABEL for v in by_row[r].values())
    )
    return Layout(
        sheets=sheets,
        properties=props,
        names=names,
        header_row=header_row,
        first_input=header_row + 1,
        last_input=total_row - 1,
        total_row=total_row,
        columns=columns,
        amount_unit=amount_unit,
    )


# -- formulas that move with the table --------------------------------------------------
_REF = re.compile(
    r"(?P<sheet>(?:'[^']+'|[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*)!)?"
    r"(?<![A-Za-z_\d])(?P<col>\$?[A-Z]{1,3})(?P<abs>\$?)(?P<row>\d+)(?![\d(A-Za-z_])"
)


def shift_formula(formula: str, row_map: Any) -> str:
    """Rewrite relative row references on the entry sheet through ``row_map(row)``."""

    def repl(m: re.Match[str]) -> str:
        sheet = m.group("sheet")
        if m.group("abs") or (sheet and sheet.strip("'!") != form.SHEET_ENTRY):
            return m.group(0)
        return f"{sheet or ''}{m.group('col')}{row_map(int(m.group('row')))}"

    parts = formula.split('"')
    parts[::2] = [_REF.sub(repl, p) for p in parts[::2]]
    return '"'.join(parts)


# -- writing a filled copy ----------------------------------------------------------------
def _sub(value: Any, unit: str) -> Any:
    return value.replace(PLACEHOLDER_UNIT, unit) if isinstance(value, str) else value


def _write_cell(ws: Any, r: int, c: int, value: Any, cached: Any = 0) -> None:
    if isinstance(value, bool):
        ws.write_boolean(r - 1, c - 1, value)
    elif isinstance(value, int | float):
        ws.write_number(r - 1, c - 1, value)
    elif isinstance(value, str) and value.startswith("=") and len(value) > 1:
        ws.write_formula(r - 1, c - 1, value, None, cached)
    else:
        ws.write_string(r - 1, c - 1, str(value))


def _write_sheet(ws: Any, sheet: SheetCells, unit: str, skip: set[int] | None = None) -> None:
    merged_first = {(m[0], m[1]): m for m in sheet.merges}
    for r, c, v in sheet.cells:
        if skip and r in skip:
            continue
        if (r, c) in merged_first:
            r0, c0, r1, c1 = merged_first.pop((r, c))
            ws.merge_range(r0 - 1, c0 - 1, r1 - 1, c1 - 1, "")
        _write_cell(ws, r, c, _sub(v, unit))
    for r0, c0, r1, c1 in merged_first.values():
        if not skip or r0 not in skip:
            ws.merge_range(r0 - 1, c0 - 1, r1 - 1, c1 - 1, "")
    if sheet.state == "hidden":
        ws.hide()
    elif sheet.state == "veryHidden":
        ws.very_hidden()


def _workbook(path: Path, layout: Layout, unit: str) -> Any:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    wb.set_properties({"created": FIXED_TIME})
    for name, value in layout.properties.items():
        wb.set_custom_property(name, _sub(value, unit))
    for name, ref in layout.names:
        wb.define_name(name, "=" + ref)
    return wb


def write_cells_copy(path: Path, layout: Layout, unit: str) -> None:
    """The template's cells as they are (the bare-xlsxwriter baseline of template generation)."""
    wb = _workbook(path, layout, unit)
    for sheet in layout.sheets:
        _write_sheet(wb.add_worksheet(sheet.title), sheet, unit)
    wb.close()


def write_submission(path: Path, layout: Layout, unit: str, rows: list[dict[str, Any]]) -> None:
    """A filled copy of the template: ``rows`` are dicts keyed by header label."""
    wb = _workbook(path, layout, unit)
    n = len(rows)
    first, last, total = layout.first_input, layout.last_input, layout.total_row
    new_last = first + n - 1
    delta = new_last - last

    def table_map(r: int) -> int:  # for the 合计 row and everything below it
        if r == last:
            return new_last
        return r + delta if r > last else r

    entry = next(s for s in layout.sheets if s.title == form.SHEET_ENTRY)
    proto = {c: v for r, c, v in entry.cells if r == first and isinstance(v, str)}
    proto = {c: v for c, v in proto.items() if v.startswith("=")}
    label_of = {c: label for label, c in layout.columns.items()}
    # 一级/二级 are derived: a clerk never types them; they are the template's formulas
    # (with their results cached, as Excel saves them) or left empty.
    derived = {form.COL_LEVEL1, form.COL_LEVEL2} | {label_of.get(c, "") for c in proto}
    fill = [(label, c) for label, c in layout.columns.items() if label not in derived]
    amount_col = layout.columns[form.COL_AMOUNT]
    divisor = 1_000_000 if layout.amount_unit == "万元" else 100
    for sheet in layout.sheets:
        ws = wb.add_worksheet(sheet.title)
        if sheet.title != form.SHEET_ENTRY:
            _write_sheet(ws, sheet, unit)
            continue
        # above the table: as in the template
        head = SheetCells(
            sheet.title,
            sheet.state,
            [(r, c, v) for r, c, v in sheet.cells if r <= layout.header_row],
            [m for m in sheet.merges if m[0] <= layout.header_row],
        )
        _write_sheet(ws, head, unit)
        # the rows a clerk filled
        total_fen = 0
        for i, row in enumerate(rows):
            r = first + i
            for label, col in fill:
                value = row.get(label)
                if value is None or value == "":
                    continue
                if label == form.COL_AMOUNT:
                    total_fen += value
                    ws.write_number(r - 1, col - 1, value / divisor)
                else:
                    _write_cell(ws, r, col, value)
            for col, formula in proto.items():
                cached = row.get(label_of.get(col, ""), "")  # what Excel would have cached
                cached = cached if isinstance(cached, str | int) else ""
                f = shift_formula(formula, lambda x, r=r: r if x == first else x)
                ws.write_formula(r - 1, col - 1, f, None, cached)
        # the 合计 row and the signature block, moved down with the table
        for r, c, v in sheet.cells:
            if r < total:
                continue
            if isinstance(v, str) and v.startswith("="):
                f = shift_formula(v, table_map)
                cached: Any = total_fen / divisor if c == amount_col else 0
                ws.write_formula(table_map(r) - 1, c - 1, f, None, cached)
            else:
                _write_cell(ws, table_map(r), c, _sub(v, unit))
        for r0, c0, r1, c1 in sheet.merges:
            if r0 >= total:
                ws.merge_range(table_map(r0) - 1, c0 - 1, table_map(r1) - 1, c1 - 1, "")
    wb.close()


# -- seeded content --------------------------------------------------------------------------
def make_rows(
    catalog: Catalog, count: int, rng: random.Random, bad_rate: float = 0.002
) -> list[dict[str, Any]]:
    """Line items as a clerk picks them: "code name" from the dropdown, amounts in fen."""
    leaves: list[Entry] = list(catalog.leaves)
    rows = []
    for i in range(count):
        leaf = rng.choice(leaves)
        l1 = catalog.level1(leaf.code)
        l2 = catalog.level2(leaf.code) or leaf
        bad = rng.random() < bad_rate
        rows.append(
            {
                form.COL_SEQ: i + 1,
                form.COL_PROJECT: f"{leaf.name}项目{i + 1:06d}",
                form.COL_CODE: BAD_CODE if bad else leaf.label,
                form.COL_LEVEL1: "" if bad else l1.name,  # the lookups' results
                form.COL_LEVEL2: "" if bad else l2.name,
                form.COL_CONTENT: (leaf.description or leaf.name)[:40],
                form.COL_PROVIDER: rng.choice(PROVIDERS),
                form.COL_PROVIDER_TYPE: rng.choice(form.PROVIDER_TYPES),
                form.COL_METHOD: rng.choice(form.PURCHASE_METHODS),
                form.COL_FUNDING: rng.choice(form.FUNDING_SOURCES),
                form.COL_AMOUNT: rng.randrange(5_000_00, 3_000_000_00),  # fen
                form.COL_TARGET: rng.choice(TARGETS),
                form.COL_NOTE: rng.choice(NOTES),
            }
        )
    return rows


# -- the cached data set -----------------------------------------------------------------------
@dataclass
class Dataset:
    root: Path
    submissions: Path  # folder of files x rows workbooks
    big: Path  # one big_rows workbook
    units: Path  # unit list covering every submission (so no unit-unknown noise)
    template_units: Path  # the 16 Zhengzhou units + template_units synthetic ones
    layout: Path  # Layout as JSON (the template's cells, for the bare-xlsxwriter baseline)
    params: dict[str, Any]
    expected: dict[str, Any]  # rows and fen written, for the cross-check


def _layout_hash(layout: Layout) -> str:
    """What the files depend on: the template's cells, names and stamp (not its clock)."""
    data = json.loads(layout.to_json())
    data["properties"].pop(form.STAMP_PREFIX + "generated_at", None)
    for sheet in data["sheets"]:
        if sheet["title"] == form.SHEET_STAMP:
            clock = {r for r, _, v in sheet["cells"] if str(v).endswith("generated_at")}
            sheet["cells"] = [c for c in sheet["cells"] if c[0] not in clock]
    h = hashlib.sha256(GENERATOR_VERSION.encode())
    h.update(json.dumps(data, ensure_ascii=False, sort_keys=True).encode())
    return h.hexdigest()[:10]


def prepare(
    data_dir: Path,
    files: int,
    rows: int,
    big_rows: int,
    template_units: int,
    seed: int,
    log: Any = print,
) -> Dataset:
    params = {
        "files": files,
        "rows": rows,
        "big_rows": big_rows,
        "template_units": template_units,
        "seed": seed,
    }
    from toolkit.catalog import load_catalog

    catalog = load_catalog()
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "layout_template.xlsx"
        write_template(catalog, template, PLACEHOLDER_UNIT)
        layout = read_layout(template)
    key = f"f{files}-r{rows}-b{big_rows}-t{template_units}-s{seed}-{_layout_hash(layout)}"
    root = data_dir / key
    ds = Dataset(
        root=root,
        submissions=root / "submissions",
        big=root / "big" / "big.xlsx",
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
    log(f"data: generating in {root} (template by toolkit.write_template)")
    ds.layout.write_text(layout.to_json(), encoding="utf-8")

    units = unit_names(files)
    big_unit = "基准单位大表"
    ds.units.write_text("\n".join([*units, big_unit]) + "\n", encoding="utf-8")
    tunits = [*form.ZHENGZHOU_UNITS, *unit_names(template_units, "模板单位")]
    ds.template_units.write_text("\n".join(tunits) + "\n", encoding="utf-8")

    rng = random.Random(seed)
    expected = {"files": files, "rows": 0, "fen": 0, "accepted_rows": 0, "accepted_fen": 0}
    ds.submissions.mkdir()
    for i, unit in enumerate(units, start=1):
        items = make_rows(catalog, rows, random.Random(rng.random()))
        write_submission(ds.submissions / f"{i:03d}_{unit}.xlsx", layout, unit, items)
        _tally(expected, items)
    ds.big.parent.mkdir()
    items = make_rows(catalog, big_rows, random.Random(rng.random()))
    write_submission(ds.big, layout, big_unit, items)
    expected["big"] = _tally({"rows": 0, "fen": 0, "accepted_rows": 0, "accepted_fen": 0}, items)
    done.write_text(json.dumps(expected, indent=2), encoding="utf-8")
    ds.expected = expected
    return ds


def _tally(acc: dict[str, Any], items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    for item in items:
        acc["rows"] += 1
        acc["fen"] += item[form.COL_AMOUNT]
        if item[form.COL_CODE] != BAD_CODE:
            acc["accepted_rows"] += 1
            acc["accepted_fen"] += item[form.COL_AMOUNT]
    return acc


def iter_xlsx(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    yield from sorted(p for p in path.rglob("*.xlsx") if not p.name.startswith("~$"))
