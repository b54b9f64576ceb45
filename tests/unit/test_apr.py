"""True APR (PBoC 2021 No. 3): IRR on the money actually received, simple and compound.

Hand-checked numbers are verified inside each test by an independent computation: the net
present value in exact ``Fraction`` arithmetic (integer exponents) changes sign across the
returned rate, so the true root lies within a hair of it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from xieshang.domain import solver
from xieshang.domain.apr import (
    AprResult,
    apr_of_dated_flows,
    apr_of_regular_flows,
    apr_of_schedule,
    irr,
    is_monthly_sequence,
    xirr,
)
from xieshang.domain.errors import ConvergenceError, DomainError
from xieshang.domain.money import ZERO, round_money
from xieshang.domain.rates import add_months
from xieshang.domain.schedule import Installment, Method, Schedule, validate_schedule

D = Decimal


def npv_exact(flows: list[Decimal], rate: Fraction) -> Fraction:
    """Σ f_t / (1 + rate)^t in exact rational arithmetic."""
    growth = 1 + rate
    return sum((Fraction(f) / growth**t for t, f in enumerate(flows)), Fraction(0))


def root_is_within(flows: list[Decimal], rate: Decimal, half_width: str = "1e-11") -> bool:
    """The exact NPV changes sign between rate − h and rate + h."""
    h = Fraction(D(half_width))
    below = npv_exact(flows, Fraction(rate) - h)
    above = npv_exact(flows, Fraction(rate) + h)
    return below * above < 0


def npv_dated(flows: list[tuple[date, Decimal]], rate: float) -> float:
    """Independent float NPV of dated flows, ACT/365 from the first date (test-only floats)."""
    first = min(d for d, _ in flows)
    return sum(float(a) / (1 + rate) ** ((d - first).days / 365) for d, a in flows)


def brackets_dated_root(flows: list[tuple[date, Decimal]], rate: Decimal) -> bool:
    return npv_dated(flows, float(rate) - 1e-9) * npv_dated(flows, float(rate) + 1e-9) < 0


def annuity_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    start: date,
    *,
    fee: Decimal = ZERO,
    due_dates: list[date] | None = None,
) -> Schedule:
    """等额本息 with fen-rounded interest each period, remainder to the last row (test helper)."""
    with localcontext() as ctx:
        ctx.prec = 40
        i = annual_rate / 12
        payment = round_money(principal * i / (1 - (1 + i) ** -months))
    dates = due_dates or [add_months(start, k) for k in range(1, months + 1)]
    rows = []
    balance = principal
    for n in range(1, months + 1):
        interest = round_money(balance * annual_rate / 12)
        part = balance if n == months else payment - interest
        balance -= part
        rows.append(
            Installment(n, dates[n - 1], part + interest + fee, part, interest, balance, fee)
        )
    schedule = Schedule(principal, annual_rate, start, Method.ANNUITY, tuple(rows))
    assert validate_schedule(schedule) == ()
    return schedule


# --- the CLI example -------------------------------------------------------------------------


def test_the_cli_example_net_of_a_1000_fee_costs_12_8_percent_simple():
    result = apr_of_regular_flows(D(100000) - D(1000), [D("8833.30")] * 12)
    assert result == AprResult(
        periodic_irr=D("0.010669834876"),
        periods_per_year=12,
        apr_simple=D("0.128038018512"),
        apr_compound=D("0.135825576327"),
        sign_changes=1,
        warnings=(),
    )
    assert root_is_within([D(99000)] + [D("-8833.30")] * 12, result.periodic_irr)


def test_the_same_loan_without_the_fee_costs_less():
    with_fee = apr_of_regular_flows(D(99000), [D("8833.30")] * 12)
    without = apr_of_regular_flows(D(100000), [D("8833.30")] * 12)
    assert without.apr_simple < with_fee.apr_simple
    assert root_is_within([D(100000)] + [D("-8833.30")] * 12, without.periodic_irr)


def test_compound_is_the_twelfth_power_of_the_monthly_rate():
    result = apr_of_regular_flows(D(99000), [D("8833.30")] * 12)
    expected = (1 + Fraction(result.periodic_irr)) ** 12 - 1
    assert abs(Fraction(result.apr_compound) - expected) < Fraction(1, 10**10)
    assert result.apr_simple == result.periodic_irr * 12


# --- schedules -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "rate", "months"),
    [("10000.00", "0.18", 12), ("280000.00", "0.084", 20), ("5000.00", "0.36", 24)],
)
def test_a_fee_free_annuity_costs_its_nominal_rate(principal, rate, months):
    schedule = annuity_schedule(D(principal), D(rate), months, date(2024, 1, 31))
    result = apr_of_schedule(schedule)
    # Only the fen rounding of the payments separates the IRR from the contract rate.
    assert abs(result.apr_simple - D(rate)) < D("1e-4")
    assert result.periods_per_year == 12
    assert result.apr_compound > result.apr_simple


def test_the_fineract_vector_costs_its_nominal_rate():
    # V-F1: 100 at 9.4822 %, published payment 17.13 every period.  On 100 yuan the fen
    # rounding of 17.1286 up to 17.13 is visible: the IRR is ~0.013 points below nominal.
    schedule = annuity_schedule(D(100), D("0.094822"), 6, date(2024, 1, 1))
    assert [r.payment for r in schedule.rows] == [D("17.13")] * 6
    result = apr_of_schedule(schedule)
    assert result == apr_of_regular_flows(D(100), [D("17.13")] * 6)
    assert D("0.0945") < result.apr_simple < D("0.094822")


def test_interest_deducted_up_front_makes_the_true_rate_far_above_the_nominal():
    # 砍头息: a 10 000 contract at 12 %, 2 000 kept back, 12 payments on the full 10 000.
    schedule = annuity_schedule(D(10000), D("0.12"), 12, date(2024, 3, 1))
    assert schedule.regular_payment == D("888.49")
    result = apr_of_schedule(schedule, deducted_interest=D(2000))
    assert result.apr_simple > D("0.55")  # more than four times the 12 % on paper
    flows = [D(8000)] + [-r.payment for r in schedule.rows]
    assert root_is_within(flows, result.periodic_irr)
    assert result == apr_of_regular_flows(D(8000), [r.payment for r in schedule.rows])


def test_fees_and_deducted_interest_both_reduce_the_money_received():
    schedule = annuity_schedule(D(10000), D("0.12"), 12, date(2024, 3, 1))
    both = apr_of_schedule(schedule, upfront_fees=D(500), deducted_interest=D(1500))
    assert both == apr_of_schedule(schedule, deducted_interest=D(2000))


def test_fees_inside_the_rows_count_as_payments():
    plain = annuity_schedule(D(10000), D("0.12"), 12, date(2024, 3, 1))
    with_fees = annuity_schedule(D(10000), D("0.12"), 12, date(2024, 3, 1), fee=D(50))
    assert apr_of_schedule(with_fees).apr_simple > apr_of_schedule(plain).apr_simple + D("0.1")


def test_a_schedule_with_an_irregular_first_period_is_valued_by_xirr():
    start = date(2024, 1, 10)
    dues = [date(2024, 3, 1)] + [add_months(date(2024, 3, 1), k) for k in range(1, 12)]
    schedule = annuity_schedule(D(10000), D("0.12"), 12, start, due_dates=dues)
    assert not is_monthly_sequence(start, dues)
    result = apr_of_schedule(schedule, upfront_fees=D(100))
    assert result.apr_compound == xirr(schedule.dated_flows(received=D(9900)))
    assert result == apr_of_dated_flows(schedule.dated_flows(received=D(9900)))


def test_month_end_sequences_count_as_monthly_either_way():
    start = date(2024, 1, 30)
    from_start = [add_months(start, k) for k in range(1, 4)]  # Feb 29, Mar 30, Apr 30
    from_first = [date(2024, 2, 29), date(2024, 3, 29), date(2024, 4, 29)]
    assert is_monthly_sequence(start, from_start)
    assert is_monthly_sequence(start, from_first)
    assert not is_monthly_sequence(start, [])
    assert not is_monthly_sequence(start, [date(2024, 3, 1)])


def test_a_schedule_whose_fees_swallow_the_principal_is_refused():
    schedule = annuity_schedule(D(1000), D("0.12"), 3, date(2024, 1, 1))
    with pytest.raises(DomainError) as e:
        apr_of_schedule(schedule, upfront_fees=D(600), deducted_interest=D(400))
    assert e.value.code == "apr.nothing_received"


def test_negative_deductions_and_empty_schedules_are_refused():
    schedule = annuity_schedule(D(1000), D("0.12"), 3, date(2024, 1, 1))
    with pytest.raises(DomainError) as e:
        apr_of_schedule(schedule, upfront_fees=D(-1))
    assert (e.value.code, e.value.field) == ("amount.negative", "upfront_fees")
    with pytest.raises(DomainError) as e:
        apr_of_schedule(schedule, deducted_interest=D(-1))
    assert (e.value.code, e.value.field) == ("amount.negative", "deducted_interest")
    empty = Schedule(D(1000), D("0.12"), date(2024, 1, 1), Method.MANUAL, ())
    with pytest.raises(DomainError) as e:
        apr_of_schedule(empty)
    assert e.value.code == "apr.empty_flows"


# --- irr -------------------------------------------------------------------------------------


def test_a_two_period_irr_matches_the_quadratic_formula():
    # 100 = 60/(1+r) + 60/(1+r)^2  →  1+r = (60 + √(3600 + 24000)) / 200
    exact = (Decimal(60) + Decimal(27600).sqrt()) / 200 - 1
    assert abs(irr([D(-100), D(60), D(60)]) - exact) <= D("5e-13")


def test_the_rate_is_the_same_from_the_lenders_side():
    flows = [D(99000)] + [D("-8833.30")] * 12
    assert irr(flows) == irr([-f for f in flows])


def test_a_loan_repaid_exactly_costs_zero():
    assert irr([D(100), D(-50), D(-50)]) == 0
    result = apr_of_regular_flows(D(100), [D(50), D(50)])
    assert (result.apr_simple, result.apr_compound, result.warnings) == (0, 0, ())


def test_paying_back_less_than_received_gives_a_negative_rate_and_a_warning():
    result = apr_of_regular_flows(D(100), [D(40), D(40)])
    assert result.periodic_irr < 0
    assert result.warnings == ("apr.negative_rate",)
    assert root_is_within([D(100), D(-40), D(-40)], result.periodic_irr)


def test_with_two_positive_irrs_the_smaller_is_reported_with_a_warning():
    flows = [D(-100), D(230), D(-132)]  # (1+r) = 1.1 or 1.2
    assert irr(flows) == D("0.1")


def test_multiple_sign_changes_are_counted_and_warned_about():
    result = apr_of_dated_flows(
        [(date(2021, 1, 1), D(-100)), (date(2022, 1, 1), D(230)), (date(2023, 1, 1), D(-132))]
    )
    assert result.sign_changes == 2
    assert "apr.multiple_sign_changes" in result.warnings
    assert abs(result.apr_compound - D("0.1")) < D("1e-11")


def test_with_two_negative_irrs_the_one_nearest_zero_is_reported():
    assert irr([D(-100), D(170), D(-72)]) == D("-0.1")  # roots −10 % and −20 %


def test_a_positive_root_is_preferred_to_a_negative_one():
    assert irr([D(-100), D(210), D(-108)]) == D("0.2")  # roots −10 % and +20 %


def test_payments_may_be_given_as_negative_flows():
    as_amounts = apr_of_regular_flows(D(99000), [D("8833.30")] * 12)
    as_flows = apr_of_regular_flows(D(99000), [D("-8833.30")] * 12)
    assert as_amounts == as_flows


def test_grace_periods_with_zero_payments_are_allowed():
    result = apr_of_regular_flows(D(1000), [D(0), D(0), D("1331")])
    assert result.periodic_irr == D("0.1")


def test_quarterly_flows_annualise_with_four_periods():
    result = apr_of_regular_flows(D(1000), [D(1100)], periods_per_year=4)
    assert (result.apr_simple, result.apr_compound) == (D("0.4"), D("0.4641"))


# --- xirr ------------------------------------------------------------------------------------


def test_excel_documentation_xirr_example():
    # Microsoft's XIRR help page shows 0.373362535 (37.34 %); Excel iterates only until the
    # result is within 0.000001 %, so agreement to 1e-8 is all the page can vouch for.
    flows = [
        (date(2008, 1, 1), D(-10000)),
        (date(2008, 3, 1), D(2750)),
        (date(2008, 10, 30), D(4250)),
        (date(2009, 2, 15), D(3250)),
        (date(2009, 4, 1), D(2750)),
    ]
    assert abs(xirr(flows) - D("0.373362535")) < D("1e-8")
    assert brackets_dated_root(flows, xirr(flows))


def test_xirr_over_whole_365_day_years_is_checked_exactly():
    start = date(2021, 3, 1)
    amounts = [D(5000), D(-1200), D(-2500), D("-2100.55")]
    flows = [(start + timedelta(days=365 * k), a) for k, a in enumerate(amounts)]
    rate = xirr(flows)
    assert root_is_within(amounts, rate)
    assert rate == irr(amounts)


def test_xirr_with_irregular_dates_has_npv_zero_at_the_rate():
    flows = [
        (date(2024, 1, 5), D(30000)),
        (date(2024, 2, 20), D(-2800)),
        (date(2024, 3, 2), D(-2800)),
        (date(2024, 5, 31), D(-9000)),
        (date(2024, 12, 24), D("-19000.50")),
    ]
    assert brackets_dated_root(flows, xirr(flows))


def test_xirr_ignores_the_order_of_flows_and_nets_same_day_flows():
    a = [(date(2024, 1, 1), D(1000)), (date(2024, 7, 1), D(-600)), (date(2025, 1, 1), D(-600))]
    shuffled = [a[2], (date(2024, 7, 1), D(-100)), a[0], (date(2024, 7, 1), D(-500))]
    assert xirr(shuffled) == xirr(a)


def test_datetimes_are_read_as_their_dates():
    flows = [(datetime(2023, 1, 1, 9, 30), D(-1000)), (datetime(2024, 1, 1, 18, 0), D(1100))]
    assert xirr(flows) == D("0.1")


def test_monthly_equivalent_of_a_dated_result_compounds_back_to_the_xirr():
    result = apr_of_dated_flows([(date(2023, 1, 1), D(1000)), (date(2024, 1, 1), D(-1100))])
    assert abs((1 + result.periodic_irr) ** 12 - D("1.1")) < D("1e-10")
    assert result.apr_simple == result.periodic_irr * 12


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flows", "code"),
    [
        ([], "apr.empty_flows"),
        ([D(100)], "apr.no_sign_change"),
        ([D(100), D(5), D(0)], "apr.no_sign_change"),
        ([D(0), D(0)], "apr.no_sign_change"),
        ([D(-1), D(-2)], "apr.no_sign_change"),
        ([D(100), -0.5], "amount.float_refused"),
        ([D(100), D("NaN")], "amount.not_a_number"),
        ([D(100), "x"], "amount.not_a_number"),
    ],
)
def test_flows_without_a_rate_are_refused_with_a_code(flows, code):
    with pytest.raises(DomainError) as e:
        irr(flows)
    assert e.value.code == code
    assert not isinstance(e.value, ConvergenceError)


def test_dated_flows_are_refused_the_same_way():
    with pytest.raises(DomainError) as e:
        xirr([])
    assert e.value.code == "apr.empty_flows"
    with pytest.raises(DomainError) as e:
        xirr([(date(2024, 1, 1), D(1)), (date(2024, 1, 1), D(-1))])  # nets to nothing
    assert e.value.code == "apr.no_sign_change"
    with pytest.raises(DomainError) as e:
        xirr([("2024-01-01", D(1)), (date(2024, 2, 1), D(-1))])
    assert e.value.code == "apr.not_a_date"


def test_a_rate_beyond_the_searched_range_is_a_convergence_error():
    with pytest.raises(ConvergenceError) as e:
        irr([D(1), D(-(10**9))])  # 10^9 − 1 per period, above 1 000 000 %
    assert e.value.code == "apr.no_root"
    with pytest.raises(ConvergenceError) as e:
        irr([D(1), D("-1e-15")])  # within 1e-12 of −100 %
    assert e.value.code == "apr.no_root"


def test_a_rate_that_touches_zero_without_crossing_is_not_guessed():
    # NPV = −(1 − v)^2 · 100: a double root at r = 0 gives NPV ≤ 0 everywhere except 0 itself,
    # and the probe at exactly 0 finds it.
    assert irr([D(-100), D(200), D(-100)]) == 0
    # Move the double root to r = −1/11: NPV never changes sign, so nothing is reported.
    with pytest.raises(ConvergenceError) as e:
        irr([D(-121), D(220), D(-100)])
    assert e.value.code == "apr.no_root"


def test_the_solver_refuses_rather_than_returns_an_unconverged_rate(monkeypatch):
    monkeypatch.setattr(solver, "MAX_ITERATIONS", 2)
    with pytest.raises(ConvergenceError) as e:
        irr([D(99000)] + [D("-8833.30")] * 12)
    assert e.value.code == "apr.no_convergence"


def test_regular_flow_arguments_are_checked():
    with pytest.raises(DomainError) as e:
        apr_of_regular_flows(D(0), [D(1)])
    assert e.value.code == "apr.received_not_positive"
    with pytest.raises(DomainError) as e:
        apr_of_regular_flows(D(100), [])
    assert e.value.code == "apr.empty_flows"
    with pytest.raises(DomainError) as e:
        apr_of_regular_flows(D(100), [D(60), D(-60)])
    assert e.value.code == "apr.mixed_payment_signs"
    with pytest.raises(DomainError) as e:
        apr_of_regular_flows(D(100), [D(110)], periods_per_year=0)
    assert e.value.code == "apr.periods_per_year_invalid"
    with pytest.raises(DomainError) as e:
        apr_of_regular_flows(D(100), [D(0), D(0)])
    assert e.value.code == "apr.no_sign_change"


def test_a_one_week_payday_loan_is_annualised_however_large_the_figure():
    # Borrow 100, repay 130 seven days later: 30 % a week, (1.3)^(365/7) − 1 a year.
    flows = [(date(2024, 6, 3), D(100)), (date(2024, 6, 10), D(-130))]
    with localcontext() as ctx:
        ctx.prec = 40
        expected = (D("1.3").ln() * 365 / 7).exp() - 1
    assert abs(xirr(flows) - expected) <= D("1e-12") * expected
    result = apr_of_dated_flows(flows)
    assert result.apr_compound == xirr(flows)
    assert abs((1 + result.periodic_irr) ** 12 - 1 - expected) < D("1e-6") * expected


def test_a_loss_of_40_percent_in_one_day_is_minus_100_percent_a_year():
    flows = [(date(2015, 1, 1), D(100)), (date(2015, 1, 2), D(-60))]
    assert xirr(flows) == D("-1.000000000000")
    result = apr_of_dated_flows(flows)
    assert result.warnings == ("apr.negative_rate",)
    assert D("-1") < result.periodic_irr < D("-0.99")
