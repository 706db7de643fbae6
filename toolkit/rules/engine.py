"""Judge what was read: a ``Submission`` and a ``Catalog`` -> issues and line items.

``check`` is the stage's one entry point: paths in, ``CheckResult`` out. Per-file work is
the pure function ``check_file`` (path, catalogue, options -> compact ``FileResult`` and
row tuples) so a batch can be mapped over a process pool; the cross-file rule (two files
for one unit and year) runs afterwards on the compact results.

A row with any error is kept but not accepted, with the rule ids why, so that for every
batch the rows and fen read equal accepted plus rejected. Amounts are integer fen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit import form
from toolkit.issues import Issue, Rule, Severity, column_letter
from toolkit.money import fen_text
from toolkit.read.reader import (
    DERIVED_FIELDS,
    LABEL_BY_FIELD,
    ReadError,
    Submission,
    as_text,
    is_blank,
    nfkc,
    read_submission,
    squash,
)
from toolkit.rules.result import ROW_COLUMNS, CheckResult, FileResult
from toolkit.xlsx import preflight

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog

DEFAULT_MAX_AMOUNT_YUAN = Decimal(1_000_000_000)  # 10 亿元 a line: beyond it, a unit mix-up
MAX_EXACT_FEN = 2**53 - 1
DEFAULT_MAX_TEXT = 2000  # characters in one text cell before it is flagged as over-long
OTHER_SPREADSHEETS = {
    ".xls": "xls（Excel 97-2003 工作簿）",
    ".xlsm": "xlsm（启用宏的工作簿）",
    ".xlsb": "xlsb（Excel 二进制工作簿）",
    ".et": "et（WPS 表格文件）",
    ".ods": "ods（OpenDocument 表格）",
    ".csv": "csv（文本文件）",
    ".xltx": "xltx（Excel 模板）",
    ".xltm": "xltm（启用宏的 Excel 模板）",
    ".ett": "ett（WPS 表格模板）",
}
TEXT_FIELDS = ("project", "content", "provider", "target", "note")
LIST_FIELDS = {
    "provider_type": form.COL_PROVIDER_TYPE,
    "method": form.COL_METHOD,
    "funding": form.COL_FUNDING,
}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER_RE = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?")
_CODE_RE = re.compile(r"[0-9A-Za-z]+")
_CODE_SEP = " \t-_:：、.·"
_FEN_PER = {"元": Decimal(100), "万元": Decimal(1_000_000)}
_DECIMALS = {"元": 2, "万元": 6}
_YUAN_PER = {"元": Decimal(1), "万元": Decimal(10_000)}


@dataclass(frozen=True)
class CheckOptions:
    """How strict ``check`` is; every field has the default a finance office expects."""

    units: tuple[str, ...] = form.ZHENGZHOU_UNITS
    stamp_mismatch: Severity = Severity.ERROR
    max_amount: Decimal = DEFAULT_MAX_AMOUNT_YUAN  # 元 per line
    max_text: int = DEFAULT_MAX_TEXT
    limits: Any = None  # toolkit.xlsx.preflight.Limits, or None for its defaults
    jobs: int | None = 1  # worker processes; None: auto_jobs(number of files)

    @classmethod
    def make(
        cls,
        *,
        units: Iterable[str] | str | Path | None = None,
        stamp_mismatch: str | Severity = Severity.ERROR,
        max_amount: Any = DEFAULT_MAX_AMOUNT_YUAN,
        max_text: int = DEFAULT_MAX_TEXT,
        limits: Any = None,
        jobs: int | None = 1,
    ) -> CheckOptions:
        """Options from friendly values: a unit list or unit file, "warning", 5e8 ..."""
        if units is None or isinstance(units, str | Path):
            unit_list = form.load_units(units)
        else:
            unit_list = tuple(squash(u) for u in units)
        cap = Decimal(str(max_amount))
        if not cap.is_finite() or cap <= 0 or cap * 100 > MAX_EXACT_FEN:
            raise ValueError(f"金额上限应为正数且不超过 {MAX_EXACT_FEN // 100:,} 元：{max_amount}")
        if jobs is not None and jobs < 1:
            raise ValueError(f"jobs 应为正整数：{jobs}")
        return cls(
            units=tuple(squash(u) for u in unit_list),
            stamp_mismatch=Severity(stamp_mismatch),
            max_amount=cap,
            max_text=max_text,
            limits=limits,
            jobs=jobs,
        )


# -- values ------------------------------------------------------------------------------------
def to_decimal(value: Any, amount_unit: str = "元") -> Decimal | None:
    """A cell as an exact decimal, or None when it is not a number.

    Floats come from calamine as the nearest double of what the file stores; ``repr``
    gives the shortest text that round-trips, which is the number the clerk typed.
    Text may carry full-width digits, thousands separators, ``¥`` or a trailing ``元``.
    """
    if isinstance(value, bool) or isinstance(value, datetime | date | time | timedelta):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        d = Decimal(repr(value))
        return d if d.is_finite() else None
    if not isinstance(value, str):
        return None
    s = squash(value)
    s = s.removeprefix("¥").removeprefix("￥")
    if amount_unit == "元" and s.endswith("元") and not s.endswith("万元"):
        s = s[:-1]
    if not s or not any(ch.isdigit() for ch in s) or not _NUMBER_RE.fullmatch(s):
        return None
    try:
        return Decimal(s.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None


def decimals(d: Decimal) -> int:
    exponent = d.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def split_code(value: Any) -> tuple[str, str]:
    """``０３３ａ０１０１ 居家养老服务`` -> ("033A0101", "居家养老服务")."""
    s = nfkc(as_text(value))
    m = _CODE_RE.match(s)
    if m is None:
        return "", s
    return m.group(0).upper(), s[m.end() :].strip(_CODE_SEP)


# -- one file ----------------------------------------------------------------------------------
def check_file(
    path: str | Path, catalog: Catalog, options: CheckOptions
) -> tuple[FileResult, list[tuple[Any, ...]]]:
    """Read and judge one workbook; never raises for a bad file (it becomes issues)."""
    name = str(path)
    limits = options.limits if options.limits is not None else preflight.DEFAULT_LIMITS
    deadline = preflight.Deadline(limits)  # one time budget for the whole file
    try:
        early = preflight.preflight(Path(name), limits)
        suffix = Path(name).suffix.lower()
        if suffix != ".xlsx":
            # another format: "save as .xlsx" first, then whatever else is wrong with it
            fmt = OTHER_SPREADSHEETS.get(suffix, f"{suffix or '无扩展名'}（不是 Excel 工作簿）")
            issue = Issue.make(Rule.FILE_FORMAT, file=name, detail=fmt, value=Path(name).name)
            others = [i for i in early if i.rule != Rule.FILE_FORMAT.id]
            return FileResult(path=name, status="unreadable", issues=[issue, *others]), []
        if any(i.is_error for i in early):
            return FileResult(path=name, status="unreadable", issues=early), []
        sub = read_submission(name)
        deadline.check("读取")
        result, rows = judge(sub, catalog, options, deadline)
    except preflight.LimitExceeded as exc:
        return FileResult(path=name, status="unreadable", issues=[exc.issue(name)]), []
    except ReadError as exc:
        rule = Rule.FILE_ENCRYPTED if exc.detail == "文件已加密" else Rule.FILE_UNREADABLE
        return _unreadable(name, rule, exc.detail), []
    except MemoryError:
        return _unreadable(name, Rule.LIMIT_EXCEEDED, "内存不足"), []
    except Exception as exc:  # a bad file must never stop the batch
        return _unreadable(name, Rule.FILE_UNREADABLE, f"{type(exc).__name__}: {exc}"), []
    result.issues[:0] = early
    return result, rows


def _unreadable(name: str, rule: Rule, detail: str) -> FileResult:
    detail = detail.splitlines()[0][:200] if detail else "未知原因"
    return FileResult(
        path=name, status="unreadable", issues=[Issue.make(rule, file=name, detail=detail)]
    )


class _Judge:
    """The rules over one ``Submission``; collects issues and the rows' rejection reasons."""

    def __init__(
        self,
        sub: Submission,
        catalog: Catalog,
        options: CheckOptions,
        deadline: preflight.Deadline | None = None,
    ) -> None:
        self.deadline = deadline
        self.sub = sub
        self.catalog = catalog
        self.options = options
        self.issues: list[Issue] = []
        self.reasons: dict[int, list[str]] = {}

    def add(
        self,
        rule: Rule,
        row: int | None = None,
        column: int | None = None,
        value: Any = "",
        *,
        sheet: str | None = None,
        severity: Severity | None = None,
        file_level: bool = False,
        **fields: Any,
    ) -> Issue:
        """Record an issue; an error on a table row rejects that row."""
        if isinstance(value, str) and len(value) > 200:
            value = _clip(value)  # a 32,767-character paste is quoted by its start
        issue = Issue.make(
            rule,
            file=self.sub.path,
            sheet=(self.sub.sheet or "" if row is not None else "") if sheet is None else sheet,
            row=row,
            column=column,
            value=value,
            severity=severity,
            **fields,
        )
        self.issues.append(issue)
        if row is not None and issue.is_error and not file_level:
            self.reasons.setdefault(row, [])
            if rule.id not in self.reasons[row]:
                self.reasons[row].append(rule.id)
        return issue


