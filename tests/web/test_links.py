"""Every link on every page leads somewhere: crawl the clerk's and finance's pages."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from webhelp import csrf_of, upload

HREF = re.compile(r'href="([^"]+)"')


def _crawl(client, start: list[str]) -> dict[str, int]:
    seen: dict[str, int] = {}
    todo = list(start)
    while todo and len(seen) < 300:
        url = todo.pop()
        if url in seen:
            continue
        r = client.get(url)
        seen[url] = r.status_code
        if r.headers.get("content-type", "").startswith("text/html"):
            for href in HREF.findall(r.text):
                target = urljoin(url, href.replace("&amp;", "&"))
                parts = urlsplit(target)
                if parts.netloc in ("", "portal.test") and "/logout" not in parts.path:
                    todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_no_page_links_to_a_missing_page(client, admin, tokens, files, round_id) -> None:
    t = tokens["中原区"]
    upload(client, t, files.faulty("中原区"))
    upload(client, tokens["金水区"], files.clean("金水区"))
    csrf = csrf_of(client.get(f"/u/{tokens['金水区']}/").text)
    client.post(f"/u/{tokens['金水区']}/confirm", data={"csrf": csrf, "version": "1",
                                                     "signer": "张", "phone": "1"})  # fmt: skip
    seen = _crawl(client, ["/admin/", f"/u/{t}/", f"/u/{tokens['金水区']}/"])
    broken = {u: c for u, c in seen.items() if c >= 400}
    assert not broken, broken
    assert f"/admin/r/{round_id}/u/1/v/1/annotated" in seen
    assert f"/u/{t}/v/1/annotated" in seen
