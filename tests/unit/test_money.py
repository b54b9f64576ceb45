from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.domain.money import (
    YUAN,
    RoundingPolicy,
    allocate,
    from_fen,
    money,
    positive_money,
    round_money,
    round_up_to_multiple,
    split_evenly,
    to_fen,
)

fen_amounts = st.integers(min_value=-(10**12), max_value=10**12).map(from_fen)


def test_money_rounds_half_up_to_the_fen_by_default():
    assert money("0.005") == Decimal("0.01")
    assert money("2.675") == Decimal("2.68")  # a float would say 2.67
    assert money("-0.005") == Decimal("-0.01")


def test_money_can_round_half_even_when_the_policy_says_so():
    assert money("0.125", policy=RoundingPolicy("half-even")) == Decimal("0.12")


def test_money_reads_yuan_signs_and_thousands_separators():
    assert money("¥1,234.5") == Decimal("1234.50")
    assert money("12元") == Decimal("12.00")


@pytest.mark.parametrize("bad", [0.1, float("nan"), "abc", "", "NaN", "Infinity", None, True])
def test_money_refuses_floats_and_non_numbers_naming_the_field(bad):
    with pytest.raises(DomainError) as info:
        money(bad, field="principal")
    assert info.value.field == "principal"
    assert info.value.code in {"amount.float_refused", "amount.not_a_number"}


def test_positive_money_refuses_zero_and_negatives():
    for bad in ("0", "-1"):
        with pytest.raises(DomainError):
            positive_money(bad, field="principal")


def test_an_unknown_rounding_mode_is_refused():
    with pytest.raises(DomainError) as info:
        RoundingPolicy("banker")
    assert info.value.code == "rounding.unknown_mode"


def test_installments_round_up_to_whole_yuan():
    assert round_up_to_multiple(Decimal("15051.01"), YUAN) == Decimal("15052.00")
    assert round_up_to_multiple(Decimal("15052.00"), YUAN) == Decimal("15052.00")


def test_sub_fen_amounts_cannot_be_stored_as_fen():
    with pytest.raises(DomainError):
        to_fen(Decimal("0.001"))


@given(fen_amounts)
def test_fen_round_trips_exactly(amount):
    assert from_fen(to_fen(amount)) == amount


@given(fen_amounts, st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30))
def test_allocation_parts_sum_exactly_and_stay_within_a_fen_of_their_share(amount, weights):
    if sum(weights) == 0:
        with pytest.raises(DomainError):
            allocate(amount, weights)
        return
    parts = allocate(amount, weights)
    assert sum(parts) == amount
    for part, w in zip(parts, weights, strict=True):
        share = amount * w / sum(weights)
        assert abs(part - share) < Decimal("0.01")
        if w == 0:
            assert part == 0


@given(fen_amounts, st.integers(min_value=1, max_value=600))
def test_even_splits_sum_exactly_with_the_remainder_last(amount, parts):
    out = split_evenly(amount, parts)
    assert sum(out) == amount
    assert len(set(out[:-1])) <= 1


def test_whole_yuan_splits_put_the_remainder_last_like_fineract():
    assert split_evenly(Decimal("375"), 2, unit=YUAN) == (Decimal("187.00"), Decimal("188.00"))


def test_rounding_never_goes_through_binary_floats():
    assert round_money(Decimal("1.005")) == Decimal("1.01")


def test_absurdly_large_amounts_are_refused_with_a_code_not_a_crash():
    with pytest.raises(DomainError) as info:
        money("1e400", field="principal")
    assert info.value.code == "amount.too_large"
