"""The clerk's pages, under the unit's private link ``/u/{token}/``.

Every handler first turns the token into (round, unit); a wrong, revoked, forged or
missing token is the same 404 as a page that does not exist, so a link opens its own
unit and tells nothing about any other.
"""

from __future__ import annotations

from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from toolkit.store.errors import NotFound, TransitionRefused
from toolkit.store.lifecycle import State
from toolkit.store.models import Submission
from toolkit.store.tokens import resolve
from toolkit.web import files, views
from toolkit.web.portal import Portal, portal
from toolkit.web.uploads import BadUpload, TooLarge, receive_upload, small_form
from toolkit.web.worker import WorkerFailed, check_upload


class Unit:
    """The round and unit a request's token opens."""

    def __init__(self, request: Request, p: Portal, round_id: str, unit: str) -> None:
        self.request, self.p, self.round_id, self.unit = request, p, round_id, unit
        self.token = request.path_params["token"]
        self.base = f"/u/{self.token}"
        self.csrf = p.sessions.csrf("unit:" + self.token)


async def _unit(request: Request) -> Unit:
    p = portal(request)
    found = await run_in_threadpool(resolve, p.store, request.path_params.get("token"))
    if found is None:
        raise HTTPException(404)
    return Unit(request, p, *found)


def _version(u: Unit, version: int) -> Submission:
    from toolkit.store.records import get_submission

    try:
        return get_submission(u.p.store, u.round_id, u.unit, version)
    except NotFound as exc:
        raise HTTPException(404) from exc


def can_confirm(sub: Submission | None, current: Submission | None) -> bool:
    if sub is None or current is None or sub.id != current.id:
        return False
    return sub.state is State.RECEIVED and sub.errors == 0 and sub.check_status == "ok"


def _home_page(u: Unit, message: str | None = None, status: int = 200) -> Response:
    from toolkit.store.records import versions
    from toolkit.store.rounds import round_status

    board = round_status(u.p.store, u.round_id)
    mine = board.unit(u.unit)
    return u.p.render("unit_home.html", code=status, u=u, rnd=board.round, mine=mine,
        versions=list(reversed(versions(u.p.store, u.round_id, u.unit))),
        can_confirm=can_confirm(mine.current, mine.current), message=message,
        max_mb=u.p.max_upload_bytes / (1024 * 1024),
    )  # fmt: skip


async def unit_home(request: Request) -> Response:
    u = await _unit(request)
    return await run_in_threadpool(_home_page, u)


def _version_page(u: Unit, version: int, note: str | None) -> Response:
    from toolkit.store.records import submission_issues, versions
    from toolkit.store.rounds import get_round

    sub = _version(u, version)
    current = versions(u.p.store, u.round_id, u.unit)[-1]
    return u.p.render(
        "unit_result.html", u=u, rnd=get_round(u.p.store, u.round_id), sub=sub,
        current=current, issues=submission_issues(u.p.store, sub.id),
        totals=views.category_totals(u.p.store, u.round_id, sub.id),
        can_confirm=can_confirm(sub, current), note=note,
        max_mb=u.p.max_upload_bytes / (1024 * 1024),
    )  # fmt: skip


NOTES = {"dup": "这个文件与已上传的版本完全相同，未重复保存。", "ok": "已提交，等待财政审核。"}


async def version_page(request: Request) -> Response:
    u = await _unit(request)
    note = NOTES.get(request.query_params.get("note", ""))
    return await run_in_threadpool(_version_page, u, request.path_params["version"], note)


async def template_download(request: Request) -> Response:
    u = await _unit(request)
    path, name = await run_in_threadpool(files.unit_template, u.p, u.round_id, u.unit)
    return files.attachment(path, name)


async def original_download(request: Request) -> Response:
    u = await _unit(request)
    sub = await run_in_threadpool(_version, u, request.path_params["version"])
    path = await run_in_threadpool(files.original, u.p, sub)
    return files.attachment(path, sub.original_name)


