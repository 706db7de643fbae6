"""`budget-toolkit catalog ...`: exit codes, output formats, import/export files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.catalog import Catalog
from toolkit.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), obj={})
    return result.exit_code, result.stdout, result.stderr


def test_check_builtin_ok() -> None:
    code, out, _ = run("catalog", "check")
    assert code == 0
    assert "3/13/72" in out


def test_check_invalid_lists_every_problem(tmp_path: Path, catalog: Catalog) -> None:
    doc = catalog.to_dict()
    doc["entries"][3]["name"] = "居家养老服务"  # sibling duplicate
    doc["entries"].append({"code": "033A9901", "name": "x", "level": 3, "parent": "033A99"})
    doc["issue_date"] = "bad"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, _, err = run("catalog", "check", str(path))
    assert code == 1
    assert "$.issue_date" in err
    assert "$.entries[3].name" in err
    assert "$.entries[88].parent" in err


def test_check_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{", encoding="utf-8")
    code, _, err = run("catalog", "check", str(path))
    assert code == 1 and "JSON" in err


@pytest.mark.parametrize("fmt", ["tree", "json", "csv"])
def test_show_formats(fmt: str, catalog: Catalog) -> None:
    code, out, _ = run("catalog", "show", "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert json.loads(out) == catalog.to_dict()
    elif fmt == "csv":
        assert len(out.strip().splitlines()) == 89
    else:
        assert "    033A0101 居家养老服务" in out
        assert "[批注 范小洁] 建议删除" in out


def test_show_bad_format_is_usage_error() -> None:
    assert run("catalog", "show", "--format", "yaml")[0] == 2


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_export_then_import(tmp_path: Path, suffix: str, catalog: Catalog) -> None:
    exported = tmp_path / f"c{suffix}"
    assert run("catalog", "export", "-o", str(exported))[0] == 0
    if suffix == ".json":
        assert json.loads(exported.read_text(encoding="utf-8")) == catalog.to_dict()
        return
    back = tmp_path / "back.json"
    code, out, _ = run("catalog", "import", str(exported), "-o", str(back))
    assert code == 0, out
    assert json.loads(back.read_text(encoding="utf-8")) == catalog.to_dict()
    assert run("catalog", "check", str(exported))[0] == 0


def test_import_with_meta(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text("编码,名称,说明\n045A,一,\n045A01,二,\n045A0101,三,说明\n", encoding="utf-8")
    out = tmp_path / "o.json"
    args = ["catalog", "import", str(src), "-o", str(out)]
    assert run(*args)[0] == 1  # metadata missing
    meta = [
        "id=t-2024",
        "title=测试",
        "issuers=甲局,乙局",
        "document_number=测〔2024〕1号",
        "issue_date=2024-01-01",
        "version=1",
    ]
    for m in meta:
        args += ["--meta", m]
    code, _, err = run(*args)
    assert code == 0, err
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["issuers"] == ["甲局", "乙局"] and doc["department_code"] == "045"


def test_export_bad_suffix_is_usage_error(tmp_path: Path) -> None:
    assert run("catalog", "export", "-o", str(tmp_path / "x.txt"))[0] == 2


def test_python_m_toolkit() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "toolkit", "catalog", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "3/13/72" in proc.stdout
