"""The built-in catalogue is exactly the notice's; every structural rule fails on its own."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from toolkit.catalog import (
    Catalog,
    CatalogError,
    load_catalog,
    load_schema,
    validate_catalog,
)

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO.parent / "shared" / "sources" / "zhengzhou_civil_affairs_catalog_2020.txt"


def test_builtin_counts(catalog: Catalog) -> None:
    assert [len(catalog.level(n)) for n in (1, 2, 3)] == [3, 13, 72]
    assert len(catalog) == 88
    assert len(catalog.leaves) == 72
    assert all(e.level == 3 for e in catalog.leaves)


def test_builtin_metadata(catalog: Catalog) -> None:
    meta = catalog.metadata
    assert meta["document_number"] == "郑财社〔2020〕34号"
    assert meta["issue_date"] == "2020-09-11"
    assert meta["issuers"] == ["郑州市财政局", "郑州市民政局"]
    assert meta["supersedes"] == ["郑财预〔2015〕1030号"]
    assert meta["department_code"] == "033"
    assert catalog.title == "郑州市民政局政府购买服务指导性目录"


@pytest.mark.parametrize(
    ("code", "name", "description"),
    [
        (
            "033A0104",  # the name wraps over two lines in the PDF
            "养老服务业调查、统计分析、发展政策、理论研究、监督检查",
            "委托第三方进行养老服务业调查、统计分析、发展政策、理论研究、监督检查服务购买",
        ),
        (
            "033C0206",
            "孤儿监护人指导养育培训，乡镇儿童督导员、村居儿童主任业务培训",
            "委托专业培训机构开展儿童工作队伍业务培训和孤儿监护人指导养育培训",
        ),
        (
            "033A0213",
            "流浪乞讨人员站内临时安置和站外机构托（代）养服务",
            "开展流浪乞讨人员站内临时安置和站外机构托（代）养服务",
        ),
        ("033A0101", "居家养老服务", None),
        # name and description share the code's line in the source
        ("033C0102", "履约验收服务", "政府采购合同履约验收服务"),
        ("033C0506", "其他", "车辆租赁及用车服务等"),
        # the source's own typos are kept
        ("033B0202", "支持社会组织开展社会服务项目", None),
    ],
)
def test_spot_checks(catalog: Catalog, code: str, name: str, description: str | None) -> None:
    entry = catalog[code]
    assert entry.name == name
    if description is not None:
        assert entry.description == description
    assert " " not in entry.name and " " not in entry.description


def test_typos_kept(catalog: Catalog) -> None:
    assert "心理咨询、、社会救助" in catalog["033B0202"].description
    assert "及时了总结救助政策" in catalog["033B0401"].description


def test_wrapped_level1_name(catalog: Catalog) -> None:
    assert catalog["033C"].name == "政府履职所需辅助性服务"
    assert catalog["033C04"].name == "机关信息系统建设与维护"


def test_margin_notes_never_leak(catalog: Catalog) -> None:
    for entry in catalog:
        for text in (entry.name, entry.description):
            assert "范小洁" not in text
            assert "建议删除" not in text
            assert "明确具体购买事项" not in text
    notes = [a["text"] for a in catalog["033A0302"].annotations]
    assert notes == ["建议删除"]
    assert catalog["033A0302"].description == "委托第三方进行重度残疾人的照护"


def test_every_leaf_has_description(catalog: Catalog) -> None:
    assert all(e.description for e in catalog.leaves)
    assert not any(e.description for e in catalog if e.level < 3)


def test_lookup(catalog: Catalog) -> None:
    assert catalog.level1("033A0101").code == "033A"
    assert catalog.level2("033A0101").code == "033A01"
    assert catalog.level2("033A") is None
    assert catalog.parent("033A0101").code == "033A01"
    assert catalog.parent("033A") is None
    assert [e.code for e in catalog.children()] == ["033A", "033B", "033C"]
    assert len(catalog.children("033A02")) == 30
    assert catalog.is_leaf("033A0101") and not catalog.is_leaf("033A01")
    assert "033A0101" in catalog and "033Z" not in catalog
    assert catalog.get("nope") is None
    assert catalog["033A0101"].label == "033A0101 居家养老服务"


def test_catalog_is_immutable(catalog: Catalog) -> None:
    with pytest.raises(AttributeError):
        catalog.entries = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        catalog.metadata["id"] = "x"  # type: ignore[index]


def test_sha256_is_of_canonical_json(catalog: Catalog) -> None:
    again = Catalog.from_dict(json.loads(json.dumps(catalog.to_dict(), indent=4)))
    assert again.sha256 == catalog.sha256
    changed = catalog.to_dict()
    changed["entries"][5]["name"] += "x"
    assert Catalog.from_dict(changed).sha256 != catalog.sha256
    assert len(catalog.sha256) == 64


def test_schema_is_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_packaged_schema_matches_top_level() -> None:
    top = json.loads((REPO / "schema" / "catalog.schema.json").read_text(encoding="utf-8"))
    assert load_schema() == top


@pytest.mark.skipif(not SOURCE.exists(), reason=f"notice text not found at {SOURCE}")
def test_builtin_matches_extraction_of_the_notice() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("extract", REPO / "scripts/extract_catalog.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    extracted = module.extract(SOURCE.read_text(encoding="utf-8"))
    assert extracted == load_catalog().to_dict()


# -- a document found valid is not checked again ------------------------------------------
def test_builtin_checked_key_is_of_the_valid_builtin_document() -> None:
    """The pinned key names the packaged document under the packaged schema, and that
    document passes the full check (so skipping it for the built-in one loses nothing)."""
    from toolkit.catalog.model import BUILTIN_CATALOG, BUILTIN_CHECKED_KEY, _data_file, checked_key

    doc = json.loads(_data_file(BUILTIN_CATALOG).read_text(encoding="utf-8"))
    assert checked_key(doc) == BUILTIN_CHECKED_KEY
    assert validate_catalog(doc) == []


def test_a_valid_document_is_checked_once_an_invalid_one_every_time(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    from toolkit.catalog import model

    calls: list[int] = []
    real = model.validate_catalog
    monkeypatch.setattr(model, "validate_catalog", lambda d: calls.append(1) or real(d))
    monkeypatch.setattr(model, "_VALID", set(model._VALID))
    doc = catalog.to_dict()
    doc["entries"][5]["name"] += "（新）"
    first, again = Catalog.from_dict(doc), Catalog.from_dict(copy.deepcopy(doc))
    assert first == again and len(calls) == 1
    Catalog.from_dict(catalog.to_dict())  # the built-in document: never checked here
    assert len(calls) == 1
    doc["entries"][5]["name"] = ""
    for _ in range(2):
        with pytest.raises(CatalogError) as err:
            Catalog.from_dict(doc)
        assert "empty-name" in {p.kind for p in err.value.problems}
    assert len(calls) == 3
    doc["entries"][5]["name"] = {"x"}  # not JSON: no key, always checked
    for _ in range(2):
        with pytest.raises(CatalogError):
            Catalog.from_dict(doc)
    assert len(calls) == 5


def test_loading_the_builtin_catalogue_does_not_import_jsonschema() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from toolkit.catalog import load_catalog; load_catalog(); "
        "print('jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- a fourth level is allowed (财综〔2020〕57号) ---------------------------------------------
def test_depth_four_accepted(catalog: Catalog) -> None:
    doc = catalog.to_dict()
    doc["entries"].append(
        {"code": "033A010101", "name": "助餐服务", "level": 4, "parent": "033A0101"}
    )
    cat = Catalog.from_dict(doc)
    assert cat.level2("033A010101").code == "033A01"
    assert not cat.is_leaf("033A0101")


# -- structural rules, each on its own broken catalogue --------------------------------------
def _broken(catalog: Catalog, change: Any) -> list[tuple[str, str]]:
    doc = copy.deepcopy(catalog.to_dict())
    change(doc["entries"])
    return [(p.kind, p.path) for p in validate_catalog(doc)]


def _index(doc_entries: list[dict[str, Any]], code: str) -> int:
    return next(i for i, e in enumerate(doc_entries) if e["code"] == code)


def _dup_code(es: list[dict[str, Any]]) -> None:
    es.append(dict(es[_index(es, "033A0101")], name="另一个"))


def _missing_parent(es: list[dict[str, Any]]) -> None:
    es.append({"code": "033A9901", "name": "孤儿", "level": 3, "parent": "033A99"})


def _parent_level(es: list[dict[str, Any]]) -> None:
    es.append({"code": "033A0150", "name": "错级", "level": 3, "parent": "033A"})


def _parent_prefix(es: list[dict[str, Any]]) -> None:
    es.append({"code": "033B0150", "name": "错前缀", "level": 3, "parent": "033A01"})


def _empty_name(es: list[dict[str, Any]]) -> None:
    es[_index(es, "033A0102")]["name"] = " \u3000"


def _sibling_names(es: list[dict[str, Any]]) -> None:
    es[_index(es, "033A0102")]["name"] = "居家养老服务"


def _childless(es: list[dict[str, Any]]) -> None:
    es.append({"code": "033A05", "name": "空类别", "level": 2, "parent": "033A"})


def _dept_prefix(es: list[dict[str, Any]]) -> None:
    es.append({"code": "034D", "name": "别的部门", "level": 1, "parent": None})
    es.append({"code": "034D01", "name": "别的类", "level": 2, "parent": "034D"})
    es.append({"code": "034D0101", "name": "别的项", "level": 3, "parent": "034D01"})


def _level_mismatch(es: list[dict[str, Any]]) -> None:
    es[_index(es, "033A0103")]["level"] = 2


@pytest.mark.parametrize(
    ("change", "kind", "path"),
    [
        (_dup_code, "duplicate-code", "$.entries[88].code"),
        (_missing_parent, "missing-parent", "$.entries[88].parent"),
        (_parent_level, "parent-level", "$.entries[88].parent"),
        (_parent_prefix, "parent-prefix", "$.entries[88].parent"),
        (_empty_name, "empty-name", "$.entries[3].name"),
        (_sibling_names, "duplicate-sibling-name", "$.entries[3].name"),
        (_childless, "childless-category", "$.entries[88].code"),
        (_dept_prefix, "department-prefix", "$.entries[88].code"),
        (_level_mismatch, "level-mismatch", "$.entries[4].level"),
    ],
)
def test_structural_rule(catalog: Catalog, change: Any, kind: str, path: str) -> None:
    assert (kind, path) in _broken(catalog, change)


def test_valid_catalog_has_no_problems(catalog: Catalog) -> None:
    assert validate_catalog(catalog.to_dict()) == []


def test_all_schema_errors_reported(catalog: Catalog) -> None:
    doc = catalog.to_dict()
    del doc["title"]
    doc["issue_date"] = "2020-13-45"
    doc["entries"][0]["code"] = "33a"
    doc["entries"][10]["level"] = 7
    doc["entries"][20]["extra"] = 1
    paths = {p.path for p in validate_catalog(doc) if p.kind == "schema"}
    assert {
        "$",  # missing title
        "$.issue_date",
        "$.entries[0].code",
        "$.entries[10].level",
        "$.entries[20]",
    } <= paths


def test_load_invalid_raises_with_every_problem(tmp_path: Path, catalog: Catalog) -> None:
    doc = catalog.to_dict()
    doc["entries"][2]["name"] = ""
    doc["entries"].append({"code": "033A9901", "name": "x", "level": 3, "parent": "033A99"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(bad)
    assert len(info.value.problems) >= 2


@pytest.mark.parametrize("content", ["", "{not json", "[]"])
def test_unreadable_catalogue_raises(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(CatalogError):
        load_catalog(bad)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(CatalogError):
        load_catalog(tmp_path / "nope.json")
