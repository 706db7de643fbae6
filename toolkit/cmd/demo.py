"""`budget-toolkit demo`: the whole job on the built-in defaults."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cmd.check import _print_rollup
from toolkit.cmd.common import (
    CONTEXT_SETTINGS,
    _Progress,
)


@click.command("demo", context_settings=CONTEXT_SETTINGS)
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
