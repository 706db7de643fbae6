"""Class 13: every rule renders.

One registry: every rule id renders in the text report, the JSON, the annotated copy
(its cell comment and the 问题清单 sheet) and the roll-up report (its 问题 sheet). Each
rule is also produced by a real file here and the four renderers run on it, so a rule
that crashes while it judges (KeyError, TypeError) shows up as the rule it is.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from builders import entry_part, patch_part, stamp_for
from trust_builders import (
    build_submission,
    check,
    edit,
    edit_wb,
    found,
    item,
    items,
    replace_sheet_xml,
    run_cli,
    set_cell_xml,
)

import toolkit
from toolkit import form
from toolkit.catalog import load_catalog
from toolkit.rules.registry import all_rules

E = form.SHEET_ENTRY


def _render_all(result: Any, tmp: Path) -> dict[str, str]:
    """Text, JSON, the annotated copies (comments and 问题清单) and the report, as text."""
    from openpyxl import load_workbook

    from toolkit.output.annotate import annotate
    from toolkit.output.render import render_json, render_text
    from toolkit.output.report_xlsx import write_report
    from toolkit.totals.rollup import summarize

    out = {"text": render_text(result), "json": render_json(result)}
    sheet, comments = [], []
    for done in annotate(result, tmp / "annotated"):
        if done.target is None:
            continue
        wb = load_workbook(done.target)
        for row in wb["问题清单"].iter_rows(values_only=True):
            sheet.append(" ".join(str(v) for v in row if v is not None))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.comment is not None:
                        comments.append(cell.comment.text)
    out["annotated"] = "\n".join(sheet)
    out["comments"] = "\n".join(comments)
    report = write_report(summarize(result), tmp / "report.xlsx")
    wb = load_workbook(report, read_only=True)
    out["report"] = "\n".join(
        " ".join(str(v) for v in row if v is not None)
        for row in wb["问题"].iter_rows(values_only=True)
    )
    return out


def test_every_registered_rule_renders_everywhere(tmp_path):
    path = build_submission(tmp_path / "a.xlsx", items(3))
    result = check(path)
    assert result.files[0].issues == []
    rules = all_rules()
    for k, rule in enumerate(rules):
        cell_rule = rule.scope == "cell"
        result.files[0].issues.append(
            rule.issue(
                file=str(path),
                sheet=E if cell_rule or k % 2 else "",
                row=4 + k % 3 if cell_rule or k % 2 else None,
                column=2 + k % 10 if cell_rule or k % 2 else None,
                value=f"值{k}",
            )
        )
    out = _render_all(result, tmp_path)
    for rule in rules:
        assert rule.id in out["text"], rule.id
        assert rule.title in out["text"], rule.id
        assert f'"rule": "{rule.id}"' in out["json"], rule.id
        assert rule.id in out["annotated"] and rule.title in out["annotated"], rule.id
        assert rule.id in out["report"] and rule.title in out["report"], rule.id
    for rule in rules:
        if rule.scope == "cell":
            assert rule.id in out["comments"], rule.id


def test_every_rule_has_its_parts(tmp_path):
    for rule in all_rules():
        assert rule.title and rule.message and rule.meaning and rule.where, rule.id
        assert rule.scope in ("cell", "file", "batch"), rule.id
        rule.render()  # renders with no fields at all
        rule.render(value="x", detail="y", row=3, cell="A1")


def test_the_reported_crash_row_after_total_renders_in_text_mode(tmp_path):
    path = build_submission(
        tmp_path / "a.xlsx", items(2), cells={"B12": "合计下面的项目", "C12": "033A0101", "K12": 9}
    )
    res = run_cli("check", path)
    assert res.exit_code == 1
    assert "row-after-total" in res.output
    assert "Traceback" not in res.output and "KeyError" not in res.output


# -- every rule from a real file --------------------------------------------------------------
Case = Callable[[Path], tuple[list[Path], dict[str, Any]]]


def _one(**kw: Any) -> Case:
    rows = kw.pop("rows", items(2))
    options = kw.pop("options", {})
    return lambda tmp: ([build_submission(tmp / "a.xlsx", rows, **kw)], options)


def _unreadable(tmp):
    p = tmp / "a.xlsx"
    p.write_bytes(b"PK\x03\x04 broken")
    return [p], {}


def _encrypted(tmp):
    pytest.importorskip("msoffcrypto")
    from hostile import encrypted_xlsx

    src = build_submission(tmp / "src.xlsx", items(2))
    return [encrypted_xlsx(tmp / "a.xlsx", src)], {}


def _format(tmp):
    p = tmp / "a.csv"
    p.write_text("项目名称,目录编码,预算金额（元）\n养老,033A0101,1000\n", encoding="utf-8")
    return [p], {}


def _limit(tmp):
    return [build_submission(tmp / "a.xlsx", items(2))], {"limits": toolkit.Limits(max_rows=3)}


def _annotated(tmp):
    from openpyxl.packaging.custom import StringProperty

    p = build_submission(tmp / "a.xlsx", items(2))
    digest = toolkit.read_submission(p).content_hash
    edit_wb(
        p,
        lambda wb: wb.custom_doc_props.append(
            StringProperty(name=form.STAMP_PREFIX + "annotated", value=digest)
        ),
    )
    return [p], {}


def _other_catalogue(tmp):
    stamp = stamp_for(load_catalog())
    stamp.update(catalog_version="2019", catalog_sha256="0" * 64)
    return [build_submission(tmp / "a.xlsx", items(2), stamp=stamp)], {}


def _copy(tmp):
    p = build_submission(tmp / "a.xlsx", items(2))

    def add(wb):
        ws = wb.copy_worksheet(wb[E])
        ws.title = "预算表 (2)"

    return [edit_wb(p, add)], {}


def _hidden_column(tmp):
    p = build_submission(tmp / "a.xlsx", items(2))
    return [edit(p, lambda ws: setattr(ws.column_dimensions["F"], "hidden", True))], {}


def _hidden_row(tmp):
    p = build_submission(tmp / "a.xlsx", items(3))
    return [edit(p, lambda ws: setattr(ws.row_dimensions[5], "hidden", True))], {}


def _duplicate_cell(tmp):
    p = build_submission(tmp / "a.xlsx", items(3))

    def repeat(data: bytes) -> bytes:
        cut = data.index(b'<row r="6"') - len(b"</row>")
        return data[:cut] + b'<c r="K5"><v>9000</v></c>' + data[cut:]

    return [replace_sheet_xml(p, repeat)], {}


def _error_value(tmp):
    p = build_submission(tmp / "a.xlsx", items(2))
    return [set_cell_xml(p, "K5", '<c r="K5" t="e"><v>#REF!</v></c>')], {}


def _control(tmp):
    p = build_submission(tmp / "a.xlsx", [item(0), item(1, project="CTRLMARK")])
    return [patch_part(p, entry_part(p), "CTRLMARK", "服务_x0007_项目")], {}


def _amount_format(tmp):
    p = build_submission(tmp / "a.xlsx", items(2))
    return [edit(p, lambda ws: setattr(ws["K5"], "number_format", "0.00%"))], {}


def _many_strays(tmp):
    cells = {f"{c}20": f"表外{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXY"}
    return [build_submission(tmp / "a.xlsx", items(2), cells=cells)], {}


def _at(path, ns):
    os.utime(path, ns=(ns, ns))
    return path


T0 = 1_800_000_000 * 10**9


def _superseded(tmp):
    a = _at(build_submission(tmp / "a.xlsx", items(2)), T0)
    b = _at(build_submission(tmp / "b.xlsx", items(3)), T0 + 1)
    return [a, b], {}


def _ambiguous(tmp):
    a = _at(build_submission(tmp / "a.xlsx", items(2)), T0)
    b = _at(build_submission(tmp / "b.xlsx", items(3)), T0)
    return [a, b], {}


def _years(year=None):
    def build(tmp):
        a = build_submission(tmp / "a.xlsx", items(2), year=2027)
        b = build_submission(tmp / "b.xlsx", items(2), year=2026, unit="金水区")
        return [a, b], ({"year": year} if year else {})

    return build


CASES: dict[str, Any] = {
    "file-unreadable": _unreadable,
    "file-encrypted": _encrypted,
    "file-format": _format,
    "limit-exceeded": _limit,
    "not-a-template": _one(
        header_labels={"code": "编号", "amount": "钱", "project": "名字", "seq": "x"}
    ),
    "annotated-copy": _annotated,
    "stamp-missing": _one(stamp=None),
    "stamp-mismatch": _other_catalogue,
    "unit-missing": _one(unit=None),
    "unit-unknown": _one(unit="火星区"),
    "unit-conflict": _one(cells={"A10": "填报单位：金水区"}),
    "year-conflict": _one(cells={"A1": "2026年度政府购买服务预算表"}),
    "amount-unit-unknown": _one(cells={"K2": "千元"}),
    "amount-unit-conflict": _one(cells={"K2": "万元"}),
    "duplicate-column": _one(cells={"N3": "预算金额（元）"}),
    "extra-entry-sheet": _copy,
    "hidden-column": _hidden_column,
    "duplicate-cell-ref": _duplicate_cell,
    "formula-in-input": _one(rows=[item(0), item(1, amount="=1+1")]),
    "cell-error-value": _error_value,
    "required-missing": _one(rows=[item(0), item(1, project=None)]),
    "amount-not-number": _one(rows=[item(0), item(1, amount="1 000")]),
    "amount-precision": _one(rows=[item(0), item(1, amount=1.001)]),
    "amount-negative": _one(rows=[item(0), item(1, amount=-1)]),
    "amount-too-large": _one(rows=[item(0), item(1, amount=2_000_000_000)]),
    "amount-format": _amount_format,
    "amount-as-text": _one(rows=[item(0), item(1, amount="1,000")]),
    "unknown-code": _one(rows=[item(0), item(1, code="033Z9999")]),
    "non-leaf-code": _one(rows=[item(0), item(1, code="033A01")]),
    "code-name-mismatch": _one(rows=[item(0), item(1, code="033A0101 机构养老服务")]),
    "value-not-in-list": _one(rows=[item(0), item(1, method="随便买")]),
    "invalid-text": _control,
    "duplicate-row": _one(rows=[item(0), item(0)]),
    "hidden-row": _hidden_row,
    "total-missing": _one(total=None),
    "total-formula": _one(cells={"K6": "=SUM(K4:K5)*2"}),
    "total-mismatch": _one(total=1),
    "subtotal-row": _one(rows=[item(0), item(1), {"seq": "小计", "amount": 3000}]),
    "row-after-total": _one(cells={"C12": "033A0101", "K12": 5}),
    "line-outside-table": _one(cells={"N4": 99}),
    "value-outside-table": _one(cells={"N4": "旁注"}),
    "more-outside-table": _many_strays,
    "duplicate-submission": _superseded,
    "superseded-submission": _superseded,
    "duplicate-ambiguous": _ambiguous,
    "year-mixed": _years(),
    "year-excluded": _years(2027),
}


def test_the_corpus_covers_the_registry():
    assert set(CASES) == {r.id for r in all_rules()}


MARKED = {}


@pytest.mark.parametrize("rule_id", [pytest.param(k, marks=MARKED.get(k, ())) for k in CASES])
def test_each_rule_from_a_real_file_renders_everywhere(tmp_path, rule_id):
    paths, options = CASES[rule_id](tmp_path)
    result = check(paths, **options)
    got = {r for r, _, _ in found(result)}
    assert rule_id in got, sorted(found(result))
    if rule_id != "file-unreadable":
        assert "file-unreadable" not in got, [i.message for f in result.files for i in f.issues]
    out = _render_all(result, tmp_path)
    assert rule_id in out["text"] and f'"rule": "{rule_id}"' in out["json"]
    assert rule_id in out["report"]
    if any(f.status != "unreadable" for f in result.files):
        assert rule_id in out["annotated"] or all(
            f.status == "unreadable" for f in result.files if rule_id in {i.rule for i in f.issues}
        )
