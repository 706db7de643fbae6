"""Headers, escaping, downloads and the streaming upload limit."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from builders import line
from webhelp import csrf_of, login, upload
from webserver import Server

from toolkit.web.downloads import content_disposition

HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def _has_headers(r) -> None:
    for name, value in HEADERS.items():
        assert value in r.headers.get(name, ""), (r.url, name)


def test_security_headers_on_every_kind_of_response(client, tokens, files, round_id) -> None:
    t = tokens["中原区"]
    upload(client, t, files.faulty("中原区"))
    responses = [
        client.get("/"), client.get("/healthz"), client.get("/nope"), client.get("/admin/"),
        client.get("/admin/login"), client.get("/static/style.css"), client.get(f"/u/{t}/"),
        client.get(f"/u/{t}/template"), client.get(f"/u/{t}/v/1"),
        client.get(f"/u/{t}/v/1/original"), client.get(f"/u/{t}/v/1/annotated"),
        client.post(f"/u/{t}/upload", data={"csrf": "x"}, files={"file": ("a.xlsx", b"x")}),
        client.post("/admin/logout"), client.put("/healthz"),
    ]  # fmt: skip
    login(client)
    responses += [client.get(f"/admin/r/{round_id}/"), client.get(f"/admin/r/{round_id}/u/1")]
    for r in responses:
        _has_headers(r)


def test_cell_text_is_escaped(client, tokens, files) -> None:
    script = "<script>alert('x')</script>"
    rows = [line(project=script, code=script, amount=1000),
            line(project="=HYPERLINK(\"http://evil\")", amount=2000)]  # fmt: skip
    r = upload(client, tokens["中原区"], files.make("中原区", rows))
    page = client.get(r.headers["location"]).text
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    login(client)


def test_the_original_is_served_only_as_an_attachment(client, tokens, files) -> None:
    t = tokens["中原区"]
    path = files.clean("中原区")
    with path.open("rb") as f:
        page = client.get(f"/u/{t}/")
        r = client.post(f"/u/{t}/upload", data={"csrf": csrf_of(page.text)},
                        files={"file": ("../../../../etc/中原区 \"预算\";.xlsx", f)})  # fmt: skip
    assert r.status_code == 303
    got = client.get(f"/u/{t}/v/1/original")
    assert got.content == path.read_bytes()
    cd = got.headers["content-disposition"]
    assert cd.startswith("attachment;") and "filename*=UTF-8''" in cd
    assert "/" not in cd.split("filename*=UTF-8''")[1] and ".." not in cd
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_content_disposition_encoding() -> None:
    """RFC 6266 / 5987: an ASCII fallback and the UTF-8 name percent-encoded."""
    assert content_disposition("中原区 预算表.xlsx") == (
        'attachment; filename="_______.xlsx"; '
        "filename*=UTF-8''%E4%B8%AD%E5%8E%9F%E5%8C%BA%20%E9%A2%84%E7%AE%97%E8%A1%A8.xlsx"
    )
    assert (
        content_disposition('a".xlsx')
        == "attachment; filename=\"a_.xlsx\"; filename*=UTF-8''a_.xlsx"
    )
    injected = content_disposition("a\r\nSet-Cookie: x=1.xlsx")
    assert "\r" not in injected and "\n" not in injected


def test_upload_limit_by_declared_length(app, tokens, files, tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    app.state.portal.max_upload_bytes = 10_000
    with TestClient(app, base_url="http://portal.test", follow_redirects=False) as c:
        t = tokens["中原区"]
        page = c.get(f"/u/{t}/")
        r = c.post(f"/u/{t}/upload", data={"csrf": csrf_of(page.text)},
                   files={"file": ("big.xlsx", b"0" * 200_000)})  # fmt: skip
        assert r.status_code == 413 and "文件过大" in r.text
        assert not list((app.state.portal.scratch).iterdir())  # nothing left behind


@pytest.fixture
def small_server(data_dir: Path):
    server = Server(data_dir, workers=1, max_upload_mb=0.05).start()
    yield server
    server.stop()


def test_upload_limit_while_the_body_streams(small_server, data_dir: Path) -> None:
    """Chunked upload with no length: 413 arrives before the body is all sent."""
    from toolkit.store import list_rounds, open_store
    from toolkit.store.tokens import issue_links

    with open_store(data_dir) as st:
        (link,) = issue_links(st, list_rounds(st)[0].id, ["中原区"], actor="tests")
    with socket.create_connection(("127.0.0.1", small_server.port), timeout=20) as s:
        head = (f"POST /u/{link.token}/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Type: multipart/form-data; boundary=XyZ\r\n"
                "Transfer-Encoding: chunked\r\n\r\n")  # fmt: skip
        s.sendall(head.encode())
        part = (b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n")  # fmt: skip
        s.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        chunk = b"0" * 16_384
        sent, answer = 0, b""
        s.settimeout(0.2)
        for _ in range(2000):  # up to 32 MB, far past the 50 KB limit; stop at the answer
            try:
                s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            except OSError:
                break
            try:
                answer += s.recv(65536)
            except TimeoutError:
                continue
            if answer:
                break
        s.settimeout(10)
        while b"\r\n\r\n" not in answer:
            answer += s.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 2_000_000  # refused long before the body ended (it never did)


def test_a_damaged_original_is_a_chinese_error_page(app, tokens, files, data_dir) -> None:
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://portal.test", follow_redirects=False,
                    raise_server_exceptions=False) as c:  # fmt: skip
        t = tokens["中原区"]
        upload(c, t, files.clean("中原区"))
        (blob,) = [p for p in (data_dir / "originals").rglob("*") if p.is_file()]
        blob.chmod(0o644)
        blob.write_bytes(b"damaged")
        r = c.get(f"/u/{t}/v/1/original")
    assert r.status_code == 500 and "出错了" in r.text and "Traceback" not in r.text
    _has_headers(r)
