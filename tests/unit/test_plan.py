"""The borrower's plan: standing of each loan, suggested requests and the whole picture."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.domain.advice import candidate_proposals, suggest_proposal
from xieshang.domain.affordability import Household, Income, IncomeKind, make_statement
from xieshang.domain.errors import DomainError
from xieshang.domain.law import assess_loan
from xieshang.domain.loan import make_loan
from xieshang.domain.plan import build_plan
from xieshang.domain.standing import standing_of
from xieshang.services.planning import plan_situation
from xieshang.services.situation import read_situation

D = Decimal
ROOT = Path(__file__).resolve().parents[2]


def toml(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def example_report():
    base = ROOT / "examples"
    situation = read_situation(toml(base / "situation.toml"), lambda n: toml(base / n))
    return plan_situation(situation)


def bank_loan(paid: int):
    return make_loan(
        id="b",
        lender="Bank",
        lender_type="bank",
        contract_date=date(2026, 1, 1),
        principal="12000",
        annual_rate=D("0"),
        months=12,
        method="equal-principal",
        start=date(2026, 1, 1),
        paid_installments=paid,
    )


def assess(loan, as_of):
    return assess_loan(loan, load_legal_rules(), load_lpr_table(), as_of=as_of)


def test_a_loan_paid_on_time_has_nothing_overdue_and_its_remaining_rows_outstanding():
    loan = bank_loan(paid=6)
    as_of = date(2026, 7, 15)
    st = standing_of(loan, assess(loan, as_of), as_of)
    assert st.overdue_installments == 0
    assert st.position is not None
    assert st.position.outstanding_principal == D("6000.00")
    assert st.position.remaining_months == 6
    assert st.position.next_due == date(2026, 8, 1)
    assert st.contract_remaining == D("6000.00")


def test_unpaid_rows_already_due_are_overdue_with_their_days_counted():
    loan = bank_loan(paid=4)
    as_of = date(2026, 7, 15)  # rows due 5/1, 6/1, 7/1 ... rows 5 and 6 unpaid
    st = standing_of(loan, assess(loan, as_of), as_of)
    assert st.overdue_installments == 2
    assert st.days_overdue == (as_of - date(2026, 6, 1)).days
    assert st.position.overdue_principal == D("2000.00")
    # 0 % contract and no agreed overdue rate: no penalty accrues.
    assert st.position.penalty == D("0.00")


def test_a_fully_paid_loan_has_no_position_and_nothing_is_suggested():
    loan = bank_loan(paid=12)
    as_of = date(2027, 2, 1)
    a = assess(loan, as_of)
    st = standing_of(loan, a, as_of)
    assert st.position is None
    s = suggest_proposal(loan, st.position, a, D("100"), start=as_of)
    assert s.reason == "advice.nothing_owed"


def test_the_example_plan_shares_exactly_the_capacity_and_every_request_fits_its_share():
    report = example_report()
    assert report.capacity.repayment_capacity == D("3230.00")  # 11,700 − 7,300 − 1,170
    assert report.allocation is not None
    assert sum(c.first_payment for c in report.allocation.creditors) == D("3230.00")
    assert all(s.fits for s in report.suggestions)
    assert report.suggested_monthly <= report.capacity.repayment_capacity
    for s in report.suggestions:
        assert s.outcome.summary.regular_payment <= s.target
        assert s.outcome.summary.first_payment <= s.target


def test_loans_above_their_cap_are_asked_to_repay_only_the_legally_protected_amount():
    report = example_report()
    by_id = {s.loan_id: s for s in report.suggestions}
    reviews = {r.loan.id: r for r in report.reviews}
    for loan_id in ("private", "micro"):
        outcome = by_id[loan_id].outcome
        protected = reviews[loan_id].standing.legally_protected_total
        assert outcome.proposal.label.startswith("legal_amount_")
        # The settlement share is rounded down to 0.01 %, so the total never exceeds it.
        assert outcome.summary.total_to_pay <= protected
        assert protected - outcome.summary.total_to_pay < reviews[loan_id].owed * D("0.0001") + 1


def test_the_private_loan_with_interest_deducted_up_front_is_judged_on_the_money_received():
    report = example_report()
    private = next(r for r in report.reviews if r.loan.id == "private")
    assert private.loan.received == D("45000.00")
    assert private.assessment.cap == D("0.12")  # 4 × 3.00 % LPR at 2025-08-01
    assert "law.upfront_deduction" in private.assessment.codes
    assert private.assessment.amount_above_cap > 0


def test_credit_cards_are_offered_personalised_installments_of_at_most_sixty_months():
    report = example_report()
    card = next(r for r in report.reviews if r.loan.id == "card")
    proposals = candidate_proposals(card.loan, card.standing.position, card.assessment)
    assert all(p.label.startswith("card_installments_") for p in proposals)
    assert max(int(p.label.rsplit("_", 1)[1]) for p in proposals) == 60


def test_a_plan_without_loans_or_with_duplicate_ids_is_refused():
    statement = make_statement(Household(adults=1), [Income(IncomeKind.WAGES, D("5000"))])
    rules, lpr = load_legal_rules(), load_lpr_table()
    with pytest.raises(DomainError) as info:
        build_plan(statement, [], rules=rules, lpr=lpr, as_of=date(2026, 7, 1))
    assert info.value.code == "plan.no_loans"
    loan = bank_loan(paid=0)
    with pytest.raises(DomainError) as info:
        build_plan(statement, [loan, loan], rules=rules, lpr=lpr, as_of=date(2026, 7, 1))
    assert info.value.code == "loan.id_duplicate"


def test_a_borrower_with_no_capacity_gets_a_plan_that_says_so():
    statement = make_statement(Household(adults=1), [Income(IncomeKind.WAGES, D("0"))])
    report = build_plan(
        statement,
        [bank_loan(paid=0)],
        rules=load_legal_rules(),
        lpr=load_lpr_table(),
        as_of=date(2026, 3, 15),
    )
    assert report.capacity.repayment_capacity == 0
    assert report.allocation is None
    assert "plan.no_capacity" in report.findings
    assert not report.suggestions[0].fits


def test_a_loan_the_borrower_keeps_paying_takes_its_payment_off_the_capacity_first():
    base = ROOT / "examples"
    raw = toml(base / "situation.toml")
    raw["exclude"] = ["bank"]
    situation = read_situation(raw, lambda n: toml(base / n))
    report = plan_situation(situation)
    bank = next(r for r in report.reviews if r.loan.id == "bank")
    kept = bank.standing.schedule.regular_payment
    shared = sum(c.first_payment for c in report.allocation.creditors)
    assert shared == report.capacity.repayment_capacity - kept
    suggestion = next(s for s in report.suggestions if s.loan_id == "bank")
    assert suggestion.reason == "advice.excluded"
    assert suggestion.outcome is None
    assert all(c.creditor_id != "bank" for c in report.allocation.creditors)


def test_excluding_a_loan_that_does_not_exist_is_refused():
    base = ROOT / "examples"
    raw = toml(base / "situation.toml")
    raw["exclude"] = ["nope"]
    situation = read_situation(raw, lambda n: toml(base / n))
    with pytest.raises(DomainError) as info:
        plan_situation(situation)
    assert info.value.code == "plan.excluded_unknown"


def test_the_combined_timeline_adds_every_suggested_payment_month_by_month():
    report = example_report()
    months = report.timeline
    assert sum(amount for _, amount in months) == report.suggested_total
    assert report.peak_month <= report.capacity.repayment_capacity
    assert [d.day for d, _ in months] == [1] * len(months)
    assert all(
        (b.year * 12 + b.month) - (a.year * 12 + a.month) == 1
        for (a, _), (b, _) in pairwise(months)
    )


def test_a_loan_recorded_before_its_value_date_has_everything_still_to_come():
    loan = bank_loan(paid=0)
    as_of = date(2025, 12, 15)  # the loan starts on 2026-01-01
    st = standing_of(loan, assess(loan, as_of), as_of)
    assert st.overdue_installments == 0
    assert st.position.accrued_interest == D("0.00")
    assert st.position.outstanding_principal == D("12000.00")