async def annotated_download(request: Request) -> Response:
    u = await _unit(request)
    sub = await run_in_threadpool(_version, u, request.path_params["version"])
    try:
        path = await files.annotated(u.p, sub)
    except WorkerFailed as exc:
        return u.p.render("message.html", code=503, title="无法生成标注副本", text=str(exc))
    if path is None:
        raise HTTPException(404)
    return files.attachment(path, files.annotated_name(sub))


async def upload(request: Request) -> Response:
    u = await _unit(request)
    try:
        got = await receive_upload(request, u.p.scratch, u.p.max_upload_bytes)
    except TooLarge:
        mb = u.p.max_upload_bytes / (1024 * 1024)
        return u.p.render("message.html", code=413, title="文件过大",
                          text=f"上传的文件超过 {mb:g} MB 的上限，未接收。")  # fmt: skip
    except BadUpload as exc:
        return u.p.render("message.html", code=400, title="上传未完成", text=str(exc))
    try:
        if not u.p.sessions.csrf_ok("unit:" + u.token, got.fields.get("csrf")):
            return u.p.render("message.html", code=403, title="页面已过期",
                              text="请重新打开本单位的报送页面后再上传。")  # fmt: skip
        return await _check_and_record(u, got.path, got.filename or "预算表.xlsx")  # type: ignore[arg-type]
    finally:
        got.discard()


async def _check_and_record(u: Unit, path: Path, name: str) -> Response:
    from toolkit.store.submissions import Intake, record_examined

    ctx = await run_in_threadpool(u.p.context, u.round_id)
    try:
        examined = await u.p.workers.run(check_upload, ctx, str(path), name, u.unit)
    except WorkerFailed as exc:
        return u.p.render("message.html", code=422, title="文件无法检查", text=str(exc),
                          back=u.base + "/")  # fmt: skip
    intake = Intake(actor=f"{u.unit}（网上报送）", source="upload")
    receipt = await run_in_threadpool(record_examined, u.p.store, u.round_id, examined, intake)
    if receipt.outcome == "refused":
        return u.p.render("message.html", code=422, title="文件未接收", text=receipt.message or "",
                          back=u.base + "/", issues=examined.issues)  # fmt: skip
    note = "?note=dup" if receipt.outcome == "duplicate" else ""
    return RedirectResponse(f"{u.base}/v/{receipt.version}{note}", status_code=303)


async def confirm(request: Request) -> Response:
    from toolkit.store.actions import confirm as store_confirm

    u = await _unit(request)
    try:
        form = await small_form(request)
    except TooLarge:
        return u.p.render("message.html", code=413, title="表单过大", text="表单内容过长。")
    if not u.p.sessions.csrf_ok("unit:" + u.token, form.get("csrf")):
        return u.p.render("message.html", code=403, title="页面已过期",
                          text="请重新打开本单位的报送页面后再提交。")  # fmt: skip
    version = int(form["version"]) if form.get("version", "").isdigit() else None
    try:
        await run_in_threadpool(
            lambda: store_confirm(u.p.store, u.round_id, u.unit, signer=form.get("signer", ""),
                                  phone=form.get("phone", ""), version=version,
                                  actor=f"{u.unit}（网上报送）")
        )  # fmt: skip
    except (ValueError, TransitionRefused) as exc:
        text = exc.message if isinstance(exc, TransitionRefused) else str(exc)
        return await run_in_threadpool(_home_page, u, text, 409)
    return RedirectResponse(f"{u.base}/v/{version}?note=ok" if version else u.base + "/",
                            status_code=303)  # fmt: skip


def routes() -> list[Route]:
    return [
        Route("/u/{token}/", unit_home),
        Route("/u/{token}/template", template_download),
        Route("/u/{token}/upload", upload, methods=["POST"]),
        Route("/u/{token}/confirm", confirm, methods=["POST"]),
        Route("/u/{token}/v/{version:int}", version_page),
        Route("/u/{token}/v/{version:int}/original", original_download),
        Route("/u/{token}/v/{version:int}/annotated", annotated_download),
    ]
