"""Row records and check results built by hand, for the roll-up and report tests."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from toolkit.catalog import Catalog
from toolkit.rules import registry
from toolkit.rules.result import ROW_COLUMNS, CheckResult, FileResult, Rows


def make_row(catalog: Catalog, file: str, unit: str | None, code: str | None, fen: Any, **kw: Any):
    """One ROW_COLUMNS record; level codes come from the catalogue as the checker derives them."""
    known = code is not None and code in catalog
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(
        file=file,
        sheet="预算表",
        row=4,
        unit=unit,
        year=2027,
        project="项目",
        code=code,
        level1=catalog.ancestor(code, 1).code if known else None,
        level2=catalog.ancestor(code, 2).code if known and catalog[code].level >= 2 else None,
        amount_fen=fen,
        amount_cell="K4",
        amount_read=None if fen is None or fen != fen else Decimal(int(fen)).scaleb(-2),
        hidden=False,
        accepted=True,
        reasons="",
    )
    row.update(kw)
    return row


def make_result(
    catalog: Catalog,
    rows: Iterable[Mapping[str, Any]],
    files: Iterable[FileResult] | None = None,
) -> CheckResult:
    """A CheckResult over ``rows``; one clean FileResult per file unless ``files`` is given."""
    rows = list(rows)
    for i, row in enumerate(rows):
        row.setdefault("row", 4 + i)
    if files is None:
        seen: dict[str, FileResult] = {}
        for row in rows:
            seen.setdefault(row["file"], FileResult(row["file"], unit=row["unit"], year=2027))
        files = seen.values()
    files = list(files)
    parts = []
    for f in files:  # each file's rows, in the order given
        mine = [row for row in rows if row["file"] == f.path]
        parts.append(Rows({c: [row.get(c) for row in mine] for c in ROW_COLUMNS}))
    if sum(len(p) for p in parts) != len(rows):
        raise ValueError("a row names a file that is not among the files")
    return CheckResult(catalog=catalog, files=files, parts=parts)


def random_rows(catalog: Catalog, seed: int, n: int = 300) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    units = ["中原区", "二七区", "金水区", "登封市"]
    leaves = [e.code for e in catalog.leaves]
    rows = []
    for _ in range(n):
        unit = rng.choice(units)
        fen = rng.choice([rng.randrange(0, 100), rng.randrange(0, 10**9), rng.randrange(0, 10**13)])
        rows.append(make_row(catalog, f"{unit}.xlsx", unit, rng.choice(leaves), fen))
    return rows


# the report tests' batch (tests/output): a unit's project name is a formula, a unit sent twice
EVIL = '=HYPERLINK("http://evil.example","点我")'
REPORT_UNITS = ("中原区", "二七区", "金水区", "登封市")


def report_sample(catalog: Catalog) -> CheckResult:
    """Four files: two clean units, a unit that sent twice, one file with an error row."""
    rows = [
        make_row(catalog, "zy.xlsx", "中原区", "033A0101", 123456, project=EVIL),
        make_row(catalog, "zy.xlsx", "中原区", "033A0201", 100050),
        make_row(catalog, "zy.xlsx", "中原区", "033C0501", 7),
        make_row(catalog, "js-old.xlsx", "金水区", "033A0101", 500000, accepted=False,
                 reasons="superseded-submission"),
        make_row(catalog, "js.xlsx", "金水区", "033A0102", 250000),
        make_row(catalog, "js.xlsx", "金水区", "033B0201", 99999),
        make_row(catalog, "js.xlsx", "金水区", None, None, accepted=False,
                 reasons="amount-not-number", row=9, project="+cmd|' /C calc'!A0"),
        make_row(catalog, "js.xlsx", "金水区", "033A0101", -4200, accepted=False,
                 reasons="amount-negative", row=10),
    ]  # fmt: skip
    bad = [
        registry.get("amount-not-number").issue( file="js.xlsx", sheet="预算表", row=9, column=11,
                   value="十万"),
        registry.get("amount-negative").issue( file="js.xlsx", sheet="预算表", row=10, column=11,
                   value="-42"),
    ]  # fmt: skip
    superseded = registry.get("superseded-submission").issue(
        file="js-old.xlsx", detail="以 js 为准"
    )
    files = [
        FileResult("zy.xlsx", unit="中原区", year=2027),
        FileResult("js-old.xlsx", status="errors", unit="金水区", year=2027, counts=False,
                   issues=[superseded]),
        FileResult("js.xlsx", status="errors", unit="金水区", year=2027, issues=bad),
    ]  # fmt: skip
    return make_result(catalog, rows, files)
