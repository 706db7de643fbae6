"""Fixtures of the portal tests: an app over a fresh data folder with one round of four
units and a link each, an administrator with a password, and files for the units."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from webfiles import UNITS, clean_rows, faulty_rows, fill, template_for
from webhelp import PASSWORD, login


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    from toolkit.store import create_round, open_store
    from toolkit.web.auth import set_password

    folder = tmp_path / "data"
    with open_store(folder, create=True) as st:
        create_round(st, 2027, units=UNITS, deadline="2026年12月15日", actor="财政局")
    set_password(folder, PASSWORD)
    return folder


@pytest.fixture
def app(data_dir: Path) -> Any:
    from toolkit.web import create_app

    return create_app(data_dir, workers=1, base_url="http://portal.test")


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://portal.test", follow_redirects=False) as c:
        yield c


@pytest.fixture
def store(app: Any) -> Any:
    return app.state.portal.store


@pytest.fixture
def round_id(store: Any) -> str:
    from toolkit.store import list_rounds

    return str(list_rounds(store)[0].id)


@pytest.fixture
def tokens(store: Any, round_id: str) -> dict[str, str]:
    from toolkit.store.tokens import issue_links

    return {link.unit: link.token for link in issue_links(store, round_id, actor="tests")}


@pytest.fixture
def admin(client: TestClient) -> str:
    return login(client)


class Files:
    def __init__(self, store: Any, round_id: str, folder: Path) -> None:
        self.store, self.round_id, self.folder = store, round_id, folder

    def make(self, unit: str, rows: list[dict[str, Any]], name: str = "预算表.xlsx") -> Path:
        template = template_for(self.store, self.round_id, unit, self.folder / "templates")
        target = self.folder / unit
        target.mkdir(parents=True, exist_ok=True)
        return fill(template, target / name, rows)

    def clean(self, unit: str, **kw: Any) -> Path:
        return self.make(unit, clean_rows(**kw))

    def faulty(self, unit: str) -> Path:
        return self.make(unit, faulty_rows(), "预算表（有错）.xlsx")


@pytest.fixture
def files(store: Any, round_id: str, tmp_path: Path) -> Files:
    return Files(store, round_id, tmp_path / "files")
