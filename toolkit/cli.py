"""Command line: parse options, call the library, render, choose the exit code.

Only this module prints or exits. Exit codes: 0 clean, 1 problems found (or the work
could not go on), 2 usage error. No traceback reaches the user unless ``--debug``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from toolkit import __version__
from toolkit.store.commands import round_options
from toolkit.xlsx.preflight import DEFAULT_LIMITS as _LIMITS

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class ToolkitGroup(click.Group):
    """Turns any exception a command lets through into a one-line message (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _fail(exc)


def _fail(exc: BaseException) -> NoReturn:
    from toolkit.catalog import CatalogError

    if isinstance(exc, BrokenPipeError):  # `budget-toolkit ... | head`
        sys.exit(0)
    if isinstance(exc, CatalogError):
        click.echo(f"错误：{exc}", err=True)
    elif isinstance(exc, OSError):
        click.echo(f"错误：{exc.strerror or exc}：{exc.filename or ''}", err=True)
    else:
        click.echo(f"错误：{type(exc).__name__}: {exc}（加 --debug 查看详细信息）", err=True)
    sys.exit(1)


@click.group(cls=ToolkitGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="budget-toolkit")
@click.option("--debug", is_flag=True, help="Show full tracebacks on unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """政府购买服务预算工具 — budget toolkit for government-purchased services.

    Catalogue -> template -> check -> roll-up -> report, on the built-in Zhengzhou
    civil-affairs catalogue (郑财社〔2020〕34号) unless -c/--catalog names another.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _catalog(path: str | None) -> Any:
    from toolkit.catalog import load_catalog

    return load_catalog(path)


catalog_option = click.option(
    "-c",
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Catalogue (.json, .xlsx, .csv); default: the built-in Zhengzhou one.",
)


# -- catalog ------------------------------------------------------------------------------
@cli.group(context_settings=CONTEXT_SETTINGS)
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


# -- template -----------------------------------------------------------------------------
@cli.command("template", context_settings=CONTEXT_SETTINGS)
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
    type=click.Choice(["元", "万元"]),
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
        from toolkit.store.commands import round_templates

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


# -- check --------------------------------------------------------------------------------
def _limits(max_file_mb: float | None, max_rows: int | None, timeout: float | None) -> Any:
    """The safety limits (toolkit.xlsx.preflight.Limits) from the CLI's options."""
    from toolkit.xlsx.preflight import Limits

    return Limits.from_options(max_file_mb=max_file_mb, max_rows=max_rows, timeout=timeout)


def _check_paths(
    paths: tuple[str, ...],
    *,
    catalog_path: str | None,
    units_file: str | None,
    stamp_mismatch: str,
    max_amount: str,
    jobs: int | None,
    max_file_mb: float | None,
    max_rows: int | None,
    timeout: float | None,
    year: int | None = None,
    prefer: tuple[str, ...] = (),
    outputs: dict[str, str | None] | None = None,
    progress: Any = None,
) -> tuple[Any, tuple[str, ...]]:
    """Read and check PATHS with the reading options `check` and `rollup` share."""
    from toolkit.safety import refuse_inputs

    try:
        refuse_inputs(paths, outputs or {})
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    from toolkit.form import load_units
    from toolkit.rules.batch import check

    cap = _yuan(max_amount)
    try:
        units = load_units(units_file)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--units") from exc
    result = check(
        list(paths),
        _catalog(catalog_path),
        progress=progress,
        units=units,
        stamp_mismatch=stamp_mismatch,
        max_amount=cap,
        jobs=jobs,
        limits=_limits(max_file_mb, max_rows, timeout),
        year=year,
        prefer=prefer,
    )
    return result, units


def _yuan(value: str) -> Any:
    from decimal import Decimal, InvalidOperation

    try:
        cap = Decimal(value.replace(",", ""))
    except InvalidOperation:
        cap = Decimal(-1)
    if not cap.is_finite() or cap <= 0 or cap > 10**13:
        raise click.BadParameter(
            f"需要不超过 10 万亿的正数（元），得到 {value!r}", param_hint="--max-amount"
        )
    return cap


class JobsType(click.ParamType):
    """``--jobs N`` (1-64) or ``--jobs auto`` (-> None: the library picks by file count)."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        try:
            n = int(value)
        except (TypeError, ValueError):
            n = 0
        if not 1 <= n <= 64:
            self.fail(f"需要 1 到 64 之间的整数或 auto，得到 {value!r}", param, ctx)
        return n


@cli.command("check", context_settings=CONTEXT_SETTINGS)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@catalog_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format (JSON shape: README, 'JSON format').",
)
@click.option(
    "--annotate",
    "annotate_dir",
    type=click.Path(file_okay=False),
    help="Write an annotated copy of every file with issues into DIR (originals untouched).",
)
@click.option(
    "--units",
    "units_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Unit list file (one name a line, # comments); default: the Zhengzhou units.",
)
@click.option(
    "--stamp-mismatch",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Severity when a file's stamp names another catalogue or catalogue version.",
)
@click.option(
    "--max-amount",
    metavar="YUAN",
    default="1000000000",
    show_default=True,
    help="Largest amount one line may carry, in 元 (larger: amount-too-large).",
)
@click.option(
    "--jobs",
    type=JobsType(),
    metavar="N|auto",
    default="auto",
    show_default=True,
    help="Worker processes (1-64), or auto: one per CPU when each gets at least 8 files.",
)
@click.option(
    "--max-file-mb",
    type=click.FloatRange(min=0, min_open=True),
    metavar="MB",
    help=f"Largest workbook accepted, in MB (default {_LIMITS.max_file_bytes / 2**20:g}); "
    "larger: limit-exceeded.",
)
@click.option(
    "--max-rows",
    type=click.IntRange(min=1),
    metavar="N",
    help=f"Most rows in any sheet of a workbook (default {_LIMITS.max_rows:,}).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help=f"Time allowed for one file's safety scan (default {_LIMITS.max_seconds:g}).",
)
@click.option(
    "--year",
    type=click.IntRange(1900, 9999),
    metavar="YYYY",
    help="Budget year to check and total; files of another (or an unknown) year are refused. "
    "Without it, a batch of several years is an error.",
)
@click.option(
    "--prefer",
    "prefer",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="The file that counts when a unit sent several for one year (repeatable).",
)
def check_cmd(
    paths: tuple[str, ...],
    catalog_path: str | None,
    fmt: str,
    annotate_dir: str | None,
    units_file: str | None,
    stamp_mismatch: str,
    max_amount: str,
    jobs: int | None,
    max_file_mb: float | None,
    max_rows: int | None,
    timeout: float | None,
    year: int | None,
    prefer: tuple[str, ...],
) -> None:
    """Check filled-in budget workbooks (files or folders): exit 0 clean, 1 errors found.

    \b
    budget-toolkit check 收到的预算表/
    budget-toolkit check a.xlsx b.xlsx --format json > result.json
    budget-toolkit check 收到的预算表/ --annotate 退回/
    """
    from toolkit.output.render import render_json, render_text

    result, _ = _check_paths(
        paths,
        catalog_path=catalog_path,
        units_file=units_file,
        stamp_mismatch=stamp_mismatch,
        max_amount=max_amount,
        jobs=jobs,
        max_file_mb=max_file_mb,
        max_rows=max_rows,
        timeout=timeout,
        year=year,
        prefer=prefer,
        outputs={"--annotate": annotate_dir},
    )
    click.echo(render_json(result) if fmt == "json" else render_text(result))
    if annotate_dir:
        from toolkit.output.annotate import annotate

        for done in annotate(result, annotate_dir):
            line = (
                f"已生成标注副本：{done.target}"
                if done.target
                else f"未生成标注副本：{done.source}（{done.reason}）"
            )
            click.echo(line, err=fmt == "json")
    sys.exit(1 if result.errors else 0)


# -- rollup and demo -----------------------------------------------------------------------
PROGRESS_MIN_FILES = 10  # below this a progress bar would only flicker


class _Progress:
    """A rich progress bar over files on stderr, started once check() reports many files."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: int, total: int, path: Path) -> None:
        if self.bar is None:
            if total < PROGRESS_MIN_FILES or not self.console.is_terminal:
                return
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("检查文件"), BarColumn(), MofNCompleteColumn(),
                console=self.console, transient=True,
            )  # fmt: skip
            self.bar.start()
            self.task = self.bar.add_task("check", total=total)
        self.bar.update(self.task, completed=done)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_rollup(console: Any, summary: Any) -> None:
    from rich.text import Text

    from toolkit.output.render import terminal_safe
    from toolkit.output.report import reconciliation_lines, submission_lines, terminal_table

    console.print(terminal_table(summary))
    console.print(Text("核对", style="bold"))
    for line in reconciliation_lines(summary):
        console.print(Text("  " + line))
    console.print(Text("报送情况", style="bold"))
    for line in submission_lines(summary):
        console.print(Text("  " + terminal_safe(line)))


def _rollup_params() -> list[click.Parameter]:
    """The reading options of `check`, shared so that `rollup` checks exactly like it."""
    shared = (
        "catalog_path", "units_file", "stamp_mismatch", "max_amount", "jobs",
        "max_file_mb", "max_rows", "timeout", "year", "prefer",
    )  # fmt: skip
    return [p for p in check_cmd.params if p.name in shared]


@cli.command("rollup", context_settings=CONTEXT_SETTINGS, params=_rollup_params())
@click.argument("paths", nargs=-1, required=False, type=click.Path(exists=True))
@click.option(
    "-o",
    "--output",
    "report_path",
    type=click.Path(dir_okay=False),
    help="Write the report workbook (汇总, 单位×类别, 明细, 问题, 报送情况) to this .xlsx.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write the JSON roll-up to FILE, or to stdout with '-' (shape: README, 'JSON').",
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False),
    help="Write one CSV per table (UTF-8 with BOM) into DIR.",
)
@click.option("--strict", is_flag=True, help="Leave out every row of a file that has any error.")
@round_options
@click.option(
    "--include",
    type=click.Choice(["submitted"]),
    help="With --round: count 已提交 versions too, not only 已审核 ones.",
)
def rollup_cmd(
    paths: tuple[str, ...],
    report_path: str | None,
    json_path: str | None,
    csv_dir: str | None,
    strict: bool,
    catalog_path: str | None,
    units_file: str | None,
    stamp_mismatch: str,
    max_amount: str,
    jobs: int | None,
    max_file_mb: float | None,
    max_rows: int | None,
    timeout: float | None,
    year: int | None,
    prefer: tuple[str, ...],
    data_dir: str | None,
    round_id: str | None,
    database: str | None,
    include: str | None,
) -> None:
    """Check workbooks like `check`, then total the accepted rows exactly, per category and unit.

    Exit 0 when no file has an error, 1 when any has (its bad rows are left out of the
    totals and listed, with their amounts, as rejected).

    \b
    budget-toolkit rollup 收到的预算表/ -o 汇总报表.xlsx
    budget-toolkit rollup 收到的预算表/ --json - --strict
    budget-toolkit rollup --data 报送数据 --round 2027-01-3fa9c2 -o 汇总报表.xlsx
    """
    from rich.console import Console

    from toolkit.demo import write_outputs
    from toolkit.totals.rollup import summarize

    if report_path and Path(report_path).suffix.lower() != ".xlsx":
        raise click.BadParameter("报表文件名应以 .xlsx 结尾", param_hint="-o")
    to_stdout = json_path == "-"
    console = Console(stderr=to_stdout, highlight=False, markup=False, soft_wrap=True)
    progress = _Progress(Console(stderr=True))
    round_result = None
    if data_dir or round_id or not paths:  # a reporting round's current versions (toolkit.store)
        from toolkit.store.commands import round_rollup_result

        args = (paths, data_dir, round_id, database, include, jobs, to_stdout)
        round_result = round_rollup_result(click.get_current_context(), *args)
    try:
        result, units = round_result or _check_paths(
            paths,
            catalog_path=catalog_path,
            units_file=units_file,
            stamp_mismatch=stamp_mismatch,
            max_amount=max_amount,
            jobs=jobs,
            max_file_mb=max_file_mb,
            max_rows=max_rows,
            timeout=timeout,
            year=year,
            prefer=prefer,
            outputs={"-o": report_path, "--json": json_path, "--csv": csv_dir},
            progress=progress,
        )
    finally:
        progress.stop()
    summary = summarize(result, units=units, strict=strict)
    written = write_outputs(
        summary,
        Path(report_path) if report_path else None,
        Path(json_path) if json_path and not to_stdout else None,
        Path(csv_dir) if csv_dir else None,
    )
    if to_stdout:
        from toolkit.output.report import json_text

        click.echo(json_text(summary), nl=False)
    _print_rollup(console, summary)
    console.print(
        f"文件 {len(result.files)} 个：错误 {result.errors} 个，警告 {result.warnings} 个"
        + ("（严格模式：有错误的文件整份不计入）" if strict else "")
        + ("；逐条问题见报表的“问题”工作表或 budget-toolkit check" if result.errors else "")
    )
    if not result.files:
        console.print(f"未找到任何 .xlsx 文件：{'、'.join(paths)}")
    for path in written:
        if path.suffix != ".csv":
            console.print(f"已写入：{path}")
    if csv_dir:
        console.print(f"已写入：{csv_dir}（CSV {sum(p.suffix == '.csv' for p in written)} 个）")
    if not (report_path or json_path or csv_dir):
        console.print("提示：加 -o 汇总报表.xlsx 生成报表（另有 --json、--csv）")
    sys.exit(1 if result.errors else 0)


