"""Helpers of the portal tests (a module of its own: `conftest` is not unique in tests/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

PASSWORD = "correct-horse-battery"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def login(client: TestClient) -> str:
    """Sign in as the administrator; returns the session's CSRF token."""
    page = client.get("/admin/login")
    done = client.post("/admin/login", data={"csrf": csrf_of(page.text), "user": "admin",
                                              "password": PASSWORD})  # fmt: skip
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/admin/").text)


def upload(client: TestClient, token: str, path: Path, name: str | None = None) -> Any:
    page = client.get(f"/u/{token}/")
    with path.open("rb") as f:
        return client.post(f"/u/{token}/upload", data={"csrf": csrf_of(page.text)},
                           files={"file": (name or path.name, f)})  # fmt: skip
