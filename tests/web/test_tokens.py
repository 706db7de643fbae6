"""A unit link opens its own unit and nothing else: every route with every other unit's
token, with none, with forged and revoked ones."""

from __future__ import annotations

import hashlib
import re
import secrets

import pytest
from webhelp import csrf_of, upload

GET_ROUTES = ["/", "/template", "/v/1", "/v/1/original", "/v/1/annotated", "/v/2"]


@pytest.fixture
def zhongyuan_uploaded(client, tokens, files) -> str:
    """中原区 has a faulty version 1 (issues, an annotated copy, an original)."""
    r = upload(client, tokens["中原区"], files.faulty("中原区"))
    assert r.status_code == 303
    return tokens["中原区"]


def _not_found_body(client) -> str:
    page = client.get("/this/does/not/exist")
    assert page.status_code == 404
    return page.text


def forged(tokens: dict[str, str]) -> list[str]:
    real = tokens["中原区"]
    flipped = real[:-1] + ("A" if real[-1] != "A" else "B")
    return [
        secrets.token_urlsafe(32),
        flipped,
        hashlib.sha256(real.encode()).hexdigest(),  # what the database keeps
        real.upper(),
        real + "x",
        "x" * 5000,
        "..%2F..%2Fadmin",
    ]


def test_other_units_tokens_never_reach_zhongyuan(client, tokens, zhongyuan_uploaded) -> None:
    secret = "033A01 养老服务"  # 中原区's faulty value, on its result page
    for unit, token in tokens.items():
        if unit == "中原区":
            continue
        for route in GET_ROUTES:
            page = client.get(f"/u/{token}{route}")
            assert secret not in page.text, (unit, route)
            assert "中原区" not in page.text or route in ("/template",), (unit, route)
            if route.startswith("/v/"):
                assert page.status_code == 404, (unit, route)
        home = client.get(f"/u/{token}/").text
        assert unit in home and "尚未上传任何文件" in home


def test_forged_and_missing_tokens_get_the_plain_404(client, tokens, zhongyuan_uploaded) -> None:
    body = _not_found_body(client)
    for token in [*forged(tokens), ""]:
        for route in GET_ROUTES:
            page = client.get(f"/u/{token}{route}")
            assert page.status_code == 404, (token, route)
            assert page.text == body, (token, route)
    assert client.get("/u/").status_code == 404


def test_posts_with_a_forged_token_change_nothing(client, tokens, files, store, round_id) -> None:
    from toolkit.store import round_status

    body = _not_found_body(client)
    path = files.clean("中原区")
    csrf = csrf_of(client.get(f"/u/{tokens['中原区']}/").text)
    for token in forged(tokens):
        with path.open("rb") as f:
            r = client.post(f"/u/{token}/upload", data={"csrf": csrf}, files={"file": f})
        assert r.status_code == 404 and r.text == body
        r = client.post(f"/u/{token}/confirm", data={"csrf": csrf, "signer": "a", "phone": "1"})
        assert r.status_code == 404 and r.text == body
    assert round_status(store, round_id).counts["received"] == 0


def test_one_units_csrf_token_does_not_work_for_another(client, tokens, files) -> None:
    csrf = csrf_of(client.get(f"/u/{tokens['中原区']}/").text)
    with files.clean("二七区").open("rb") as f:
        r = client.post(f"/u/{tokens['二七区']}/upload", data={"csrf": csrf}, files={"file": f})
    assert r.status_code == 403


def test_upload_with_another_token_lands_only_there(client, tokens, files, store, round_id) -> None:
    from toolkit.store import round_status

    r = upload(client, tokens["二七区"], files.clean("中原区"))
    assert r.status_code == 422  # the file names 中原区: refused for 二七区
    board = round_status(store, round_id)
    assert board.unit("中原区").current is None and board.unit("二七区").current is None


def test_revoked_and_reissued_links(client, tokens, store, round_id) -> None:
    from toolkit.store.tokens import issue_links, revoke_link

    old = tokens["中原区"]
    revoke_link(store, round_id, "中原区", actor="tests")
    assert client.get(f"/u/{old}/").status_code == 404
    (new,) = issue_links(store, round_id, ["中原区"], actor="tests")
    assert client.get(f"/u/{new.token}/").status_code == 200
    assert client.get(f"/u/{old}/").status_code == 404
    assert client.get(f"/u/{tokens['二七区']}/").status_code == 200  # others untouched


def test_tokens_are_long_and_stored_only_as_hashes(store, round_id, tokens, data_dir) -> None:
    from sqlalchemy import select

    from toolkit.store.schema import unit_tokens

    for token in tokens.values():
        assert len(token) >= 43  # 32 bytes urlsafe-base64: 256 bits
    with store.engine.connect() as conn:
        kept = set(conn.execute(select(unit_tokens.c.token_sha256)).scalars())
    assert {hashlib.sha256(t.encode()).hexdigest() for t in tokens.values()} <= kept
    raw = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for token in tokens.values():
        assert token.encode() not in raw


def test_confirm_with_another_token_never_touches_zhongyuan(
    client, tokens, files, store, round_id
) -> None:
    from toolkit.store import get_submission

    upload(client, tokens["中原区"], files.clean("中原区"))
    for unit, token in tokens.items():
        if unit == "中原区":
            continue
        csrf = csrf_of(client.get(f"/u/{token}/").text)
        r = client.post(f"/u/{token}/confirm", data={"csrf": csrf, "version": "1",
                                                   "signer": "某人", "phone": "1"})  # fmt: skip
        assert r.status_code == 409 and "尚未报送" in r.text  # about its own unit only
        assert "中原区" not in r.text
    assert get_submission(store, round_id, "中原区").state.value == "received"


def test_finance_revokes_and_reissues_one_link(client, admin, tokens, round_id) -> None:
    old = tokens["中原区"]
    assert client.post(f"/admin/r/{round_id}/u/1/revoke", data={"csrf": admin}).status_code == 303
    assert client.get(f"/u/{old}/").status_code == 404
    assert "未生成或已停用" in client.get(f"/admin/r/{round_id}/links").text
    page = client.post(f"/admin/r/{round_id}/links", data={"csrf": admin, "unit": "1"}).text
    (new,) = re.findall(r'href="http://portal.test/u/([^/"]+)/"', page)
    assert client.get(f"/u/{new}/").status_code == 200 and new != old
    assert client.get(f"/u/{tokens['二七区']}/").status_code == 200  # the others still work
