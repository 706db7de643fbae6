"""Catalogue import/export: lossless round trips, both table forms, located import errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from toolkit.catalog import Catalog, CatalogError
from toolkit.catalog.io import export_catalog, import_catalog

META = {
    "id": "test-dept-2024",
    "title": "测试部门目录",
    "issuers": ["测试局"],
    "document_number": "测财〔2024〕1号",
    "issue_date": "2024-01-02",
    "department_code": "045",
    "version": "2024",
}


@pytest.mark.parametrize("suffix", [".json", ".csv", ".xlsx"])
def test_round_trip_is_lossless(tmp_path: Path, catalog: Catalog, suffix: str) -> None:
    first = tmp_path / f"first{suffix}"
    export_catalog(catalog, first)
    doc = catalog.to_dict() if suffix == ".json" else import_catalog(first)
    assert doc == catalog.to_dict()
    again = Catalog.from_dict(doc)
    second = tmp_path / f"second{suffix}"
    export_catalog(again, second)
    assert again.sha256 == catalog.sha256
    if suffix != ".xlsx":
        assert first.read_bytes() == second.read_bytes()


def test_csv_export_has_bom_and_annotations(tmp_path: Path, catalog: Catalog) -> None:
    out = export_catalog(catalog, tmp_path / "c.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "033A0302 贫困重度残疾人照护服务" in raw.decode("utf-8-sig")
    assert "建议删除" in raw.decode("utf-8-sig")


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


NOTICE_FORM = [
    ["郑州市某局政府购买服务指导性目录"],
    ["序号", "一级目录", "二级目录", "三级目录", "说明"],
    [None, "045A 基本公共服务"],
    [None, None, "045A01 养老服务"],
    [1, None, None, "045A0101 居家养老\n服务", "委托第三方提供上门服务"],
    [2, None, None, "045a0102 社区养老服务", "社区日间照料"],
]


def test_import_notice_form_xlsx(tmp_path: Path) -> None:
    doc = import_catalog(_write_xlsx(tmp_path / "n.xlsx", NOTICE_FORM), META)
    cat = Catalog.from_dict(doc)
    assert [e.code for e in cat] == ["045A", "045A01", "045A0101", "045A0102"]
    assert cat["045A0101"].name == "居家养老服务"  # a wrapped name is joined
    assert cat["045A0102"].description == "社区日间照料"
    assert cat["045A0101"].parent == "045A01"


def test_import_simple_form_csv(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["编码", "名称", "说明"])
        w.writerow(["045A", "基本公共服务", ""])
        w.writerow(["045A01", "养老服务", ""])
        w.writerow(["045A0101", "居家养老服务", "上门服务"])
    cat = Catalog.from_dict(import_catalog(path, META))
    assert cat["045A0101"].description == "上门服务"
    assert cat.department_code == "045"


@pytest.mark.parametrize(
    ("row", "cell"),
    [
        ([None, None, None, "not a code", "x"], "D7"),
        ([None, None, "045A0103 错列", None, "x"], "C7"),
        ([None, "045B 一", "045B01 二"], "C7"),
    ],
)
def test_import_errors_name_row_and_column(tmp_path: Path, row: list[object], cell: str) -> None:
    path = _write_xlsx(tmp_path / "bad.xlsx", [*NOTICE_FORM, row])
    with pytest.raises(CatalogError) as info:
        import_catalog(path, META)
    assert [p.path for p in info.value.problems] == [cell]


def test_import_structural_errors_name_the_row(tmp_path: Path) -> None:
    rows = [*NOTICE_FORM, [3, None, None, "045A0101 重复编码", "x"]]
    path = _write_xlsx(tmp_path / "dup.xlsx", rows)
    with pytest.raises(CatalogError) as info:
        import_catalog(path, META)
    assert any(p.path.startswith("第 7 行") for p in info.value.problems)


def test_import_without_header(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "x.xlsx", [["a", "b"], [1, 2]])
    with pytest.raises(CatalogError):
        import_catalog(path)


def test_missing_metadata_is_reported(tmp_path: Path) -> None:
    path = _write_xlsx(tmp_path / "n.xlsx", NOTICE_FORM)
    with pytest.raises(CatalogError) as info:
        import_catalog(path)
    assert any("title" in p.message for p in info.value.problems)


def test_export_rejects_unknown_suffix(tmp_path: Path, catalog: Catalog) -> None:
    with pytest.raises(ValueError):
        export_catalog(catalog, tmp_path / "c.txt")


@pytest.mark.parametrize(
    "content",
    [b"", b"PK\x03\x04truncated", b"%PDF-1.7 not a workbook", b"\x00\xff" * 500],
)
def test_import_refuses_what_preflight_refuses(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(content)
    with pytest.raises(CatalogError) as info:
        import_catalog(path)
    assert "无法读取目录表格" in str(info.value)


def test_import_refuses_a_zip_bomb(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b" " * (1 << 20)
            for _ in range(64):  # 64 MB of spaces at ~1000:1, past the ratio limit
                member.write(chunk)
    with pytest.raises(CatalogError):
        import_catalog(path)
