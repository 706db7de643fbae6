"""What every request handler gets: the ``Portal`` (store, workers, settings) of the app.

Apart from ``app`` so that the page modules (``clerk``, ``admin``, ``files``) and the app
that mounts them do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse

from toolkit.store.intake import Context
from toolkit.store.store import Store
from toolkit.web.auth import RateLimit, Sessions, web_dir
from toolkit.web.worker import Workers


@dataclass
class Portal:
    """What every request handler needs: the store, the workers and the settings."""

    store: Store
    data_dir: Path
    database: str | None
    base_url: str | None
    sessions: Sessions
    workers: Workers
    templates: Environment
    max_upload_bytes: int
    rate_limit: RateLimit = field(default_factory=RateLimit)
    actor: str = "财政（网上）"
    _contexts: dict[str, Context] = field(default_factory=dict)

    def context(self, round_id: str) -> Context:
        """What a worker needs to check files of the round (built once per round)."""
        if round_id not in self._contexts:
            from toolkit.store.submissions import intake_context

            self._contexts[round_id] = intake_context(self.store, round_id)
        return self._contexts[round_id]

    @property
    def scratch(self) -> Path:
        folder = web_dir(self.data_dir) / "tmp"
        folder.mkdir(exist_ok=True)
        return folder

    @property
    def cache(self) -> Path:
        folder = web_dir(self.data_dir) / "cache"
        folder.mkdir(exist_ok=True)
        return folder

    def link_base(self, request: Request) -> str:
        return (self.base_url or str(request.base_url)).rstrip("/")

    def render(self, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**context)
        return HTMLResponse(html, status_code=code, headers={"Cache-Control": "no-store"})


def portal(request: Request) -> Portal:
    return request.app.state.portal  # type: ignore[no-any-return]
