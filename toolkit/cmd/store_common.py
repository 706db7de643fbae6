"""What the round store's commands share (``rounds``: ``round create|list|verify``,
``status``, ``history``; ``submit``: ``submit``, ``confirm``, ``approve``, ``return``),
and the round parts of ``template`` and ``rollup`` (``round_templates``,
``round_rollup_result``).

Like toolkit.cli, these modules only print or exit: 0 done, 1 problems (a refused or
faulty file, a transition the lifecycle refuses), 2 usage errors (an unknown round or
unit, a bad option). Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import functools
import getpass
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

CHINA = timezone(timedelta(hours=8))


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container, a service)
        return "unknown"


data_option = click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="The data folder of the rounds (made by `round create`).",
)
round_option = click.option(
    "--round", "round_id", required=True, metavar="ID", help="The round's id (see `round list`)."
)
database_option = click.option(
    "--database",
    metavar="URL",
    envvar="BUDGET_TOOLKIT_DATABASE",
    help="postgresql://user:password@host/db (env BUDGET_TOOLKIT_DATABASE); default: the "
    "SQLite file store.sqlite3 in the data folder.",
)
actor_option = click.option(
    "--actor",
    metavar="NAME",
    envvar="BUDGET_TOOLKIT_ACTOR",
    default=_default_actor,
    help="Who does this, for the event log (env BUDGET_TOOLKIT_ACTOR; default: login name).",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format (JSON shapes: README, 'Reporting rounds').",
)


def round_options(f: F) -> F:
    """``--data``, ``--round`` and ``--database`` for `template` and `rollup` (optional)."""
    env, database = "BUDGET_TOOLKIT_DATABASE", "With --round: the store's database URL."
    f = click.option("--database", metavar="URL", envvar=env, help=database)(f)
    rnd = "A reporting round (with --data): see README, 'Reporting rounds'."
    f = click.option("--round", "round_id", metavar="ID", help=rnd)(f)
    data = "The data folder of the round given with --round."
    return click.option("--data", "data_dir", type=click.Path(file_okay=False), help=data)(f)


def handles_store_errors(f: F) -> F:
    """StoreError -> a Chinese message and exit 1 (2 for unknown things); ValueError -> 2."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from toolkit.store.errors import StoreError

        try:
            return f(*args, **kwargs)
        except StoreError as exc:
            click.echo(f"错误：{exc.message}", err=True)
            sys.exit(2 if exc.usage else 1)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def _open(data_dir: str, database: str | None, create: bool = False) -> Any:
    from toolkit.store.store import open_store

    return open_store(data_dir, database, create=create)


def _echo_json(doc: Any) -> None:
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


def local(value: datetime | None) -> str:
    """A stored UTC time as finance reads it: Beijing time, to the minute."""
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else "—"


def safe(text: Any) -> str:
    """Text from a submission shown, never obeyed, on the terminal (control characters)."""
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 32 or 127 <= ord(c) < 160 else c
                   for c in str(text))  # fmt: skip


# -- the round parts of `template` and `rollup` -------------------------------------------
def _need_round(data_dir: str | None, round_id: str | None) -> None:
    if not (data_dir and round_id):
        raise click.UsageError("--data 和 --round 须同时给出")


def _refuse_options(ctx: click.Context, names: tuple[str, ...], why: str) -> None:
    from click.core import ParameterSource

    for name in names:
        if ctx.get_parameter_source(name) not in (ParameterSource.DEFAULT, None):
            opt = next(p for p in ctx.command.params if p.name == name)
            raise click.UsageError(f"{opt.opts[-1]} 不能与 --round 同用：{why}")


@handles_store_errors
def round_templates(
    ctx: click.Context,
    data_dir: str | None,
    round_id: str | None,
    database: str | None,
    output: str,
    unit_names: tuple[str, ...],
    fmt: str,
    options: dict[str, Any],
) -> None:
    """`template --data DIR --round ID -o DIR/`: one stamped workbook per unit of the round."""
    from toolkit.store.rounds import write_round_templates

    _need_round(data_dir, round_id)
    _refuse_options(ctx, ("catalog_path", "year", "units_file", "amount_unit", "deadline"),
                    "年度、目录、单位名单、金额单位和截止时间由报送轮次决定")  # fmt: skip
    if Path(output).suffix.lower() == ".xlsx":
        raise click.BadParameter("报送轮次的模板写入一个文件夹，不是 .xlsx 文件", param_hint="-o")
    with _open(str(data_dir), database) as st:
        written = write_round_templates(st, str(round_id), output, units=list(unit_names) or None,
                                        actor=_default_actor(), **options)  # fmt: skip
    if fmt == "json":
        files = [str(p) for p in written]
        click.echo(json.dumps({"files": files, "count": len(files), "round": round_id},
                              ensure_ascii=False))  # fmt: skip
        return
    for path in written:
        click.echo(str(path))
    click.echo(f"已生成 {len(written)} 个预算模板（报送轮次 {round_id}）")


@handles_store_errors
def round_rollup_result(
    ctx: click.Context,
    paths: tuple[str, ...],
    data_dir: str | None,
    round_id: str | None,
    database: str | None,
    include: str | None,
    jobs: int | None,
    to_stderr: bool,
) -> tuple[Any, tuple[str, ...]]:
    """`rollup --data DIR --round ID`: (CheckResult, units) of the current counted versions.

    Exits 1, saying why, when a counted file's fresh check differs from its stored one.
    """
    from toolkit.store.rollup import rollup_round

    if not (data_dir or round_id):
        raise click.UsageError("请给出要汇总的文件或文件夹，或用 --data 和 --round 汇总报送轮次")
    _need_round(data_dir, round_id)
    if paths:
        raise click.UsageError("--round 汇总本轮已审核的文件，不能再给出文件或文件夹")
    _refuse_options(ctx, ("catalog_path", "units_file", "stamp_mismatch", "max_amount",
                          "max_file_mb", "max_rows", "timeout"),
                    "报送轮次按接收时的目录、单位名单和检查规则汇总")  # fmt: skip
    with _open(str(data_dir), database) as st:
        done = rollup_round(st, str(round_id), include_submitted=include == "submitted",
                            jobs=jobs)  # fmt: skip
    what = "已审核或已提交" if include == "submitted" else "已审核"
    counted = "、".join(f"{s.unit}第{s.version}版" for s in done.counted) or "无"
    click.echo(f"报送轮次 {done.round.id}：计入{what}版本 {len(done.counted)} 个（{counted}）",
               err=to_stderr)  # fmt: skip
    if done.not_counted:
        rest = "、".join(f"{u.unit}（{u.state.label}）" for u in done.not_counted)
        click.echo(f"未计入 {len(done.not_counted)} 个单位：{rest}", err=to_stderr)
    if done.discrepancies:
        click.echo("错误：以下文件重新检查的结果与接收时不一致，未生成汇总：", err=True)
        for d in done.discrepancies:
            click.echo(f"  {d.unit}第{d.version}版 {d.field}：接收时 {d.stored}，现在 {d.found}",
                       err=True)  # fmt: skip
        sys.exit(1)
    return done.result, done.round.units
