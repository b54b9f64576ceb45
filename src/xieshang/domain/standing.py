"""Where a loan stands on a date: what is paid, overdue, accrued and not yet due.

The contract schedule says what fell due; ``paid_installments`` says how many of those rows
the borrower paid (in order).  Rows due on or before ``as_of`` and not paid are overdue (逾期);
their penalty accrues by day under the loan's cap.  The *legally protected total* is what the
contract still asks, less every charge above the legal cap over the whole loan (excess already
paid is credited against what is owed, as courts do in practice ⚠️) and less overdue charges
above the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .law import LegalAssessment
from .loan import Loan
from .money import ZERO, round_money, total
from .penalty import PenaltyAccrual, accrue_for_loan
from .proposals import LoanPosition, loan_position
from .rates import day_count_days
from .schedule import Method, Schedule


@dataclass(frozen=True, slots=True)
class Standing:
    """A loan on ``as_of``: its position (None when nothing is owed), the overdue rows, the
    penalty accrual (None when nothing is overdue) and the legally protected total."""

    as_of: date
    schedule: Schedule
    position: LoanPosition | None
    overdue_installments: int
    days_overdue: int
    penalty: PenaltyAccrual | None
    contract_remaining: Decimal
    legally_protected_total: Decimal


def standing_of(loan: Loan, assessment: LegalAssessment, as_of: date) -> Standing:
    """The loan's position on ``as_of`` from its schedule and ``paid_installments``.

    Accrued interest is the current period's interest from the last due date (or the value
    date) to ``as_of`` on the principal not yet due, under the loan's day count.
    """
    schedule = loan.schedule()
    rows = schedule.rows
    paid = loan.paid_installments
    unpaid = rows[paid:]
    overdue = tuple(r for r in unpaid if r.due_date <= as_of)
    future = tuple(r for r in unpaid if r.due_date > as_of)
    penalty = (
        accrue_for_loan(loan, assessment, [(r.due_date, r.payment) for r in overdue], as_of)
        if overdue
        else None
    )
    penalty_total = penalty.total if penalty else ZERO
    outstanding = total(r.principal for r in future)
    arrears = total(r.payment for r in overdue)
    contract_remaining = total(r.payment for r in future) + arrears + penalty_total
    above = assessment.amount_above_cap + (penalty.above_cap if penalty else ZERO)
    protected = max(ZERO, contract_remaining - above)
    days_overdue = (as_of - overdue[0].due_date).days if overdue else 0
    if contract_remaining == 0:
        return Standing(as_of, schedule, None, 0, 0, None, ZERO, ZERO)
    last_due = max((r.due_date for r in rows if r.due_date <= as_of), default=schedule.start)
    accrued = ZERO
    if future:
        # Before the value date nothing has accrued yet (a loan recorded ahead of its start).
        days = max(0, day_count_days(last_due, as_of, loan.day_count))
        accrued = round_money(outstanding * loan.annual_rate * days / loan.day_count.days_in_year)
    # The contract schedule is comparable unless rows not yet due were prepaid.
    comparable = paid <= sum(1 for r in rows if r.due_date <= as_of)
    position = loan_position(
        as_of=as_of,
        annual_rate=loan.annual_rate,
        outstanding_principal=outstanding,
        overdue_principal=total(r.principal for r in overdue),
        overdue_interest=total(r.interest for r in overdue),
        accrued_interest=accrued,
        penalty=penalty_total,
        fees_due=total(r.fee for r in overdue),
        remaining_months=len(future),
        # A schedule typed from a contract is rescheduled as an annuity.
        method=Method.ANNUITY if loan.method is Method.MANUAL else loan.method,
        next_due=future[0].due_date if future else None,
        day_count=loan.day_count,
        current_schedule=schedule if comparable else None,
        legally_protected_total=protected,
    )
    return Standing(
        as_of,
        schedule,
        position,
        len(overdue),
        days_overdue,
        penalty,
        contract_remaining,
        protected,
    )
