"""Check results as people and programs read them: Chinese text, and JSON.

The text groups issues by file, then by rule (errors first, in the registry's order),
each with its cell; every file ends with a one-line summary and the batch with an
overall one. Rejected money is never netted out: the gross, and the positive and
negative amounts separately. Text from submissions and file names is made visible, not
obeyed: control characters, direction overrides and zero-width characters are shown as
``\\x1b``, ``U+202E``, ``U+200B``. The JSON is the documented shape (the README's "JSON
format"); ``files_json`` is shared with the roll-up report so both agree.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from toolkit.issues import Severity
from toolkit.money import fen_display, yuan_display
from toolkit.rules import registry
from toolkit.totals.amounts import Amounts, amounts_json, batch_amounts, file_amounts

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.rules.result import CheckResult, FileResult

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
_INVISIBLE_RE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u206f\ufeff]"
)
STATUS_LABELS = {"ok": "通过", "errors": "有错误", "unreadable": "无法读取"}


def terminal_safe(text: str) -> str:
    """Text from a submission as a person may safely read it: control characters
    (ANSI escapes ...) as ``\\x1b``, invisible and direction characters as ``U+200B``."""
    text = _CONTROL_RE.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
    return _INVISIBLE_RE.sub(lambda m: f"<U+{ord(m.group(0)):04X}>", text)


def rule_title(rule_id: str) -> str:
    """A short Chinese title for a rule (text report, the 问题清单 sheet, the report)."""
    return registry.title(rule_id)


def issue_json(i: Any) -> dict[str, Any]:
    return {
        "rule": i.rule,
        "severity": i.severity,
        "sheet": i.sheet,
        "cell": i.cell,
        "row": i.row,
        "column": i.column,
        "value": i.value,
        "message": i.message,
    }


def file_json(f: FileResult, a: Amounts) -> dict[str, Any]:
    """One workbook's block of the JSON output, given its amounts."""
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
        **amounts_json(a),
        "errors": f.errors,
        "warnings": f.warnings,
        "issues": [issue_json(i) for i in f.issues],
    }


def files_json(result: CheckResult) -> list[dict[str, Any]]:
    """The ``files`` block of the JSON output: one object per workbook, issues included."""
    amounts = file_amounts(result)
    return [file_json(f, amounts[f.path]) for f in result.files]


def summary_json(result: CheckResult) -> dict[str, Any]:
    statuses = [f.status for f in result.files]
    return {
        "files": len(result.files),
        "errors": result.errors,
        "warnings": result.warnings,
        "files_ok": statuses.count("ok"),
        "files_with_errors": statuses.count("errors"),
        "files_unreadable": statuses.count("unreadable"),
        **amounts_json(batch_amounts(result)),
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


def rejected_words(rows: int, gross: Any, positive: Any, negative: Any, unreadable: int) -> str:
    """``2 行，共 155,000.00 元（正数 120,000.00 元、负数 -35,000.00 元；其中 1 行金额无法识别）``:
    rejected money gross, never netted out (the text report, the workbook, the terminal)."""
    parts = []
    if positive and negative:
        parts.append(f"正数 {yuan_display(positive)} 元、负数 {yuan_display(negative)} 元")
    if unreadable:
        parts.append(f"其中 {unreadable} 行金额无法识别")
    detail = f"（{'；'.join(parts)}）" if parts else ""
    return f"{rows} 行，共 {yuan_display(gross)} 元{detail}"


def rejected_text(a: Amounts) -> str:
    """``未采用 2 行，共 119,995.00 元（…）`` for a file or the batch."""
    words = rejected_words(
        a.rejected_rows, a.rejected_gross, a.rejected_positive, a.rejected_negative,
        a.unreadable_rows,
    )  # fmt: skip
    return f"未采用 {words}"


def render_text(result: CheckResult) -> str:
    """Chinese report: by file, then by rule (errors first), cells listed; summaries."""
    amounts = file_amounts(result)
    cat = result.catalog
    out = [f"检查 {len(result.files)} 个文件，目录：{cat.title}（{cat.id} 版本 {cat.version}）", ""]
    for f in result.files:
        a = amounts[f.path]
        who = "，".join(x for x in (f.unit or "", f"{f.year}年度" if f.year else "") if x)
        mark = "✓" if f.status == "ok" else "✗"
        out.append(f"{mark} {terminal_safe(f.path)}（{terminal_safe(who or '单位未知')}）")
        groups: dict[str, list[Any]] = {}
        for issue in f.issues:
            groups.setdefault(issue.rule, []).append(issue)
        order = sorted(
            groups, key=lambda rid: (groups[rid][0].severity != Severity.ERROR, registry.order(rid))
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
            f"  小计：{STATUS_LABELS[f.status]}；读取 {a.rows} 行，采用 {a.accepted_rows} 行，"
            f"金额 {fen_display(a.accepted_fen)} 元；{rejected_text(a)}；"
            f"错误 {f.errors} 个，警告 {f.warnings} 个{counted}"
        )
        out.append("")
    s = summary_json(result)
    total = batch_amounts(result)
    out.append(
        f"总计：{s['files']} 个文件（通过 {s['files_ok']}，有错误 {s['files_with_errors']}，"
        f"无法读取 {s['files_unreadable']}）；读取 {total.rows} 行，采用 {total.accepted_rows} 行，"
        f"金额 {fen_display(total.accepted_fen)} 元；{rejected_text(total)}；"
        f"错误 {s['errors']} 个，警告 {s['warnings']} 个"
    )
    return "\n".join(out)
