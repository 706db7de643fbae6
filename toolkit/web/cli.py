"""The portal's commands: ``serve``, ``admin set-password``, and the links that
``round create --base-url`` prints. Only this module (of toolkit.web) prints or exits."""

from __future__ import annotations

import click

from toolkit.cmd.common import CONTEXT_SETTINGS
from toolkit.cmd.rounds import base_url_option
from toolkit.cmd.store_common import data_option, database_option, handles_store_errors


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@data_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")  # fmt: skip
@database_option
@base_url_option
@click.option("--workers", "check_workers", default=2, show_default=True,
              type=click.IntRange(1, 64), help="Worker processes that check uploads.")  # fmt: skip
@click.option("--max-upload-mb", default=20.0, show_default=True,
              type=click.FloatRange(0.01, 100), help="Largest upload accepted (MB).")  # fmt: skip
@handles_store_errors
def serve_cmd(
    data_dir: str,
    host: str,
    port: int,
    database: str | None,
    base_url: str | None,
    check_workers: int,
    max_upload_mb: float,
) -> None:
    """Run the web portal (报送平台) over a data folder: clerks check and submit their
    workbooks at their unit's link, finance follows the round at /admin/.

    \b
    budget-toolkit serve --data 报送数据 --base-url http://10.0.0.5:8000 --host 0.0.0.0
    """
    import uvicorn

    from toolkit.web.app import create_app
    from toolkit.web.auth import has_password

    app = create_app(data_dir, database, base_url, max_upload_mb=max_upload_mb,
                     workers=check_workers)  # fmt: skip
    if not has_password(data_dir):
        click.echo(f"提示：尚未设置管理员密码：budget-toolkit admin set-password --data {data_dir}",
                   err=True)  # fmt: skip
    click.echo(f"报送平台：http://{host}:{port}/admin/（Ctrl+C 停止）", err=True)
    # no access log: the unit links in request lines are secrets
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False, limit_concurrency=256, timeout_keep_alive=5)  # fmt: skip


@click.group("admin", context_settings=CONTEXT_SETTINGS)
def admin_group() -> None:
    """The portal's administrator (finance): set the password."""


@admin_group.command("set-password", context_settings=CONTEXT_SETTINGS)
@data_option
@click.option("--user", default="admin", show_default=True, help="The administrator's name.")
@click.password_option("--password", prompt="新密码", confirmation_prompt="再输入一次",
                       help="The password (asked for when not given).")  # fmt: skip
def set_password_cmd(data_dir: str, user: str, password: str) -> None:
    """Set the administrator's password (kept as an Argon2 hash in DIR/web/admin.json)."""
    from pathlib import Path

    from toolkit.web.auth import set_password

    if not (Path(data_dir) / "store.json").is_file():
        raise click.UsageError(f"数据文件夹不存在或不是报送数据文件夹：{data_dir}")
    try:
        set_password(data_dir, password, user)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--password") from exc
    click.echo(f"已设置管理员 {user} 的密码")
