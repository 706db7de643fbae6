"""Finance's pages under ``/admin/``: login, rounds, the board, a unit, links, downloads.

Every page but the login needs the administrator's signed session; every POST carries
the session's CSRF token. Actions call the store's lifecycle (approve, return) and
nothing else decides a state.
"""

from __future__ import annotations

import csv
import functools
import io
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from toolkit.store.errors import NotFound, TransitionRefused
from toolkit.web import files
from toolkit.web.auth import check_password
from toolkit.web.portal import Portal, portal
from toolkit.web.uploads import TooLarge, small_form

Handler = Callable[..., Awaitable[Response]]
LOGIN_COOKIE = "bt_login"


class Admin:
    def __init__(self, request: Request, p: Portal, session: dict[str, str]) -> None:
        self.request, self.p, self.session = request, p, session
        self.csrf = p.sessions.csrf("admin:" + session["s"])


def admin_page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Needs the session (GET: to the login page; POST: 403) and, for POST, its CSRF token."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        p = portal(request)
        session = p.sessions.read(request.cookies.get(p.sessions.cookie))
        if session is None:
            if request.method == "GET":
                return RedirectResponse("/admin/login", status_code=303)
            return p.render("message.html", code=403, title="请先登录", text="登录已过期。")
        a = Admin(request, p, session)
        if request.method == "POST":
            try:
                form = await small_form(request)
            except TooLarge:
                return p.render("message.html", code=413, title="表单过大", text="表单内容过长。")
            if not p.sessions.csrf_ok("admin:" + session["s"], form.get("csrf")):
                return p.render("message.html", code=403, title="页面已过期",
                                text="请刷新页面后重试。")  # fmt: skip
            return await handler(a, form)
        return await handler(a)

    return wrapped


# -- login ----------------------------------------------------------------------------------
def _login_page(p: Portal, request: Request, error: str | None, status: int = 200) -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)
    resp = p.render("login.html", code=status, csrf=p.sessions.csrf("login:" + nonce),
                    error=error)  # fmt: skip
    resp.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict",
                    secure=p.sessions.secure, path="/admin")  # fmt: skip
    return resp


async def login_get(request: Request) -> Response:
    from toolkit.web.auth import has_password

    p = portal(request)
    unset = None if has_password(p.data_dir) else (
        "尚未设置管理员密码：请在服务器上运行 budget-toolkit admin set-password --data 数据文件夹"
    )  # fmt: skip
    return _login_page(p, request, unset)


async def login_post(request: Request) -> Response:
    p = portal(request)
    client = request.client.host if request.client else "?"
    if p.rate_limit.blocked(client):
        return _login_page(p, request, "登录失败次数过多，请 5 分钟后再试", 429)
    try:
        form = await small_form(request)
    except TooLarge:
        return _login_page(p, request, "表单过大", 413)
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not p.sessions.csrf_ok("login:" + nonce, form.get("csrf")):
        return _login_page(p, request, "页面已过期，请重新登录", 403)
    ok = await run_in_threadpool(check_password, p.data_dir, form.get("user", ""),
                                 form.get("password", ""))  # fmt: skip
    if not ok:
        p.rate_limit.failed(client)
        return _login_page(p, request, "用户名或密码不正确", 401)
    resp = RedirectResponse("/admin/", status_code=303)
    resp.set_cookie(p.sessions.cookie, p.sessions.make(form.get("user", "")),
                    max_age=p.sessions.max_age, httponly=True, samesite="strict",
                    secure=p.sessions.secure, path="/")  # fmt: skip
    return resp


@admin_page
async def logout(a: Admin, form: dict[str, str]) -> Response:
    a.p.sessions.end(a.session)  # on the server too: a copied cookie stops working
    resp = RedirectResponse("/admin/login", status_code=303)
    resp.delete_cookie(a.p.sessions.cookie, path="/")
    return resp


# -- rounds ---------------------------------------------------------------------------------
@admin_page
async def rounds_page(a: Admin) -> Response:
    from toolkit.store.rounds import list_rounds

    found = await run_in_threadpool(list_rounds, a.p.store)
    return a.p.render("admin_rounds.html", a=a, rounds=list(reversed(found)), error=None)


@admin_page
async def round_create(a: Admin, form: dict[str, str]) -> Response:
    from toolkit.store.rounds import create_round

    year = form.get("year", "").strip()
    units = [u for u in form.get("units", "").splitlines() if u.strip()] or None
    try:
        rnd = await run_in_threadpool(
            lambda: create_round(a.p.store, int(year) if year.isdigit() else 0, units=units,
                                 deadline=form.get("deadline"),
                                 amount_unit=form.get("amount_unit", "元"), actor=a.p.actor)
        )  # fmt: skip
    except ValueError as exc:
        from toolkit.store.rounds import list_rounds

        found = await run_in_threadpool(list_rounds, a.p.store)
        return a.p.render("admin_rounds.html", code=400, a=a, rounds=found, error=str(exc))
    return RedirectResponse(f"/admin/r/{rnd.id}/links", status_code=303)


def _round_or_404(p: Portal, round_id: str) -> Any:
    from toolkit.store.rounds import round_status

    try:
        return round_status(p.store, round_id)
    except NotFound as exc:
        raise HTTPException(404) from exc


