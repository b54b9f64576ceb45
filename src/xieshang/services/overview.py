"""A borrower's situation at a glance, for the dashboard: what is owed, what this month asks
against what the household can pay, and which loans need attention first.

Every figure comes from the domain (``check_loan`` for each stored loan, ``capacity_of`` for the
statement); this module only adds them up.  "This month" is the calendar month of ``as_of``:
the unpaid installments due in it, plus the arrears of earlier months (they are owed now too).
A loan is *at risk* when installments are overdue or its charges are above the legal cap for its
lender type; overdue loans come first, the longest overdue first.

A loan in negotiation (a case submitted and still open) stands where it stood on the day the
case was submitted: its arrears are frozen then, the rule ``services.cases`` computes every offer
by (``negotiation_of_loan``), so the days overdue and what is owed here match the case's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xieshang.domain.loan import Loan
from xieshang.domain.money import ZERO, total
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, require_read
from .cases import negotiation_of_loan
from .loans import stored_loans
from .planning import check_loan
from .statements import capacity_of, stored_statement

RISK_OVERDUE = "overdue"
RISK_ABOVE_CAP = "above_cap"


@dataclass(frozen=True, slots=True)
class LoanAtRisk:
    loan_id: int
    lender: str
    reasons: tuple[str, ...]  # RISK_OVERDUE, RISK_ABOVE_CAP
    days_overdue: int
    owed: Decimal
    above_cap: Decimal
    case_id: int | None = None  # the open case negotiating it (arrears frozen at submission)


@dataclass(frozen=True, slots=True)
class Overview:
    borrower_id: int
    as_of: date
    has_statement: bool
    loans: int
    total_owed: Decimal
    due_this_month: Decimal
    capacity: Decimal | None  # monthly repayment capacity; None without a statement
    at_risk: tuple[LoanAtRisk, ...]

    @property
    def over_capacity(self) -> bool:
        return self.capacity is not None and self.due_this_month > self.capacity


def due_in_month(loan: Loan, as_of: date) -> Decimal:
    """Unpaid installments due on or before the end of ``as_of``'s month.

    >>> from xieshang.domain.loan import make_loan
    >>> loan = make_loan(id="1", lender="L", lender_type="bank", contract_date=date(2026, 1, 5),
    ...     principal=Decimal("1200"), annual_rate=Decimal("0"), months=12, method="annuity",
    ...     start=date(2026, 1, 5))
    >>> due_in_month(loan, date(2026, 3, 2))  # February's and March's rows
    Decimal('200.00')
    """
    rows = loan.schedule().rows[loan.paid_installments :]
    return total(
        r.payment for r in rows if (r.due_date.year, r.due_date.month) <= (as_of.year, as_of.month)
    )


def borrower_overview(uow: UnitOfWork, actor: Actor, borrower_id: int, *, as_of: date) -> Overview:
    """The borrower's overview as ``actor`` may read it (the borrower or a granted counselor;
    lender staff with both the ``loans`` and ``statement_summary`` consent)."""
    with uow:
        require_read(uow, actor, borrower_id, "loans", "loans")
        require_read(uow, actor, borrower_id, "statement_summary", "statement")
        statement = stored_statement(uow, borrower_id)
        loans = stored_loans(uow, borrower_id)
        negotiated = {loan.id: negotiation_of_loan(uow, int(loan.id)) for loan in loans}
    owed: list[Decimal] = []
    due: list[Decimal] = []
    risky: list[LoanAtRisk] = []
    for loan in loans:
        if as_of < loan.start:
            continue
        negotiation = negotiated[loan.id]
        case_id, frozen = negotiation if negotiation is not None else (None, None)
        # In negotiation: the loan stands where it stood when the case was submitted.
        standing_on = as_of if frozen is None else min(as_of, frozen)
        assessment, standing = check_loan(loan, as_of=standing_on)
        loan_owed = standing.position.total_owed if standing.position is not None else ZERO
        owed.append(loan_owed)
        due.append(due_in_month(loan, as_of))
        reasons = []
        if standing.overdue_installments > 0:
            reasons.append(RISK_OVERDUE)
        if assessment.amount_above_cap > 0:
            reasons.append(RISK_ABOVE_CAP)
        if reasons:
            risky.append(
                LoanAtRisk(
                    loan_id=int(loan.id),
                    lender=loan.lender,
                    reasons=tuple(reasons),
                    days_overdue=standing.days_overdue,
                    owed=loan_owed,
                    above_cap=assessment.amount_above_cap,
                    case_id=case_id,
                )
            )
    risky.sort(key=lambda r: (-r.days_overdue, r.loan_id))
    capacity = capacity_of(statement).repayment_capacity if statement is not None else None
    return Overview(
        borrower_id=borrower_id,
        as_of=as_of,
        has_statement=statement is not None,
        loans=len(loans),
        total_owed=total(owed),
        due_this_month=total(due),
        capacity=capacity,
        at_risk=tuple(risky),
    )
