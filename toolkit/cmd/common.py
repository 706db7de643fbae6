"""What the commands share: the reading options of `check` and `rollup`, the catalogue
option, the progress bar."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import click

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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


def _limits(max_file_mb: float | None, max_rows: int | None, timeout: float | None) -> Any:
    """The safety limits (toolkit.xlsx.limits.Limits) from the CLI's options."""
    from toolkit.xlsx.limits import Limits

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
    prepare: Any = None,
) -> tuple[Any, tuple[str, ...]]:
    """Read and check PATHS with the reading options `check` and `rollup` share;
    ``prepare`` is the per-file work done in the worker processes (``toolkit.check``)."""
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
        prepare=prepare,
        units=units,
        stamp_mismatch=stamp_mismatch,
        max_amount=cap,
        jobs=jobs,
        limits=_limits(max_file_mb, max_rows, timeout),
        year=year,
        prefer=prefer,
    )
    # The batch's results live until the command ends: frozen out of the cyclic
    # collector's walks (each would go over every file's rows again), thawed when the
    # command closes so that an in-process caller (CliRunner) gets its collector back.
    gc.freeze()
    click.get_current_context().call_on_close(gc.unfreeze)
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
