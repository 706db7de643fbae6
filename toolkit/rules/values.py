"""Cell values as the rules judge them: amounts to exact fen, codes to catalogue entries.

An amount means what the cell shows. A number cell's stored text becomes the shortest
decimal that round-trips (the number the clerk typed, however a writer spelled it out),
then integer fen. Text is parsed by a strict grammar: an optional ¥, thousands
separators, full-width digits, a trailing 元 (万元 in a 万元 form); a space, tab or line
break between the digits is not deleted but refused, because the cell does not show one
number.

A code may arrive as ``033A0101``, ``０３３ａ０１０１`` or ``033A0101 居家养老服务``. A code that
is wrong only by an invisible character (a zero-width space, a direction mark) or a
look-alike letter (Cyrillic А for Latin A, the letter O for the digit 0) is still wrong,
but the message says what it is and what the code would be without it.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NamedTuple

from toolkit import form
from toolkit.text import nfkc, squash

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog

MAX_EXACT_FEN = 2**53 - 1  # beyond it sums stop being exact in float-based tools

# -- amounts ------------------------------------------------------------------------------------
OK, NOT_NUMBER, SPACES, PRECISION, NEGATIVE, TOO_LARGE = 0, 1, 2, 3, 4, 5
# ASCII digits only (after NFKC, which folds full-width ones): another script's digits
# (Arabic-Indic ٠, Devanagari १) are not what a clerk in Zhengzhou typed or reads
_GRAMMAR = re.compile(r"([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?")
_INNER_SPACE = re.compile(r"[0-9][\s\u00a0\u3000]+[0-9,.]|[0-9,.][\s\u00a0\u3000]+[0-9]")


class Amount(NamedTuple):
    """One amount cell judged: status, integer fen when exact, the value as read (in 元,
    any precision) when it is a number at all, and whether it was typed as text (a
    tuple: a 200,000-row table holds one per row)."""

    status: int
    fen: int | None
    read: Decimal | None
    as_text: bool = False


# a plain non-negative number of at most 15 digits: a double keeps it exactly, so its
# shortest round trip is the text itself less the fraction's trailing zeros
_PLAIN_NUMBER = re.compile(r"(0|[1-9][0-9]{0,14})(?:\.([0-9]{1,15}))?")


def number_text_decimal(text: str) -> Decimal | None:
    """A number cell's stored text -> the decimal the clerk typed (shortest round trip)."""
    m = _PLAIN_NUMBER.fullmatch(text)
    if m is not None and len(text) <= 16:
        whole, frac = m.group(1), (m.group(2) or "").rstrip("0")
        return Decimal(f"{whole}.{frac}") if frac else Decimal(int(whole))
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if value.is_integer() and abs(value) < 2**53:
        return Decimal(int(value))
    return Decimal(repr(value))


def text_decimal(value: str, unit: str) -> tuple[Decimal | None, int]:
    """Text typed into an amount cell -> (decimal, status): OK, NOT_NUMBER or SPACES."""
    s = nfkc(value)
    if s.startswith(("¥", "￥")):
        s = s[1:].lstrip()
    for suffix in ("万元", "元") if unit == "万元" else ("元",):
        if s.endswith(suffix) and not (suffix == "元" and s.endswith("万元")):
            s = s[: -len(suffix)].rstrip()
            break
    m = _GRAMMAR.fullmatch(s)
    if m is None:
        if _INNER_SPACE.search(s) and _GRAMMAR.fullmatch(re.sub(r"[\s\u00a0\u3000]", "", s)):
            return None, SPACES
        return None, NOT_NUMBER
    try:
        return Decimal(s.replace(",", "")), OK
    except InvalidOperation:  # pragma: no cover - the grammar admits only numbers
        return None, NOT_NUMBER


