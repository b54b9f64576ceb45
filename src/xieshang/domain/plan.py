"""The borrower's whole picture: capacity, each loan against the law, where each loan stands,
a fair allocation of capacity across creditors, and a suggested request to each.

This is the seed's order (理清财务状况 → 收集资料 → 制定还款计划): one pure function over the
statement and the loans, given the shipped rules and reference data as values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from .advice import Suggestion, suggest_proposal, suggestions_fit_capacity
from .affordability import Capacity, Debt, LivingCostBasis, Statement, assess_capacity
from .allocation import AllocationPlan, Creditor, Strategy, allocate_capacity
from .errors import DomainError
from .law import LegalAssessment, LegalRules, LprTable, assess_loan
from .loan import Loan
from .money import ZERO, total
from .rates import add_months
from .reference_costs import ReferenceLivingCosts
from .standing import Standing, standing_of


@dataclass(frozen=True, slots=True)
class LoanReview:
    """One loan: its contract, the legal assessment and where it stands."""

    loan: Loan
    assessment: LegalAssessment
    standing: Standing

    @property
    def owed(self) -> Decimal:
        p = self.standing.position
        return p.total_owed if p is not None else ZERO


@dataclass(frozen=True, slots=True)
class PlanReport:
    as_of: date
    capacity: Capacity
    reviews: tuple[LoanReview, ...]
    allocation: AllocationPlan | None
    suggestions: tuple[Suggestion, ...]
    findings: tuple[str, ...]

    @property
    def total_owed(self) -> Decimal:
        return total(r.owed for r in self.reviews)

    @property
    def total_protected(self) -> Decimal:
        return total(r.standing.legally_protected_total for r in self.reviews)

    @property
    def total_above_cap(self) -> Decimal:
        return total(r.assessment.amount_above_cap for r in self.reviews)

    @property
    def suggested_monthly(self) -> Decimal:
        return total(
            s.outcome.summary.regular_payment for s in self.suggestions if s.outcome is not None
        )

    @property
    def timeline(self) -> tuple[tuple[date, Decimal], ...]:
        """What the suggested requests ask each month, all creditors together (by due month)."""
        return combined_timeline(self.suggestions)

    @property
    def months_to_clear(self) -> int:
        return len(self.timeline)

    @property
    def peak_month(self) -> Decimal:
        return max((amount for _, amount in self.timeline), default=ZERO)

    @property
    def suggested_total(self) -> Decimal:
        return total(s.outcome.summary.total_to_pay for s in self.suggestions if s.outcome)

    @property
    def savings_vs_contract(self) -> Decimal:
        return total(
            s.outcome.summary.savings_vs_contract
            for s in self.suggestions
            if s.outcome is not None and s.outcome.summary.savings_vs_contract is not None
        )


def combined_timeline(suggestions: Sequence[Suggestion]) -> tuple[tuple[date, Decimal], ...]:
    """Sum of every suggested schedule's payments (and down payments) by calendar month,
    dated by the first day of the month, in order; empty months inside the span are zero."""
    by_month: dict[tuple[int, int], Decimal] = {}
    for s in suggestions:
        if s.outcome is None:
            continue
        if s.outcome.down_payment > 0:
            key = (s.outcome.start.year, s.outcome.start.month)
            by_month[key] = by_month.get(key, ZERO) + s.outcome.down_payment
        for row in s.outcome.schedule.rows:
            key = (row.due_date.year, row.due_date.month)
            by_month[key] = by_month.get(key, ZERO) + row.payment
    if not by_month:
        return ()
    first, last = min(by_month), max(by_month)
    out = []
    year, month = first
    while (year, month) <= last:
        out.append((date(year, month, 1), by_month.get((year, month), ZERO)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def build_plan(
    statement: Statement,
    loans: Sequence[Loan],
    *,
    rules: LegalRules,
    lpr: LprTable,
    as_of: date,
    reference: ReferenceLivingCosts | None = None,
    strategy: Strategy | str = Strategy.PRO_RATA,
    living_cost_basis: LivingCostBasis = "own",
    buffer_rate: Decimal = Decimal("0.10"),
    excluded: frozenset[str] = frozenset(),
) -> PlanReport:
    """Assess every loan, the household's capacity, share it and suggest a request per loan.

    Current debt service in the statement is the contract payment of each loan still running
    (a loan's regular payment), so the capacity report shows the gap the plan must close.
    Capacity is shared by ``strategy`` over what each creditor is owed, at the lower of the
    contract rate and the legal cap.  Loans in ``excluded`` are ones the borrower chooses to
    keep paying as contracted: their contract payment comes off the capacity first and no
    request is suggested for them.
    """
    if not loans:
        raise DomainError("plan.no_loans", field="loans")
    ids = [loan.id for loan in loans]
    if len(set(ids)) != len(ids):
        raise DomainError("loan.id_duplicate", field="loans", value=_first_duplicate(ids))
    unknown = sorted(excluded - set(ids))
    if unknown:
        raise DomainError("plan.excluded_unknown", field="exclude", value=unknown[0])
    reviews = []
    for loan in loans:
        assessment = assess_loan(loan, rules, lpr, as_of=as_of)
        reviews.append(LoanReview(loan, assessment, standing_of(loan, assessment, as_of)))
    debts = tuple(
        Debt(
            creditor=r.loan.lender,
            balance=r.owed,
            monthly_payment=r.standing.schedule.regular_payment,
            annual_rate=r.loan.annual_rate,
        )
        for r in reviews
        if r.owed > 0
    )
    capacity = assess_capacity(
        replace(statement, debts=statement.debts + debts),
        reference=reference,
        buffer_rate=buffer_rate,
        living_cost_basis=living_cost_basis,
    )
    owing = [r for r in reviews if r.owed > 0 and r.loan.id not in excluded]
    kept = total(
        r.standing.schedule.regular_payment for r in reviews if r.loan.id in excluded and r.owed > 0
    )
    to_share = max(ZERO, capacity.repayment_capacity - kept)
    findings: list[str] = []
    if kept > capacity.repayment_capacity:
        findings.append("plan.excluded_exceed_capacity")
    allocation = None
    targets: dict[str, Decimal] = {r.loan.id: ZERO for r in reviews}
    if owing and to_share > 0:
        creditors = [
            Creditor(
                id=r.loan.id,
                name=r.loan.lender,
                balance=r.owed,
                annual_rate=_protected_rate(r),
            )
            for r in owing
        ]
        allocation = allocate_capacity(creditors, to_share, strategy, start=add_months(as_of, 1))
        for s in allocation.creditors:
            targets[s.creditor_id] = s.first_payment
    elif owing:
        findings.append("plan.no_capacity")
    suggestions = tuple(
        Suggestion(r.loan.id, ZERO, None, True, "advice.excluded", 0)
        if r.loan.id in excluded
        else suggest_proposal(
            r.loan, r.standing.position, r.assessment, targets[r.loan.id], start=as_of
        )
        for r in reviews
    )
    if not suggestions_fit_capacity(suggestions, to_share):
        findings.append("plan.suggestions_exceed_capacity")
    if any(not s.fits for s in suggestions):
        findings.append("plan.some_loans_do_not_fit")
    if any(r.assessment.amount_above_cap > 0 for r in reviews):
        findings.append("plan.charges_above_cap")
    return PlanReport(as_of, capacity, tuple(reviews), allocation, suggestions, tuple(findings))


def _protected_rate(review: LoanReview) -> Decimal:
    cap = review.assessment.cap_after or review.assessment.cap
    rate = review.loan.annual_rate
    return rate if cap is None else min(rate, cap)


def _first_duplicate(ids: Sequence[str]) -> str:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return ""
