"""`budget-toolkit check` and `rollup`: read and check workbooks; total them exactly."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from toolkit.cmd.common import (
    CONTEXT_SETTINGS,
    JobsType,
    _check_paths,
    _Progress,
    catalog_option,
)
from toolkit.cmd.store_common import round_options
from toolkit.xlsx.limits import DEFAULT_LIMITS as _LIMITS


@click.command("check", context_settings=CONTEXT_SETTINGS)
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
    from toolkit.totals.amounts import prepare_amounts

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
        prepare=prepare_amounts,
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


def _print_rollup(console: Any, summary: Any) -> None:
    from rich.text import Text

    from toolkit.output.render import terminal_safe
    from toolkit.output.tables import reconciliation_lines, submission_lines
    from toolkit.output.terminal import terminal_table

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


@click.command("rollup", context_settings=CONTEXT_SETTINGS, params=_rollup_params())
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

    from toolkit.output.report import write_outputs
    from toolkit.totals.rollup import summarize
    from toolkit.totals.sums import prepare

    if report_path and Path(report_path).suffix.lower() != ".xlsx":
        raise click.BadParameter("报表文件名应以 .xlsx 结尾", param_hint="-o")
    to_stdout = json_path == "-"
    console = Console(stderr=to_stdout, highlight=False, markup=False, soft_wrap=True)
    progress = _Progress(Console(stderr=True))
    round_result = None
    if data_dir or round_id or not paths:  # a reporting round's current versions (toolkit.store)
        from toolkit.cmd.store_common import round_rollup_result

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
            prepare=prepare,
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
