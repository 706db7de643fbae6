"""Build submission workbooks in ``tmp_path`` from a few lines of data, for any test.

Two ways to get a filled-in workbook, both returning the path written:

- ``build_submission(path, rows, ...)`` writes the form with openpyxl, the way a script
  would: no cached formula values at all. Knobs reshape it the way clerks do (rows
  inserted above, columns reordered, a 万元 header, no stamp, a typed-over 合计 ...).
- ``fill_template(template, path, rows, ...)`` fills a real template (from
  ``toolkit.template.write_template``, or any workbook with the form's header) by label,
  keeping its dropdowns, formulas and hidden sheets; ``build_from_template(...)`` writes
  the template first (``pytest.importorskip`` is NOT used: call ``has_template()``).

Rows are dicts keyed by field name (``toolkit.form.FIELDS`` names: ``project``,
``code``, ``amount``, ``method`` ...); ``line(**overrides)`` gives a valid line item to
start from, so a test states only what it is about::

    path = build_submission(tmp_path / "a.xlsx", [line(), line(code="999X")])
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from toolkit import form
from toolkit.read.header import find_header
from toolkit.text import label_key

FIELDS = tuple(f.name for f in form.FIELDS)  # header order of the form
FIELD_LABELS = {f.name: f.header("元") for f in form.FIELDS}
TITLE = "{year}年度政府购买服务预算表"

# A valid catalogue leaf of the built-in catalogue and a valid line around it.
LEAF = "033A0101"
LEAF_NAME = "居家养老服务"


def line(**overrides: Any) -> dict[str, Any]:
    """A valid line item (built-in catalogue); override only the fields a test is about."""
    row: dict[str, Any] = {
        "project": "社区居家养老服务项目",
        "code": LEAF,
        "content": "上门助餐、助洁服务",
        "provider": "郑州市某养老服务中心",
        "provider_type": "社会组织",
        "method": "公开招标",
        "funding": "一般公共预算",
        "amount": 120000,
        "target": "服务老人 500 人次",
        "note": "",
    }
    row.update(overrides)
    return row


def stamp_for(
    catalog: Any,
    *,
    year: int = 2027,
    unit: str = "",
    amount_unit: str = "元",
    generated_at: str | None = "2026-11-01T08:00:00+00:00",
) -> dict[str, str]:
    """The stamp the template writer puts in a workbook made for ``catalog``."""
    stamp = {
        "template_version": form.TEMPLATE_FORMAT_VERSION,
        "catalog_id": catalog.id,
        "catalog_version": catalog.version,
        "catalog_sha256": catalog.sha256,
        "year": str(year),
        "unit": unit,
        "amount_unit": amount_unit,
    }
    if generated_at:
        stamp["generated_at"] = generated_at
    return stamp


def build_submission(
    path: Path,
    rows: Sequence[Mapping[str, Any] | None],
    *,
    unit: str | None = "中原区",
    year: int = 2027,
    amount_unit: str = "元",
    unit_in_header: bool = True,
    stamp: Mapping[str, str] | str | None = "auto",
    stamp_in: str = "both",
    columns: Sequence[str] = FIELDS,
    header_labels: Mapping[str, str] | None = None,
    rows_above: int = 0,
    total: Any = "formula",
    sheet_name: str = form.SHEET_ENTRY,
    cells: Mapping[str, Any] | None = None,
    signature: bool = True,
) -> Path:
    """Write a filled form with openpyxl (no cached values); return ``path``.

    ``rows``: dicts of field -> value (None = a blank row, kept so row numbers move).
    ``stamp``: "auto" (the built-in catalogue's stamp for this year and amount unit),
    a stamp dict (``stamp_for(catalog, ...)``), or None for no stamp;
    ``stamp_in``: "both", "properties" or "sheet". ``columns``: field order (drop or
    reorder columns). ``header_labels``: field -> header text to write instead.
    ``rows_above``: extra rows inserted above the header (a note row each).
    ``total``: "formula" (=SUM over the amounts), a value to type in, or None (no row).
    ``cells``: A1 -> value written last on the entry sheet (a string starting with "="
    becomes a formula, as openpyxl does).
    """
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name
    ws.cell(1, 1, TITLE.format(year=year))
    for i in range(rows_above):
        ws.cell(2 + i, 1, f"（插入的说明行 {i + 1}）")
    unit_row = 2 + rows_above
    ws.cell(unit_row, 2, form.UNIT_LABEL)
    if unit is not None:
        ws.cell(unit_row, 3, unit)
    ws.cell(unit_row, 10, form.AMOUNT_UNIT_LABEL)
    ws.cell(unit_row, 11, amount_unit)
    header_row = unit_row + 1
    labels = dict(FIELD_LABELS)
    labels["amount"] = form.amount_header(amount_unit) if unit_in_header else form.COL_AMOUNT
    labels.update(header_labels or {})
    col = {f: i for i, f in enumerate(columns, start=1)}
    for f, c in col.items():
        ws.cell(header_row, c, labels[f])
    r = header_row
    for item in rows:
        r += 1
        if item is None:
            continue
        for f, value in item.items():
            if f in col and value is not None and value != "":
                ws.cell(r, col[f], value)
        if "seq" in col and "seq" not in item:
            ws.cell(r, col["seq"], r - header_row)
    if total is not None:
        r += 1
        ws.cell(r, 1, form.TOTAL_LABEL)
        if "amount" in col:
            letter = ws.cell(r, col["amount"]).column_letter
            ws.cell(
                r,
                col["amount"],
                f"=SUM({letter}{header_row + 1}:{letter}{r - 1})" if total == "formula" else total,
            )
    if signature:
        ws.cell(r + 2, 1, form.SIGNATURE_LABELS[0] + "：")
        ws.cell(r + 2, 4, form.SIGNATURE_LABELS[1] + "：")
    for ref, value in (cells or {}).items():
        ws[ref] = value
    if stamp == "auto":
        from toolkit.catalog import load_catalog

        stamp = stamp_for(load_catalog(), year=year, amount_unit=amount_unit)
    if isinstance(stamp, Mapping):
        if stamp_in in ("both", "sheet"):
            hidden = wb.create_sheet(form.SHEET_STAMP)
            hidden.sheet_state = "hidden"
            for i, (k, v) in enumerate(stamp.items(), start=1):
                hidden.cell(i, 1, k)
                hidden.cell(i, 2, v).data_type = "s"
        if stamp_in in ("both", "properties"):
            for k, v in stamp.items():
                wb.custom_doc_props.append(StringProperty(name=form.STAMP_PREFIX + k, value=v))
    wb.save(path)
    return path


# -- via the real template ---------------------------------------------------------------
def has_template() -> bool:
    """True when the template writer (``toolkit.template`` and its sheets) is installed."""
    return all(
        importlib.util.find_spec(m) is not None
        for m in ("toolkit.template", "toolkit.template.sheets")
    )


def fill_template(
    template: Path, path: Path, rows: Iterable[Mapping[str, Any] | None], *, unit: str | None = None
) -> Path:
    """Fill a template workbook by label (header row, 填报单位 cell) and save it as ``path``.

    Everything else in the template (dropdowns, formulas, hidden sheets, the stamp) is
    left as it is, as a clerk's Excel would.
    """
    from openpyxl import load_workbook

    wb = load_workbook(template)
    ws = wb[form.SHEET_ENTRY]
    grid = [list(r) for r in ws.iter_rows(max_row=60, values_only=True)]
    found = find_header(grid)
    assert found is not None, f"no header row in {template}"
    hr, columns = found.row - 1, found.columns
    if unit is not None:
        for r, row in enumerate(grid[:hr]):
            for c, value in enumerate(row):
                if label_key(value)[0] == form.UNIT_LABEL:
                    ws.cell(r + 1, c + 2, unit)
    r = hr + 1
    for item in rows:
        r += 1
        for f, value in (item or {}).items():
            if f in columns and value is not None and value != "":
                ws.cell(r, columns[f], value)
    wb.save(path)
    return path


def build_from_template(
    catalog: Any, tmp: Path, name: str, items: Sequence[Mapping[str, Any] | None], **options: Any
) -> Path:
    """Write a real template (``toolkit.write_template``) for ``options`` and fill it.

    ``options`` are the template's (year, unit, rows, amount_unit, cascade ...); without
    ``unit`` the generic template is filled in for 中原区.
    """
    from toolkit.template import write_template

    unit = options.get("unit")
    template = write_template(catalog, tmp / f"template-{name}", **options)
    return fill_template(template, tmp / name, items, unit=None if unit else "中原区")


def patch_part(path: Path, part: str, old: str | bytes, new: str | bytes, count: int = -1) -> Path:
    """Rewrite one member of a workbook's zip in place (raw XML the libraries won't write).

    E.g. an ``_x0007_`` escape (a control character as Excel stores it), or cells
    without ``r`` attributes. Asserts that ``old`` occurs, so a test cannot silently
    patch nothing.
    """
    import zipfile

    old_b = old.encode() if isinstance(old, str) else old
    new_b = new.encode() if isinstance(new, str) else new
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info)) for info in zin.infolist()]
    names = [info.filename for info, _ in items]
    assert part in names, f"{part} not in {names}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == part:
                assert old_b in data, f"{old!r} not found in {part}"
                data = data.replace(old_b, new_b, count)
            zout.writestr(info, data)
    return path


def entry_part(path: Path) -> str:
    """The zip member holding the entry sheet (``xl/worksheets/sheetN.xml``)."""

    from toolkit.xlsx.package import Package

    with Package(path) as pkg:
        info = pkg.workbook.sheet(form.SHEET_ENTRY)
    assert info is not None
    return info.part
