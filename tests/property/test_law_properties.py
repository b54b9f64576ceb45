"""Properties of the cap test and overdue accrual on random loans (Hypothesis).

Tolerance, stated once: a loan whose all-in APR (``apr_simple``, the IRR in the form of an
annual nominal rate) is at or below its cap has ``amount_above_cap ≤ 0.01 × months`` — each
period's allowance is rounded to the fen (half-up) while the IRR is exact, so at most one fen
per installment separates them.  Without fees or deductions the amount is exactly 0.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.domain.law import CapLine, assess_loan, simulate_cap
from xieshang.domain.loan import Fee, FeeTiming, LenderType, make_loan
from xieshang.domain.penalty import accrue_overdue

D = Decimal
RULES, LPR = load_legal_rules(), load_lpr_table()
AS_OF = date(2025, 6, 1)
FEN = D("0.01")

principals = st.integers(min_value=1_000_00, max_value=200_000_00).map(lambda f: D(f) / 100)
rates = st.integers(min_value=0, max_value=6000).map(lambda bp: D(bp) / 10000)  # 0–60 %
regular_methods = st.sampled_from(["annuity", "equal-principal", "interest-only"])
days = st.dates(min_value=date(2015, 9, 1), max_value=date(2025, 12, 31))


@st.composite
def loans(draw, *, kinds=tuple(LenderType), methods=regular_methods, signed=days, fees=True):
    principal = draw(principals)
    day = draw(signed)
    deducted = D(draw(st.integers(0, 15))) * principal / 100 if fees else D(0)
    fee_list = ()
    if fees and draw(st.booleans()):
        fee_list = (
            Fee("service", D(draw(st.integers(0, 20000))) / 100, FeeTiming.PER_INSTALLMENT),
        )
    return make_loan(
        id="p",
        lender="x",
        lender_type=draw(st.sampled_from(kinds)),
        contract_date=day,
        principal=principal,
        annual_rate=draw(rates),
        months=draw(st.integers(1, 36)),
        method=draw(methods),
        start=day,
        deducted_interest=deducted.quantize(FEN),
        fees=fee_list,
    )


@given(loans(methods=st.sampled_from(["annuity", "equal-principal", "interest-only", "bullet"])))
def test_the_amount_above_the_cap_is_never_negative_and_splits_the_charges(loan):
    a = assess_loan(loan, RULES, LPR, as_of=AS_OF)
    assert a.amount_above_cap >= 0
    assert a.charges_allowed + a.amount_above_cap == a.charges_total
    assert a.amount_above_cap == a.amount_above_cap.quantize(FEN)
    if a.cap is None:
        assert a.amount_above_cap == 0


private_since_2020 = {
    "kinds": (LenderType.PRIVATE,),
    "signed": st.dates(date(2020, 8, 20), date(2025, 12, 31)),
}


amortising = st.sampled_from(["annuity", "equal-principal"])


@given(loans(methods=amortising, **private_since_2020))
def test_a_loan_at_or_below_the_cap_by_apr_has_at_most_a_fen_per_month_above_it(loan):
    a = assess_loan(loan, RULES, LPR, as_of=AS_OF)
    assume(a.apr.apr_simple <= a.cap)
    assert a.amount_above_cap <= FEN * loan.months


def test_allowed_charges_carried_unpaid_do_not_compound_unlike_the_irr():
    """Where payments stay below the cap's allowance (interest-only with a big deduction),
    the court's simple-interest offsetting can find a little above the cap although the IRR,
    which compounds, is within it.  Found by Hypothesis; kept as the documented exception to
    the tolerance above (which is therefore stated for amortising loans)."""
    loan = make_loan(
        id="p", lender="x", lender_type="private", contract_date=date(2020, 8, 20),
        principal="1000", annual_rate="0.0249", months=13, method="interest-only",
        start=date(2020, 8, 20), deducted_interest="100",
        fees=(Fee("service", D("1.79"), FeeTiming.PER_INSTALLMENT),),
    )  # fmt: skip
    a = assess_loan(loan, RULES, LPR, as_of=AS_OF)
    assert a.apr.apr_simple <= a.cap
    assert a.amount_above_cap == D("0.16")


@given(loans(kinds=(LenderType.PRIVATE, LenderType.BANK, LenderType.SMALL_LOAN), fees=False))
def test_without_fees_a_nominal_rate_within_the_cap_leaves_nothing_above_it(loan):
    a = assess_loan(loan, RULES, LPR, as_of=AS_OF)
    assume(a.cap is not None and a.split_on is None and loan.annual_rate <= a.cap)
    assert a.amount_above_cap == 0


@given(
    loans(methods=st.sampled_from(["annuity", "equal-principal", "interest-only", "bullet"])),
    st.integers(1, 3000),
)
def test_raising_the_rate_never_lowers_the_amount_above_the_cap(loan, step_bp):
    """Exactly, under one cap line.  Under the 2020-08-20 split the allowance follows the
    agreed all-in rate where it is below the lines, so a fen of rounding per installment can
    move either way (Hypothesis found 0.01 → 0.00 on a 3-month loan at 0 % → 0.01 %)."""
    higher = replace(loan, annual_rate=loan.annual_rate + D(step_bp) / 10000)
    low = assess_loan(loan, RULES, LPR, as_of=AS_OF)
    high = assess_loan(higher, RULES, LPR, as_of=AS_OF).amount_above_cap
    slack = FEN * loan.months if low.split_on is not None else D(0)
    assert high >= low.amount_above_cap - slack


@given(
    principals,
    st.lists(st.tuples(st.integers(1, 400), st.integers(0, 500_000_00)), min_size=1, max_size=24),
    st.integers(1, 6000),
)
def test_simulated_allowance_plus_excess_always_equals_the_charges(received, steps, cap_bp):
    start, day, pays = date(2024, 1, 1), date(2024, 1, 1), []
    for gap, fen in steps:
        day += timedelta(days=gap)
        pays.append((day, D(fen) / 100))
    t = simulate_cap(received, start, pays, CapLine(D(cap_bp) / 10000))
    assert t.amount_above_cap >= 0
    assert t.charges_allowed + t.amount_above_cap == t.charges_total
    assert t.amount_above_cap == 0 or t.principal_left == 0


@given(
    st.lists(
        st.tuples(st.dates(date(2024, 1, 1), date(2025, 6, 1)), st.integers(0, 10_000_000)),
        min_size=1,
        max_size=12,
    ),
    rates,
    st.one_of(st.none(), rates),
    st.integers(0, 100_000),
)
def test_overdue_charges_split_into_enforceable_and_above_cap(items, rate, cap, charge_fen):
    a = accrue_overdue(
        [(d, D(f) / 100) for d, f in items],
        AS_OF,
        annual_rate=rate,
        cap=cap,
        default_charge=D(charge_fen) / 100,
    )
    assert a.capped_total + a.above_cap == a.total
    assert a.above_cap >= 0
    assert a.total == sum((r.amount for r in a.rows), D(0)) + a.default_charge + a.fees
    if cap is not None and cap >= rate * 365 / 360 and charge_fen == 0:
        # Rounding each item once: at most one fen per item between penalty and allowance.
        assert a.above_cap <= FEN * len(items)
