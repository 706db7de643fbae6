"""The portal's ASGI app: ``create_app(data_dir, ...)`` -> a Starlette application.

The web layer only calls the library (``toolkit.store`` for the round, the worker pool
for everything that opens a workbook), stores and renders; it never checks, totals or
writes a report itself.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from toolkit.store.store import open_store
from toolkit.web import views
from toolkit.web.auth import Sessions, secret_key, web_dir
from toolkit.web.portal import Portal, portal
from toolkit.web.worker import Workers

DEFAULT_MAX_UPLOAD_MB = 20
SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]  # fmt: skip


class SecurityHeaders:
    """Adds the security headers to every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("toolkit.web", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        yuan=views.yuan,
        when=views.when,
        col=views.column_letter,
        event=views.event_label,
        event_text=views.event_text,
    )
    return env


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def not_found(request: Request, exc: Exception) -> Response:
    return portal(request).render("404.html", code=404)


class ErrorPage:
    """An unexpected exception becomes a Chinese 500 page (inside ``SecurityHeaders``, so
    it carries the headers too), never a traceback; a damaged store says what is damaged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:
            if started:
                raise
            logging.getLogger("toolkit.web").exception("request failed: %s", scope.get("path"))
            await self._page(scope["app"].state.portal, exc)(scope, receive, send)

    @staticmethod
    def _page(p: Portal, exc: Exception) -> Response:
        from toolkit.store.errors import StoreError

        text = exc.message if isinstance(exc, StoreError) else "服务器内部错误，请稍后重试。"
        return p.render("message.html", code=500, title="出错了", text=text)


def _clean_scratch(folder: Path, older_than: float = 3600.0) -> None:
    """Uploads a killed server left half-received: never visible, removed at the next start."""
    import shutil
    import time

    cutoff = time.time() - older_than
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            if entry.lstat().st_mtime < cutoff:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink()


def create_app(
    data_dir: str | Path,
    database_url: str | None = None,
    base_url: str | None = None,
    *,
    max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB,
    workers: int = 2,
    worker_memory_mb: int | None = 3072,
    session_hours: float = 8.0,
    secure_cookies: bool | None = None,
) -> Starlette:
    """The portal over the data folder ``data_dir`` (created if new, SQLite by default)."""
    from toolkit.web import admin, clerk

    store = open_store(data_dir, database_url, create=True)
    secure = (
        secure_cookies
        if secure_cookies is not None
        else bool(base_url and base_url.startswith("https:"))
    )
    state = Portal(
        store=store,
        data_dir=Path(data_dir),
        database=database_url,
        base_url=base_url,
        sessions=Sessions(secret_key(data_dir), max_age=int(session_hours * 3600),
                          secure=secure, ended_file=web_dir(data_dir) / "ended_sessions"),
        workers=Workers(workers, worker_memory_mb),
        templates=_environment(),
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
    )  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            state.workers.close()
            store.close()

    static = StaticFiles(packages=[("toolkit.web", "static")])
    routes = [
        Route("/", views.home),
        Route("/healthz", health),
        Mount("/static", static, name="static"),
        *clerk.routes(),
        *admin.routes(),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_found},
        middleware=[],
    )
    app.state.portal = state
    _clean_scratch(state.scratch)
    app.add_middleware(ErrorPage)
    app.add_middleware(SecurityHeaders)
    return app
