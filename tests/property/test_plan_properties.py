"""Properties of the whole plan over random households and loans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.domain.affordability import (
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    make_statement,
)
from xieshang.domain.loan import make_loan
from xieshang.domain.money import from_fen
from xieshang.domain.plan import build_plan

AS_OF = date(2026, 11, 29)
LENDERS = ["bank", "consumer_finance", "small_loan", "private", "credit_card"]


@st.composite
def loans(draw, index: int):
    months = draw(st.integers(3, 36))
    start = date(2025, draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    return make_loan(
        id=f"L{index}",
        lender=f"Lender {index}",
        lender_type=draw(st.sampled_from(LENDERS)),
        contract_date=start,
        principal=from_fen(draw(st.integers(100_000, 10_000_000))),
        annual_rate=Decimal(draw(st.integers(0, 3600))) / 10000,
        months=months,
        method=draw(st.sampled_from(["annuity", "equal-principal", "interest-only"])),
        start=start,
        paid_installments=draw(st.integers(0, 3)),
    )


@st.composite
def situations(draw):
    n = draw(st.integers(1, 4))
    income = from_fen(draw(st.integers(0, 3_000_000)))
    food = from_fen(draw(st.integers(0, 400_000)))
    statement = make_statement(
        Household(adults=draw(st.integers(1, 2)), children=draw(st.integers(0, 2))),
        [Income(IncomeKind.WAGES, income)],
        [Expense(ExpenseCategory.FOOD, food)],
    )
    return statement, [draw(loans(i)) for i in range(n)]


@settings(max_examples=150)
@given(situations(), st.sampled_from(["pro_rata", "principal_first", "avalanche", "snowball"]))
def test_shares_never_exceed_capacity_and_fitting_requests_stay_within_their_share(case, strategy):
    statement, loan_list = case
    report = build_plan(
        statement,
        loan_list,
        rules=load_legal_rules(),
        lpr=load_lpr_table(),
        as_of=AS_OF,
        strategy=strategy,
    )
    capacity = report.capacity.repayment_capacity
    assert capacity >= 0
    if report.allocation is not None:
        assert sum(c.first_payment for c in report.allocation.creditors) <= capacity
    for s in report.suggestions:
        if s.fits and s.outcome is not None:
            assert s.outcome.summary.regular_payment <= s.target
            assert s.outcome.summary.first_payment <= s.target
    if all(s.fits for s in report.suggestions):
        assert report.suggested_monthly <= capacity
    for r in report.reviews:
        assert r.assessment.amount_above_cap >= 0
        assert r.standing.legally_protected_total >= 0
    assert sum(a for _, a in report.timeline) == report.suggested_total
