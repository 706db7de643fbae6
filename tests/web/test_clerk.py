"""The clerk's pages: template, upload, result, annotated copy, confirm, decisions."""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import load_workbook
from webhelp import csrf_of, upload


def test_home_shows_the_unit_and_the_round(client, tokens, round_id) -> None:
    page = client.get(f"/u/{tokens['中原区']}/")
    assert page.status_code == 200
    assert "中原区" in page.text and round_id in page.text and "未接收" in page.text
    assert "2026年12月15日" in page.text
    assert '<label for="file">' in page.text


def test_template_is_the_units_stamped_template(client, tokens, round_id) -> None:
    got = client.get(f"/u/{tokens['二七区']}/template")
    assert got.status_code == 200
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(got.content))
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["budget_toolkit.unit"] == "二七区"
    assert props["budget_toolkit.round"] == round_id
    again = client.get(f"/u/{tokens['二七区']}/template")
    assert again.content == got.content  # made once, then kept


def test_faulty_upload_shows_the_issue_table_and_totals(client, tokens, files) -> None:
    t = tokens["中原区"]
    r = upload(client, t, files.faulty("中原区"))
    assert r.status_code == 303 and r.headers["location"] == f"/u/{t}/v/1"
    page = client.get(r.headers["location"]).text
    assert "有 1 个错误" in page
    assert "C6" in page and "033A01 养老服务" in page and "三级目录" in page
    assert "201,001.25" in page  # counted: the two good lines, to the fen
    assert "基本公共服务" in page and "养老服务" in page  # 一级 and 二级 names
    assert "确认提交" not in page  # a file with errors cannot be submitted
    copy = client.get(f"/u/{t}/v/1/annotated")
    assert copy.status_code == 200
    assert copy.headers["content-disposition"].startswith("attachment;")
    wb = load_workbook(io.BytesIO(copy.content))
    assert len(wb.sheetnames) > 1  # the issue list is added as a sheet


def test_clean_upload_then_confirm(client, tokens, files, store, round_id) -> None:
    from toolkit.store import get_submission

    t = tokens["金水区"]
    r = upload(client, t, files.clean("金水区"))
    page = client.get(r.headers["location"]).text
    assert "检查通过" in page and "确认提交" in page
    csrf = csrf_of(page)
    form = {"csrf": csrf, "version": "1", "signer": "张晓燕", "phone": "0371-67188888"}
    done = client.post(f"/u/{t}/confirm", data=form)
    assert done.status_code == 303
    sub = get_submission(store, round_id, "金水区")
    assert sub.state.value == "submitted" and sub.signer == "张晓燕"
    home = client.get(f"/u/{t}/").text
    assert "已提交" in home and "上传并检查" not in home  # locked until finance returns it


def test_confirm_needs_signer_and_phone(client, tokens, files) -> None:
    t = tokens["金水区"]
    r = upload(client, t, files.clean("金水区"))
    csrf = csrf_of(client.get(r.headers["location"]).text)
    done = client.post(f"/u/{t}/confirm", data={"csrf": csrf, "version": "1", "signer": "",
                                               "phone": ""})  # fmt: skip
    assert done.status_code == 409 and "填报人" in done.text


def test_confirm_refused_for_a_file_with_errors(client, tokens, files) -> None:
    t = tokens["中原区"]
    upload(client, t, files.faulty("中原区"))
    csrf = csrf_of(client.get(f"/u/{t}/").text)
    done = client.post(f"/u/{t}/confirm", data={"csrf": csrf, "version": "1", "signer": "张",
                                               "phone": "1"})  # fmt: skip
    assert done.status_code == 409 and "错误" in done.text


def test_same_bytes_again_is_not_a_new_version(client, tokens, files) -> None:
    t = tokens["中原区"]
    path = files.clean("中原区")
    upload(client, t, path)
    again = upload(client, t, path)
    assert again.headers["location"] == f"/u/{t}/v/1?note=dup"
    assert "完全相同" in client.get(again.headers["location"]).text


def test_another_units_file_is_refused_with_the_reason(client, tokens, files) -> None:
    r = upload(client, tokens["中原区"], files.clean("二七区"))
    assert r.status_code == 422
    assert "二七区" in r.text and "未接收" in r.text


def test_not_a_workbook_is_located_and_stored_with_its_error(client, tokens, tmp_path) -> None:
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"not a workbook at all")
    r = upload(client, tokens["中原区"], junk)
    assert r.status_code in (303, 422)
    page = client.get(r.headers["location"]).text if r.status_code == 303 else r.text
    assert "无法读取" in page


def test_returned_reason_is_shown_and_a_new_version_can_be_uploaded(
    client, tokens, files, store, round_id
) -> None:
    from toolkit.store import return_submission

    t = tokens["中原区"]
    upload(client, t, files.faulty("中原区"))
    return_submission(store, round_id, "中原区", reason="第6行请选三级目录", actor="财政局")
    home = client.get(f"/u/{t}/").text
    assert "已退回" in home and "第6行请选三级目录" in home
    r = upload(client, t, files.clean("中原区"))
    assert r.headers["location"] == f"/u/{t}/v/2"


def test_totals_equal_the_checker_to_the_fen(client, tokens, files) -> None:
    """The page's category totals are the roll-up's of the same file, to the fen."""
    import toolkit

    units = ["中原区", "二七区", "金水区", "惠济区"]
    path = files.clean("惠济区", n=5)
    r = upload(client, tokens["惠济区"], path)
    page = client.get(r.headers["location"]).text
    summary = toolkit.summarize(toolkit.check([path], units=units), units=units)
    doc = toolkit.report_json(summary)
    for level in ("level1", "level2"):
        for code, amount in doc["totals"][level].items():
            if Decimal(amount) == 0:
                continue  # the report lists every category; the page those counted
            shown = f"{Decimal(amount):,.2f}"
            assert f"{code}</th><td>" in page and shown in page, (code, shown)
    assert f"{Decimal(doc['grand_total']):,.2f}" in page


def test_upload_without_a_file_says_so(client, tokens) -> None:
    t = tokens["中原区"]
    csrf = csrf_of(client.get(f"/u/{t}/").text)
    r = client.post(f"/u/{t}/upload", data={"csrf": csrf}, files={"file": ("", b"")})
    assert r.status_code == 400 and "请选择要上传的文件" in r.text
    r = client.post(f"/u/{t}/upload", data={"csrf": csrf})
    assert r.status_code == 400
