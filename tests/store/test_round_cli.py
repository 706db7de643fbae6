"""The commands of a round, end to end: create -> templates -> submit -> status -> decide ->
history -> roll-up, their JSON shapes and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from builders import fill_template, line
from click.testing import CliRunner
from roundfiles import clean_rows, sign

import toolkit
from toolkit.cli import cli

UNITS = ("中原区", "二七区", "金水区")


class Round:
    """Runs the CLI against one data folder (and database)."""

    def __init__(self, tmp_path: Path, database: str | None) -> None:
        self.tmp = tmp_path
        self.data = tmp_path / "data"
        self.db = ["--database", database] if database else []
        self.id = ""

    def run(self, *args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(cli, [*args], obj={})
        return result.exit_code, result.stdout, result.stderr

    def cmd(self, name: str, *args: str, round_id: bool = True) -> tuple[int, str, str]:
        rid = ["--round", self.id] if round_id else []
        return self.run(*name.split(), "--data", str(self.data), *rid, *self.db, *args)

    def json(self, name: str, *args: str, code: int = 0, round_id: bool = True) -> Any:
        got, out, err = self.cmd(name, *args, "--format", "json", round_id=round_id)
        assert got == code, (out, err)
        return json.loads(out)


@pytest.fixture
def rd(tmp_path: Path, database: str | None) -> Round:
    rd = Round(tmp_path, database)
    units = tmp_path / "units.txt"
    units.write_text("# 本轮\n" + "\n".join(UNITS) + "\n", encoding="utf-8")
    doc = rd.json("round create", "--year", "2027", "--units", str(units), "--deadline",
                  "2026年12月15日", "--actor", "王科长", round_id=False)  # fmt: skip
    assert set(doc) >= {"round", "units", "year", "catalog", "deadline", "amount_unit"}
    assert (doc["units"], doc["year"], doc["deadline"]) == (list(UNITS), 2027, "2026年12月15日")
    rd.id = doc["round"]
    return rd


def _templates(rd: Round) -> dict[str, Path]:
    code, out, err = rd.cmd("template", "-o", str(rd.tmp / "下发"), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["count"], doc["round"]) == (3, rd.id)
    paths = {Path(p).name.split("_")[1]: Path(p) for p in doc["files"]}
    assert set(paths) == set(UNITS)
    return paths


def test_a_whole_round(rd: Round) -> None:
    templates = _templates(rd)
    stamped = toolkit.check(list(templates.values()), units=list(UNITS))
    assert {f.round_id for f in stamped.files} == {rd.id}
    inbox = rd.tmp / "收件"
    inbox.mkdir()
    sign(fill_template(templates["中原区"], inbox / "1.xlsx", clean_rows(3, salt="z")))
    fill_template(templates["二七区"], inbox / "2.xlsx", [line(code="999X")])
    sign(fill_template(templates["金水区"], inbox / "3.xlsx", clean_rows(2, salt="j")))
    sub = rd.json("submit", str(inbox), "--actor", "王科长", code=1)  # 二七区 has an error
    assert sub["summary"] == {"files": 3, "new": 3, "submitted": 2, "with_errors": 1,
                              "duplicate": 0, "refused": 0}  # fmt: skip
    assert [(f["unit"], f["version"], f["state"]) for f in sub["files"]] == [
        ("中原区", 1, "submitted"), ("二七区", 1, "received"), ("金水区", 1, "submitted"),
    ]  # fmt: skip
    assert sub["files"][1]["check"]["issues"][0]["rule"] == "unknown-code"
    again = rd.json("submit", str(inbox / "1.xlsx"))
    assert (again["files"][0]["outcome"], again["files"][0]["version"]) == ("duplicate", 1)

    status = rd.json("status")
    counts = {"expected": 3, "received": 3, "errors": 1, "awaiting": 0, "submitted": 2,
              "approved": 0, "returned": 0, "missing": 0}  # fmt: skip
    assert status["counts"] == counts
    row = status["units"][0]
    assert set(row) >= {"unit", "status", "status_label", "version", "received_at",
                        "submitted_at", "decided_at", "amount_accepted", "amount_rejected",
                        "errors", "warnings", "issues", "late"}  # fmt: skip
    assert (row["status"], row["status_label"]) == ("submitted", "已提交")
    assert status["units"][1]["issues"][0]["cell"] == "C4"

    assert rd.cmd("approve", "--unit", "中原区", "--version", "1")[0] == 0
    code, _, err = rd.cmd("approve", "--unit", "二七区")
    assert code == 1 and "已接收" in err  # 有错误: cannot be approved
    ret = rd.json("return", "--unit", "金水区", "--reason", "请补充绩效目标")
    assert (ret["state"], ret["decision_note"]) == ("returned", "请补充绩效目标")
    assert rd.cmd("approve", "--unit", "上街区")[0] == 2  # not a unit of the round

    hist = rd.json("history", "--unit", "金水区")
    assert [e["kind"] for e in hist["events"]] == [
        "submission.receive", "submission.check", "submission.confirm", "submission.return",
    ]  # fmt: skip
    assert hist["events"][-1]["actor"] != ""
    assert {"id", "at", "actor", "kind", "unit", "version", "from", "to", "detail"} <= set(
        hist["events"][0]
    )

    out_json = rd.tmp / "round.json"
    report = rd.tmp / "汇总.xlsx"
    code, out, err = rd.cmd("rollup", "--json", str(out_json), "-o", str(report))
    assert code == 0, err
    assert "计入已审核版本 1 个（中原区第1版）" in out
    assert "二七区（有错误）" in out and "金水区（已退回）" in out
    plain = rd.tmp / "plain.json"
    assert rd.run("rollup", str(inbox / "1.xlsx"), "--units", str(rd.tmp / "units.txt"),
                  "--json", str(plain))[0] == 0  # fmt: skip
    mine, theirs = (json.loads(p.read_text(encoding="utf-8")) for p in (out_json, plain))
    for key in ("rows", "amounts", "totals", "by_unit", "grand_total", "catalog"):
        assert mine[key] == theirs[key], key
    assert Path(mine["files"][0]["path"]).name == "01_中原区_第1版.xlsx"
    assert report.is_file()

    code, _, _ = rd.cmd("rollup", "--include", "submitted", "--json", str(out_json))
    assert code == 0
    assert json.loads(out_json.read_text(encoding="utf-8"))["grand_total"] == mine["grand_total"]

    listed = rd.json("round list", round_id=False)
    assert listed["rounds"][0]["counts"]["approved"] == 1
    verify = rd.json("round verify", round_id=False)
    assert verify == {"ok": True, "problems": []}


def test_usage_errors(rd: Round, tmp_path: Path) -> None:
    assert rd.cmd("status", "--round", "2027-99-000000", round_id=False)[0] == 2
    assert rd.run("status", "--data", str(tmp_path / "none"), "--round", rd.id)[0] == 2
    code, _, err = rd.cmd("rollup", "-c", str(tmp_path / "units.txt"))
    assert code == 2 and "--round" in err
    code, _, err = rd.run("rollup", "--round", rd.id)
    assert code == 2 and "--data" in err
    assert rd.run("rollup")[0] == 2  # neither files nor a round
    code, _, err = rd.cmd("template", "--year", "2028", "-o", str(tmp_path / "t"))
    assert code == 2 and "--year" in err
    code, _, err = rd.cmd("template", "-o", str(tmp_path / "t.xlsx"))
    assert code == 2
    code, _, err = rd.cmd("return", "--unit", "中原区", "--reason", " ")
    assert code == 2
    assert rd.cmd("confirm", "--unit", "中原区", "--signer", "a", "--phone", "1")[0] == 1


def test_text_output_is_chinese(rd: Round) -> None:
    templates = _templates(rd)
    f = sign(fill_template(templates["中原区"], rd.tmp / "a.xlsx", clean_rows(1)))
    code, out, _ = rd.cmd("submit", str(f))
    assert code == 0 and "中原区 第 1 版，已提交" in out and "新版本 1 个" in out
    code, out, _ = rd.cmd("status")
    assert code == 0 and "应报 3，已收到 1" in out and "已提交" in out
    code, out, _ = rd.cmd("history")
    assert "创建报送轮次" in out and "生成模板" in out and "接收" in out and "提交" in out
    code, out, _ = rd.cmd("round list", round_id=False)
    assert rd.id in out