def judge(
    sub: Submission,
    catalog: Catalog,
    options: CheckOptions,
    deadline: preflight.Deadline | None = None,
) -> tuple[FileResult, list[tuple[Any, ...]]]:
    """Every rule that concerns one file, on what the reader found.

    Raises ``preflight.LimitExceeded`` when ``deadline`` (the per-file time limit) passes.
    """
    j = _Judge(sub, catalog, options, deadline)
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
        signature=dict(sub.signature),
        amount_unit=sub.amount_unit,
    )
    file_errors = _file_rules(j)
    if sub.problem is not None:
        where = (sub.header_row, 1) if sub.header_row else (None, None)
        j.add(Rule.NOT_A_TEMPLATE, *where, detail=sub.problem, file_level=True)
        result.issues = j.issues
        result.status = "errors"
        return result, []
    table = _row_rules(j)
    fens = table["amount_fen"]
    _total_rule(j, fens)
    _outside_rules(j, sub)
    nums = table["row"]
    table["accepted"] = accepted = [not file_errors] * len(nums)
    table["reasons"] = reasons = [";".join(file_errors)] * len(nums)
    if j.reasons:
        for i, r in enumerate(nums):
            if r in j.reasons:
                accepted[i] = False
                reasons[i] = ";".join([*file_errors, *j.reasons[r]])
    constant = {"file": sub.path, "sheet": sub.sheet, "unit": sub.unit, "year": sub.year}
    columns = [table[c] if c in table else [constant[c]] * len(nums) for c in ROW_COLUMNS]
    out = list(zip(*columns, strict=True))
    result.issues = j.issues
    result.rows_read = len(out)
    result.amount_read_fen = sum(filter(None, fens))
    result.status = "errors" if any(i.is_error for i in j.issues) else "ok"
    return result, out


