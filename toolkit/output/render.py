"""Check results as people and programs read them: Chinese text, and JSON.

The text groups issues by file, then by rule, each with its cell; every file ends with a
one-line summary and the batch with an overall one. The JSON is the documented shape
(the README's "JSON format"); ``files_json`` is shared with the roll-up report so both agree.
Amounts are shown from integer fen as decimal strings with two places, never floats.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from toolkit.issues import Severity
from toolkit.money import fen_display, fen_sum, fen_text

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.rules.result import CheckResult, FileResult

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
STATUS_LABELS = {"ok": "通过", "errors": "有错误", "unreadable": "无法读取"}


def terminal_safe(text: str) -> str:
    """Control characters from a submission (ANSI escapes ...) shown, never obeyed."""
    return _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


def _file_totals(result: CheckResult) -> dict[str, dict[str, int]]:
    """Per file: rows and fen read and accepted, from the row table."""
    frame = result.all_rows
    totals: dict[str, dict[str, int]] = {
        f.path: {"rows": 0, "accepted": 0, "fen": 0, "accepted_fen": 0} for f in result.files
    }
    if len(frame):
        fen = frame["amount_fen"]
        for (path, accepted), group in fen.groupby([frame["file"], frame["accepted"]]):
            t = totals.setdefault(
                str(path), {"rows": 0, "accepted": 0, "fen": 0, "accepted_fen": 0}
            )
            t["rows"] += len(group)
            t["fen"] += fen_sum(group)
            if accepted:
                t["accepted"] += len(group)
                t["accepted_fen"] += fen_sum(group)
    return totals


def _file_json(f: FileResult, t: dict[str, int]) -> dict[str, Any]:
    return {
        "path": f.path,
        "unit": f.unit,
        "year": f.year,
        "template_version": f.template_version,
        "catalog_id": f.catalog_id,
        "catalog_version": f.catalog_version,
        "catalog_sha256": f.catalog_sha256,
        "amount_unit": f.amount_unit,
        "status": f.status,
        "counts": f.counts,
        "rows": t["rows"],
        "rows_accepted": t["accepted"],
        "rows_rejected": t["rows"] - t["accepted"],
        "amount_read": fen_text(t["fen"]),
        "amount_accepted": fen_text(t["accepted_fen"]),
        "amount_rejected": fen_text(t["fen"] - t["accepted_fen"]),
        "errors": f.errors,
        "warnings": f.warnings,
        "issues": [
            {
                "rule": i.rule,
                "severity": i.severity,
                "sheet": i.sheet,
                "cell": i.cell,
                "row": i.row,
                "column": i.column,
                "value": i.value,
                "message": i.message,
            }
            for i in f.issues
        ],
    }


def files_json(result: CheckResult) -> list[dict[str, Any]]:
    """The ``files`` block of the JSON output: one object per workbook, issues included."""
    totals = _file_totals(result)
    return [_file_json(f, totals[f.path]) for f in result.files]


def summary_json(result: CheckResult) -> dict[str, Any]:
    frame = result.all_rows
    read = fen_sum(frame["amount_fen"]) if len(frame) else 0
    accepted = fen_sum(frame["amount_fen"][frame["accepted"]]) if len(frame) else 0
    statuses = [f.status for f in result.files]
    return {
        "files": len(result.files),
        "errors": result.errors,
        "warnings": result.warnings,
        "files_ok": statuses.count("ok"),
        "files_with_errors": statuses.count("errors"),
        "files_unreadable": statuses.count("unreadable"),
        "rows": len(frame),
        "rows_accepted": int(frame["accepted"].sum()) if len(frame) else 0,
        "rows_rejected": int((~frame["accepted"]).sum()) if len(frame) else 0,
        "amount_read": fen_text(read),
        "amount_accepted": fen_text(accepted),
        "amount_rejected": fen_text(read - accepted),
    }


def to_json(result: CheckResult) -> dict[str, Any]:
    """The whole JSON document: catalogue used, files, summary."""
    cat = result.catalog
    return {
        "catalog": {"id": cat.id, "version": cat.version, "sha256": cat.sha256},
        "files": files_json(result),
        "summary": summary_json(result),
    }


def render_json(result: CheckResult) -> str:
    return json.dumps(to_json(result), ensure_ascii=False, indent=2)


def render_text(result: CheckResult) -> str:
    """Chinese report: by file, then by rule (errors first), cells listed; summaries."""
    totals = _file_totals(result)
    cat = result.catalog
    out = [f"检查 {len(result.files)} 个文件，目录：{cat.title}（{cat.id} 版本 {cat.version}）", ""]
    for f in result.files:
        t = totals[f.path]
        who = (
            "，".join(x for x in (f.unit or "", f"{f.year}年度" if f.year else "") if x)
            or "单位未知"
        )
        mark = {"ok": "✓", "errors": "✗", "unreadable": "✗"}[f.status]
        out.append(f"{mark} {terminal_safe(f.path)}（{terminal_safe(who)}）")
        groups: dict[str, list[Any]] = {}
        for issue in f.issues:
            groups.setdefault(issue.rule, []).append(issue)
        order = sorted(
            groups, key=lambda rid: (groups[rid][0].severity != Severity.ERROR, _RULE_ORDER[rid])
        )
        for rid in order:
            items = groups[rid]
            label = Severity(items[0].severity).label
            out.append(f"  [{label}] {rid}：{rule_title(rid)}（{len(items)} 处）")
            for i in items:
                where = f"{i.sheet}!{i.cell}" if i.cell else (i.sheet or "文件")
                out.append(f"    {terminal_safe(where)}  {terminal_safe(i.message)}")
        counted = "" if f.counts else "，本文件不计入汇总"
        out.append(
            f"  小计：{STATUS_LABELS[f.status]}；读取 {t['rows']} 行，采用 {t['accepted']} 行，"
            f"金额 {fen_display(t['accepted_fen'])} 元"
            f"（未采用 {t['rows'] - t['accepted']} 行，"
            f"{fen_display(t['fen'] - t['accepted_fen'])} 元）；"
            f"错误 {f.errors} 个，警告 {f.warnings} 个{counted}"
        )
        out.append("")
    s = summary_json(result)
    out.append(
        f"总计：{s['files']} 个文件（通过 {s['files_ok']}，有错误 {s['files_with_errors']}，"
        f"无法读取 {s['files_unreadable']}）；读取 {s['rows']} 行，采用 {s['rows_accepted']} 行，"
        f"金额 {fen_display(sum(t['accepted_fen'] for t in totals.values()))} 元；"
        f"错误 {s['errors']} 个，警告 {s['warnings']} 个"
    )
    return "\n".join(out)


_RULE_TITLES = {
    "file-format": "文件格式不是 .xlsx",
    "file-unreadable": "文件无法读取",
    "file-encrypted": "文件已加密",
    "limit-exceeded": "超出处理上限",
    "not-a-template": "不是预算填报模板",
    "stamp-missing": "缺少模板标识",
    "stamp-mismatch": "模板目录版本不一致",
    "unit-missing": "未填填报单位",
    "unit-unknown": "填报单位不在名单中",
    "duplicate-submission": "同一单位同一年度有多个文件",
    "superseded-submission": "已被较新文件取代",
    "required-missing": "必填项为空",
    "unknown-code": "目录编码不存在",
    "non-leaf-code": "未选到三级目录",
    "code-name-mismatch": "编码与名称不符",
    "amount-not-number": "金额不是数字",
    "amount-negative": "金额为负数",
    "amount-precision": "金额小数位过多",
    "amount-too-large": "金额超过上限",
    "value-not-in-list": "取值不在下拉列表中",
    "formula-in-input": "填写了公式",
    "cell-error-value": "单元格为错误值",
    "invalid-text": "文字内容异常",
    "duplicate-row": "重复行",
    "total-mismatch": "合计与明细不符",
    "value-outside-table": "表格外有内容",
}


_RULE_ORDER = {rule_id: n for n, rule_id in enumerate(_RULE_TITLES)}


def rule_title(rule_id: str) -> str:
    """A short Chinese title for a rule (text report, the 问题清单 sheet)."""
    return _RULE_TITLES.get(rule_id, rule_id)