@admin_page
async def board(a: Admin) -> Response:
    status = await run_in_threadpool(_round_or_404, a.p, a.request.path_params["rid"])
    counted = [u.current for u in status.units if u.current is not None]
    total = sum(s.amount_accepted_fen for s in counted)
    approved = sum(s.amount_accepted_fen for s in counted if s.state.value == "approved")
    return a.p.render("admin_board.html", a=a, status=status, rnd=status.round,
                      total=total, approved=approved)  # fmt: skip


def _unit_of(p: Portal, round_id: str, pos: int) -> tuple[Any, Any]:
    status = _round_or_404(p, round_id)
    if not 1 <= pos <= len(status.units):
        raise HTTPException(404)
    return status, status.units[pos - 1]


def _unit_page(a: Admin, pos: int, error: str | None = None, code: int = 200) -> Response:
    from toolkit.store.records import versions
    from toolkit.store.rounds import history

    status, mine = _unit_of(a.p, a.request.path_params["rid"], pos)
    rid = status.round.id
    return a.p.render("admin_unit.html", code=code, a=a, rnd=status.round, mine=mine, pos=pos,
        versions=list(reversed(versions(a.p.store, rid, mine.unit))),
        events=list(reversed(history(a.p.store, rid, mine.unit))), error=error,
    )  # fmt: skip


@admin_page
async def unit_page(a: Admin) -> Response:
    return await run_in_threadpool(_unit_page, a, a.request.path_params["pos"])


@admin_page
async def decide(a: Admin, form: dict[str, str]) -> Response:
    from toolkit.store.actions import approve, return_submission

    rid, pos = a.request.path_params["rid"], a.request.path_params["pos"]
    _, mine = await run_in_threadpool(_unit_of, a.p, rid, pos)
    version = int(form["version"]) if form.get("version", "").isdigit() else None
    action = a.request.path_params["action"]
    if action not in ("approve", "return"):
        raise HTTPException(404)

    def act() -> None:
        if action == "approve":
            approve(a.p.store, rid, mine.unit, version=version, note=form.get("note"),
                    actor=a.p.actor)  # fmt: skip
        else:
            return_submission(a.p.store, rid, mine.unit, version=version,
                              reason=form.get("reason", ""), actor=a.p.actor)  # fmt: skip

    try:
        await run_in_threadpool(act)
    except (ValueError, TransitionRefused) as exc:
        text = exc.message if isinstance(exc, TransitionRefused) else str(exc)
        return await run_in_threadpool(_unit_page, a, pos, text, 409)
    return RedirectResponse(f"/admin/r/{rid}/u/{pos}", status_code=303)


# -- links ----------------------------------------------------------------------------------
@admin_page
async def links_page(a: Admin) -> Response:
    from toolkit.store.tokens import link_states

    status = await run_in_threadpool(_round_or_404, a.p, a.request.path_params["rid"])
    states = await run_in_threadpool(link_states, a.p.store, status.round.id)
    return a.p.render("admin_links.html", a=a, rnd=status.round, states=states, fresh=None)


@admin_page
async def links_issue(a: Admin, form: dict[str, str]) -> Response:
    from toolkit.store.tokens import issue_links, link_states

    status = await run_in_threadpool(_round_or_404, a.p, a.request.path_params["rid"])
    rid = status.round.id
    pos = form.get("unit", "")
    units = [status.units[int(pos) - 1].unit] if pos.isdigit() and 0 < int(pos) <= len(
        status.units) else None  # fmt: skip
    links = await run_in_threadpool(lambda: issue_links(a.p.store, rid, units, actor=a.p.actor))
    base = a.p.link_base(a.request)
    rows = [(link.unit, link.url(base)) for link in links]
    if form.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["单位", "报送链接"])
        writer.writerows(rows)
        data = ("\ufeff" + out.getvalue()).encode("utf-8")
        return files.attachment_bytes(data, f"{rid}_报送链接.csv", "text/csv; charset=utf-8")
    states = await run_in_threadpool(link_states, a.p.store, rid)
    return a.p.render("admin_links.html", a=a, rnd=status.round, states=states, fresh=rows)


@admin_page
async def link_revoke(a: Admin, form: dict[str, str]) -> Response:
    from toolkit.store.tokens import revoke_link

    rid, pos = a.request.path_params["rid"], a.request.path_params["pos"]
    _, mine = await run_in_threadpool(_unit_of, a.p, rid, pos)
    await run_in_threadpool(lambda: revoke_link(a.p.store, rid, mine.unit, actor=a.p.actor))
    return RedirectResponse(f"/admin/r/{rid}/links", status_code=303)


def routes() -> list[Route]:
    from toolkit.web import admin_files

    return [
        Route("/admin/login", login_get, methods=["GET"]),
        Route("/admin/login", login_post, methods=["POST"]),
        Route("/admin/logout", logout, methods=["POST"]),
        Route("/admin/", rounds_page),
        Route("/admin/rounds", round_create, methods=["POST"]),
        Route("/admin/r/{rid}/", board),
        Route("/admin/r/{rid}/links", links_page, methods=["GET"]),
        Route("/admin/r/{rid}/links", links_issue, methods=["POST"]),
        Route("/admin/r/{rid}/u/{pos:int}", unit_page),
        Route("/admin/r/{rid}/u/{pos:int}/revoke", link_revoke, methods=["POST"]),
        Route("/admin/r/{rid}/u/{pos:int}/{action:str}", decide, methods=["POST"]),
        *admin_files.routes(admin_page, _unit_of, _round_or_404),
    ]