def _file_rules(j: _Judge) -> list[str]:
    """Stamp and unit; returns the ids of file-level errors (they reject every row)."""
    sub, cat = j.sub, j.catalog
    errors: list[str] = []
    stamp = sub.stamp
    stamp_sheet = form.SHEET_STAMP if sub.stamp_source == "sheet" else ""
    if not stamp.get("catalog_id"):
        j.add(Rule.STAMP_MISSING)
    else:
        differs = []
        if stamp.get("catalog_id") != cat.id:
            differs.append("catalog_id")
        if stamp.get("catalog_version", cat.version) != cat.version:
            differs.append("catalog_version")
        if not differs and stamp.get("catalog_sha256", cat.sha256) != cat.sha256:
            differs.append("catalog_sha256")
        if differs:
            key = differs[0]
            cell = sub.stamp_cells.get(key)
            detail = f"{stamp.get('catalog_id')} 版本 {stamp.get('catalog_version', '?')}"
            if differs == ["catalog_sha256"]:
                detail += "，内容校验值不同"
            detail += f"；应为 {cat.id} 版本 {cat.version}"
            issue = Issue.make(
                Rule.STAMP_MISMATCH,
                file=sub.path,
                sheet=stamp_sheet,
                row=cell[0] if cell else None,
                column=cell[1] if cell else None,
                value=stamp.get(key, ""),
                severity=j.options.stamp_mismatch,
                detail=detail,
            )
            j.issues.append(issue)
            if issue.is_error:
                errors.append(Rule.STAMP_MISMATCH.id)
    if sub.problem is None:
        row, col = sub.unit_cell or (None, None)
        if not sub.unit:
            j.add(Rule.UNIT_MISSING, row, col, file_level=True)
            errors.append(Rule.UNIT_MISSING.id)
        elif squash(sub.unit) not in j.options.units:
            j.add(Rule.UNIT_UNKNOWN, row, col, sub.unit, file_level=True)
            errors.append(Rule.UNIT_UNKNOWN.id)
    return errors