def judge_amount(d: Decimal, unit: str, cap_fen: int, as_text: bool = False) -> Amount:
    """A decimal amount in ``unit`` -> status and integer fen."""
    spec = form.AMOUNT_UNIT_SPECS[unit]
    read = d if spec.fen == 100 else d * (spec.fen // 100)  # in 元
    if 10**spec.decimals % d.as_integer_ratio()[1]:  # exact: more decimals than one fen
        return Amount(PRECISION, None, read, as_text)
    fen = int(d * spec.fen)
    if fen < 0:
        return Amount(NEGATIVE, fen if -fen <= MAX_EXACT_FEN else None, read, as_text)
    if fen > cap_fen:
        return Amount(TOO_LARGE, fen if fen <= MAX_EXACT_FEN else None, read, as_text)
    return Amount(OK, fen, read, as_text)


# a number cell in a 元 form holding whole 元 and fen, the cell nearly every row has: at most
# 13 digits before the point (under MAX_EXACT_FEN) and 2 after
_PLAIN_YUAN = re.compile(r"(0|[1-9][0-9]{0,12})(?:\.([0-9]{1,2}))?")


def plain_yuan(text: str, cap_fen: int) -> tuple[Decimal, Amount] | None:
    """``number_text_decimal`` and then ``judge_amount`` in a 元 form, for a number cell's
    stored text of at most two decimals: its fen are its digits. None for any other text
    (the general path judges it); a property test holds the two paths together."""
    m = _PLAIN_YUAN.fullmatch(text)
    if m is None:
        return None
    whole, frac = m.groups()
    if frac is None:
        d, fen = Decimal(whole), int(whole) * 100
    else:
        fen = int(whole + frac) * (10 if len(frac) == 1 else 1)
        if frac[-1] != "0":
            d = Decimal(text)
        else:  # 12.50, 12.0: the shortest round trip drops the zeros
            short = frac.rstrip("0")
            d = Decimal(f"{whole}.{short}") if short else Decimal(whole)
    # tuple.__new__: the NamedTuple's own __new__ is a Python call, once per row
    return d, _TUPLE_NEW(Amount, (OK if fen <= cap_fen else TOO_LARGE, fen, d, False))


_TUPLE_NEW = tuple.__new__


# -- codes --------------------------------------------------------------------------------------
# the first word; a code typed straight before its Chinese name (033A0101居家养老服务) ends there
_CODE_TOKEN = re.compile(r"[0-9A-Za-z]+(?=[\u4e00-\u9fff])|[^\s\-_:：、.·]+")
_CODE_SEP = " \t-_:：、.·"
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)
# Letters that look like Latin capitals or digits (Cyrillic, Greek, full-width are NFKC'd)
CONFUSABLE = {
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "К": "K", "М": "M", "О": "O",
    "Р": "P", "Т": "T", "Х": "X", "а": "a", "с": "c", "е": "e", "о": "o", "р": "p",
    "х": "x", "Α": "A", "Β": "B", "Ε": "E", "Η": "H", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Χ": "X", "ο": "o",
}  # fmt: skip
_CODE_SHAPE = re.compile(r"[0-9]{3}[A-Z](?:[0-9]{2})*")


def show_char(ch: str) -> str:
    """A character a person cannot see or tell apart, named: ``U+200B（ZERO WIDTH SPACE）``."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f"（{name}）" if name else "")


def code_token(value: Any) -> str:
    """The code part of a 目录编码 cell as typed (NFKC, not upper-cased: a message names
    the very characters the cell holds)."""
    m = _CODE_TOKEN.match(nfkc(value if isinstance(value, str) else str(value)))
    return m.group(0) if m else ""


def split_code(value: Any) -> tuple[str, str]:
    """``０３３ａ０１０１ 居家养老服务`` -> ("033A0101", "居家养老服务")."""
    s = nfkc(value if isinstance(value, str) else str(value))
    m = _CODE_TOKEN.match(s)
    if m is None:
        return "", s
    return m.group(0).upper(), s[m.end() :].strip(_CODE_SEP)


def explain_code(token: str, catalog: Catalog) -> str:
    """Why ``token`` is not a code although it looks like one, or ""."""
    hidden = INVISIBLE.findall(token)
    cleaned = INVISIBLE.sub("", token)
    swapped = [ch for ch in cleaned if ch in CONFUSABLE]
    cleaned = "".join(CONFUSABLE.get(ch, ch) for ch in cleaned).upper()
    digits_fixed = _letters_for_digits(cleaned)
    notes = []
    if hidden:
        notes.append("含有看不见的字符 " + "、".join(dict.fromkeys(show_char(c) for c in hidden)))
    if swapped:
        notes.append("含有形近字符 " + "、".join(dict.fromkeys(show_char(c) for c in swapped)))
    candidate = cleaned if cleaned in catalog else digits_fixed
    if candidate != cleaned and candidate in catalog:
        notes.append("编码中的字母 O/I/L 应为数字 0/1")
    if not notes or candidate not in catalog:
        return ""
    return "，".join(notes) + f"；去掉或改正后为 {candidate}"


def _letters_for_digits(code: str) -> str:
    """``O33A0I01`` -> ``033A0101``: letters in the digit positions of the code shape."""
    if len(code) < 4:
        return code
    fix = str.maketrans({"O": "0", "I": "1", "L": "1"})
    return code[:3].translate(fix) + code[3] + code[4:].translate(fix)


# -- list values and text -----------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(text: str, max_text: int) -> str:
    """What is wrong with a text cell ("" when nothing)."""
    problems = []
    if _CONTROL.search(text):
        problems.append("含有不可见的控制字符")
    hidden = INVISIBLE.findall(text)
    if hidden:
        problems.append(
            "含有看不见的字符 " + "、".join(dict.fromkeys(show_char(c) for c in hidden))
        )
    if len(text) > max_text:
        problems.append(f"过长（{len(text)} 字，上限 {max_text} 字）")
    return "，".join(problems)


def invisible_note(text: str) -> str:
    """``（含有看不见的字符 U+200B（ZERO WIDTH SPACE），去掉后为“公开招标”）`` or ""."""
    hidden = INVISIBLE.findall(text)
    if not hidden:
        return ""
    names = "、".join(dict.fromkeys(show_char(c) for c in hidden))
    return f"（含有看不见的字符 {names}，去掉后为“{INVISIBLE.sub('', text)}”）"


def listed(field: str) -> dict[str, str]:
    """A list field's choices keyed as compared (NFKC, no spaces)."""
    return {squash(v): v for v in form.FIELD[field].choices}
