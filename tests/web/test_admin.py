"""Finance's pages: the session, CSRF, the login limit, the board, decisions, links and
the downloads (the same report as the CLI's roll-up)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal

from webhelp import PASSWORD, csrf_of, login, upload

GETS = ["/admin/", "/admin/r/{rid}/", "/admin/r/{rid}/links", "/admin/r/{rid}/u/1",
        "/admin/r/{rid}/report.json", "/admin/r/{rid}/report.xlsx", "/admin/r/{rid}/report.csv",
        "/admin/r/{rid}/originals.zip", "/admin/r/{rid}/annotated.zip",
        "/admin/r/{rid}/u/1/v/1/original", "/admin/r/{rid}/u/1/v/1/annotated"]  # fmt: skip
POSTS = ["/admin/rounds", "/admin/logout", "/admin/r/{rid}/links", "/admin/r/{rid}/u/1/approve",
         "/admin/r/{rid}/u/1/return", "/admin/r/{rid}/u/1/revoke"]  # fmt: skip


def test_every_admin_page_needs_the_session(client, round_id, tokens, files) -> None:
    upload(client, tokens["中原区"], files.faulty("中原区"))
    for route in GETS:
        r = client.get(route.format(rid=round_id))
        assert r.status_code == 303 and r.headers["location"] == "/admin/login", route
    for route in POSTS:
        r = client.post(route.format(rid=round_id), data={"csrf": "x", "reason": "r"})
        assert r.status_code == 403, route


def test_a_forged_or_expired_session_is_no_session(client, app, round_id) -> None:
    from toolkit.web.auth import Sessions

    client.cookies.set("bt_session", Sessions(b"0" * 32).make("admin"))
    assert client.get("/admin/").status_code == 303
    p = app.state.portal
    expired = Sessions(p.sessions.key, max_age=-1)
    client.cookies.set("bt_session", expired.make("admin"))
    assert p.sessions.read(expired.make("admin")) is not None
    old = Sessions(p.sessions.key, max_age=p.sessions.max_age)
    assert old.read(old.make("admin") + "x") is None


def test_every_post_needs_the_csrf_token(client, admin, round_id, tokens, files, store) -> None:
    from toolkit.store import round_status

    upload(client, tokens["中原区"], files.clean("中原区"))
    for route in POSTS:
        wrong_last = admin[:-1] + ("1" if admin.endswith("0") else "0")  # never the token itself
        for bad in ("", "0" * 64, wrong_last):
            r = client.post(route.format(rid=round_id), data={"csrf": bad, "reason": "r",
                                                               "year": "2028"})  # fmt: skip
            assert r.status_code == 403, (route, bad)
    assert round_status(store, round_id).unit("中原区").current.state.value == "received"
    assert client.get("/admin/").status_code == 200  # still signed in: logout was refused


def test_session_cookie_flags(client) -> None:
    page = client.get("/admin/login")
    r = client.post("/admin/login", data={"csrf": csrf_of(page.text), "user": "admin",
                                          "password": PASSWORD})  # fmt: skip
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=" in cookie


def test_login_is_rate_limited(client) -> None:
    page = client.get("/admin/login")
    csrf = csrf_of(page.text)
    codes = [
        client.post("/admin/login", data={"csrf": csrf, "user": "admin", "password": "wrong!!!"})
        .status_code for _ in range(6)
    ]  # fmt: skip
    assert codes[:5] == [401] * 5 and codes[5] == 429
    right = client.post("/admin/login", data={"csrf": csrf, "user": "admin", "password": PASSWORD})
    assert right.status_code == 429  # even the right password waits out the window


def test_login_without_its_csrf_cookie_is_refused(client) -> None:
    csrf = csrf_of(client.get("/admin/login").text)
    client.cookies.clear()
    r = client.post("/admin/login", data={"csrf": csrf, "user": "admin", "password": PASSWORD})
    assert r.status_code == 403


def test_create_round_and_issue_links(client, admin) -> None:
    form = {"csrf": admin, "year": "2028", "deadline": "2027-12-1", "units": "甲区\n乙区\n"}
    r = client.post("/admin/rounds", data=form)
    assert r.status_code == 303
    links_page = r.headers["location"]
    rid = links_page.split("/")[3]
    assert "未生成" in client.get(links_page).text
    shown = client.post(links_page, data={"csrf": admin})
    assert shown.status_code == 200 and "http://portal.test/u/" in shown.text
    got = client.post(links_page, data={"csrf": admin, "format": "csv"})
    assert got.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows[0] == ["单位", "报送链接"] and [r[0] for r in rows[1:]] == ["甲区", "乙区"]
    assert client.get(rows[1][1].replace("http://portal.test", "")).status_code == 200
    # the links shown before the CSV were revoked by it
    first = shown.text.split("http://portal.test/u/")[1].split("/")[0]
    assert client.get(f"/u/{first}/").status_code == 404
    assert rid in client.get("/admin/").text


def test_bad_round_form_says_why(client, admin) -> None:
    r = client.post("/admin/rounds", data={"csrf": admin, "year": "27", "amount_unit": "元"})
    assert r.status_code == 400 and "年度" in r.text


def test_board_approve_return_and_report(client, admin, round_id, tokens, files) -> None:
    import toolkit

    clean = files.clean("金水区", n=4)
    upload(client, tokens["金水区"], clean)
    upload(client, tokens["中原区"], files.faulty("中原区"))
    csrf = csrf_of(client.get(f"/u/{tokens['金水区']}/").text)
    client.post(f"/u/{tokens['金水区']}/confirm", data={"csrf": csrf, "version": "1",
                                                     "signer": "张", "phone": "1"})  # fmt: skip
    board = client.get(f"/admin/r/{round_id}/").text
    for label in ("未接收", "有错误", "已提交"):
        assert label in board
    unit_page = client.get(f"/admin/r/{round_id}/u/3").text  # 金水区 is the third unit
    assert "审核通过第 1 版" in unit_page and "填报人 张，联系电话 1" in unit_page
    r = client.post(f"/admin/r/{round_id}/u/3/approve", data={"csrf": admin, "version": "1"})
    assert r.status_code == 303
    r = client.post(f"/admin/r/{round_id}/u/1/return", data={"csrf": admin, "version": "1",
                                                             "reason": "请改第6行"})  # fmt: skip
    assert r.status_code == 303
    assert "请改第6行" in client.get(f"/u/{tokens['中原区']}/").text
    again = client.post(f"/admin/r/{round_id}/u/3/approve", data={"csrf": admin, "version": "1"})
    assert again.status_code == 409  # already approved: the lifecycle refuses
    got = client.get(f"/admin/r/{round_id}/report.json")
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
    doc = json.loads(got.content)
    units = ["中原区", "二七区", "金水区", "惠济区"]
    mine = toolkit.report_json(toolkit.summarize(toolkit.check([clean], units=units), units=units))
    assert doc["totals"] == mine["totals"] and doc["grand_total"] == mine["grand_total"]
    board = client.get(f"/admin/r/{round_id}/").text
    assert f"{Decimal(mine['grand_total']):,.2f}</td>" in board
    xlsx = client.get(f"/admin/r/{round_id}/report.xlsx")
    assert xlsx.content[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(client.get(f"/admin/r/{round_id}/report.csv").content)) as z:
        assert any(n.endswith(".csv") for n in z.namelist())
    with zipfile.ZipFile(io.BytesIO(client.get(f"/admin/r/{round_id}/originals.zip").content)) as z:
        assert sorted(z.namelist()) == ["01_中原区_第1版.xlsx", "03_金水区_第1版.xlsx"]
        assert z.read("03_金水区_第1版.xlsx") == clean.read_bytes()
    with zipfile.ZipFile(io.BytesIO(client.get(f"/admin/r/{round_id}/annotated.zip").content)) as z:
        assert z.namelist() == ["01_中原区_第1版_标注.xlsx"]


def test_unknown_round_and_unit_are_404(client, admin, round_id) -> None:
    assert client.get("/admin/r/2099-01-000000/").status_code == 404
    assert client.get(f"/admin/r/{round_id}/u/99").status_code == 404
    assert client.get(f"/admin/r/{round_id}/report.exe").status_code == 404


def test_logout_ends_the_session(client, admin) -> None:
    copied = client.cookies.get("bt_session")  # e.g. taken from the browser before logging out
    assert client.post("/admin/logout", data={"csrf": admin}).status_code == 303
    assert client.get("/admin/").status_code == 303
    client.cookies.set("bt_session", copied)  # the copied cookie is ended on the server too
    assert client.get("/admin/").status_code == 303
    client.cookies.clear()
    assert login(client)
    assert client.get("/admin/").status_code == 200  # a new session works


def test_report_of_a_round_with_nothing_approved(client, admin, round_id) -> None:
    got = client.get(f"/admin/r/{round_id}/report.json")
    assert got.status_code == 200
    assert json.loads(got.content)["grand_total"] == "0.00"


def test_reports_are_the_clis_round_rollup(client, admin, round_id, tokens, files, data_dir):
    """report.json is byte for byte `budget-toolkit rollup --data DIR --round ID --json -`,
    and the workbook has the same sheets as the CLI's -o report."""
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from toolkit.cli import cli

    for unit, pos in (("金水区", 3), ("惠济区", 4)):
        upload(client, tokens[unit], files.clean(unit, n=3, base=50_000 * pos))
        csrf = csrf_of(client.get(f"/u/{tokens[unit]}/").text)
        client.post(f"/u/{tokens[unit]}/confirm", data={"csrf": csrf, "version": "1",
                                                      "signer": "张", "phone": "1"})  # fmt: skip
        client.post(f"/admin/r/{round_id}/u/{pos}/approve", data={"csrf": admin, "version": "1"})
    web = client.get(f"/admin/r/{round_id}/report.json").content
    ran = CliRunner().invoke(cli, ["rollup", "--data", str(data_dir), "--round", round_id,
                                   "--json", "-"])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    cli_json = ran.stdout_bytes if hasattr(ran, "stdout_bytes") else ran.output.encode()
    start = cli_json.index(b"{")
    assert json.loads(web) == json.loads(cli_json[start : cli_json.rindex(b"}") + 1])
    xlsx = client.get(f"/admin/r/{round_id}/report.xlsx").content
    out = data_dir.parent / "cli.xlsx"
    ran = CliRunner().invoke(cli, ["rollup", "--data", str(data_dir), "--round", round_id,
                                   "-o", str(out)])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert load_workbook(io.BytesIO(xlsx)).sheetnames == load_workbook(out).sheetnames


def test_late_units_are_marked_on_the_board(client, admin) -> None:
    form = {"csrf": admin, "year": "2027", "deadline": "2020-01-01", "units": "甲区\n乙区"}
    rid = client.post("/admin/rounds", data=form).headers["location"].split("/")[3]
    board = client.get(f"/admin/r/{rid}/").text
    assert "逾期 2 个单位" in board and board.count('<strong class="late">逾期</strong>') == 2


def test_login_page_says_when_no_password_is_set(tmp_path) -> None:
    from starlette.testclient import TestClient

    from toolkit.web import create_app

    with TestClient(create_app(tmp_path / "new", workers=1)) as c:
        page = c.get("/admin/login")
        assert "尚未设置管理员密码" in page.text
        r = c.post("/admin/login", data={"csrf": csrf_of(page.text), "user": "admin",
                                         "password": "anything-at-all"})  # fmt: skip
        assert r.status_code == 401
