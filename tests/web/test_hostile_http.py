"""The hostile corpus (tests/hostile.py) uploaded through HTTP to a real server: each file
gets a page that says what is wrong, the server answers its health check throughout,
and its memory stays bounded (workbooks are opened only in the capped workers)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import hostile as H
import httpx
import pytest
from webserver import Server

CASES = ["empty_file", "random_bytes", "csv_renamed", "pdf_renamed", "html_as_xls",
         "truncated_zip", "corrupt_member", "zip_without_workbook", "docx_renamed",
         "ods_renamed", "old_xls", "encrypted_cfb_stub", "zip_bomb", "many_members",
         "billion_laughs_sheet", "external_entity", "huge_dimension", "far_cell",
         "giant_merge"]  # fmt: skip
SERVER_RSS_MB = 400  # the web process itself: it never holds a workbook's contents


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1]) / 1024


def _upload(c: httpx.Client, token: str, path: Path) -> tuple[int, str]:
    page = c.get(f"/u/{token}/")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    with path.open("rb") as f:
        r = c.post(f"/u/{token}/upload", data={"csrf": csrf}, files={"file": (path.name, f)})
    if r.status_code == 303:
        r = c.get(r.headers["location"])
        return 303, r.text
    return r.status_code, r.text


def test_hostile_files_through_http(data_dir: Path, tmp_path: Path) -> None:
    from toolkit.store import list_rounds, open_store
    from toolkit.store.tokens import issue_links

    with open_store(data_dir) as st:
        (link,) = issue_links(st, list_rounds(st)[0].id, ["中原区"], actor="tests")
    server = Server(data_dir, workers=1).start()
    stop, health = threading.Event(), []

    def poll() -> None:
        while not stop.is_set():
            try:
                health.append(httpx.get(server.url + "/healthz", timeout=10).status_code)
            except httpx.HTTPError as exc:
                health.append(str(exc))
            stop.wait(0.1)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    outcomes = {}
    try:
        with httpx.Client(base_url=server.url, timeout=120) as c:
            for name in CASES:
                path = getattr(H, name)(tmp_path / f"{name}.xlsx")
                outcomes[name] = _upload(c, link.token, path)
        peak = _peak_rss_mb(server.proc.pid)  # type: ignore[union-attr]
    finally:
        stop.set()
        watcher.join(10)
        server.stop()
    for name, (code, page) in outcomes.items():
        assert code in (303, 422), (name, code, page[:300])
        assert "Traceback" not in page, name
        if code == 303:
            assert "✗" in page and "问题清单" in page, name  # the result page, with issues
        else:
            assert "文件未接收" in page and re.search(r'class="alert">[^<]{4,}<', page), name
    assert health and all(h == 200 for h in health), health
    assert peak < SERVER_RSS_MB, f"server peak RSS {peak:.0f} MB"


@pytest.mark.parametrize("name", ["zip_bomb"])
def test_a_bomb_does_not_reach_the_web_process(name: str, tmp_path: Path) -> None:
    """Sanity: the corpus case is what it says (refused by the checker's preflight)."""
    from toolkit.xlsx.preflight import preflight

    problem = preflight(getattr(H, name)(tmp_path / f"{name}.xlsx"))
    assert problem is not None
