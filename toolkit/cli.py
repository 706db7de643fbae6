"""Command line: parse options, call the library, render, choose the exit code.

Only this module and the subcommands of ``toolkit.cmd`` (one per stage) print or exit.
Exit codes: 0 clean, 1 problems found (or the work
could not go on), 2 usage error. No traceback reaches the user unless ``--debug``.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from toolkit import __version__
from toolkit.cmd import catalog, check, demo, template
from toolkit.cmd import rounds as cli_rounds
from toolkit.cmd import submit as cli_submit
from toolkit.cmd.common import CONTEXT_SETTINGS
from toolkit.web import cli as web_cli


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


for _command in (
    catalog.catalog,
    template.template,
    check.check_cmd,
    check.rollup_cmd,
    demo.demo_cmd,
    # reporting rounds (toolkit.store)
    cli_rounds.round_group,
    cli_submit.submit_cmd,
    cli_rounds.status_cmd,
    cli_submit.confirm_cmd,
    cli_submit.approve_cmd,
    cli_submit.return_cmd,
    cli_rounds.history_cmd,
    # the portal (toolkit.web)
    web_cli.serve_cmd,
    web_cli.admin_group,
):
    cli.add_command(_command)


def main() -> None:
    cli(obj={})