@cli.command("demo", context_settings=CONTEXT_SETTINGS)
@click.option(
    "-o",
    "--output",
    "outdir",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder for the templates, sample submissions and the report.",
)
def demo_cmd(outdir: str) -> None:
    """The whole job on the built-in catalogue, in one command.

    Writes a template per Zhengzhou unit, fills each with a sample budget (plus one file
    full of typical mistakes), checks them, rolls them up and writes the report. Exits 0:
    the errors it finds are the demonstration, not a failure.
    """
    from rich.console import Console

    from toolkit.demo import run_demo

    console = Console(highlight=False, markup=False, soft_wrap=True)
    progress = _Progress(Console(stderr=True))
    try:
        done = run_demo(outdir, progress=progress)
    finally:
        progress.stop()
    cat, result, s = done.result.catalog, done.result, done.samples
    console.print(f"演示目录：{cat.title}（{cat.id}，版本 {cat.version}）")
    console.print(f"1. 生成预算模板 {len(s.templates)} 个 -> {s.templates[0].parent}")
    console.print(
        f"2. 填写样例：{len(s.submissions)} 个单位的预算表，另加 1 个含错误的示例"
        f"（{s.flawed.name}）-> {s.flawed.parent}"
    )
    console.print(
        f"3. 检查 {len(result.files)} 个文件：错误 {result.errors} 个，警告 {result.warnings} 个"
        "（都在含错误的示例中，这正是要演示的）"
    )
    console.print("4. 汇总：")
    _print_rollup(console, done.summary)
    console.print(f"5. 报表：{done.report}（用 Excel、WPS 或 LibreOffice 打开）")
    console.print(f"   JSON：{done.json}")
    console.print(f"   CSV：{len(done.csv)} 个文件 -> {done.csv[0].parent}")
    console.print(
        f"下一步：budget-toolkit check {s.flawed.parent} --annotate {Path(outdir) / '退回'}"
        "  （生成标注了错误的副本，退回给填报单位）"
    )


# -- reporting rounds (toolkit.store): round, submit, status, confirm, approve, return, history
from toolkit.store.commands import register  # noqa: E402

register(cli)
from toolkit.web.cli import register as register_web  # noqa: E402  (serve, admin)

register_web(cli)


def main() -> None:
    cli(obj={})
