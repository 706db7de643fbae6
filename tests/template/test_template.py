"""The budget template: sheets, labels, dropdown sources, stamp, protection, print setup,
determinism, and a real LibreOffice opening, recalculating and re-saving it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from toolkit import form
from toolkit.catalog import Catalog
from toolkit.template import layout as t
from toolkit.template import write_template, write_templates

ROWS = t.DEFAULT_ROWS
FIRST = t.FIRST_INPUT_ROW  # 4
LAST = FIRST + ROWS - 1  # 203
TOTAL = LAST + 1  # 204
SIGN = TOTAL + t.SIGNATURE_GAP  # 206
FIXED = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def build(tmp: Path, catalog: Catalog, name: str = "t.xlsx", **options: Any) -> Path:
    options.setdefault("year", 2027)
    return write_template(catalog, tmp / name, **options)


def name_values(wb: Workbook, name: str) -> list[Any]:
    """The cell values a workbook defined name points at."""
    ((sheet, ref),) = list(wb.defined_names[name].destinations)
    cells = wb[sheet][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return [cells.value]
    return [c.value for row in cells for c in (row if isinstance(row, tuple) else (row,))]


def validations(ws: Any) -> dict[str, Any]:
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


@pytest.fixture(scope="module")
def generic(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    return build(tmp_path_factory.mktemp("generic"), catalog)


@pytest.fixture(scope="module")
def wb(generic: Path) -> Workbook:
    return openpyxl.load_workbook(generic)


@pytest.fixture(scope="module")
def entry(wb: Workbook) -> Any:
    return wb[form.SHEET_ENTRY]


# -- sheets and labels ------------------------------------------------------------------
def test_sheet_names_order_and_visibility(wb: Workbook) -> None:
    assert wb.sheetnames == [
        form.SHEET_GUIDE,
        form.SHEET_ENTRY,
        form.SHEET_CATALOG,
        form.SHEET_LISTS,
        form.SHEET_STAMP,
    ]
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert states[form.SHEET_LISTS] == states[form.SHEET_STAMP] == "hidden"
    assert {states[s] for s in (form.SHEET_GUIDE, form.SHEET_ENTRY, form.SHEET_CATALOG)} == {
        "visible"
    }
    assert wb.active.title == form.SHEET_ENTRY


def test_title_unit_and_amount_unit_cells(entry: Any) -> None:
    assert entry["A1"].value == "2027年度政府购买服务预算表"
    assert entry.cell(t.UNIT_ROW, t.UNIT_LABEL_COL).value == form.UNIT_LABEL
    assert entry.cell(t.UNIT_ROW, t.UNIT_LABEL_COL + 1).value is None  # chosen by the clerk
    assert entry.cell(t.UNIT_ROW, t.AMOUNT_UNIT_LABEL_COL).value == form.AMOUNT_UNIT_LABEL
    assert entry.cell(t.UNIT_ROW, t.AMOUNT_UNIT_LABEL_COL + 1).value == "元"


def test_one_header_row_with_exact_labels_in_order(entry: Any) -> None:
    header = [c.value for c in entry[t.HEADER_ROW]]
    assert header == list(form.HEADER_LABELS)
    positions = [
        next(i for i, h in enumerate(header) if h.startswith(form.FIELD[name].label))
        for name in form.REQUIRED_FIELDS
    ]
    assert positions == sorted(positions)
    others = [r for r in range(1, TOTAL + 1) if r != t.HEADER_ROW]
    assert all(entry.cell(r, 2).value != form.COL_PROJECT for r in others)


def test_total_row_and_signature_block(entry: Any) -> None:
    assert entry.cell(TOTAL, 1).value == form.TOTAL_LABEL
    assert entry.cell(TOTAL, 11).value == f"=SUM(K{FIRST}:K{LAST})"
    assert all(entry.cell(r, 1).value != form.TOTAL_LABEL for r in range(1, TOTAL))
    found = {c.value: c for c in entry[SIGN] if c.value in form.SIGNATURE_LABELS}
    assert set(found) == set(form.SIGNATURE_LABELS)
    for label in form.SIGNATURE_LABELS[:4]:  # a blank, unlocked cell right of each label
        right = entry.cell(SIGN, found[label].column + 1)
        assert right.value is None and right.protection.locked is False


def test_catalog_sheet_is_the_whole_tree_with_descriptions(wb: Workbook, catalog: Catalog) -> None:
    ws = wb[form.SHEET_CATALOG]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in rows] == [e.code for e in catalog]
    assert [r[1] for r in rows] == [e.name for e in catalog]
    assert [r[3] or "" for r in rows] == [e.description for e in catalog]
    indents = {e.level: ws.cell(4 + i, 2).alignment.indent for i, e in enumerate(catalog)}
    assert indents == {1: 0, 2: 1, 3: 2}
    assert ws.protection.sheet is True


def test_guide_explains_rules_units_deadline_and_what_not_to_do(tmp_path: Path, catalog) -> None:
    wb = openpyxl.load_workbook(build(tmp_path, catalog, deadline="2026年12月15日"))
    text = "\n".join(str(c.value) for c in wb[form.SHEET_GUIDE]["A"] if c.value)
    for needle in ("2026年12月15日", "下拉", "粘贴", "公式", "金额单位", "目录", "公章", ".xlsx"):
        assert needle in text
    assert wb[form.SHEET_GUIDE].protection.sheet is True


# -- dropdowns and validation -----------------------------------------------------------
def test_leaf_dropdown_is_a_defined_name_over_72_leaf_labels(
    wb: Workbook, entry: Any, catalog: Catalog
) -> None:
    dv = validations(entry)[f"C{FIRST}:C{LAST}"]
    assert (dv.type, dv.formula1) == ("list", t.NAME_LEAVES)
    labels = name_values(wb, t.NAME_LEAVES)
    assert len(labels) == 72
    assert labels == [e.label for e in catalog.leaves]
    assert labels[0] == "033A0101 居家养老服务"


@pytest.mark.parametrize(
    ("column", "name", "values"),
    [
        ("H", t.NAME_PROVIDER_TYPES, form.PROVIDER_TYPES),
        ("I", t.NAME_PURCHASE_METHODS, form.PURCHASE_METHODS),
        ("J", t.NAME_FUNDING_SOURCES, form.FUNDING_SOURCES),
    ],
)
def test_list_columns_use_named_ranges(
    wb: Workbook, entry: Any, column: str, name: str, values: tuple[str, ...]
) -> None:
    header = entry[f"{column}{t.HEADER_ROW}"].value
    assert form.LISTED_COLUMNS[header] == values
    dv = validations(entry)[f"{column}{FIRST}:{column}{LAST}"]
    assert (dv.type, dv.formula1, dv.showErrorMessage) == ("list", name, True)
    assert dv.errorStyle in (None, "stop")  # "stop" is the default, left out of the XML
    assert name_values(wb, name) == list(values)


def test_unit_dropdown_in_generic_workbook(wb: Workbook, entry: Any) -> None:
    dv = validations(entry)["C2"]
    assert (dv.type, dv.formula1) == ("list", t.NAME_UNITS)
    assert name_values(wb, t.NAME_UNITS) == list(form.ZHENGZHOU_UNITS)


def test_no_inline_lists_anywhere(entry: Any) -> None:
    for dv in entry.data_validations.dataValidation:
        if dv.type == "list":
            assert '"' not in dv.formula1, dv.formula1


def test_amount_validation_two_places(entry: Any) -> None:
    dv = validations(entry)[f"K{FIRST}:K{LAST}"]
    assert dv.type == "custom"
    assert dv.formula1 == f"AND(ISNUMBER(K{FIRST}),K{FIRST}>=0,ROUND(K{FIRST},2)=K{FIRST})"
    assert entry[f"K{FIRST}"].number_format == "#,##0.00"
    assert entry[f"K{TOTAL}"].number_format == "#,##0.00"


def test_every_validation_has_chinese_prompt_within_excel_limits(entry: Any) -> None:
    dvs = entry.data_validations.dataValidation
    assert len(dvs) >= 11
    for dv in dvs:
        assert dv.showInputMessage and dv.promptTitle and dv.prompt, dv.sqref
        assert len(dv.promptTitle) <= 32 and len(dv.prompt) <= 255
        assert any("\u4e00" <= ch <= "\u9fff" for ch in dv.prompt)
        if dv.type != "any" and dv.type is not None:
            assert dv.showErrorMessage and dv.errorTitle and dv.error, dv.sqref
            assert len(dv.errorTitle) <= 32 and len(dv.error) <= 255


def test_levels_fill_by_formula_from_the_code(wb: Workbook, entry: Any, catalog) -> None:
    d, e = entry[f"D{FIRST}"].value, entry[f"E{FIRST}"].value
    assert f"LEFT($C{FIRST},4),{t.NAME_LEVEL1_TABLE},2" in d
    assert f"LEFT($C{FIRST},6),{t.NAME_LEVEL2_TABLE},2" in e
    assert entry[f"D{LAST}"].value.count(f"$C{LAST}") == 1
    assert [entry.cell(r, 1).value for r in range(FIRST, LAST + 1)] == list(range(1, ROWS + 1))
    level1 = name_values(wb, t.NAME_LEVEL1_TABLE)
    assert level1 == [x for e in catalog.level(1) for x in (e.code, e.name)]
    level2 = name_values(wb, t.NAME_LEVEL2_TABLE)
    assert level2 == [x for e in catalog.level(2) for x in (e.code, e.name)]


# -- protection ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "locked"),
    [
        ("A1", True),  # title
        ("B2", True),  # 填报单位 label
        ("C2", False),  # 填报单位 value (generic: dropdown)
        ("K2", True),  # amount unit is fixed by the template
        ("C3", True),  # header
        (f"A{FIRST}", True),  # 序号
        (f"B{FIRST}", False),
        (f"C{FIRST}", False),
        (f"D{FIRST}", True),  # derived 一级目录
        (f"E{LAST}", True),  # derived 二级目录
        (f"F{LAST}", False),
        (f"H{FIRST}", False),
        (f"K{LAST}", False),
        (f"M{LAST}", False),
        (f"K{TOTAL}", True),  # 合计
        (f"B{TOTAL}", True),
        (f"B{TOTAL + 1}", True),  # below the table
        (f"N{FIRST}", True),  # right of the table
    ],
)
def test_only_input_cells_are_unlocked(entry: Any, cell: str, locked: bool) -> None:
    assert entry[cell].protection.locked is locked


def test_every_sheet_protected_without_password_by_default(wb: Workbook) -> None:
    for ws in wb.worksheets:
        assert ws.protection.sheet is True, ws.title
        assert not ws.protection.password, ws.title


def test_password_option_protects_with_a_password(tmp_path: Path, catalog: Catalog) -> None:
    wb = openpyxl.load_workbook(build(tmp_path, catalog, password="secret"))
    for ws in wb.worksheets:
        assert ws.protection.sheet is True and ws.protection.password, ws.title


# -- layout and print -------------------------------------------------------------------
def test_print_setup_and_view(entry: Any) -> None:
    setup = entry.page_setup
    assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9")
    assert entry.sheet_properties.pageSetUpPr.fitToPage is True
    assert (setup.fitToWidth or 1, setup.fitToHeight) == (1, 0)
    assert entry.print_title_rows == f"$1:${t.HEADER_ROW}"
    footer = entry.oddFooter.center.text
    assert "&P" in footer and "&N" in footer
    assert entry.freeze_panes == f"C{FIRST}"
    widths = {c: entry.column_dimensions[c].width for c in "ABCDEFGHIJKLM"}
    assert widths["C"] >= 30 and widths["A"] < widths["B"]


# -- stamp --------------------------------------------------------------------------------
def expected_stamp(catalog: Catalog, **over: str) -> dict[str, str]:
    stamp = {
        "template_version": form.TEMPLATE_FORMAT_VERSION,
        "catalog_id": catalog.id,
        "catalog_version": catalog.version,
        "catalog_sha256": catalog.sha256,
        "year": "2027",
        "unit": "",
        "amount_unit": "元",
        "rows": str(t.DEFAULT_ROWS),
    }
    return {**stamp, **over}


def read_stamp(wb: Workbook) -> tuple[dict[str, str], dict[str, str]]:
    ws = wb[form.SHEET_STAMP]
    sheet = {r[0]: r[1] or "" for r in ws.iter_rows(values_only=True)}
    props = {
        p.name.removeprefix(form.STAMP_PREFIX): p.value or ""
        for p in wb.custom_doc_props.props
        if p.name.startswith(form.STAMP_PREFIX)
    }
    return sheet, props


def test_generic_stamp_has_no_generation_time(wb: Workbook, catalog: Catalog) -> None:
    sheet, props = read_stamp(wb)
    assert sheet == props == expected_stamp(catalog)
    assert list(sheet) == [k for k in form.STAMP_KEYS if k not in ("generated_at", "round")]


def test_per_unit_stamp_names_the_unit_and_time(tmp_path: Path, catalog: Catalog) -> None:
    path = build(tmp_path, catalog, unit="金水区", amount_unit="万元", stamp_time=FIXED)
    sheet, props = read_stamp(openpyxl.load_workbook(path))
    want = expected_stamp(
        catalog, unit="金水区", amount_unit="万元", generated_at="2026-11-28T09:30:00+00:00"
    )
    assert sheet == props == want
    assert list(sheet) == [k for k in form.STAMP_KEYS if k != "round"]


def test_a_round_template_names_its_round_in_the_stamp(tmp_path: Path, catalog: Catalog) -> None:
    from toolkit import check

    path = build(tmp_path, catalog, unit="金水区", stamp_time=FIXED, round_id="2027-r1")
    sheet, props = read_stamp(openpyxl.load_workbook(path))
    assert sheet["round"] == props["round"] == "2027-r1"
    assert list(sheet) == list(form.STAMP_KEYS)
    [f] = check(path, catalog).files
    assert f.round_id == "2027-r1"


def test_per_unit_stamps_current_time_by_default(tmp_path: Path, catalog: Catalog) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    sheet, _ = read_stamp(openpyxl.load_workbook(build(tmp_path, catalog, unit="中原区")))
    assert before <= datetime.fromisoformat(sheet["generated_at"]) <= datetime.now(UTC)


# -- options ------------------------------------------------------------------------------
def test_per_unit_workbook_prefills_and_locks_the_unit(tmp_path: Path, catalog) -> None:
    wb = openpyxl.load_workbook(build(tmp_path, catalog, unit="管城回族区"))
    ws = wb[form.SHEET_ENTRY]
    value = ws.cell(t.UNIT_ROW, t.UNIT_LABEL_COL + 1)
    assert value.value == "管城回族区" and value.protection.locked is True
    assert "C2" not in validations(ws)


def test_wanyuan_header_validation_and_format(tmp_path: Path, catalog: Catalog) -> None:
    wb = openpyxl.load_workbook(build(tmp_path, catalog, amount_unit="万元"))
    ws = wb[form.SHEET_ENTRY]
    assert ws[f"K{t.HEADER_ROW}"].value == "预算金额（万元）"
    assert ws.cell(t.UNIT_ROW, t.AMOUNT_UNIT_LABEL_COL + 1).value == "万元"
    dv = validations(ws)[f"K{FIRST}:K{LAST}"]
    assert f"ROUND(K{FIRST},6)=K{FIRST}" in dv.formula1
    assert "6" in dv.error and "万元" in dv.prompt
    assert ws[f"K{FIRST}"].number_format == form.AMOUNT_UNIT_SPECS["万元"].number_format


@pytest.mark.parametrize("rows", [1, 17, 500])
def test_rows_option_moves_total_and_ranges(tmp_path: Path, catalog: Catalog, rows: int) -> None:
    ws = openpyxl.load_workbook(build(tmp_path, catalog, rows=rows))[form.SHEET_ENTRY]
    last = FIRST + rows - 1
    assert ws.cell(last + 1, 1).value == form.TOTAL_LABEL
    assert ws.cell(last + 1, 11).value == f"=SUM(K{FIRST}:K{last})"
    assert (f"C{FIRST}:C{last}" if rows > 1 else f"C{FIRST}") in validations(ws)
    assert ws.cell(last + 1 + t.SIGNATURE_GAP, 2).value == form.SIGNATURE_LABELS[0]


def test_custom_unit_list_feeds_the_dropdown(tmp_path: Path, catalog: Catalog) -> None:
    wb = openpyxl.load_workbook(build(tmp_path, catalog, units=["甲单位", "乙单位", "甲单位"]))
    assert name_values(wb, t.NAME_UNITS) == ["甲单位", "乙单位"]


def test_default_year_is_next_calendar_year(tmp_path: Path, catalog: Catalog) -> None:
    path = write_template(catalog, tmp_path / "d.xlsx")
    year = datetime.now().year + 1
    assert openpyxl.load_workbook(path)[form.SHEET_ENTRY]["A1"].value.startswith(f"{year}年度")


@pytest.mark.parametrize(
    "options",
    [
        {"amount_unit": "千元"},
        {"rows": 0},
        {"rows": t.MAX_ROWS + 1},
        {"year": 99},
        {"unit": "  "},
        {"unit": "中原\x07区"},
        {"units": []},
        {"colour": "red"},
    ],
)
def test_bad_options_are_refused(tmp_path: Path, catalog: Catalog, options) -> None:
    with pytest.raises((ValueError, TypeError)):
        write_template(catalog, tmp_path / "x.xlsx", **options)
    assert not list(tmp_path.iterdir())  # nothing half-written


# -- cascade ------------------------------------------------------------------------------
def test_cascade_names_and_dependent_dropdowns(tmp_path: Path, catalog: Catalog) -> None:
    wb = openpyxl.load_workbook(build(tmp_path, catalog, cascade=True))
    ws = wb[form.SHEET_ENTRY]
    assert name_values(wb, t.NAME_LEVEL1_LABELS) == [e.label for e in catalog.level(1)]
    assert name_values(wb, t.NAME_LEVEL2_LABELS) == [e.label for e in catalog.level(2)]
    for e in catalog.level(1):
        subs = name_values(wb, t.CASCADE_SUB_PREFIX + e.code)
        assert subs == [c.label for c in catalog.children(e.code)]
        leaves = name_values(wb, t.CASCADE_LEAF_PREFIX + e.code)
        assert leaves == [x.label for x in catalog.leaves if x.code.startswith(e.code)]
    for e in catalog.level(2):
        leaves = name_values(wb, t.CASCADE_LEAF_PREFIX + e.code)
        assert leaves == [c.label for c in catalog.children(e.code)]
    assert "Leaf_033A01" in wb.defined_names and len(name_values(wb, "Leaf_033A01")) == 9
    dvs = validations(ws)
    assert dvs[f"D{FIRST}:D{LAST}"].formula1 == t.NAME_LEVEL1_LABELS
    assert 'INDIRECT("Sub_"&LEFT($D4,4))' in dvs[f"E{FIRST}:E{LAST}"].formula1
    code_source = dvs[f"C{FIRST}:C{LAST}"].formula1
    assert 'INDIRECT("Leaf_"&LEFT($E4,6))' in code_source and t.NAME_LEAVES in code_source
    for cell in (f"D{FIRST}", f"E{LAST}"):
        assert ws[cell].protection.locked is False and ws[cell].value is None


def test_flat_default_has_no_cascade_names(wb: Workbook) -> None:
    assert not [n for n in wb.defined_names if n.startswith(("Sub_", "Leaf_", "Level1L"))]


# -- per-unit output ----------------------------------------------------------------------
def test_write_templates_one_workbook_per_unit(tmp_path: Path, catalog: Catalog) -> None:
    units = ["中原区", "郑州航空港经济综合实验区", "a/b:c", "a_b_c"]
    paths = write_templates(catalog, tmp_path / "out", units, year=2027, stamp_time=FIXED)
    assert [p.name for p in paths] == [
        "2027_中原区_预算表.xlsx",
        "2027_郑州航空港经济综合实验区_预算表.xlsx",
        "2027_a_b_c_预算表.xlsx",
        "2027_a_b_c_预算表_2.xlsx",
    ]
    for path, unit in zip(paths, units, strict=True):
        wb = openpyxl.load_workbook(path)
        assert wb[form.SHEET_ENTRY]["C2"].value == unit
        assert read_stamp(wb)[0]["unit"] == unit
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("中原区", "中原区"),
        ('a<b>c:"d"/e\\f|g?h*', "a_b_c_d_e_f_g_h_"),
        ("  .隐藏. ", "隐藏"),
        ("CON", "_CON"),
        ("", "_"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert t.safe_filename(name) == safe


# -- determinism --------------------------------------------------------------------------
def test_same_inputs_give_identical_bytes(tmp_path: Path, catalog: Catalog) -> None:
    a = build(tmp_path, catalog, name="a.xlsx", cascade=True, amount_unit="万元")
    b = build(tmp_path, catalog, name="b.xlsx", cascade=True, amount_unit="万元")
    assert a.read_bytes() == b.read_bytes()
    c = build(tmp_path, catalog, name="c.xlsx", unit="中原区", stamp_time=FIXED)
    d = build(tmp_path, catalog, name="d.xlsx", unit="中原区", stamp_time=FIXED)
    assert c.read_bytes() == d.read_bytes()
    props = openpyxl.load_workbook(a).properties
    assert props.created == t.FIXED_CREATED


# -- LibreOffice --------------------------------------------------------------------------
@pytest.mark.libreoffice
def test_libreoffice_resave_keeps_validations_and_names(
    generic: Path, tmp_path: Path, lo_convert, catalog: Catalog
) -> None:
    resaved = lo_convert(generic, tmp_path / "lo")
    wb = openpyxl.load_workbook(resaved)
    for name in (t.NAME_LEAVES, t.NAME_UNITS, *t.LIST_NAMES.values()):
        assert name in wb.defined_names, name
    assert name_values(wb, t.NAME_LEAVES) == [e.label for e in catalog.leaves]
    ws = wb[form.SHEET_ENTRY]
    lists = {str(dv.sqref): dv.formula1 for dv in validations(ws).values() if dv.type == "list"}
    assert lists[f"C{FIRST}:C{LAST}"] == t.NAME_LEAVES
    assert lists["C2"] == t.NAME_UNITS
    assert set(lists.values()) >= {t.NAME_LEAVES, *t.LIST_NAMES.values()}
    assert [c.value for c in ws[t.HEADER_ROW]][:13] == list(form.HEADER_LABELS)


@pytest.mark.libreoffice
def test_libreoffice_recalculates_derived_levels_of_filled_rows(
    generic: Path, tmp_path: Path, lo_convert, catalog: Catalog
) -> None:
    wb = openpyxl.load_workbook(generic)
    ws = wb[form.SHEET_ENTRY]
    chosen = {FIRST: "033A0101", FIRST + 1: "033B0201", FIRST + 5: "033C0506"}
    for row, code in chosen.items():
        ws[f"B{row}"] = f"项目{row}"
        ws[f"C{row}"] = catalog[code].label
        ws[f"K{row}"] = 1000.25
    ws[f"C{FIRST + 2}"] = "033A0203"  # a bare code (pasted) still derives its levels
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    out = openpyxl.load_workbook(lo_convert(filled, tmp_path / "lo"), data_only=True)
    ws = out[form.SHEET_ENTRY]
    for row, code in {**chosen, FIRST + 2: "033A0203"}.items():
        assert ws[f"D{row}"].value == catalog.level1(code).name
        assert ws[f"E{row}"].value == catalog.level2(code).name
    assert ws[f"D{FIRST + 3}"].value in (None, "")  # empty rows stay empty
    assert [ws[f"A{r}"].value for r in (FIRST, FIRST + 4, LAST)] == [1, 5, ROWS]
    assert ws[f"K{TOTAL}"].value == pytest.approx(3000.75)


@pytest.mark.libreoffice
def test_libreoffice_resolves_cascade_names_through_indirect(
    tmp_path: Path, lo_convert, catalog: Catalog
) -> None:
    path = build(tmp_path, catalog, cascade=True)
    resaved = openpyxl.load_workbook(lo_convert(path, tmp_path / "lo"))
    assert "Leaf_033A01" in resaved.defined_names and "Sub_033C" in resaved.defined_names
    kinds = {dv.formula1 for dv in validations(resaved[form.SHEET_ENTRY]).values()}
    assert any("INDIRECT" in (k or "") for k in kinds)
    wb = openpyxl.load_workbook(path)
    ws = wb[form.SHEET_ENTRY]
    ws["D4"] = catalog["033A"].label
    ws["N4"] = '=ROWS(INDIRECT("Sub_"&LEFT($D4,4)))'
    ws["N5"] = '=ROWS(INDIRECT("Leaf_033A01"))'
    probe = tmp_path / "probe.xlsx"
    wb.save(probe)
    ws = openpyxl.load_workbook(lo_convert(probe, tmp_path / "lo2"), data_only=True)
    assert ws[form.SHEET_ENTRY]["N4"].value == len(catalog.children("033A"))
    assert ws[form.SHEET_ENTRY]["N5"].value == len(catalog.children("033A01"))


def test_other_catalogue_deprecated_leaf_and_fourth_level(tmp_path: Path, catalog: Catalog) -> None:
    doc = catalog.to_dict()
    doc["id"], doc["version"] = "test-catalog", "9"
    for entry in doc["entries"]:
        if entry["code"] == "033A0102":
            entry["status"] = "deprecated"
    doc["entries"].append(
        {"code": "033C050601", "name": "车辆租赁", "level": 4, "parent": "033C0506"}
    )
    other = Catalog.from_dict(doc)
    wb = openpyxl.load_workbook(build(tmp_path, other, cascade=True))
    leaves = name_values(wb, t.NAME_LEAVES)
    assert "033A0102 社区养老服务" not in leaves  # deprecated: not offered
    assert leaves[-1] == "033C050601 车辆租赁" and "033C0506 其他" not in leaves
    assert len(leaves) == 72 - 2 + 1
    assert name_values(wb, "Leaf_033C05")[-1] == "033C050601 车辆租赁"
    rows = {r[0]: r for r in wb[form.SHEET_CATALOG].iter_rows(min_row=4, values_only=True)}
    assert rows["033A0102"][4] and rows["033C050601"][2] == "四级"
    sheet, _ = read_stamp(wb)
    assert (sheet["catalog_id"], sheet["catalog_version"]) == ("test-catalog", "9")
    assert sheet["catalog_sha256"] == other.sha256 != catalog.sha256


@pytest.mark.parametrize("call", ["write_template", "write_templates"])
def test_a_single_string_is_not_a_unit_list(tmp_path: Path, catalog: Catalog, call: str) -> None:
    with pytest.raises(TypeError):
        if call == "write_template":
            write_template(catalog, tmp_path / "x.xlsx", units="中原区")
        else:
            write_templates(catalog, tmp_path, "中原区")
