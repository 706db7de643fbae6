"""Commands that create and show rounds: ``round create|list|verify``, ``status``, ``history``."""

from __future__ import annotations

import sys
from typing import Any

import click

from toolkit import form
from toolkit.cmd.common import CONTEXT_SETTINGS
from toolkit.cmd.store_common import (
    _echo_json,
    _open,
    actor_option,
    data_option,
    database_option,
    format_option,
    handles_store_errors,
    local,
    round_option,
    safe,
)
from toolkit.money import fen_display

base_url_option = click.option(
    "--base-url",
    metavar="URL",
    help="The portal's public address, e.g. https://baosong.example.gov.cn: unit links "
    "start with it.",
)


def unit_links(store: Any, round_id: str, base_url: str | None, actor: str) -> list[dict[str, str]]:
    """Issue every unit's link when ``base_url`` is given (``round create``); else none."""
    if not base_url:
        return []
    from toolkit.store.tokens import issue_links

    return [
        {"unit": link.unit, "url": link.url(base_url)}
        for link in issue_links(store, round_id, actor=actor)
    ]


def echo_links(links: list[dict[str, str]]) -> None:
    if links:
        click.echo("各单位的报送链接（只显示这一次，请妥善分发）：")
    for link in links:
        click.echo(f"{link['unit']}\t{link['url']}")


@click.group("round", context_settings=CONTEXT_SETTINGS)
def round_group() -> None:
    """Reporting rounds: create one, list them, verify the stored originals."""


@round_group.command("create", context_settings=CONTEXT_SETTINGS)
@data_option
@click.option("--year", type=click.IntRange(1900, 9999), required=True, help="Budget year.")
@click.option(
    "--units",
    "units_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Units expected to report, one name a line (default: the 16 Zhengzhou units).",
)
@click.option("--deadline", metavar="TEXT", help="Deadline, e.g. 2026年12月15日.")
@click.option(
    "-c",
    "--catalog",
    "catalog_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Catalogue (.json, .xlsx, .csv); default: the built-in Zhengzhou one.",
)
@click.option(
    "--amount-unit",
    type=click.Choice(list(form.AMOUNT_UNITS)),
    default="元",
    show_default=True,
    help="Amount unit of the round's templates.",
)
@database_option
@base_url_option
@actor_option
@format_option
@handles_store_errors
def round_create(
    data_dir: str,
    year: int,
    units_file: str | None,
    deadline: str | None,
    catalog_path: str | None,
    amount_unit: str,
    database: str | None,
    base_url: str | None,
    actor: str,
    fmt: str,
) -> None:
    """Create a reporting round (and the data folder if it is new); print its id.

    \b
    budget-toolkit round create --data 报送数据 --year 2027 --deadline 2026年12月15日
    """
    import toolkit
    from toolkit.form import load_units
    from toolkit.store.rounds import create_round

    try:
        units = load_units(units_file) if units_file else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.BadParameter(str(exc), param_hint="--units") from exc
    cat = toolkit.load_catalog(catalog_path)
    with _open(data_dir, database, create=True) as st:
        rnd = create_round(st, year, units=units, catalog=cat, amount_unit=amount_unit,
                           deadline=deadline, actor=actor)  # fmt: skip
        links = unit_links(st, rnd.id, base_url, actor)  # the portal's links (--base-url)
    if fmt == "json":
        _echo_json({**rnd.to_json(), **({"links": links} if base_url else {})})
        return
    due = f"，截止 {rnd.deadline}" if rnd.deadline else ""
    click.echo(
        f"已创建报送轮次 {rnd.id}（{rnd.year}年度，{len(rnd.units)} 个单位，目录 "
        f"{rnd.catalog_id} 版本 {rnd.catalog_version}，金额单位 {rnd.amount_unit}{due}）"
    )
    click.echo(f"下一步：budget-toolkit template --data {data_dir} --round {rnd.id} -o 下发模板/")
    echo_links(links)


@round_group.command("list", context_settings=CONTEXT_SETTINGS)
@data_option
@database_option
@format_option
@handles_store_errors
def round_list(data_dir: str, database: str | None, fmt: str) -> None:
    """List the rounds of a data folder with their counts."""
    from toolkit.store.rounds import list_rounds, round_status

    with _open(data_dir, database) as st:
        boards = [round_status(st, r.id) for r in list_rounds(st)]
    if fmt == "json":
        _echo_json({"rounds": [{**b.round.to_json(), "counts": b.counts} for b in boards]})
        return
    if not boards:
        click.echo("尚无报送轮次（budget-toolkit round create 创建）")
    for b in boards:
        r, c = b.round, b.counts
        click.echo(
            f"{r.id}  {r.year}年度  {c['expected']} 个单位：已审核 {c['approved']}，"
            f"已提交 {c['submitted']}，未接收 {c['missing']}  截止 {r.deadline or '—'}  "
            f"创建于 {local(r.created_at)}（{safe(r.created_by)}）"
        )


