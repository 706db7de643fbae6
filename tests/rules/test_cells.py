"""Every per-cell rule, on random columns, against a plain row-by-row reference kept here.

The rules in ``toolkit.rules.cells`` judge whole columns at once; ``reference`` below
judges one row at a time, written from the rules' meanings (the README's rules table),
not from their code. A file of random rows is built, checked, and each row's cell-rule
issues must be exactly what the reference says (the reference sees one row only, so
this also proves that a row's issues do not depend on the rows around it).
``duplicate-row`` (a relation between rows) and the rules that need a hand-made package
(a repeated cell reference, an error value, a hidden row, a number format) have their
own tests in ``test_rules.py``.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from builders import build_submission, line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import form
from toolkit.catalog import Catalog, load_catalog
from toolkit.rules import registry
from toolkit.rules.batch import check

CATALOG = load_catalog()
FIRST_ROW = 4  # the builders' first input row
COLUMN_FIELD = {chr(ord("A") + i): f.name for i, f in enumerate(form.FIELDS)}
COMPARED = {r.id for r in registry.all_rules() if r.scope == "cell"} - {"duplicate-row"}
CAP_YUAN = Decimal(1_000_000_000)  # the default cap per line
MAX_TEXT = 2000
TEXT = ("project", "content", "provider", "target", "note")
LISTS = ("provider_type", "method", "funding")
REQUIRED = ("project", "code", "amount")

# -- the reference ---------------------------------------------------------------------------
INVISIBLE = (
    set("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff")
    | {chr(c) for c in range(0x202A, 0x202F)}
    | {chr(c) for c in range(0x2066, 0x206A)}
)
CONTROL = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {"\x7f"}
SEPARATORS = set(" \t-_:：、.·")


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and (v == "" or v.isspace()))


def _formula(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("=") and len(v) > 1


def _amount(v: Any) -> tuple[str | None, bool]:
    """-> (the rule it breaks or None, typed as text)."""
    if isinstance(v, str):
        s = unicodedata.normalize("NFKC", v).strip()
        s = s[1:].lstrip() if s[:1] == "¥" else s
        s = s[:-1].rstrip() if s.endswith("元") else s
        plain = re.fullmatch(r"[+-]?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?", s, re.ASCII)
        if not plain:
            return "amount-not-number", True
        d, as_text = Decimal(s.replace(",", "")), True
    else:
        d, as_text = Decimal(repr(v)) if isinstance(v, float) else Decimal(v), False
    if -d.normalize().as_tuple().exponent > 2:
        return "amount-precision", as_text
    if d < 0:
        return "amount-negative", as_text
    if d > CAP_YUAN:
        return "amount-too-large", as_text
    return None, as_text


def _code(v: str, catalog: Catalog) -> list[str]:
    s = unicodedata.normalize("NFKC", v).strip()
    token = ""
    for ch in s:  # the code: up to a separator, or up to a Chinese name
        if ch in SEPARATORS or ch.isspace():
            break
        if "\u4e00" <= ch <= "\u9fff" and token and token.isascii() and token.isalnum():
            break
        token += ch
    name = s[len(token) :].strip("".join(SEPARATORS))
    code = token.upper()
    if code not in catalog:
        return ["unknown-code"]
    found = []
    if catalog[code].level < 3:
        found.append("non-leaf-code")

    def key(t: str) -> str:
        return re.sub(r"\s", "", unicodedata.normalize("NFKC", t)).casefold()

    if name and key(name) != key(catalog[code].name):
        found.append("code-name-mismatch")
    return found


def reference(row: dict[str, Any], catalog: Catalog = CATALOG) -> set[tuple[str, str]]:
    """The cell-rule issues of one row, judged plainly: (rule id, field)."""
    fields = (*TEXT, "code", *LISTS, "amount")
    if all(_blank(row.get(f)) for f in fields):
        return set()  # not a line item
    out: set[tuple[str, str]] = set()
    for f in fields:
        v = row.get(f)
        if _formula(v):
            out.add(("formula-in-input", f))
        elif _blank(v):
            if f in REQUIRED:
                out.add(("required-missing", f))
        elif f == "amount":
            rule, as_text = _amount(v)
            if rule:
                out.add((rule, f))
            elif as_text:
                out.add(("amount-as-text", f))
        elif f == "code":
            out.update((rule, f) for rule in _code(str(v), catalog))
        elif f in LISTS:
            choices = {re.sub(r"\s", "", c) for c in form.FIELD[f].choices}
            if re.sub(r"\s", "", unicodedata.normalize("NFKC", str(v))) not in choices:
                out.add(("value-not-in-list", f))
        elif set(str(v)) & (INVISIBLE | CONTROL) or len(str(v)) > MAX_TEXT:
            out.add(("invalid-text", f))
    return out


# -- random rows -----------------------------------------------------------------------------
POOLS: dict[str, list[Any]] = {
    "project": ["社区居家养老服务项目", "", "  ", "\u3000", '=HYPERLINK("x","y")', "a\u200bb",
                "行1\n行2", "长" * 2001],
    "code": ["033A0101", "033a0101", "０３３Ａ０１０１", "033A0101 居家养老服务",
             "033A0101居家养老服务", "033A0101-居家养老服务", "033A0101：居家养老服务",
             "033A0101 错误名称", "033A01", "033A01 养老服务", "033A", "033Z9999", "O33A0101",
             "033A\u200b0101", "", "=A1", "居家养老服务"],
    "amount": [120000, 0.01, 0, -5, 1.234, 1.5, 1_000_000_000, 1_000_000_000.01, "1,234.50",
               "１２３", "12 34", "abc", "", "=1+1", "¥1,000", "￥2,000.50", "3000元", "1,23",
               "+5", "-5", "1.234", " 1234 ", "12,3456"],
    "method": ["公开招标", "公开招标 ", "乱填", "", "公开\u200b招标", "询价"],
    "funding": ["一般公共预算", "其他", "", "财政"],
    "provider_type": ["社会组织", "个人", "", "公司"],
    "content": ["上门助餐", "", "x\u202ey", "a\x7fb"],
    "note": ["", "备注", "\ufeff备注"],
}  # fmt: skip

rows_strategy = st.lists(
    st.fixed_dictionaries({k: st.sampled_from(v) for k, v in POOLS.items()}).map(
        lambda over: line(**over)
    ),
    min_size=1,
    max_size=8,
)


def _found(path: Path) -> dict[int, set[tuple[str, str]]]:
    out: dict[int, set[tuple[str, str]]] = {}
    for issue in check(path).files[0].issues:
        if issue.rule in COMPARED and issue.row:
            field = COLUMN_FIELD[issue.cell.rstrip("0123456789")]
            out.setdefault(issue.row, set()).add((issue.rule, field))
    return out


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=rows_strategy)
def test_every_cell_rule_agrees_with_the_row_by_row_reference(
    tmp_path: Path, rows: list[dict[str, Any]]
) -> None:
    found = _found(build_submission(tmp_path / "a.xlsx", rows))
    for i, row in enumerate(rows):
        assert found.get(FIRST_ROW + i, set()) == reference(row), (i, row)
    assert set(found) <= {FIRST_ROW + i for i in range(len(rows))}


def test_the_reference_is_not_vacuous() -> None:
    """Each compared rule that random rows can reach is reached by the pools above."""
    reached = {
        rule
        for values in POOLS.values()
        for v in values
        for field in POOLS
        if POOLS[field] is values
        for rule, _ in reference(line(**{field: v}))
    }
    assert reached >= {
        "formula-in-input", "required-missing", "amount-not-number", "amount-precision",
        "amount-negative", "amount-too-large", "amount-as-text", "unknown-code",
        "non-leaf-code", "code-name-mismatch", "value-not-in-list", "invalid-text",
    }  # fmt: skip


# -- duplicate-row: the first identical earlier row, whatever the hashes say -----------------
_KEY_FIELDS = ("project", "content", "provider", "target", "note")


def _duplicate_reference(rows: list[dict[str, Any]]) -> list[int | None]:
    first: dict[tuple[Any, ...], int] = {}
    out: list[int | None] = []
    for k, r in enumerate(rows):
        if r["project"] is None and r["code"] is None and r["read"] is None:
            out.append(None)
            continue
        key = (
            r["project"], r["code"] or f"shown-code-{r['shown']}", r["content"], r["provider"],
            r["provider_type"], r["method"], r["funding"],
            r["read"] if r["read"] is not None else f"shown-amount-{r['shown']}",
            r["target"], r["note"],
        )  # fmt: skip
        j = first.setdefault(key, k)
        out.append(None if j == k else 100 + j)
    return out


_VALUE = st.sampled_from([None, "a", "b"])
_ROW = st.fixed_dictionaries(
    {
        **{name: _VALUE for name in (*_KEY_FIELDS, "provider_type", "method", "funding")},
        "code": st.sampled_from([None, "033A0101"]),
        "read": st.sampled_from([None, Decimal(1), Decimal("1.00")]),
        "shown": st.integers(0, 1),
    }
)


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(_ROW, max_size=12), collide=st.booleans())
def test_duplicate_rows_are_found_exactly_even_when_hashes_collide(
    rows: list[dict[str, Any]], collide: bool
) -> None:
    from types import SimpleNamespace

    import numpy as np

    from toolkit.rules import cells

    f = SimpleNamespace(
        n=len(rows),
        rows=np.arange(100, 100 + len(rows)),
        texts={name: [r[name] for r in rows] for name in _KEY_FIELDS},
        lists={name: [r[name] for r in rows] for name in ("provider_type", "method", "funding")},
        codes=[SimpleNamespace(code=r["code"]) if r["code"] else None for r in rows],
        amounts=[SimpleNamespace(read=r["read"]) if r["read"] is not None else None for r in rows],
        shown=lambda name, i: f"shown-{name}-{rows[i]['shown']}",
    )
    with pytest.MonkeyPatch.context() as mp:
        if collide:  # every key hashes alike: only the comparison of keys can tell them apart
            mp.setattr(cells, "hash", lambda key: 0, raising=False)
        assert cells.duplicate_of(f) == _duplicate_reference(rows)  # type: ignore[arg-type]
