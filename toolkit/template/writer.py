"""Write template workbooks: the public entry points over the layout and the sheet writers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit import form
from toolkit.safety import atomic_write
from toolkit.template import guide, sheets
from toolkit.template.entry import write_entry
from toolkit.template.layout import (
    FIXED_CREATED,
    CatalogView,
    TemplateOptions,
    _clean_unit,
    catalog_view,
    template_filename,
    template_stamp,
)

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog


# -- public entry points ----------------------------------------------------------------
def write_template(catalog: Catalog, path: str | Path, **options: Any) -> Path:
    """Write one template workbook to ``path`` (atomically) and return the path.

    Options are the fields of ``TemplateOptions``: year, unit (None = generic workbook
    with a unit dropdown), units, rows, amount_unit, cascade, password, stamp_time,
    deadline.
    """
    opts = TemplateOptions(**options)
    view = catalog_view(catalog)
    target = Path(path)
    with atomic_write(target) as tmp:
        _write(catalog, view, opts, tmp)
    return target


def write_templates(
    catalog: Catalog, outdir: str | Path, units: Iterable[str], **options: Any
) -> list[Path]:
    """Write one workbook per unit into ``outdir`` (``2027_中原区_预算表.xlsx`` ...).

    File names are made safe for every operating system; two units whose safe names
    collide get a numeric suffix rather than overwriting each other.
    """
    if "unit" in options:
        raise TypeError("write_templates() takes the unit names as `units`, not `unit`")
    if isinstance(units, str):
        raise TypeError("units must be a list of unit names, not one string")
    base = TemplateOptions(**options)
    names = tuple(dict.fromkeys(_clean_unit(u) for u in units))
    if not names:
        raise ValueError("单位名单为空")
    view = catalog_view(catalog)
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    taken: set[str] = set()
    for unit in names:
        filename = template_filename(base.year, unit)
        stem, n = filename[: -len(".xlsx")], 2
        while filename.casefold() in taken:
            filename, n = f"{stem}_{n}.xlsx", n + 1
        taken.add(filename.casefold())
        target = out / filename
        with atomic_write(target) as tmp:
            _write(catalog, view, replace(base, unit=unit), tmp)
        written.append(target)
    return written


def _write(catalog: Catalog, view: CatalogView, opts: TemplateOptions, path: Path) -> None:
    import xlsxwriter

    stamp = template_stamp(catalog, opts)
    workbook = xlsxwriter.Workbook(
        str(path),
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    generated = stamp.get("generated_at")
    created = (
        datetime.fromisoformat(generated).astimezone(UTC).replace(tzinfo=None)
        if generated
        else FIXED_CREATED
    )
    workbook.set_properties(
        {
            "title": opts.title,
            "subject": f"{catalog.title}（{catalog.version}）",
            "author": "budget-toolkit",
            "company": opts.unit or "",
            "keywords": "政府购买服务, 预算, budget-toolkit",
            "comments": (
                f"模板格式 {form.TEMPLATE_FORMAT_VERSION}；目录 {catalog.id} {catalog.version}"
            ),
            "created": created,
        }
    )
    for key, value in stamp.items():
        workbook.set_custom_property(form.STAMP_PREFIX + key, value, "text")

    fmt = sheets.Formats(workbook, opts.amount_unit)
    guide_sheet = workbook.add_worksheet(form.SHEET_GUIDE)
    entry = workbook.add_worksheet(form.SHEET_ENTRY)
    tree = workbook.add_worksheet(form.SHEET_CATALOG)
    lists = workbook.add_worksheet(form.SHEET_LISTS)
    stamp_sheet = workbook.add_worksheet(form.SHEET_STAMP)

    guide.write_guide(guide_sheet, fmt, catalog, view, opts)
    write_entry(entry, fmt, view, opts)
    sheets.write_catalog(tree, fmt, catalog, view, opts.password or "")
    sheets.write_lists(workbook, lists, fmt, view, opts)
    sheets.write_stamp(stamp_sheet, fmt, stamp, opts.password or "")
    entry.activate()
    workbook.close()
