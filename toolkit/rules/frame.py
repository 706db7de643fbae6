"""The table as the cell rules see it: one array per fact, one entry per line item.

Everything a cell rule asks is computed here once, over whole columns: which cells are
blank, hold a formula, an error value or a repeated reference; each amount as exact fen
(``values.judge_amount``, once per distinct cell) with its number format; each code
against the catalogue (once per distinct value, and across the files of a batch); each
list value against its choices; each text's problems; which rows are hidden or filtered
out. The rules in ``toolkit.rules.cells`` are then masks over these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np

from toolkit import form
from toolkit.read.submission import Submission
from toolkit.rules import values as V
from toolkit.text import as_text, squash
from toolkit.xlsx.cells import BOOL, DATE, EMPTY, ERROR, FORMULA, KIND_MASK, NUMBER, TEXT

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog
    from toolkit.rules.options import CheckOptions

INPUT_KINDS = ("text", "code", "list", "amount")


def cell_text(kind: int, value: Any) -> str:
    """A cell as the clerk sees it, for messages and reports."""
    if value is None:
        return ""
    if kind & KIND_MASK == NUMBER and isinstance(value, str):
        if value.isdigit() and value.isascii() and len(value) < 16 and value[0] != "0":
            return value  # a plain whole number (a 序号) reads as it is stored
        d = V.number_text_decimal(value)
        return value if d is None else format(d, "f")
    if kind & KIND_MASK == BOOL:
        return "TRUE" if value else "FALSE"
    return as_text(value).strip() if not isinstance(value, str) else value.strip()


@dataclass
class CodeFacts:
    code: str | None
    level1: str | None
    level2: str | None
    problem: str  # "", "unknown", "non-leaf"
    name_mismatch: str  # the name typed after the code, when it is not the catalogue's
    explain: str  # why an unknown code is almost a code (invisible or look-alike characters)


_CODE_MEMO: dict[int, tuple[Any, dict[Any, CodeFacts]]] = {}


def _code_memo(catalog: Catalog) -> dict[Any, CodeFacts]:
    """Judged codes of one catalogue, shared by every file of a batch."""
    held = _CODE_MEMO.get(id(catalog))
    if held is None or held[0] is not catalog or len(held[1]) > 50_000:
        if len(_CODE_MEMO) > 4:
            _CODE_MEMO.clear()
        held = _CODE_MEMO[id(catalog)] = (catalog, {})
    return held[1]


def judge_code(catalog: Catalog, value: Any) -> CodeFacts:
    code, name = V.split_code(value)
    entry = catalog.get(code) if code else None
    if entry is None:
        return CodeFacts(
            None,
            None,
            None,
            "unknown",
            "",
            V.explain_code(V.code_token(value) or str(value), catalog),
        )
    level2 = catalog.level2(entry.code)
    problem = "" if catalog.is_leaf(entry.code) else "non-leaf"
    mismatch = name if name and squash(name).casefold() != squash(entry.name).casefold() else ""
    return CodeFacts(
        entry.code, catalog.level1(entry.code).code, level2.code if level2 else None,
        problem, mismatch, "",
    )  # fmt: skip


@dataclass
class Frame:
    sub: Submission
    catalog: Catalog
    options: CheckOptions
    rows: np.ndarray
    columns: dict[str, Any]
    blank: dict[str, np.ndarray] = field(default_factory=dict)
    formula: dict[str, np.ndarray] = field(default_factory=dict)
    error: dict[str, np.ndarray] = field(default_factory=dict)
    repeated: dict[str, np.ndarray] = field(default_factory=dict)
    amounts: list[V.Amount | None] = field(default_factory=list)
    amount_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    number_decimals: dict[str, Decimal | None] = field(default_factory=dict)  # text -> value
    formats: list[Any] = field(default_factory=list)
    codes: list[CodeFacts | None] = field(default_factory=list)
    lists: dict[str, list[str | None]] = field(default_factory=dict)
    unlisted: dict[str, np.ndarray] = field(default_factory=dict)
    texts: dict[str, list[str | None]] = field(default_factory=dict)
    text_problems: dict[str, dict[int, str]] = field(default_factory=dict)
    hidden: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    filtered: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def release_masks(self) -> None:
        """Let the per-column masks go once every rule has run: a 200,000-row table's row
        columns are then built without them (``row_tuples`` reads values, not masks)."""
        for masks in (self.blank, self.formula, self.error, self.repeated, self.unlisted):
            masks.clear()

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def unit(self) -> str:
        return self.sub.amount_unit

    def column(self, name: str) -> int:
        return self.sub.columns[name]

    def shown(self, name: str, i: int) -> str:
        col = self.columns[name]
        k = int(col.kinds[i])
        if k & FORMULA and i in col.formulas:
            return col.formulas[i]
        return cell_text(k, col.values[i])

    def header(self, name: str) -> str:
        return form.FIELD[name].header(self.unit)


def build_frame(sub: Submission, catalog: Catalog, options: CheckOptions) -> Frame:
    table = sub.table
    assert table is not None and sub.header is not None
    f = Frame(sub, catalog, options, np.array(table.rows, dtype=np.int64), table.columns)
    _cell_facts(f)
    _amounts(f)
    _codes(f)
    _lists(f)
    _texts(f)
    _visibility(f)
    return f


def _cell_facts(f: Frame) -> None:
    repeated = {(r, c) for r, c in (f.sub.worksheet.repeated if f.sub.worksheet else [])}
    for name, col in f.columns.items():
        kinds = col.kinds
        base = kinds & KIND_MASK
        is_formula = (kinds & FORMULA) != 0
        f.formula[name] = is_formula
        f.error[name] = (base == ERROR) & ~is_formula
        blank = (base == EMPTY) & ~is_formula
        if base.any():
            values, texts = col.values, np.flatnonzero(base == TEXT).tolist()
            blank[[i for i in texts if not (v := values[i]) or v.isspace()]] = True
        f.blank[name] = blank
        rep = np.zeros(f.n, bool)
        if repeated:
            c = f.column(name)
            for i, r in enumerate(f.rows.tolist()):
                if (r, c) in repeated:
                    rep[i] = True
        f.repeated[name] = rep


def _amounts(f: Frame) -> None:
    col = f.columns["amount"]
    unit = f.unit
    cap = int(f.options.max_amount * 100)
    out: list[V.Amount | None] = [None] * f.n
    kinds = col.kinds.tolist()
    fmt = f.sub.formats
    decimals = f.number_decimals
    plain = unit == "元"
    for i, (k, value) in enumerate(zip(kinds, col.values, strict=True)):
        base = k & KIND_MASK
        if base == NUMBER:
            fast = V.plain_yuan(value, cap) if plain else None
            d = decimals[value] = V.number_text_decimal(value) if fast is None else fast[0]
            if d is None:
                out[i] = V.Amount(V.NOT_NUMBER, None, None)
            elif i < len(fmt) and fmt[i].is_date and not k & FORMULA:
                out[i] = V.Amount(V.NOT_NUMBER, None, None)  # a date, shown as one
            else:
                out[i] = V.judge_amount(d, unit, cap) if fast is None else fast[1]
        elif base == TEXT and value and not value.isspace():
            d, status = V.text_decimal(value, unit)
            out[i] = (
                V.Amount(status, None, None, True)
                if d is None
                else V.judge_amount(d, unit, cap, True)
            )
        elif base in (BOOL, DATE):
            out[i] = V.Amount(V.NOT_NUMBER, None, None)
    f.amounts = out
    f.amount_kind = col.kinds & KIND_MASK
    f.formats = fmt


def _codes(f: Frame) -> None:
    col = f.columns["code"]
    memo = _code_memo(f.catalog)
    out: list[CodeFacts | None] = [None] * f.n
    skip = (f.blank["code"] | f.formula["code"] | f.error["code"]).tolist()
    for i, value in enumerate(col.values):
        if value is None or skip[i]:
            continue
        key = (value.__class__, value)
        facts = memo.get(key)
        if facts is None:
            facts = memo[key] = judge_code(f.catalog, cell_text(int(col.kinds[i]), value))
        out[i] = facts
    f.codes = out


def _lists(f: Frame) -> None:
    for name in form.LIST_FIELDS:
        if name not in f.columns:
            f.lists[name] = [None] * f.n
            f.unlisted[name] = np.zeros(f.n, bool)
            continue
        col = f.columns[name]
        choices = V.listed(name)
        canon: list[str | None] = [None] * f.n
        unlisted = np.zeros(f.n, bool)
        memo: dict[Any, str | None] = {}
        skip = (f.blank[name] | f.formula[name] | f.error[name]).tolist()
        for i, value in enumerate(col.values):
            if value is None or skip[i]:
                continue
            if value not in memo:
                memo[value] = choices.get(squash(cell_text(int(col.kinds[i]), value)))
            canon[i] = memo[value]
            if canon[i] is None:
                unlisted[i] = True
        f.lists[name] = canon
        f.unlisted[name] = unlisted


def _texts(f: Frame) -> None:
    max_text = f.options.max_text
    for name in form.TEXT_FIELDS:
        texts: list[str | None] = [None] * f.n
        problems: dict[int, str] = {}  # row position -> what is wrong (most rows: nothing)
        if name in f.columns:
            col = f.columns[name]
            skip = (f.formula[name] | f.error[name]).tolist()
            texts = [
                None
                if value is None or skipped
                else (
                    value.strip()
                    if kind == TEXT and value.__class__ is str
                    else cell_text(kind, value)
                )
                or None
                for kind, value, skipped in zip(col.kinds.tolist(), col.values, skip, strict=True)
            ]  # a text cell as cell_text gives it, without the call
            for i, text in enumerate(texts):
                if text is not None and (len(text) > max_text or not text.isprintable()):
                    problems[i] = V.text_problem(text, max_text)
        f.texts[name] = texts
        f.text_problems[name] = problems


def _visibility(f: Frame) -> None:
    ws = f.sub.worksheet
    rows = f.rows.tolist()
    hidden = np.zeros(f.n, bool)
    filtered = np.zeros(f.n, bool)
    if ws is not None and (ws.hidden_rows or ws.all_rows_hidden):
        rng = ws.autofilter
        for i, r in enumerate(rows):
            if ws.all_rows_hidden or r in ws.hidden_rows:
                in_filter = rng is not None and ws.filter_active and rng[0] < r <= rng[2]
                if in_filter:
                    filtered[i] = True
                else:
                    hidden[i] = True
    f.hidden, f.filtered = hidden, filtered


def read_amount(a: V.Amount | None) -> Decimal | None:
    return None if a is None else a.read
