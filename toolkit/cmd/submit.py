"""Commands that change a round: ``submit``, ``confirm``, ``approve``, ``return``."""

from __future__ import annotations

import sys
from typing import Any

import click

from toolkit.cmd.common import CONTEXT_SETTINGS, JobsType
from toolkit.cmd.store_common import (
    _echo_json,
    _open,
    actor_option,
    data_option,
    database_option,
    format_option,
    handles_store_errors,
    round_option,
    safe,
)
from toolkit.money import fen_display

unit_option = click.option("--unit", required=True, metavar="NAME", help="The unit (填报单位).")
version_option = click.option(
    "--version",
    type=click.IntRange(min=1),
    metavar="N",
    help="The version you mean; refused unless it is the unit's current one.",
)


@click.command("submit", context_settings=CONTEXT_SETTINGS)
@data_option
@round_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--unit",
    metavar="NAME",
    help="The sender, when known (e.g. the e-mail came from 中原区): every file is filed "
    "under this unit, and refused if it names another.",
)
@click.option("--note", metavar="TEXT", help="How the files came, e.g. the e-mail's subject.")
@click.option(
    "--confirm/--no-confirm",
    "confirm_signed",
    default=True,
    show_default=True,
    help="A clean file whose signature block gives 填报人 and 联系电话 becomes 已提交 at once.",
)
@click.option(
    "--jobs",
    type=JobsType(),
    metavar="N|auto",
    default="auto",
    show_default=True,
    help="Worker processes that check files (auto: one per CPU once each gets 8 files).",
)
@database_option
@actor_option
@format_option
@handles_store_errors
def submit_cmd(
    data_dir: str,
    round_id: str,
    paths: tuple[str, ...],
    unit: str | None,
    note: str | None,
    confirm_signed: bool,
    jobs: int | None,
    database: str | None,
    actor: str,
    fmt: str,
) -> None:
    """Receive filled-in workbooks into a round: each is checked and filed under its unit
    as a new version, recognised as a duplicate, or refused with the reason. Exit 0 when
    every file was taken without errors, 1 otherwise.

    \b
    budget-toolkit submit --data 报送数据 --round 2027-01-3fa9c2 收到的预算表/
    """
    from toolkit.store.submissions import receive_files

    with _open(data_dir, database) as st:
        receipts = receive_files(st, round_id, paths, actor=actor, unit=unit, note=note,
                                 confirm_signed=confirm_signed, jobs=jobs)  # fmt: skip
    summary = _summary(receipts)
    if fmt == "json":
        _echo_json({"round": round_id, "files": [r.to_json() for r in receipts],
                    "summary": summary})  # fmt: skip
    else:
        for r in receipts:
            click.echo(_receipt_line(r))
        click.echo(
            f"共 {summary['files']} 个文件：新版本 {summary['new']} 个（已提交 "
            f"{summary['submitted']} 个，有错误 {summary['with_errors']} 个），重复 "
            f"{summary['duplicate']} 个，拒收 {summary['refused']} 个"
        )
        if not receipts:
            click.echo(f"未找到任何表格文件：{'、'.join(paths)}")
    sys.exit(1 if summary["refused"] or summary["with_errors"] else 0)


def _summary(receipts: list[Any]) -> dict[str, int]:
    new = [r for r in receipts if r.outcome == "new"]
    return {
        "files": len(receipts),
        "new": len(new),
        "submitted": sum(1 for r in new if r.submission.state.value == "submitted"),
        "with_errors": sum(1 for r in new if r.submission.errors),
        "duplicate": sum(1 for r in receipts if r.outcome == "duplicate"),
        "refused": sum(1 for r in receipts if r.outcome == "refused"),
    }


def _receipt_line(r: Any) -> str:
    path = safe(r.path)
    if r.outcome == "refused":
        return f"✗ {path} → 拒收：{safe(r.message)}"
    sub = r.submission
    if r.outcome == "duplicate":
        return f"= {path} → 与 {r.unit} 第 {r.version} 版（{sub.state.label}）相同，未重复保存"
    if sub.errors:
        return (f"✗ {path} → {r.unit} 第 {r.version} 版，{sub.state.label}，有错误 "
                f"{sub.errors} 个（budget-toolkit status 查看）")  # fmt: skip
    if sub.state.value == "submitted":
        tail = f"，填报人 {safe(sub.signer)}，联系电话 {safe(sub.phone)}"
    else:
        tail = "；待单位确认提交（签署栏缺填报人或联系电话）"
    return (f"✓ {path} → {r.unit} 第 {r.version} 版，{sub.state.label}，采用 "
            f"{fen_display(sub.amount_accepted_fen)} 元{tail}")  # fmt: skip


def _decided(sub: Any, fmt: str, before: str) -> None:
    if fmt == "json":
        _echo_json(sub.to_json())
        return
    click.echo(f"{sub.unit} 第 {sub.version} 版：{before} → {sub.state.label}")


@click.command("confirm", context_settings=CONTEXT_SETTINGS)
@data_option
@round_option
@unit_option
@click.option("--signer", required=True, metavar="NAME", help="填报人.")
@click.option("--phone", required=True, metavar="TEXT", help="联系电话.")
@version_option
@database_option
@actor_option
@format_option
@handles_store_errors
def confirm_cmd(
    data_dir: str,
    round_id: str,
    unit: str,
    signer: str,
    phone: str,
    version: int | None,
    database: str | None,
    actor: str,
    fmt: str,
) -> None:
    """Record the office's confirmation of its clean current version (已接收 -> 已提交)."""
    from toolkit.store.actions import confirm

    with _open(data_dir, database) as st:
        sub = confirm(st, round_id, unit, signer=signer, phone=phone, version=version,
                      actor=actor)  # fmt: skip
    _decided(sub, fmt, "已接收")


@click.command("approve", context_settings=CONTEXT_SETTINGS)
@data_option
@round_option
@unit_option
@version_option
@click.option("--reason", metavar="TEXT", help="An optional note for the log.")
@database_option
@actor_option
@format_option
@handles_store_errors
def approve_cmd(
    data_dir: str,
    round_id: str,
    unit: str,
    version: int | None,
    reason: str | None,
    database: str | None,
    actor: str,
    fmt: str,
) -> None:
    """Approve the unit's 已提交 current version (-> 已审核): it counts in the roll-up."""
    from toolkit.store.actions import approve

    with _open(data_dir, database) as st:
        sub = approve(st, round_id, unit, version=version, note=reason, actor=actor)
    _decided(sub, fmt, "已提交")


@click.command("return", context_settings=CONTEXT_SETTINGS)
@data_option
@round_option
@unit_option
@version_option
@click.option("--reason", required=True, metavar="TEXT", help="Why (the office sees it).")
@database_option
@actor_option
@format_option
@handles_store_errors
def return_cmd(
    data_dir: str,
    round_id: str,
    unit: str,
    version: int | None,
    reason: str,
    database: str | None,
    actor: str,
    fmt: str,
) -> None:
    """Return the unit's current version with a reason (-> 已退回); the office sends a
    corrected file, which becomes the next version."""
    from toolkit.store.actions import return_submission
    from toolkit.store.records import get_submission

    with _open(data_dir, database) as st:
        before = get_submission(st, round_id, unit).state.label
        sub = return_submission(st, round_id, unit, reason=reason, version=version, actor=actor)
    _decided(sub, fmt, before)
