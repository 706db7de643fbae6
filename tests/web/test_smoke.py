from __future__ import annotations

from conftest import upload


def test_clerk_round_trip(client, tokens, files, admin) -> None:
    t = tokens["中原区"]
    home = client.get(f"/u/{t}/")
    assert home.status_code == 200, home.text
    assert "中原区" in home.text
    r = upload(client, t, files.faulty("中原区"))
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    print(page.text)
    assert "有 1 个错误" in page.text
