"""The lender's view: NPV, the re-default model, doing nothing, and the verdict."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.domain.errors import DomainError
from xieshang.domain.lender_value import (
    COLLECTION_BEATS_OFFER,
    OFFER_BEATS_COLLECTION,
    RecoveryAssumptions,
    RedefaultCurve,
    compare,
    do_nothing_value,
    npv,
    offer_value,
)
from xieshang.domain.rates import monthly_due_dates

D = Decimal
TODAY = date(2025, 1, 1)
NO_DISCOUNT = D(0)


def test_a_single_flow_today_is_worth_its_amount() -> None:
    assert npv([(TODAY, D("1234.56"))], annual_rate=D("0.10"), as_of=TODAY) == D("1234.56")


def test_a_flow_one_year_away_at_10_percent_is_worth_its_amount_over_1_1_to_the_fen() -> None:
    assert npv([(date(2026, 1, 1), D(100))], annual_rate=D("0.10"), as_of=TODAY) == D("90.91")
    assert npv([(date(2027, 1, 1), D(121))], annual_rate=D("0.10"), as_of=TODAY) == D("100.00")


def test_npv_rounds_only_once_at_the_end() -> None:
    # Three flows of 0.004 a year away: each alone would round to 0.00, together 0.01.
    flows = [(date(2026, 1, 1), D("0.0044"))] * 3
    assert npv(flows, annual_rate=D(0), as_of=TODAY) == D("0.01")


def test_npv_refuses_flows_before_the_valuation_date_and_negative_rates() -> None:
    with pytest.raises(DomainError) as early:
        npv([(date(2024, 12, 31), D(1))], annual_rate=D("0.1"), as_of=TODAY)
    assert (early.value.code, early.value.field) == ("lender.flow_before_as_of", "flows")
    with pytest.raises(DomainError) as negative:
        npv([(TODAY, D(1))], annual_rate=D("-0.1"), as_of=TODAY)
    assert negative.value.code == "rate.negative"


def test_four_payments_with_a_20_percent_redefault_risk_beat_collection_by_hand() -> None:
    # No discounting, so every number is plain arithmetic:
    # paid: 4 000; re-default: the first 2 paid (2 000) + 25 % of the other 2 000 less 15 %
    # (425) = 2 425; expected 0.8·4 000 + 0.2·2 425 = 3 685.
    # Doing nothing on 5 000 owed: 5 000 · 0.25 · 0.85 = 1 062.50.
    a = RecoveryAssumptions(discount_rate=NO_DISCOUNT, redefault_probability=D("0.2"))
    flows = [(d, D(1000)) for d in monthly_due_dates(date(2025, 2, 1), 4)]
    offer = offer_value(flows, as_of=TODAY, assumptions=a, payment_to_capacity=None)
    assert (offer.npv_if_paid, offer.npv_if_redefault, offer.expected_value) == (
        D("4000.00"),
        D("2425.00"),
        D("3685.00"),
    )
    assert (offer.payments_before_default, offer.nominal_total) == (2, D("4000.00"))
    nothing = do_nothing_value(D(5000), as_of=TODAY, assumptions=a)
    assert nothing == D("1062.50")
    verdict = compare(offer, nothing)
    assert (verdict.gain, verdict.code) == (D("2622.50"), OFFER_BEATS_COLLECTION)


def test_a_tiny_risky_offer_loses_to_collecting_a_large_balance_by_hand() -> None:
    # 100 once; p = 60 %; a re-default pays nothing and sends 100 to collection (21.25):
    # 0.4·100 + 0.6·21.25 = 52.75, against 10 000 · 0.2125 = 2 125.
    a = RecoveryAssumptions(discount_rate=NO_DISCOUNT)
    offer = offer_value(
        [(date(2025, 6, 1), D(100))], as_of=TODAY, assumptions=a, payment_to_capacity=D("1.2")
    )
    assert (offer.redefault_probability, offer.expected_value) == (D("0.60"), D("52.75"))
    verdict = compare(offer, do_nothing_value(D(10000), as_of=TODAY, assumptions=a))
    assert (verdict.gain, verdict.code) == (D("-2072.25"), COLLECTION_BEATS_OFFER)


def test_collection_is_discounted_by_its_delay() -> None:
    # 18 months from 2025-01-01 is 2026-07-01, 546 days: 2 125 / 1.1 ** (546/365).
    value = do_nothing_value(D(10000), as_of=TODAY, assumptions=RecoveryAssumptions())
    assert value == D("1842.64")
    same_day = RecoveryAssumptions(recovery_delay_months=0)
    assert do_nothing_value(D(10000), as_of=TODAY, assumptions=same_day) == D("2125.00")


def test_the_redefault_curve_is_flat_then_linear_then_flat() -> None:
    curve = RedefaultCurve()
    assert curve.probability(D(0)) == D("0.05")
    assert curve.probability(D("0.5")) == D("0.05")
    assert curve.probability(D("0.6")) == D("0.16")
    assert curve.probability(D("1")) == D("0.60")
    assert curve.probability(D(3)) == D("0.60")
    a = RecoveryAssumptions()
    assert a.probability_for(None) == D("0.60")  # unknown capacity: the cautious end
    assert a.probability_for(D("0.4")) == D("0.05")
    assert RecoveryAssumptions(redefault_probability=D("0.3")).probability_for(D(2)) == D("0.3")


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"discount_rate": D("-0.01")}, "rate.negative", "discount_rate"),
        ({"redefault_probability": D("1.1")}, "lender.fraction_out_of_range", None),
        ({"collection_recovery_rate": D(-1)}, "lender.fraction_out_of_range", None),
        ({"collection_cost_rate": D(2)}, "lender.fraction_out_of_range", None),
        ({"default_point": D("NaN")}, "lender.fraction_out_of_range", "default_point"),
        ({"recovery_delay_months": -1}, "lender.delay_negative", "recovery_delay_months"),
    ],
)
def test_assumptions_out_of_range_are_refused(
    kwargs: dict[str, object], code: str, field: str | None
) -> None:
    with pytest.raises(DomainError) as error:
        RecoveryAssumptions(**kwargs)  # type: ignore[arg-type]
    assert error.value.code == code
    assert error.value.field == (field or next(iter(kwargs)))


def test_a_curve_must_rise_and_an_offer_must_have_payments() -> None:
    with pytest.raises(DomainError, match="curve_invalid"):
        RedefaultCurve(low_ratio=D(1), high_ratio=D("0.5"))
    with pytest.raises(DomainError, match="curve_invalid"):
        RedefaultCurve(low_probability=D("0.5"), high_probability=D("0.1"))
    with pytest.raises(DomainError, match="no_payments"):
        offer_value([], as_of=TODAY, assumptions=RecoveryAssumptions(), payment_to_capacity=None)
    with pytest.raises(DomainError, match=r"amount\.negative"):
        do_nothing_value(D(-1), as_of=TODAY, assumptions=RecoveryAssumptions())


# ------------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=D("0.01"), max_value=D(100000), places=2)
rates = st.decimals(min_value=D(0), max_value=D("0.30"), places=4)
probabilities = st.decimals(min_value=D(0), max_value=D(1), places=3)
plans = st.lists(
    st.tuples(st.integers(min_value=0, max_value=5 * 365), amounts), min_size=1, max_size=48
).map(lambda rows: [(TODAY + timedelta(days=days), amount) for days, amount in rows])


@given(plans, rates, rates)
def test_a_higher_discount_rate_never_raises_the_npv(
    flows: list[tuple[date, Decimal]], r1: Decimal, r2: Decimal
) -> None:
    low, high = sorted((r1, r2))
    value_low = npv(flows, annual_rate=low, as_of=TODAY)
    value_high = npv(flows, annual_rate=high, as_of=TODAY)
    assert value_high <= value_low <= sum(amount for _, amount in flows)


@given(plans, rates, probabilities, probabilities, st.decimals(D(0), D("0.5"), places=2))
def test_a_higher_redefault_probability_never_raises_the_expected_value(
    flows: list[tuple[date, Decimal]],
    rate: Decimal,
    p1: Decimal,
    p2: Decimal,
    recovery: Decimal,
) -> None:
    low, high = sorted((p1, p2))

    def value(p: Decimal) -> Decimal:
        a = RecoveryAssumptions(
            discount_rate=rate, redefault_probability=p, collection_recovery_rate=recovery
        )
        return offer_value(
            flows, as_of=TODAY, assumptions=a, payment_to_capacity=None
        ).expected_value

    assert value(high) <= value(low)


@given(plans, rates, probabilities)
def test_the_expected_value_lies_between_the_redefault_and_the_paid_values(
    flows: list[tuple[date, Decimal]], rate: Decimal, p: Decimal
) -> None:
    a = RecoveryAssumptions(discount_rate=rate, redefault_probability=p)
    v = offer_value(flows, as_of=TODAY, assumptions=a, payment_to_capacity=None)
    assert v.npv_if_redefault <= v.expected_value <= v.npv_if_paid
    assert 0 <= v.payments_before_default < len(flows)
