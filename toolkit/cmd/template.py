"""`budget-toolkit template`: one workbook, one per unit, or one per unit of a round."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from toolkit import form
from toolkit.cmd.common import (
    CONTEXT_SETTINGS,
    _catalog,
    catalog_option,
)
from toolkit.cmd.store_common import round_options


@click.command("template", context_settings=CONTEXT_SETTINGS)
@catalog_option
@click.option(
    "--year",
    type=click.IntRange(1900, 9999),
    help="Budget year in the title and stamp (default: next calendar year).",
)
@click.option(
    "--unit-name",
    "unit_names",
    multiple=True,
    metavar="NAME",
    help="Prefill 填报单位 (repeatable). One name: OUT may be the .xlsx file; "
    "several: OUT is a folder with one workbook per unit.",
)
@click.option(
    "--units",
    "units_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Unit list file (one name a line, # comments). OUT a folder: one workbook per "
    "unit; OUT an .xlsx file: a generic workbook whose 填报单位 dropdown lists these units.",
)
@click.option(
    "--rows",
    type=click.IntRange(1, 10_000),
    default=200,
    show_default=True,
    help="Number of input rows.",
)
@click.option(
    "--amount-unit",
    type=click.Choice(list(form.AMOUNT_UNITS)),
    default="元",
    show_default=True,
    help="Unit of 预算金额 (2 decimals in 元, 6 in 万元).",
)
@click.option(
    "--cascade",
    is_flag=True,
    help="Make 一级目录/二级目录 dropdowns that narrow the 目录编码 list (uses INDIRECT); "
    "by default they are filled by formula from the chosen code.",
)
@click.option(
    "--password", default=None, help="Sheet protection password (default: protected, no password)."
)
@click.option(
    "--deadline",
    default=None,
    metavar="TEXT",
    help="Deadline shown in 填报说明, e.g. 2026年12月15日.",
)
@click.option(
    "--timestamp/--no-timestamp",
    default=None,
    help="Stamp the generation time (default: in per-unit workbooks only, so the generic "
    "template is byte-stable).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format of the summary.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help="OUT.xlsx for one workbook, or a folder for one workbook per unit.",
)
@round_options
def template(
    catalog_path: str | None,
    year: int | None,
    unit_names: tuple[str, ...],
    units_file: str | None,
    rows: int,
    amount_unit: str,
    cascade: bool,
    password: str | None,
    deadline: str | None,
    timestamp: bool | None,
    fmt: str,
    output: str,
    data_dir: str | None,
    round_id: str | None,
    database: str | None,
) -> None:
    """Write the budget template: one workbook, or one per reporting unit into a folder.

    \b
    budget-toolkit template --year 2027 -o templates/budget_template.xlsx
    budget-toolkit template --unit-name 中原区 -o 2027_中原区_预算表.xlsx
    budget-toolkit template --units units.txt -o out/
    budget-toolkit template --data 报送数据 --round 2027-01-3fa9c2 -o 下发模板/
    """
    from toolkit.form import load_units
    from toolkit.template import write_template, write_templates

    if data_dir or round_id:  # a reporting round's templates (toolkit.store)
        from toolkit.cmd.store_common import round_templates

        options = {"rows": rows, "cascade": cascade, "password": password, "stamp_time": timestamp}
        ctx = click.get_current_context()
        round_templates(ctx, data_dir, round_id, database, output, unit_names, fmt, options)
        return
    if unit_names and units_file:
        raise click.UsageError("--unit-name and --units cannot be used together")
    out = Path(output)
    single_file = out.suffix.lower() == ".xlsx"
    options: dict[str, Any] = {
        "rows": rows,
        "amount_unit": amount_unit,
        "cascade": cascade,
        "password": password,
        "deadline": deadline,
        "stamp_time": timestamp,
    }
    if year is not None:
        options["year"] = year
    try:
        units = load_units(units_file) if units_file else tuple(unit_names)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--units") from exc
    cat = _catalog(catalog_path)
    try:
        if not units or (units_file and single_file):
            if not single_file:
                raise click.BadParameter(
                    "a generic template needs an .xlsx file name", param_hint="-o"
                )
            written = [write_template(cat, out, units=units or load_units(None), **options)]
        elif len(unit_names) == 1 and single_file:
            written = [write_template(cat, out, unit=unit_names[0], **options)]
        else:
            if single_file:
                raise click.BadParameter(
                    "several units need a folder, not an .xlsx file", param_hint="-o"
                )
            written = write_templates(cat, out, units, **options)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if fmt == "json":
        files = [str(p) for p in written]
        click.echo(json.dumps({"files": files, "count": len(files)}, ensure_ascii=False))
        return
    for path in written:
        click.echo(str(path))
    click.echo(f"已生成 {len(written)} 个预算模板")
