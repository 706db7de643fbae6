"""Finance's downloads: the round's report (.xlsx, CSV zip, JSON: what ``rollup --round``
writes), the current originals as a zip, the annotated copies, one version's files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Route

from toolkit.store.errors import NotFound
from toolkit.store.rollup import view_name
from toolkit.web import files
from toolkit.web.worker import WorkerFailed

KINDS = {"xlsx": (files.XLSX, "汇总报表.xlsx"), "json": ("application/json", "汇总.json"),
         "csv": ("application/zip", "汇总CSV.zip")}  # fmt: skip


def routes(admin_page: Callable[..., Any], unit_of: Callable[..., Any],
           round_or_404: Callable[..., Any]) -> list[Route]:  # fmt: skip
    """The download routes (built here, guarded by ``admin.admin_page``)."""

    @admin_page
    async def report(a: Any) -> Response:
        rid, kind = a.request.path_params["rid"], a.request.path_params["kind"]
        if kind not in KINDS:
            raise HTTPException(404)
        status = await run_in_threadpool(round_or_404, a.p, rid)
        include = a.request.query_params.get("include") == "submitted"
        try:
            path, problems, cleanup = await files.report(a.p, status.round.id, kind, include)
        except WorkerFailed as exc:
            return a.p.render("message.html", code=503, title="无法生成汇总", text=str(exc))
        if problems:
            cleanup.func(*cleanup.args, **cleanup.kwargs)
            return a.p.render("message.html", code=409, title="重新检查的结果与接收时不一致",
                              text="；".join(problems))  # fmt: skip
        media, name = KINDS[kind]
        return files.attachment(path, f"{status.round.id}_{name}", media, cleanup)

    @admin_page
    async def originals(a: Any) -> Response:
        status = await run_in_threadpool(round_or_404, a.p, a.request.path_params["rid"])
        entries = []
        for u in status.units:
            if u.current is not None:
                path = await run_in_threadpool(files.original, a.p, u.current)
                entries.append((view_name(u.position, u.unit, u.current.version), path))
        path, cleanup = await run_in_threadpool(files.zip_versions, a.p, entries)
        return files.attachment(path, f"{status.round.id}_当前版本原件.zip",
                                "application/zip", cleanup)  # fmt: skip

    @admin_page
    async def annotated_all(a: Any) -> Response:
        status = await run_in_threadpool(round_or_404, a.p, a.request.path_params["rid"])
        entries = []
        try:
            for u in status.units:
                if u.current is not None:
                    copy = await files.annotated(a.p, u.current)
                    if copy is not None:
                        name = view_name(u.position, u.unit, u.current.version)
                        entries.append((name.replace(".xlsx", "_标注.xlsx"), copy))
        except WorkerFailed as exc:
            return a.p.render("message.html", code=503, title="无法生成标注副本", text=str(exc))
        path, cleanup = await run_in_threadpool(files.zip_versions, a.p, entries)
        return files.attachment(path, f"{status.round.id}_标注副本.zip", "application/zip",
                                cleanup)  # fmt: skip

    def _sub(a: Any) -> Any:
        from toolkit.store.records import get_submission

        rid, pos = a.request.path_params["rid"], a.request.path_params["pos"]
        _, mine = unit_of(a.p, rid, pos)
        try:
            return get_submission(a.p.store, rid, mine.unit, a.request.path_params["version"])
        except NotFound as exc:
            raise HTTPException(404) from exc

    @admin_page
    async def version_file(a: Any) -> Response:
        sub = await run_in_threadpool(_sub, a)
        if a.request.path_params["what"] == "original":
            original = await run_in_threadpool(files.original, a.p, sub)
            return files.attachment(original, sub.original_name)
        if a.request.path_params["what"] != "annotated":
            raise HTTPException(404)
        try:
            copy = await files.annotated(a.p, sub)
        except WorkerFailed as exc:
            return a.p.render("message.html", code=503, title="无法生成标注副本", text=str(exc))
        if copy is None:
            raise HTTPException(404)
        return files.attachment(copy, files.annotated_name(sub))

    return [
        Route("/admin/r/{rid}/report.{kind:str}", report),
        Route("/admin/r/{rid}/originals.zip", originals),
        Route("/admin/r/{rid}/annotated.zip", annotated_all),
        Route("/admin/r/{rid}/u/{pos:int}/v/{version:int}/{what:str}", version_file),
    ]
