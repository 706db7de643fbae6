"""The portal on PostgreSQL: a clerk's upload, confirm, finance's approval and the report.

Runs when ``BUDGET_TOOLKIT_TEST_PG=postgresql://…`` names a server where the tests may
create databases (as tests/store does); skipped otherwise, or failed with
``BUDGET_TOOLKIT_REQUIRE_PG=1``.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from webfiles import UNITS, clean_rows, fill, template_for
from webhelp import PASSWORD, csrf_of, login, upload

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg_url() -> Iterator[str]:
    from sqlalchemy import create_engine, text

    from toolkit.store.db import database_url

    url = os.environ.get("BUDGET_TOOLKIT_TEST_PG")
    if not url:
        if os.environ.get("BUDGET_TOOLKIT_REQUIRE_PG") == "1":
            pytest.fail("BUDGET_TOOLKIT_REQUIRE_PG=1 but BUDGET_TOOLKIT_TEST_PG is not set")
        pytest.skip("PostgreSQL tests skipped: BUDGET_TOOLKIT_TEST_PG is not set")
    admin = create_engine(database_url(Path("."), url), isolation_level="AUTOCOMMIT")
    name = f"bt_web_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_round_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    from toolkit.store import create_round, open_store
    from toolkit.store.tokens import issue_links
    from toolkit.web import create_app
    from toolkit.web.auth import set_password

    data = tmp_path / "data"
    with open_store(data, pg_url, create=True) as st:
        rnd = create_round(st, 2027, units=UNITS, actor="财政局")
        token = {lk.unit: lk.token for lk in issue_links(st, rnd.id, actor="t")}["二七区"]
        template = template_for(st, rnd.id, "二七区", tmp_path)
    set_password(data, PASSWORD)
    path = fill(template, tmp_path / "二七区.xlsx", clean_rows(3))
    app: Any = create_app(data, pg_url, workers=1)
    with TestClient(app, base_url="http://portal.test", follow_redirects=False) as client:
        r = upload(client, token, path)
        assert r.status_code == 303
        csrf = csrf_of(client.get(r.headers["location"]).text)
        form = {"csrf": csrf, "version": "1", "signer": "张晓燕", "phone": "0371-67188888"}
        assert client.post(f"/u/{token}/confirm", data=form).status_code == 303
        admin = login(client)
        done = client.post(f"/admin/r/{rnd.id}/u/2/approve", data={"csrf": admin, "version": "1"})
        assert done.status_code == 303
        report = json.loads(client.get(f"/admin/r/{rnd.id}/report.json").content)
    import toolkit

    mine = toolkit.report_json(toolkit.summarize(toolkit.check([path], units=list(UNITS)),
                                                 units=list(UNITS)))  # fmt: skip
    assert report["totals"] == mine["totals"] and report["grand_total"] == mine["grand_total"]
