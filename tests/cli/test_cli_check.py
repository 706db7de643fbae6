"""`budget-toolkit check`: exit codes, the text report, the JSON shape, --annotate."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from builders import build_submission, line
from click.testing import CliRunner

from toolkit.cli import cli

ISSUE_SCHEMA = {
    "type": "object",
    "required": ["rule", "severity", "sheet", "cell", "row", "column", "value", "message"],
    "properties": {
        "rule": {"type": "string", "pattern": "^[a-z]+(-[a-z]+)*$"},
        "severity": {"enum": ["error", "warning"]},
        "sheet": {"type": "string"},
        "cell": {"type": "string", "pattern": "^([A-Z]+[0-9]+)?$"},
        "row": {"type": ["integer", "null"], "minimum": 1},
        "column": {"type": ["integer", "null"], "minimum": 1},
        "value": {"type": "string"},
        "message": {"type": "string", "minLength": 1},
    },
}
AMOUNT = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
SCHEMA = {
    "type": "object",
    "required": ["files", "summary"],
    "properties": {
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "path",
                    "unit",
                    "year",
                    "template_version",
                    "catalog_id",
                    "catalog_sha256",
                    "status",
                    "rows",
                    "issues",
                ],
                "properties": {
                    "path": {"type": "string"},
                    "unit": {"type": ["string", "null"]},
                    "year": {"type": ["integer", "null"]},
                    "template_version": {"type": ["string", "null"]},
                    "catalog_id": {"type": ["string", "null"]},
                    "catalog_sha256": {"type": ["string", "null"]},
                    "status": {"enum": ["ok", "errors", "unreadable"]},
                    "rows": {"type": "integer", "minimum": 0},
                    "amount_read": AMOUNT,
                    "amount_accepted": AMOUNT,
                    "amount_rejected": AMOUNT,
                    "issues": {"type": "array", "items": ISSUE_SCHEMA},
                },
            },
        },
        "summary": {
            "type": "object",
            "required": ["files", "errors", "warnings"],
            "properties": {
                "files": {"type": "integer"},
                "errors": {"type": "integer"},
                "warnings": {"type": "integer"},
                "amount_read": AMOUNT,
                "amount_accepted": AMOUNT,
            },
        },
    },
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["check", *args], obj={})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    build_submission(root / "clean.xlsx", [line(amount=100.5), line(amount=20)], unit="中原区")
    build_submission(
        root / "sub" / "bad.xlsx",
        [line(code="033Z", amount="abc"), line(amount=5, project='=HYPERLINK("x")')],
        unit="金水区",
    )
    (root / "broken.xlsx").write_bytes(b"PK\x03\x04 not really")
    (root / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    return root


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: build_submission(d / "a.xlsx", [line()]), 0),
        (lambda d: build_submission(d / "a.xlsx", [line()], cells={"P4": "便签"}), 0),
        (lambda d: build_submission(d / "a.xlsx", [line()], stamp=None), 0),
        (lambda d: build_submission(d / "a.xlsx", [line(code="nope")]), 1),
        (lambda d: d.joinpath("a.xlsx").write_bytes(b"junk") and d / "a.xlsx", 1),
    ],
    ids=["clean", "warning-only", "stamp-missing-warning", "error", "unreadable"],
)
def test_exit_codes(tmp_path: Path, make, code: int) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    exit_code, out, err = run(str(path))
    assert exit_code == code, out + err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    "args",
    [
        ["does-not-exist.xlsx"],
        [],
        ["--format", "xml", "."],
        ["--stamp-mismatch", "ignore", "."],
        ["--max-amount", "lots", "."],
        ["--max-amount", "-5", "."],
        ["--units", "no-such-units.txt", "."],
        ["-c", "no-such-catalog.json", "."],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    exit_code, out, err = run(*args)
    assert exit_code == 2
    assert "Traceback" not in out + err


def test_text_report_groups_by_file_then_rule(batch: Path) -> None:
    exit_code, out, _ = run(str(batch))
    assert exit_code == 1
    lines = out.splitlines()
    bad = next(i for i, s in enumerate(lines) if s.endswith("bad.xlsx（金水区，2027年度）"))
    block = lines[bad : lines.index("", bad)]
    assert any("[错误] unknown-code" in s for s in block)
    assert any(s.strip().startswith("预算表!C4") for s in block)
    assert any(s.strip().startswith("预算表!K4") for s in block)
    assert block[-1].strip().startswith("小计：")
    assert lines[-1].startswith("总计：4 个文件")
    assert "old.xls" in out and "另存为" in out
    assert "clean.xlsx" in out and "120.50" in out


def test_the_results_are_frozen_for_the_collector_and_thawed_at_the_end(
    batch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    calls: list[str] = []
    for name in ("freeze", "unfreeze"):
        real = getattr(gc, name)
        monkeypatch.setattr(gc, name, lambda real=real, name=name: calls.append(name) or real())
    before = gc.get_freeze_count()
    for command in ("check", "rollup"):
        assert CliRunner().invoke(cli, [command, str(batch)], obj={}).exit_code == 1
    assert calls == ["freeze", "unfreeze"] * 2 and gc.get_freeze_count() == before


def test_json_shape(batch: Path) -> None:
    exit_code, out, _ = run(str(batch), "--format", "json")
    assert exit_code == 1
    doc = json.loads(out)
    jsonschema.validate(doc, SCHEMA)
    by_name = {Path(f["path"]).name: f for f in doc["files"]}
    assert by_name["clean.xlsx"]["status"] == "ok"
    assert by_name["clean.xlsx"]["amount_accepted"] == "120.50"
    assert by_name["clean.xlsx"]["rows"] == 2
    assert by_name["broken.xlsx"]["status"] == "unreadable"
    assert by_name["old.xls"]["issues"][0]["rule"] == "file-format"
    bad = by_name["bad.xlsx"]
    assert {(i["rule"], i["cell"]) for i in bad["issues"]} >= {
        ("unknown-code", "C4"),
        ("amount-not-number", "K4"),
        ("formula-in-input", "B5"),
    }
    summary = doc["summary"]
    assert summary["files"] == 4
    assert summary["errors"] == sum(
        1 for f in doc["files"] for i in f["issues"] if i["severity"] == "error"
    )


def test_json_stays_parseable_with_annotate(batch: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "back"
    exit_code, out, err = run(str(batch), "--format", "json", "--annotate", str(out_dir))
    assert exit_code == 1
    json.loads(out)
    assert "已生成标注副本" in err
    assert sorted(p.name for p in out_dir.iterdir()) == ["bad_问题标注.xlsx"]


def test_options_reach_the_checker(tmp_path: Path) -> None:
    path = build_submission(tmp_path / "a.xlsx", [line(amount=2000)], unit="开封市")
    units = tmp_path / "units.txt"
    units.write_text("开封市\n", encoding="utf-8")
    assert run(str(path))[0] == 1
    assert run(str(path), "--units", str(units))[0] == 0
    code, out, _ = run(str(path), "--units", str(units), "--max-amount", "1,000")
    assert code == 1 and "amount-too-large" in out


def test_stamp_mismatch_option(tmp_path: Path, catalog) -> None:  # type: ignore[no-untyped-def]
    from builders import stamp_for

    stamp = stamp_for(catalog)
    stamp["catalog_version"] = "2019"
    path = build_submission(tmp_path / "a.xlsx", [line()], stamp=stamp)
    assert run(str(path))[0] == 1
    code, out, _ = run(str(path), "--stamp-mismatch", "warning")
    assert code == 0 and "[警告] stamp-mismatch" in out


def test_control_characters_are_shown_not_obeyed(tmp_path: Path) -> None:
    from builders import entry_part, patch_part

    path = build_submission(tmp_path / "a.xlsx", [line(code="ESCMARK")])
    patch_part(path, entry_part(path), "ESCMARK", "_x001B_[2J坏")
    code, out, _ = run(str(path))
    assert code == 1
    assert "\x1b" not in out and "\\x1b[2J坏" in out


DOC = Path(__file__).resolve().parents[2] / "README.md"


def test_docs_rules_table_is_current() -> None:
    from toolkit.rules.registry import rules_table

    text = DOC.read_text(encoding="utf-8")
    start = text.index("<!-- rules-table")
    block = text[text.index("\n", start) + 1 : text.index("<!-- /rules-table -->")]
    assert block.strip() == rules_table()


def test_docs_name_every_check_option() -> None:
    import click

    text = DOC.read_text(encoding="utf-8")
    command = cli.commands["check"]
    for param in command.params:
        if isinstance(param, click.Option):
            assert any(opt in text for opt in param.opts if opt.startswith("--")), param.opts


def test_annotate_dir_inside_the_checked_folder_is_refused(batch: Path) -> None:
    exit_code, _, _ = run(str(batch), "--annotate", str(batch / "退回"))
    assert exit_code == 2 and not (batch / "退回").exists()