@round_group.command("verify", context_settings=CONTEXT_SETTINGS)
@data_option
@click.option("--round", "round_id", metavar="ID", help="Only this round (default: all).")
@database_option
@format_option
@handles_store_errors
def round_verify(data_dir: str, round_id: str | None, database: str | None, fmt: str) -> None:
    """Check every stored original against its SHA-256 and every version's rows: exit 0
    intact, 1 problems found."""
    from toolkit.store.records import verify_store
    from toolkit.store.rounds import get_round

    with _open(data_dir, database) as st:
        if round_id:
            get_round(st, round_id)
        problems = verify_store(st, round_id)
    if fmt == "json":
        _echo_json({"ok": not problems, "problems": [vars(p) for p in problems]})
    elif not problems:
        click.echo("所有原件与 SHA-256 一致，明细和问题完整")
    for p in problems if fmt == "text" else []:
        click.echo(f"✗ {p.unit}第{p.version}版（{p.round_id}）：{p.message}")
    sys.exit(1 if problems else 0)


@click.command("status", context_settings=CONTEXT_SETTINGS)
@data_option
@round_option
@database_option
@format_option
@handles_store_errors
def status_cmd(data_dir: str, round_id: str, database: str | None, fmt: str) -> None:
    """Per unit: status, current version, times, counted and rejected amounts, issues."""
    from toolkit.store.rounds import round_status

    with _open(data_dir, database) as st:
        board = round_status(st, round_id)
    if fmt == "json":
        _echo_json(board.to_json())
        return
    _print_board(board)


def _print_board(board: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    r, c = board.round, board.counts
    console = Console(highlight=False, soft_wrap=True)
    if not console.is_terminal:  # a pipe or a file: no terminal width to fit
        console = Console(highlight=False, soft_wrap=True, width=200)
    due = f"，截止 {r.deadline}" if r.deadline else ""
    console.print(f"报送轮次 {r.id}（{r.year}年度{due}）", markup=False)
    console.print(
        f"应报 {c['expected']}，已收到 {c['received']}：有错误 {c['errors']}，待提交 "
        f"{c['awaiting']}，已提交 {c['submitted']}，已审核 {c['approved']}，已退回 "
        f"{c['returned']}；未接收 {c['missing']}",
        markup=False,
    )
    table = Table(show_lines=False)
    for head in ("单位", "状态", "版本", "接收时间", "提交时间", "审核/退回", "采用金额（元）",
                 "未采用金额（元）", "错误", "警告", "逾期"):  # fmt: skip
        table.add_column(head, justify="right" if "金额" in head else "left")
    for u in board.units:
        s = u.current
        table.add_row(
            safe(u.unit), u.state.label, f"第{s.version}版" if s else "—",
            local(s.received_at) if s else "—", local(s.submitted_at) if s else "—",
            local(s.decided_at) if s else "—", fen_display(s.amount_accepted_fen) if s else "—",
            fen_display(s.amount_rejected_fen) if s else "—", str(s.errors) if s else "—",
            str(s.warnings) if s else "—", {True: "是", False: "", None: ""}[u.late],
        )  # fmt: skip
    console.print(table)
    for u in board.units:
        if u.current and u.current.decision_note:
            note = safe(u.current.decision_note)
            console.print(f"{u.unit}：{u.state.label}，{note}", markup=False)
        for i in u.issues[:10]:
            where = f"{i['sheet']}!{i['cell']}" if i.get("cell") else "文件"
            console.print(f"  {u.unit} [{i['rule']}] {where} {safe(i['message'])}", markup=False)
        if len(u.issues) > 10:
            console.print(f"  {u.unit} 另有 {len(u.issues) - 10} 个问题（--format json 查看全部）")


@click.command("history", context_settings=CONTEXT_SETTINGS)
@data_option
@round_option
@click.option("--unit", metavar="NAME", help="Only this unit's events.")
@database_option
@format_option
@handles_store_errors
def history_cmd(
    data_dir: str, round_id: str, unit: str | None, database: str | None, fmt: str
) -> None:
    """The round's event log: who did what, when, to which version."""
    from toolkit.store.events import event_label, event_text
    from toolkit.store.rounds import history, round_unit

    with _open(data_dir, database) as st:
        name = round_unit(st, round_id, unit) if unit else None
        found = history(st, round_id, name)
    if fmt == "json":
        _echo_json({"round": round_id, "unit": name, "events": [e.to_json() for e in found]})
        return
    for e in found:
        who = f"{e.unit}第{e.version}版" if e.version else (e.unit or "")
        click.echo(f"{local(e.at)}  {safe(e.actor)}  {event_label(e.kind)}  "
                   f"{safe(who)}  {safe(event_text(e))}".rstrip())  # fmt: skip
