"""Properties of the true-APR engine, on random loans (Hypothesis).

Independent checks: exact ``Fraction`` NPV for regular flows, float NPV for dated flows (test
code may use floats; the domain never does).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from xieshang.domain.apr import apr_of_dated_flows, apr_of_regular_flows, irr, xirr
from xieshang.domain.money import round_money

D = Decimal

principals = st.integers(min_value=100_00, max_value=1_000_000_00).map(lambda f: D(f) / 100)
annual_rates = st.integers(min_value=1, max_value=6000).map(lambda bp: D(bp) / 10000)  # ≤ 60 %
terms = st.integers(min_value=1, max_value=360)


def level_payment(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """The exact (unrounded) annuity payment, to 50 digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        i = annual_rate / 12
        return principal * i / (1 - (1 + i) ** -months)


@st.composite
def loans(draw: st.DrawFn, max_payments: int = 60) -> tuple[Decimal, list[Decimal]]:
    """Money received and positive payments of random sizes summing to 0.6–3 × received."""
    received = draw(principals)
    weights = draw(st.lists(st.integers(0, 100), min_size=1, max_size=max_payments))
    if sum(weights) == 0:
        weights[-1] = 1
    factor = D(draw(st.integers(60, 300))) / 100
    total = received * factor
    payments = [round_money(total * w / sum(weights)) for w in weights]
    if sum(payments) == 0:
        payments[-1] = D("0.01")
    return received, payments


@st.composite
def dated_loans(draw: st.DrawFn) -> list[tuple[date, Decimal]]:
    received, payments = draw(loans(max_payments=120))
    day = date(2015, 1, 1) + timedelta(days=draw(st.integers(0, 4000)))
    flows = [(day, received)]
    for p in payments:
        day += timedelta(days=draw(st.integers(1, 62)))
        flows.append((day, -p))
    return flows


def npv_exact(flows: list[Decimal], rate: Fraction) -> Fraction:
    growth = 1 + rate
    return sum((Fraction(f) / growth**t for t, f in enumerate(flows)), Fraction(0))


def npv_float(flows: list[tuple[date, Decimal]], rate: float) -> float:
    first = flows[0][0]
    return sum(float(a) / (1 + rate) ** ((d - first).days / 365) for d, a in flows)


@given(principals, annual_rates, terms)
def test_a_fee_free_level_payment_loan_costs_exactly_its_nominal_rate(principal, rate, months):
    payment = level_payment(principal, rate, months)
    result = apr_of_regular_flows(principal, [payment] * months)
    assert abs(result.periodic_irr - rate / 12) <= D("1e-12")
    assert abs(result.apr_simple - rate) <= D("12e-12")
    assert result.warnings == ()


@given(loans(max_payments=40))
def test_the_exact_npv_changes_sign_across_the_returned_rate(loan):
    received, payments = loan
    flows = [received, *(-p for p in payments)]
    rate = Fraction(irr(flows))
    h = Fraction(1, 10**11)
    assert npv_exact(flows, rate - h) * npv_exact(flows, rate + h) < 0


@given(dated_loans())
def test_the_npv_of_dated_flows_changes_sign_across_the_returned_xirr(flows):
    rate = float(xirr(flows))
    assume(-0.99 < rate < 1e6)  # a float NPV means nothing at −100 % or 10^8 %
    assert npv_float(flows, rate - 1e-8) * npv_float(flows, rate + 1e-8) < 0


@given(loans(), st.integers(min_value=1, max_value=50))
def test_an_upfront_fee_strictly_raises_the_apr(loan, fee_percent):
    received, payments = loan
    fee = max(D(1), round_money(received * fee_percent / 100))
    before = apr_of_regular_flows(received, payments)
    after = apr_of_regular_flows(received - fee, payments)
    assert after.periodic_irr > before.periodic_irr
    assert after.apr_simple > before.apr_simple
    assert after.apr_compound > before.apr_compound


@given(loans(), st.sampled_from([1, 2, 4, 12, 24, 52, 365]))
def test_simple_never_exceeds_compound(loan, periods_per_year):
    received, payments = loan
    result = apr_of_regular_flows(received, payments, periods_per_year=periods_per_year)
    # Bernoulli: (1 + r)^k − 1 ≥ k·r for r > −1; equal for one period a year.  The simple
    # figure is k × the rounded periodic rate, so it may sit k × 0.5e-12 off.
    assert result.apr_simple <= result.apr_compound + periods_per_year * D("1e-12")
    if result.periodic_irr > D("1e-5") and periods_per_year > 1:
        assert result.apr_simple < result.apr_compound


@given(loans())
def test_the_lenders_view_gives_the_same_rate(loan):
    received, payments = loan
    flows = [received, *(-p for p in payments)]
    assert irr(flows) == irr([-f for f in flows])


@given(loans(max_payments=30))
def test_xirr_over_365_day_steps_equals_the_yearly_irr(loan):
    received, payments = loan
    flows = [received, *(-p for p in payments)]
    start = date(2001, 1, 1)
    dated = [(start + timedelta(days=365 * k), f) for k, f in enumerate(flows)]
    assert abs(xirr(dated) - irr(flows)) <= D("1e-12")
    result = apr_of_dated_flows(dated)
    assert result.apr_compound == xirr(dated)
    assert result.sign_changes == 1


@given(loans())
def test_paying_more_in_total_never_lowers_the_rate(loan):
    received, payments = loan
    more = [*payments[:-1], payments[-1] + D(1)]
    assert irr([received, *(-p for p in more)]) > irr([received, *(-p for p in payments)])
