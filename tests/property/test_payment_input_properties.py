"""A payment's amount is whole fen, more than zero: every such amount is taken exactly as
written (in any of the forms people type), and anything finer than a fen is refused, never
rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.services.payments import payment_amount

FEN_AMOUNTS = st.integers(min_value=1, max_value=10**13).map(lambda fen: Decimal(fen) / 100)


@given(FEN_AMOUNTS)
def test_an_amount_in_whole_fen_is_taken_exactly(amount):
    for written in (str(amount), f"{amount:,}", f"¥{amount}", f"{amount}元", amount):
        assert payment_amount(written) == amount


@given(FEN_AMOUNTS, st.integers(min_value=1, max_value=9), st.integers(min_value=3, max_value=8))
def test_an_amount_finer_than_a_fen_is_refused_by_name(amount, digit, places):
    finer = amount + Decimal(digit) * Decimal(10) ** -places
    with pytest.raises(DomainError, match=r"payment\.sub_fen") as raised:
        payment_amount(str(finer))
    assert raised.value.field == "amount"


@given(st.integers(min_value=-(10**9), max_value=0))
def test_zero_and_negative_amounts_are_refused(fen):
    with pytest.raises(DomainError, match=r"amount\.(not_positive|negative)"):
        payment_amount(str(Decimal(fen) / 100))
