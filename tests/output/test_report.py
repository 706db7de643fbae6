"""The roll-up's CSV files and JSON: every table, encoding, the fixed shape, inert text."""

from __future__ import annotations

import csv
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from totals_helpers import EVIL

from toolkit.catalog import Catalog
from toolkit.output.render import files_json
from toolkit.output.report import json_text, report_json, write_csv, write_json
from toolkit.rules.result import CheckResult
from toolkit.totals.rollup import RollupSummary

MONEY = re.compile(r"^-?\d+\.\d{2}$")


# -- CSV ----------------------------------------------------------------------------------
def test_csv_one_file_per_table_utf8_bom_and_owasp_safe(
    summary: RollupSummary, tmp_path: Path
) -> None:
    written = write_csv(summary, tmp_path / "csv")
    names = {p.name for p in written}
    assert names == {
        "level1.csv", "level2.csv", "level3.csv", "unit_category.csv", "detail.csv",
        "rejected.csv", "issues.csv", "units.csv", "files.csv", "reconciliation.csv",
    }  # fmt: skip
    for path in written:
        raw = path.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), path.name
        raw.decode("utf-8")
    detail = list(csv.reader((tmp_path / "csv" / "detail.csv").open(encoding="utf-8-sig")))
    head = detail[0]
    assert "项目名称" in head and "金额（元）" in head
    first = dict(zip(head, detail[1], strict=True))
    assert first["项目名称"] == "'" + EVIL  # OWASP: a leading quote keeps it text
    assert first["金额（元）"] == "1234.56"
    level1 = list(csv.reader((tmp_path / "csv" / "level1.csv").open(encoding="utf-8-sig")))
    assert level1[0] == ["编码", "名称", "行数", "金额（元）", "占比"]
    assert level1[1] == ["033A", "基本公共服务", "3", "4735.06", "82.56%"]
    rejected = list(csv.reader((tmp_path / "csv" / "rejected.csv").open(encoding="utf-8-sig")))
    amounts = {row[2]: row[7] for row in rejected[1:]}
    assert amounts == {"4": "5000.00", "9": "", "10": "-42.00"}  # a negative stays a number
    project = {row[2]: row[5] for row in rejected[1:]}
    assert project["9"] == "'+cmd|' /C calc'!A0"
    assert b"\r\n" in written[0].read_bytes()


# -- JSON ---------------------------------------------------------------------------------
def test_json_has_the_fixed_shape_with_two_place_amounts(
    summary: RollupSummary, result: CheckResult, catalog: Catalog, tmp_path: Path
) -> None:
    doc = json.loads(write_json(summary, tmp_path / "r.json").read_text(encoding="utf-8"))
    assert list(doc) == [
        "catalog", "files", "rows", "amounts", "totals", "by_unit", "grand_total",
    ]  # fmt: skip
    assert doc["catalog"] == {
        "id": catalog.id,
        "version": catalog.version,
        "sha256": catalog.sha256,
    }
    assert doc["files"] == files_json(result)  # the same block as `check --format json`
    assert doc["rows"] == {"read": 8, "accepted": 5, "rejected": 3}
    assert doc["amounts"] == {  # read is signed (= accepted + positive + negative); rejected gross
        "read": "10693.12",
        "accepted": "5735.12",
        "rejected": "5042.00",
        "rejected_positive": "5000.00",
        "rejected_negative": "-42.00",
    }
    assert doc["grand_total"] == "5735.12"
    assert list(doc["totals"]) == ["level1", "level2", "level3"]
    for level, key in ((1, "level1"), (2, "level2"), (3, "level3")):
        assert list(doc["totals"][key]) == [e.code for e in catalog.level(level)]
    assert doc["totals"]["level1"]["033A"] == "4735.06"
    assert doc["totals"]["level3"]["033C0501"] == "0.07"
    assert doc["totals"]["level2"]["033A04"] == "0.00"
    assert list(doc["by_unit"]) == ["中原区", "金水区"]
    codes = [e.code for e in catalog.level(1)] + [e.code for e in catalog.level(2)]
    assert list(doc["by_unit"]["金水区"]) == codes
    assert doc["by_unit"]["金水区"]["033A01"] == "2500.00"

    def amounts(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [a for v in node.values() for a in amounts(v)]
        return [node] if isinstance(node, str) else []

    for value in amounts({k: doc[k] for k in ("amounts", "totals", "by_unit", "grand_total")}):
        assert MONEY.match(value), value
    assert sum(Decimal(v) for v in doc["totals"]["level1"].values()) == Decimal(doc["grand_total"])
    assert json.loads(json_text(summary)) == report_json(summary)
