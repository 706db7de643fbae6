"""The whole round in a real browser (Playwright driving Debian's chromium) against a real
`budget-toolkit serve`: finance creates a round and opens the board; a clerk follows the
link, downloads the template, uploads a faulty file, sees the issues, downloads the
annotated copy, uploads the fixed file and submits; finance approves and downloads the
report, whose totals equal the CLI roll-up of the same file to the fen.

Screenshots of the clerk's result page and the board are taken every run; with
BUDGET_TOOLKIT_SCREENSHOTS=1 they are written into docs/img/ (the README's), otherwise
into the test's temporary folder, so a test run leaves the checkout as it was.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from webfiles import clean_rows, faulty_rows, fill
from webhelp import PASSWORD
from webserver import Server

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("BUDGET_TOOLKIT_REQUIRE_BROWSER"))
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--lang=zh-CN"]  # fmt: skip


def _browser_or_skip() -> None:
    problem = None
    if not CHROMIUM.exists():
        problem = "/usr/bin/chromium is not installed (apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the playwright package is not installed"
    if problem and REQUIRED:
        pytest.fail(problem + " and BUDGET_TOOLKIT_REQUIRE_BROWSER is set")
    if problem:
        pytest.skip(problem)


@pytest.fixture
def served(tmp_path: Path):
    from toolkit.store import open_store
    from toolkit.web.auth import set_password

    data = tmp_path / "data"
    open_store(data, create=True).close()
    set_password(data, PASSWORD)
    server = Server(data, workers=2).start()
    yield server
    server.stop()


def _cli_rollup(path: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "toolkit", "rollup", str(path), "--json", "-"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_whole_round_in_a_browser(served: Server, tmp_path: Path) -> None:
    _browser_or_skip()
    from playwright.sync_api import expect, sync_playwright

    img = DOCS_IMG if os.environ.get("BUDGET_TOOLKIT_SCREENSHOTS") else tmp_path / "img"
    img.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            finance = browser.new_context(viewport={"width": 1280, "height": 900},
                                          accept_downloads=True, locale="zh-CN")  # fmt: skip
            fin = finance.new_page()
            # finance signs in, creates the round, issues the links, opens the board
            fin.goto(served.url + "/admin/")
            fin.get_by_label("密码").fill(PASSWORD)
            fin.get_by_role("button", name="登录").click()
            fin.get_by_label("预算年度").fill("2027")
            fin.get_by_label("截止日期").fill("2026年12月15日")
            fin.get_by_role("button", name="创建").click()
            fin.get_by_role("button", name="生成全部单位的新链接", exact=True).click()
            link = fin.get_by_role("row", name="中原区").get_by_role("link").get_attribute("href")
            assert link and link.startswith(served.url + "/u/")
            fin.get_by_role("link", name="← 返回报送情况").click()
            expect(fin.get_by_role("heading", level=1)).to_contain_text("报送情况")
            expect(fin.locator("table.board tbody tr")).to_have_count(16)

            # the clerk: no account, only the link
            clerk_ctx = browser.new_context(viewport={"width": 1280, "height": 900},
                                            accept_downloads=True, locale="zh-CN")  # fmt: skip
            clerk = clerk_ctx.new_page()
            clerk.goto(link)
            expect(clerk.get_by_role("heading", level=1)).to_contain_text("中原区")
            with clerk.expect_download() as got:
                clerk.get_by_role("link", name="下载本单位的预算表模板").click()
            template = tmp_path / "模板.xlsx"
            got.value.save_as(template)
            faulty = fill(template, tmp_path / "中原区预算表.xlsx", faulty_rows())
            clerk.get_by_label("选择填好的预算表").set_input_files(str(faulty))
            clerk.get_by_role("button", name="上传并检查").click()
            expect(clerk.locator(".verdict")).to_contain_text("有 1 个错误")
            issues = clerk.locator("table.issues tbody tr")
            expect(issues).to_have_count(1)
            expect(issues.first).to_contain_text("C6")
            expect(issues.first).to_contain_text("三级目录")
            clerk.screenshot(path=str(img / "portal-clerk-result.png"), full_page=True)
            with clerk.expect_download() as got:
                clerk.get_by_role("link", name="下载标注了问题的副本").click()
            annotated = tmp_path / "标注.xlsx"
            got.value.save_as(annotated)
            assert len(load_workbook(annotated).sheetnames) > 1

            fixed = fill(template, tmp_path / "中原区预算表（改）.xlsx", clean_rows(4))
            clerk.get_by_label("选择填好的预算表").set_input_files(str(fixed))
            clerk.get_by_role("button", name="上传并检查").click()
            expect(clerk.locator(".verdict")).to_contain_text("检查通过")
            clerk.get_by_label("填报人").fill("张晓燕")
            clerk.get_by_label("联系电话").fill("0371-67188888")
            clerk.get_by_role("button", name="提交", exact=True).click()
            expect(clerk.locator(".notice")).to_contain_text("已提交")

            # finance approves and downloads the report
            fin.reload()
            expect(fin.get_by_role("row", name="中原区")).to_contain_text("已提交")
            fin.get_by_role("link", name="中原区").click()
            fin.get_by_role("button", name="审核通过第 2 版").click()
            fin.get_by_role("link", name="← 返回报送情况").click()
            expect(fin.get_by_role("row", name="中原区")).to_contain_text("已审核")
            fin.screenshot(path=str(img / "portal-board.png"), full_page=True)
            with fin.expect_download() as got:
                fin.get_by_role("link", name="JSON").first.click()
            report = tmp_path / "汇总.json"
            got.value.save_as(report)
            clerk.goto(link)
            expect(clerk.locator(".facts")).to_contain_text("已审核")
        finally:
            browser.close()
    for shot in ("portal-clerk-result.png", "portal-board.png"):
        assert (img / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (img / shot).stat().st_size > 20_000  # a rendered page, not a blank one
    doc = json.loads(report.read_text(encoding="utf-8"))
    cli = _cli_rollup(fixed)
    assert doc["totals"] == cli["totals"]
    assert doc["grand_total"] == cli["grand_total"] != "0.00"
