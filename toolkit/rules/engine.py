"""Judge one workbook: read it, run every rule of the registry over it, build its rows.

``check_file`` is the pure per-file step (path, catalogue, options -> ``FileResult`` and
row tuples); it never raises for a bad file, so a batch can map it over a process pool.
A row with any error is kept but not accepted, with the rule ids why, so for every file
the amounts read equal the amounts accepted plus the amounts rejected.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from toolkit.cellref import column_letter
from toolkit.issues import Issue
from toolkit.read.submission import Submission, read_submission
from toolkit.rules import values as V
from toolkit.rules.cells import CELL_RULES
from toolkit.rules.file import FILE_FORMAT, FILE_RULES, NOT_A_TEMPLATE, FileContext, problem_issue
from toolkit.rules.frame import Frame, build_frame, cell_text
from toolkit.rules.options import CheckOptions
from toolkit.rules.registry import REGISTRY
from toolkit.rules.result import FileResult, Rows
from toolkit.rules.total import judge_total
from toolkit.xlsx.cells import Cells
from toolkit.xlsx.container import OTHER_SPREADSHEET_SUFFIXES, guarded, open_container, sniff
from toolkit.xlsx.limits import DEFAULT_LIMITS, Deadline, FileProblem, Limits

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog


def check_file(
    path: str | Path, catalog: Catalog, options: CheckOptions
) -> tuple[FileResult, Rows]:
    """Read and judge one workbook; never raises for a bad file (it becomes issues)."""
    name = str(path)
    limits = options.limits or DEFAULT_LIMITS
    mtime = _mtime_ns(Path(name))
    try:
        suffix = Path(name).suffix.lower()
        if suffix != ".xlsx":
            return _other_format(name, suffix, limits), Rows()
        deadline = Deadline(limits)
        sub = read_submission(name, limits, deadline)
        deadline.check("检查")
        result, rows = judge(sub, catalog, options, release_cells=True)
    except FileProblem as problem:
        return _unreadable(name, problem_issue(name, problem), mtime), Rows()
    except MemoryError:
        return _unreadable(
            name, problem_issue(name, FileProblem("limit", "内存不足")), mtime
        ), Rows()
    except Exception as exc:  # a bad file must never stop the batch
        problem = FileProblem("unreadable", f"{type(exc).__name__}: {exc}")
        return _unreadable(name, problem_issue(name, problem), mtime), Rows()
    result.mtime_ns = mtime
    return result, rows


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _unreadable(name: str, issue: Issue, mtime: int = 0) -> FileResult:
    return FileResult(path=name, status="unreadable", issues=[issue], mtime_ns=mtime)


def _other_format(name: str, suffix: str, limits: Limits) -> FileResult:
    """Another format: "save as .xlsx" first, then whatever else is wrong with it."""
    fmt = OTHER_SPREADSHEET_SUFFIXES.get(suffix, f"{suffix or '无扩展名'}（不是 Excel 工作簿）")
    issues = [FILE_FORMAT.issue(file=name, detail=fmt, value=Path(name).name)]
    try:
        with guarded():
            size = sniff(Path(name), limits)
            with Path(name).open("rb") as fp:
                open_container(fp, size, limits)
    except FileProblem as problem:
        if problem.kind != "format":
            issues.append(problem_issue(name, problem))
    return FileResult(path=name, status="unreadable", issues=issues)


# -- one submission ------------------------------------------------------------------------------
def judge(
    sub: Submission, catalog: Catalog, options: CheckOptions, *, release_cells: bool = False
) -> tuple[FileResult, Rows]:
    """Every rule that concerns one file, on what the reader found.

    ``release_cells``: the sheet's kept cells are let go as soon as no rule reads them:
    all but the amount column's once the file rules are done (only the 合计 reads cells
    after them), those once the 合计 is, so a 200,000-row table's frame and row columns
    are built without them (``check_file`` owns its ``sub``; a caller keeping ``sub``
    leaves this off)."""
    result = FileResult(
        path=sub.path,
        unit=sub.unit,
        year=sub.year,
        template_version=sub.stamp.get("template_version"),
        catalog_id=sub.stamp.get("catalog_id"),
        catalog_version=sub.stamp.get("catalog_version"),
        catalog_sha256=sub.stamp.get("catalog_sha256"),
        generated_at=sub.stamp.get("generated_at"),
        round_id=sub.stamp.get("round"),
        signature=sub.signature,
        content_hash=sub.content_hash,
        amount_unit=sub.amount_unit,
    )
    ctx = FileContext(sub, catalog, options)
    issues: list[Issue] = []
    if sub.problem is not None:
        row = sub.header_row
        issues.append(ctx.issue(NOT_A_TEMPLATE, row, 1 if row else None, detail=sub.problem))
        issues += [i for judge_ in FILE_RULES[:2] for i in judge_(ctx)]  # the copy mark, the stamp
        result.issues = issues
        result.status = "errors"
        return result, Rows()
    for judge_ in FILE_RULES:
        issues.extend(judge_(ctx))
    if release_cells and sub.worksheet is not None and sub.header is not None:
        ws = sub.worksheet
        ws.cells = ws.cells.only_column(sub.header.columns["amount"])
    frame = build_frame(sub, catalog, options)
    cell_issues, reasons = judge_cells(frame)
    issues.extend(judge_total(ctx, frame, set(reasons)))
    frame.number_decimals.clear()  # the 合计 was its last reader
    frame.release_masks()
    if release_cells and sub.worksheet is not None:
        sub.worksheet.cells = Cells()
    issues.extend(cell_issues)
    file_errors = list(
        dict.fromkeys(i.rule for i in issues if i.is_error and REGISTRY[i.rule].rejects == "file")
    )
    rows = row_tuples(frame, reasons, file_errors)
    result.issues = issues
    result.rows_read = len(rows)
    result.amount_read_fen = sum(fen or 0 for fen in rows.column("amount_fen"))
    result.status = "errors" if any(i.is_error for i in issues) else "ok"
    return result, rows


def judge_cells(frame: Frame) -> tuple[list[Issue], dict[int, list[str]]]:
    """The cell rules in order, each over whole columns; a blocking rule claims its cells.

    Returns the issues (in row order, then column, then rule order) and, per row
    position, the ids of the errors that reject it.
    """
    sub = frame.sub
    blocked: dict[str, np.ndarray] = {name: np.zeros(frame.n, bool) for name in frame.columns}
    found: list[tuple[int, int, int, Issue]] = []
    reasons: dict[int, list[str]] = {}
    for order, cell_rule in enumerate(CELL_RULES):
        for name in cell_rule.fields:
            if name not in frame.columns:
                continue
            mask = cell_rule.judge(frame, name) & ~blocked[name]
            hits = np.flatnonzero(mask)
            if not len(hits):
                continue
            column = frame.column(name)
            rule = cell_rule.rule
            for i in hits.tolist():
                value, fields = cell_rule.describe(frame, name, i)
                row = int(frame.rows[i])
                if isinstance(value, str) and len(value) > 200:
                    value = value[:199] + "…"
                issue = rule.issue(
                    file=sub.path,
                    sheet=sub.sheet or "",
                    row=row,
                    column=column,
                    value=value,
                    **fields,
                )
                found.append((row, column, order, issue))
                if issue.is_error:
                    ids = reasons.setdefault(i, [])
                    if rule.id not in ids:
                        ids.append(rule.id)
            if cell_rule.blocks:
                blocked[name] |= mask
    found.sort(key=lambda t: t[:3])
    return [t[3] for t in found], reasons


def row_tuples(frame: Frame, reasons: dict[int, list[str]], file_errors: Iterable[str]) -> Rows:
    """The table's rows as ``ROW_COLUMNS`` columns, built a column at a time."""
    sub, n = frame.sub, frame.n
    file_errors = list(file_errors)
    rows = frame.rows.tolist()
    letter = column_letter(frame.column("amount"))
    seq = frame.columns.get("seq")
    codes, amounts = frame.codes, frame.amounts
    why = [";".join(dict.fromkeys([*file_errors, *reasons.get(i, [])])) for i in range(n)]
    columns: dict[str, list[Any]] = {
        "row": rows,
        "seq": [
            cell_text(k, v) or None for k, v in zip(seq.kinds.tolist(), seq.values, strict=True)
        ]
        if seq is not None
        else [None] * n,
        "code": [c.code if c else None for c in codes],
        "level1": [c.level1 if c else None for c in codes],
        "level2": [c.level2 if c else None for c in codes],
        "amount_fen": [
            a.fen if a is not None and a.fen is not None and abs(a.fen) <= V.MAX_EXACT_FEN else None
            for a in amounts
        ],
        "amount_read": [a.read if a is not None else None for a in amounts],
        "hidden": (frame.hidden | frame.filtered).tolist(),
        "accepted": [not w for w in why],
        "reasons": why,
        **frame.texts,
    }
    for name, canon in frame.lists.items():  # the choice as listed, else as typed
        typed = name in frame.columns
        columns[name] = [c or (typed and frame.shown(name, i)) or None for i, c in enumerate(canon)]
    fixed = {"file": sub.path, "sheet": sub.sheet, "unit": sub.unit, "year": sub.year}
    return Rows(columns, fixed=fixed, amount_letter=letter)