def _row_rules(j: _Judge) -> dict[str, list[Any]]:
    """Cell rules over the table, column by column -> the row table's columns.

    Hundreds of thousands of rows pass here, so each column is judged in one pass (repeated
    values such as codes and list values once per file), and only the few rows where some
    rule may speak go through the row-by-row path, in row order, so that issues come out
    exactly as a row-by-row walk makes them.
    """
    sub, opts = j.sub, j.options
    cols = sub.columns
    unit = sub.amount_unit
    field_at = {c: f for f, c in cols.items() if f not in DERIVED_FIELDS}
    flagged: dict[int, list[tuple[str, int, Rule, str]]] = {}
    for cells, rule in ((sub.formulas, Rule.FORMULA_IN_INPUT), (sub.errors, Rule.CELL_ERROR_VALUE)):
        for (r, c), shown in cells.items():
            # a formula whose result is an error is reported once, as the formula
            if c in field_at and not (rule is Rule.CELL_ERROR_VALUE and (r, c) in sub.formulas):
                flagged.setdefault(r, []).append((field_at[c], c, rule, shown))
    amount_letter = column_letter(cols["amount"])
    text_fields = [f for f in TEXT_FIELDS if f in cols]
    list_fields = [(f, cols[f]) for f in LIST_FIELDS if f in cols]
    listed = {
        f: {squash(v): v for v in form.LISTED_COLUMNS[label]} for f, label in LIST_FIELDS.items()
    }
    list_memo: dict[tuple[str, Any], str | None] = {}
    code_memo: dict[Any, tuple[Any, ...]] = {}
    judged_codes = _code_memo(j.catalog)
    amounts = _AmountRules(j, unit)
    seen: dict[tuple[Any, ...], int] = {}
    has_seq = "seq" in cols
    max_text = opts.max_text

    nums = sub.row_numbers
    n = len(nums)
    cells = sub.cells

    def column(f: str) -> list[Any]:
        return cells[f] if f in cells else [None] * n

    def tick() -> None:
        if j.deadline is not None:
            j.deadline.check("检查")

    # rows some rule may speak about: they take the row-by-row path below
    suspect = bytearray(n)
    code_blocked = bytearray(n)
    if flagged:
        for i, r in enumerate(nums):
            if r in flagged:
                suspect[i] = 1
                if any(f == "code" for f, *_ in flagged[r]):
                    code_blocked[i] = 1
    raw: dict[str, list[Any]] = {}
    for f in ("project", "code", "amount"):
        raw[f] = col = column(f)
        for i, x in enumerate(col):
            if x is None or (x.__class__ is str and (not x or x.isspace())):
                suspect[i] = 1
                if f == "code":
                    code_blocked[i] = 1
    table: dict[str, list[Any]] = {"row": list(nums)}
    table["amount_cell"] = [f"{amount_letter}{r}" for r in nums]
    table["seq"] = [
        (x.strip() or None)
        if x.__class__ is str
        else (
            str(int(x))  # 序号 1, 2, 3 ... as calamine's floats: what as_text makes of them
            if x.__class__ is float and x.is_integer() and abs(x) < 1e15
            else (_text(x) or None)
        )
        for x in (column("seq") if has_seq else ())
    ] or [None] * n
    for f in TEXT_FIELDS:
        if f not in text_fields:
            table[f] = [None] * n
            continue
        col = raw[f] if f in raw else column(f)
        texts = [
            (x.strip() or None)
            if x.__class__ is str
            else (None if x is None else (as_text(x).strip() or None))
            for x in col
        ]
        filled = [t for t in texts if t is not None]
        if filled and (max(map(len, filled)) > max_text or not "".join(filled).isprintable()):
            for i, t in enumerate(texts):
                if t is not None and (len(t) > max_text or not t.isprintable()):
                    suspect[i] = 1
        table[f] = texts
    tick()
    for f, _c in LIST_FIELDS.items():
        if f not in cols:
            table[f] = [None] * n
            continue
        col = column(f)
        choices = listed[f]
        canonical: dict[Any, str | None] = {}
        unlisted = set()
        for x in dict.fromkeys(col):
            if is_blank(x):
                canonical[x] = None
            else:
                canonical[x] = found = choices.get(squash(as_text(x)))
                if found is None:
                    unlisted.add(x)
        if unlisted:
            for i, y in enumerate(col):
                if y in unlisted:
                    suspect[i] = 1
        table[f] = list(map(canonical.__getitem__, col))
    # codes: once per distinct value, in the order the row-by-row walk meets them
    col = raw["code"]
    for i, x in enumerate(col):
        if not code_blocked[i] and x not in code_memo:
            typed = (x.__class__, x)  # 1.0 and True are equal keys, not the same cell text
            if typed not in judged_codes:
                judged_codes[typed] = _judge_code(j.catalog, x)
            code_memo[x] = judged_codes[typed]
    codes: list[Any] = [None] * n
    level1: list[Any] = [None] * n
    level2: list[Any] = [None] * n
    for i, x in enumerate(col):
        if not code_blocked[i]:
            entry = code_memo[x]
            codes[i], level1[i], level2[i], problems = entry
            if problems:
                suspect[i] = 1
    table["code"], table["level1"], table["level2"] = codes, level1, level2
    fens = amounts.fast_column(raw["amount"])
    for i, fen in enumerate(fens):
        if fen is None:
            suspect[i] = 1
    table["amount_fen"] = fens
    tick()

    def slow(r: int, v: dict[str, Any]) -> dict[str, Any]:
        """The row-by-row rules, for a row some rule speaks about."""
        get = v.get
        blocked: set[str] = set()
        if r in flagged:
            for f, c, rule, shown in sorted(flagged[r], key=lambda x: x[1]):
                j.add(rule, r, c, shown, header=_label(f, unit))
                blocked.add(f)
        for f in ("project", "code", "amount"):
            x = get(f)
            if (x is None or (type(x) is str and (not x or x.isspace()))) and f not in blocked:
                j.add(Rule.REQUIRED_MISSING, r, cols[f], header=_label(f, unit))
                blocked.add(f)
        row: dict[str, Any] = dict.fromkeys(_JUDGED_COLUMNS)
        if has_seq:
            row["seq"] = _text(get("seq")) or None
        for f in text_fields:
            x = get(f)
            if type(x) is str:
                if not x:
                    continue
                x = x.strip()
            elif x is None:
                continue
            else:
                x = as_text(x).strip()
            if not x or f in blocked:
                continue
            row[f] = x
            if len(x) > max_text or not x.isprintable():
                problem = _text_problem(x, max_text)
                if problem:
                    j.add(
                        Rule.INVALID_TEXT,
                        r,
                        cols[f],
                        _clip(x),
                        header=_label(f, unit),
                        detail=problem,
                    )
        for f, c in list_fields:
            raw_value = v.get(f)
            if f in blocked or is_blank(raw_value):
                continue
            key = (f, raw_value)
            if key not in list_memo:
                list_memo[key] = listed[f].get(squash(as_text(raw_value)))
            canonical = list_memo[key]
            row[f] = canonical or _text(raw_value)
            if canonical is None:
                j.add(Rule.VALUE_NOT_IN_LIST, r, c, _text(raw_value), header=_label(f, unit))
        if "code" not in blocked:
            _code_rules(j, r, cols["code"], v.get("code"), row, code_memo)
        if "amount" not in blocked:
            row["amount_fen"] = amounts.judge(r, cols["amount"], v.get("amount"))
        key = (
            row["project"],
            row["code"] or _text(v.get("code")),
            row["content"],
            row["provider"],
            row["provider_type"],
            row["method"],
            row["funding"],
            row["amount_fen"] if row["amount_fen"] is not None else _text(v.get("amount")),
            row["target"],
            row["note"],
        )
        if key in seen:
            j.add(Rule.DUPLICATE_ROW, r, cols["project"], row["project"] or "", detail=seen[key])
        else:
            seen[key] = r
        return row

    project = table["project"]
    keys = list(
        zip(
            project,
            codes,
            table["content"],
            table["provider"],
            table["provider_type"],
            table["method"],
            table["funding"],
            fens,
            table["target"],
            table["note"],
            strict=True,
        )
    )
    project_col = cols["project"]
    for i, key in enumerate(keys):
        if suspect[i]:
            r = nums[i]
            row = slow(r, {f: values[i] for f, values in cells.items()})
            for f in _JUDGED_COLUMNS:
                table[f][i] = row[f]
            if i & 255 == 255:
                tick()
        elif key in seen:
            j.add(Rule.DUPLICATE_ROW, nums[i], project_col, project[i] or "", detail=seen[key])
        else:
            seen[key] = nums[i]
    return table


