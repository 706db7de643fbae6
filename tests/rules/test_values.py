"""A number cell's stored text read as the decimal the clerk typed: the plain-text fast
path gives exactly what the double's shortest round trip gives (value and exponent)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.rules.values import number_text_decimal


def _round_trip(text: str) -> Decimal | None:
    """The reading through a double, as every stored number text may be read."""
    try:
        value = float(text)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    if value.is_integer() and abs(value) < 2**53:
        return Decimal(int(value))
    return Decimal(repr(value))


_DIGITS = st.text("0123456789", min_size=1, max_size=18)
_TEXTS = st.one_of(
    st.tuples(_DIGITS, st.one_of(st.none(), st.text("0123456789", max_size=18))).map(
        lambda t: t[0] if t[1] is None else f"{t[0]}.{t[1]}"
    ),
    st.sampled_from(["0", "0.0", "0.10", "100.00", "-0", "-1.5", "1e5", "1E-7", ".5", "5.",
                     "00012.50", "999999999999999.9", "0.000000000000001", " 1", "1,000"]),
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(text=_TEXTS)
def test_number_texts_read_as_their_round_trip(text: str) -> None:
    got, want = number_text_decimal(text), _round_trip(text)
    assert (got is None) == (want is None)
    if got is not None:
        assert got.as_tuple() == want.as_tuple(), text  # type: ignore[union-attr]


def test_an_amount_with_more_digits_than_decimal_keeps_is_stopped_not_rounded() -> None:
    """29 significant digits typed as text: the 1e-26 is more than a fen can say, so the
    amount is a precision error (Decimal's 28-digit context once rounded it to 100.00)."""
    from toolkit.rules import values as V

    d, status = V.text_decimal("100.00000000000000000000000001", "元")
    assert status == V.OK and d is not None
    got = V.judge_amount(d, "元", 10**11)
    assert (got.status, got.fen, got.read) == (V.PRECISION, None, d)
    assert V.judge_amount(Decimal("100.000000000000000000000000000"), "元", 10**11).fen == 10000


@settings(max_examples=2000, deadline=None)
@given(text=_TEXTS, cap=st.sampled_from([0, 100, 10**11, 10**15]))
def test_the_plain_yuan_path_judges_as_the_general_path(text: str, cap: int) -> None:
    """A number cell in a 元 form: ``plain_yuan`` gives what ``number_text_decimal`` then
    ``judge_amount`` give (status, fen, and the decimal with its exponent), or stands aside."""
    from toolkit.rules import values as V

    fast = V.plain_yuan(text, cap)
    if fast is None:
        return
    d = number_text_decimal(text)
    assert d is not None
    want = V.judge_amount(d, "元", cap)
    assert fast[0].as_tuple() == d.as_tuple(), text
    assert (fast[1].status, fast[1].fen, fast[1].as_text) == (want.status, want.fen, False)
    assert fast[1].read.as_tuple() == want.read.as_tuple()  # type: ignore[union-attr]


def test_the_plain_yuan_path_takes_the_common_cells() -> None:
    from toolkit.rules import values as V

    for text, fen in (
        ("0", 0),
        ("12.5", 1250),
        ("12.05", 1205),
        ("9999999999999.99", 999999999999999),
    ):
        got = V.plain_yuan(text, 10**15)
        assert got is not None and got[1].fen == fen, text
    assert V.plain_yuan("1.234", 10**15) is None  # three decimals: the general path
    assert V.plain_yuan("1e5", 10**15) is None
    assert V.plain_yuan("12.5", 100)[1].status == V.TOO_LARGE  # type: ignore[index]
