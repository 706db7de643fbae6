"""`budget-toolkit catalog`: check, show, import and export catalogues."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from toolkit.cmd.common import (
    CONTEXT_SETTINGS,
    _catalog,
)


@click.group(context_settings=CONTEXT_SETTINGS)
def catalog() -> None:
    """Check, show, import and export catalogues (built-in one when PATH is omitted)."""


@catalog.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def catalog_check(path: str | None) -> None:
    """Validate a catalogue (.json, .xlsx, .csv): exit 0 valid, 1 invalid, every problem listed."""
    from toolkit.catalog import Catalog, CatalogError, read_catalog_document

    try:
        doc = read_catalog_document(path) if path else None
        cat = Catalog.from_dict(doc, source=path) if path else _catalog(None)
    except CatalogError as exc:
        click.echo(f"目录无效：{path}", err=True)
        for problem in exc.problems or [exc]:
            click.echo(f"  {problem}", err=True)
        if exc.problems:
            click.echo(f"共 {len(exc.problems)} 个问题", err=True)
        sys.exit(1)
    counts = "/".join(str(len(cat.level(n))) for n in (1, 2, 3))
    click.echo(
        f"目录有效：{cat.title}（{cat.id} 版本 {cat.version}），"
        f"{len(cat)} 个编码，各级 {counts}，SHA-256 {cat.sha256}"
    )


@catalog.command("show")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["tree", "json", "csv"]), default="tree", show_default=True
)
def catalog_show(path: str | None, fmt: str) -> None:
    """Print a catalogue as an indented tree, as JSON, or as CSV."""
    cat = _catalog(path)
    if fmt == "json":
        click.echo(json.dumps(cat.to_dict(), ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["code", "name", "level", "parent", "description"])
        for e in cat:
            writer.writerow([e.code, e.name, e.level, e.parent or "", e.description])
        return
    meta = cat.metadata
    click.echo(f"{cat.title}（{meta.get('document_number', '')}，{meta.get('issue_date', '')}）")
    for e in cat:
        indent = "  " * (e.level - 1)
        click.echo(f"{indent}{e.code} {e.name}")
        if e.description:
            click.echo(f"{indent}    说明：{e.description}")
        for note in e.annotations:
            click.echo(f"{indent}    [批注 {note.get('author', '')}] {note['text']}")


@catalog.command("import")
@click.argument("src", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="OUT.json")
@click.option(
    "--meta",
    "meta",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set catalogue metadata the table lacks (repeatable), e.g. --meta id=my-dept-2024.",
)
def catalog_import(src: str, output: str, meta: tuple[str, ...]) -> None:
    """Import a catalogue from .xlsx or .csv (notice table form or code/name/description)."""
    from toolkit.catalog import Catalog, CatalogError
    from toolkit.catalog.io import LIST_KEYS, export_catalog, import_catalog

    overrides: dict[str, Any] = {}
    for item in meta:
        if "=" not in item:
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--meta")
        key, value = item.split("=", 1)
        overrides[key] = [v for v in value.split(",") if v] if key in LIST_KEYS else value
    try:
        cat = Catalog.from_dict(import_catalog(src, overrides), source=src)
    except CatalogError as exc:
        click.echo(str(exc).splitlines()[0], err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    export_catalog(cat, output)
    click.echo(f"已导入 {len(cat)} 个编码 -> {output}")


@catalog.command("export")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="OUT.json, OUT.csv or OUT.xlsx (format from the suffix).",
)
def catalog_export(path: str | None, output: str) -> None:
    """Export a catalogue to .json, .csv (UTF-8 with BOM) or .xlsx."""
    from toolkit.catalog.io import export_catalog

    if Path(output).suffix.lower() not in (".json", ".csv", ".xlsx"):
        raise click.BadParameter("use a .json, .csv or .xlsx file name", param_hint="-o")
    cat = _catalog(path)
    export_catalog(cat, output)
    click.echo(f"已导出 {len(cat)} 个编码 -> {output}")