# The row table's columns the cell rules fill (the others are the file's, or the verdict).
_JUDGED_COLUMNS = (
    "seq",
    "project",
    "code",
    "level1",
    "level2",
    "content",
    "provider",
    "provider_type",
    "method",
    "funding",
    "amount_fen",
    "target",
    "note",
)


def _text(value: Any) -> str:
    return value.strip() if type(value) is str else as_text(value).strip()


def _clip(text: str, limit: int = 200) -> str:
    """An over-long value is quoted by its start; the cell itself holds the rest."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _AmountRules:
    """预算金额: a number, not negative, at most 2 decimals in 元 (6 in 万元), under the cap."""

    def __init__(self, j: _Judge, unit: str) -> None:
        self.j = j
        self.unit = unit
        self.max_decimals = _DECIMALS[unit]
        self.fen_per = _FEN_PER[unit]
        self.cap = j.options.max_amount
        self.cap_fen = int(j.options.max_amount * 100)

    def fast_column(self, column: list[Any]) -> list[int | None]:
        """Integer fen of each plain amount (a float, not negative, within the allowed
        decimals and the cap); None where ``judge`` must look (it may raise an issue)."""
        k = self.max_decimals
        if self.fen_per != 10**k:  # pragma: no cover - every unit is a power of ten of fen
            return [None] * len(column)
        cap, zeros = self.cap_fen, "0" * k
        out: list[int | None] = []
        append = out.append
        for x in column:
            if x.__class__ is float and x >= 0:
                text = repr(x)
                if "e" not in text and "n" not in text:
                    whole, _, frac = text.partition(".")
                    if len(frac.rstrip("0")) <= k:
                        # the digits shifted by k places: int(Decimal(text) * 10**k), exactly
                        fen = int(whole + (frac + zeros)[:k])
                        if fen <= cap:
                            append(fen)
                            continue
            append(None)
        return out

    def judge(self, r: int, c: int, raw: Any) -> int | None:
        """Integer fen, or None when the amount cannot be taken (an issue says why)."""
        if type(raw) is float:  # the common case, without the general parser
            text = repr(raw)
            if "e" not in text and "n" not in text:
                if len(text.partition(".")[2].rstrip("0")) <= self.max_decimals and raw >= 0:
                    fen = int(Decimal(text) * self.fen_per)
                    if fen <= self.cap_fen:
                        return fen
        d = to_decimal(raw, self.unit)
        if d is None:
            self.j.add(Rule.AMOUNT_NOT_NUMBER, r, c, _text(raw))
            return None
        if decimals(d) > self.max_decimals:
            self.j.add(Rule.AMOUNT_PRECISION, r, c, _text(raw), detail=self.max_decimals)
            return None
        fen = int(d * self.fen_per)
        if fen < 0:
            self.j.add(Rule.AMOUNT_NEGATIVE, r, c, _text(raw))
        elif fen > self.cap_fen:
            self.j.add(Rule.AMOUNT_TOO_LARGE, r, c, _text(raw), detail=f"{self.cap:,}")
        # beyond 2**53 fen (90 万亿元) sums stop being exact in pandas and numpy: such an
        # amount is rejected above anyway, and is kept out of the fen columns
        return fen if abs(fen) <= MAX_EXACT_FEN else None


def _code_rules(
    j: _Judge, r: int, c: int, raw: Any, row: dict[str, Any], memo: dict[Any, tuple[Any, ...]]
) -> None:
    if is_blank(raw):
        return
    if raw not in memo:
        memo[raw] = _judge_code(j.catalog, raw)
    code, level1, level2, problems = memo[raw]
    row["code"], row["level1"], row["level2"] = code, level1, level2
    for rule, value, fields in problems:
        j.add(rule, r, c, value, **fields)


_CODE_MEMOS: dict[int, tuple[Catalog, dict[Any, tuple[Any, ...]]]] = {}
_CODE_MEMO_SIZE = 50_000


def _code_memo(catalog: Catalog) -> dict[Any, tuple[Any, ...]]:
    """The judged codes of one catalogue, shared by every file of a batch (a batch reuses a
    few hundred codes; judging them once per file was a tenth of the rules' time)."""
    held = _CODE_MEMOS.get(id(catalog))
    if held is None or held[0] is not catalog or len(held[1]) > _CODE_MEMO_SIZE:
        if len(_CODE_MEMOS) > 4:
            _CODE_MEMOS.clear()
        held = _CODE_MEMOS[id(catalog)] = (catalog, {})
    return held[1]


def _judge_code(
    catalog: Catalog, raw: Any
) -> tuple[str | None, str | None, str | None, list[tuple[Rule, str, dict[str, Any]]]]:
    """A 目录编码 cell -> (code, level-1, level-2, problems), the same for every repeat."""
    code, name = split_code(raw)
    entry = catalog.get(code) if code else None
    if entry is None:
        return None, None, None, [(Rule.UNKNOWN_CODE, _text(raw), {})]
    level2 = catalog.level2(entry.code)
    problems: list[tuple[Rule, str, dict[str, Any]]] = []
    if not catalog.is_leaf(entry.code):
        level = {1: "一级目录", 2: "二级目录"}.get(entry.level, f"{entry.level}级目录")
        problems.append((Rule.NON_LEAF_CODE, entry.label, {"detail": level}))
    if name and squash(name).casefold() != squash(entry.name).casefold():
        problems.append(
            (Rule.CODE_NAME_MISMATCH, name, {"code": entry.code, "expected": entry.name})
        )
    return entry.code, catalog.level1(entry.code).code, level2.code if level2 else None, problems


def _outside_rules(j: _Judge, sub: Submission) -> None:
    """Values off the table are warnings; a budget line below 合计 is an error.

    A row below 合计 with both a code and an amount is a line item left out of the totals
    (say, a subtotal typed mid-table ended the table early): it must not slip by as a
    stray value, so it gets one error on its code cell instead of a warning per cell.
    """
    code_col, amount_col = sub.columns.get("code"), sub.columns.get("amount")
    below = {(r, c): v for r, c, v in sub.outside if sub.total_row and r > sub.total_row}
    items = {r for r, c in below if c == code_col and (r, amount_col) in below}
    for r, c, value in sub.outside:
        if r in items:
            if c == code_col:
                j.add(Rule.ROW_AFTER_TOTAL, r, c, as_text(value), detail=sub.total_row)
        else:
            j.add(Rule.VALUE_OUTSIDE_TABLE, r, c, as_text(value))


def _total_rule(j: _Judge, fens: list[int | None]) -> None:
    sub = j.sub
    if sub.total_row is None:
        return
    r, c = sub.total_row, sub.columns["amount"]
    recomputed = sum(filter(None, fens))
    expected = fen_text(recomputed)
    if (r, c) in sub.errors:
        j.add(Rule.TOTAL_MISMATCH, r, c, sub.errors[(r, c)], expected=expected)
        return
    if is_blank(sub.total_value):
        return  # empty, or a formula saved without a cached value: nothing was entered
    d = to_decimal(sub.total_value, sub.amount_unit)
    if d is None or decimals(d) > _DECIMALS[sub.amount_unit]:
        j.add(Rule.TOTAL_MISMATCH, r, c, as_text(sub.total_value), expected=expected)
        return
    entered = int(d * _FEN_PER[sub.amount_unit])
    if entered != recomputed:
        j.add(Rule.TOTAL_MISMATCH, r, c, fen_text(entered), expected=expected)


def _text_problem(text: str, max_text: int) -> str:
    problems = []
    if _CONTROL_RE.search(text):
        problems.append("含有不可见的控制字符")
    if len(text) > max_text:
        problems.append(f"过长（{len(text)} 字，上限 {max_text} 字）")
    return "，".join(problems)


def _label(f: str, amount_unit: str) -> str:
    return form.amount_header(amount_unit) if f == "amount" else LABEL_BY_FIELD[f]


# -- the batch ---------------------------------------------------------------------------------
def find_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files to check: given files as they are, folders searched recursively.

    In folders, ``.xlsx`` and every other spreadsheet format are taken (the latter to
    be reported, never skipped); Office lock files ``~$*.xlsx`` are ignored.
    Raises ``FileNotFoundError`` for a path that does not exist.
    """
    wanted = {".xlsx", *OTHER_SPREADSHEETS}
    found: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        p = Path(given)
        if not p.exists():
            raise FileNotFoundError(2, "文件或文件夹不存在", str(p))
        if p.is_dir():
            candidates = sorted(
                (q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in wanted),
                key=lambda q: str(q),
            )
        else:
            candidates = [p]
        for q in candidates:
            if q.name.startswith("~$"):
                continue
            key = q.resolve()
            if key not in seen:
                seen.add(key)
                found.append(q)
    return found


_WORKER: dict[str, Any] = {}


def _worker_init(catalog_doc: dict[str, Any], source: str) -> None:  # pragma: no cover
    from toolkit.catalog import Catalog

    _WORKER["catalog"] = Catalog.from_dict(catalog_doc, source=source)


def _worker_check(path: Path, options: CheckOptions) -> Any:  # pragma: no cover
    return check_file(path, _WORKER["catalog"], options)


# A worker costs a process and the catalogue; with fewer files than this each, one
# process is as fast (measured in benchmarks/README.md).
AUTO_JOBS_MIN_FILES = 8


def auto_jobs(files: int) -> int:
    """Worker processes for ``jobs=None``: one per usable CPU, as long as each gets
    ``AUTO_JOBS_MIN_FILES`` files; 1 (no pool) for small batches."""
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, files // AUTO_JOBS_MIN_FILES))


def check(
    paths: str | Path | Iterable[str | Path],
    catalog: Catalog | str | Path | None = None,
    *,
    progress: Callable[[int, int, Path], None] | None = None,
    **options: Any,
) -> CheckResult:
    """Check workbooks (files or folders) against a catalogue -> ``CheckResult``.

    Options: ``units`` (names, or a unit-list file; default Zhengzhou's),
    ``stamp_mismatch`` ("error" | "warning"), ``max_amount`` (元 per line, default 10亿),
    ``max_text``, ``limits`` (``toolkit.xlsx.preflight.Limits``), ``jobs`` (processes;
    ``None``: one per CPU when each gets several files, see ``auto_jobs``).
    ``progress(done, total, path)``, if given, is called after each file (a progress bar).
    """
    from toolkit.catalog import Catalog, load_catalog

    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    opts = CheckOptions.make(**options)
    if isinstance(paths, str | Path):
        paths = [paths]
    files = find_files(paths)
    jobs = auto_jobs(len(files)) if opts.jobs is None else opts.jobs
    results: list[tuple[FileResult, list[tuple[Any, ...]]]]
    if jobs > 1 and len(files) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(
            max_workers=jobs,
            initializer=_worker_init,
            initargs=(cat.to_dict(), cat.source),
        ) as pool:
            results = []
            for f, res in zip(
                files, pool.map(_worker_check, files, [opts] * len(files), chunksize=4), strict=True
            ):
                results.append(res)
                if progress is not None:
                    progress(len(results), len(files), f)
    else:
        results = []
        for f in files:
            results.append(check_file(f, cat, opts))
            if progress is not None:
                progress(len(results), len(files), f)
    resolve_duplicates(results, {str(f): _mtime(f) for f in files})
    return CheckResult(
        catalog=cat,
        files=[r for r, _ in results],
        all_rows=rows_frame(row for _, rows in results for row in rows),
    )


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # pragma: no cover
        return 0.0


def _generated(result: FileResult) -> datetime:
    try:
        when = datetime.fromisoformat(result.generated_at or "")
    except ValueError:
        return datetime.min
    return when.replace(tzinfo=None) - (when.utcoffset() or timedelta(0))


def resolve_duplicates(
    results: Sequence[tuple[FileResult, list[tuple[Any, ...]]]], mtimes: dict[str, float]
) -> None:
    """Two or more files for one unit and year: the newer stamp, then the newer file, counts.

    Every file involved gets a warning naming the one that counts; the others get an
    error and their rows are rejected (``superseded-submission``) so nothing is counted
    twice.
    """
    groups: dict[tuple[str, int | None], list[int]] = {}
    for i, (fr, _) in enumerate(results):
        if fr.status != "unreadable" and fr.unit:
            groups.setdefault((squash(fr.unit), fr.year), []).append(i)
    accepted_i = ROW_COLUMNS.index("accepted")
    reasons_i = ROW_COLUMNS.index("reasons")
    for (unit, year), members in groups.items():
        if len(members) < 2:
            continue
        stamped = all(results[i][0].generated_at for i in members)
        ranked = sorted(
            members,
            key=lambda i: (
                _generated(results[i][0]) if stamped else datetime.min,
                mtimes.get(results[i][0].path, 0.0),
            ),
            reverse=True,
        )
        winner = results[ranked[0]][0]
        newer_stamp = stamped and _generated(winner) > _generated(results[ranked[1]][0])
        why = "模板生成时间较新" if newer_stamp else "文件修改时间较新"
        others = "、".join(results[i][0].path for i in ranked[1:])
        year_text = f"{year}年度" if year else ""
        for i in ranked:
            fr, rows = results[i]
            detail = (
                f"{unit}{year_text}共有 {len(ranked)} 个文件"
                f"（{winner.path}、{others}），以 {winner.path} 为准（{why}）"
            )
            fr.issues.append(
                Issue.make(Rule.DUPLICATE_SUBMISSION, file=fr.path, detail=detail, value=unit)
            )
            if i == ranked[0]:
                continue
            fr.counts = False
            fr.status = "errors"
            fr.issues.append(
                Issue.make(
                    Rule.SUPERSEDED_SUBMISSION,
                    file=fr.path,
                    detail=f"以 {winner.path} 为准",
                    value=unit,
                )
            )
            for k, row in enumerate(rows):
                reasons = [x for x in row[reasons_i].split(";") if x]
                reasons.append(Rule.SUPERSEDED_SUBMISSION.id)
                updated = list(row)
                updated[accepted_i] = False
                updated[reasons_i] = ";".join(reasons)
                rows[k] = tuple(updated)


def rows_frame(rows: Iterable[tuple[Any, ...]]) -> Any:
    """Row tuples -> the ``ROW_COLUMNS`` DataFrame (amount_fen Int64, accepted bool)."""
    import pandas as pd

    frame = pd.DataFrame.from_records(list(rows), columns=list(ROW_COLUMNS))
    frame["amount_fen"] = frame["amount_fen"].astype("Int64")
    frame["row"] = frame["row"].astype("int64")
    frame["year"] = frame["year"].astype("Int64")
    frame["accepted"] = frame["accepted"].astype(bool)
    return frame
