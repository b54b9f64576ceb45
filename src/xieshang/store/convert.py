"""Explicit conversion between table rows and the domain's immutable values.

Rows go into the domain through the domain's own validating constructors (``make_loan``,
``make_statement``), so a row that was edited by hand into something the domain refuses is
refused on the way out too (a ``DomainError`` naming the field), never half-trusted.

A loan's domain ``id`` is the row's primary key as text; a statement has no id of its own (one
per borrower).  Amounts travel as ``Decimal`` both ways (the ``Fen`` column type does the fen
arithmetic), so what goes in comes out equal to the last digit.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import datetime
from typing import TypeVar

from xieshang.domain.affordability import (
    Asset,
    AssetKind,
    Debt,
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    Statement,
    make_statement,
)
from xieshang.domain.loan import Fee, FeeTiming, Loan, make_loan
from xieshang.domain.schedule import Installment

from .models import (
    LoanFeeRow,
    LoanInstallmentRow,
    LoanRow,
    StatementDebtRow,
    StatementItemRow,
    StatementRow,
    StatementSection,
    utcnow,
)

R = TypeVar("R")
K = TypeVar("K", bound=Hashable)


def sync_children(
    children: list[R],
    desired: Mapping[K, Mapping[str, object]],
    *,
    key: Callable[[R], K],
    make: Callable[[], R],
) -> None:
    """Make ``children`` hold exactly the ``desired`` rows, matched by their natural key.

    Rows whose key survives are updated in place, new keys are appended, the rest removed.
    Replacing the whole list instead would make the ORM insert the new rows before deleting
    the old ones, which breaks the unique (parent, position) constraints.
    """
    existing = {key(child): child for child in children}
    for k, fields in desired.items():
        child = existing.pop(k, None)
        if child is None:
            child = make()
            children.append(child)
        for name, value in fields.items():
            setattr(child, name, value)
    for child in existing.values():
        children.remove(child)


# ---------------------------------------------------------------- loans


def loan_from_row(row: LoanRow) -> Loan:
    """The domain ``Loan`` a stored loan describes (validated again by ``make_loan``)."""
    fees = [
        Fee(f.kind, f.amount, FeeTiming(f.timing), f.due_on)
        for f in sorted(row.fees, key=lambda f: f.position)
    ]
    rows = [
        Installment(
            n=r.n,
            due_date=r.due_date,
            payment=r.payment,
            principal=r.principal,
            interest=r.interest,
            balance=r.balance,
            fee=r.fee,
            capitalised=r.capitalised,
        )
        for r in sorted(row.rows, key=lambda r: r.n)
    ]
    return make_loan(
        id=str(row.id),
        lender=row.lender_name,
        lender_type=row.lender_type,
        contract_date=row.contract_date,
        principal=row.principal,
        annual_rate=row.annual_rate,
        months=row.months,
        method=row.method,
        start=row.start,
        first_due=row.first_due,
        day_count=row.day_count,
        fees=fees,
        deducted_interest=row.deducted_interest,
        overdue_rate=row.overdue_rate,
        default_charge=row.default_charge,
        manual_rows=rows,
        paid_installments=row.paid_installments,
    )


def new_loan_row(
    loan: Loan,
    *,
    borrower_id: int,
    lender_organisation_id: int | None = None,
    now: datetime | None = None,
) -> LoanRow:
    """A new row for ``loan`` (its domain ``id`` is not stored: the row gets its own)."""
    at = now or utcnow()
    row = LoanRow(borrower_id=borrower_id, created_at=at)
    update_loan_row(row, loan, lender_organisation_id=lender_organisation_id, now=at)
    return row


def update_loan_row(
    row: LoanRow,
    loan: Loan,
    *,
    lender_organisation_id: int | None = None,
    now: datetime | None = None,
) -> LoanRow:
    """Overwrite ``row`` (and its fee and schedule rows) with ``loan``'s terms."""
    row.lender_name = loan.lender
    row.lender_type = loan.lender_type.value
    row.lender_organisation_id = lender_organisation_id
    row.contract_date = loan.contract_date
    row.principal = loan.principal
    row.annual_rate = loan.annual_rate
    row.months = loan.months
    row.method = loan.method.value
    row.start = loan.start
    row.first_due = loan.first_due
    row.day_count = loan.day_count.value
    row.deducted_interest = loan.deducted_interest
    row.overdue_rate = loan.overdue_rate
    row.default_charge = loan.default_charge
    row.paid_installments = loan.paid_installments
    row.updated_at = now or utcnow()
    sync_children(
        row.fees,
        {
            i: {
                "position": i,
                "kind": f.kind,
                "amount": f.amount,
                "timing": f.timing.value,
                "due_on": f.on,
            }
            for i, f in enumerate(loan.fees)
        },
        key=lambda f: f.position,
        make=LoanFeeRow,
    )
    sync_children(
        row.rows,
        {
            r.n: {
                "n": r.n,
                "due_date": r.due_date,
                "payment": r.payment,
                "principal": r.principal,
                "interest": r.interest,
                "balance": r.balance,
                "fee": r.fee,
                "capitalised": r.capitalised,
            }
            for r in loan.manual_rows
        },
        key=lambda r: r.n,
        make=LoanInstallmentRow,
    )
    return row


# ---------------------------------------------------------------- statements


def statement_from_row(row: StatementRow) -> Statement:
    """The domain ``Statement`` stored in ``row`` (validated again by ``make_statement``)."""
    items = sorted(row.items, key=lambda i: (i.section, i.position))

    def section(name: StatementSection) -> list[StatementItemRow]:
        return [i for i in items if i.section == name.value]

    household = Household(
        adults=row.adults,
        children=row.children,
        other_dependents=row.other_dependents,
        province=row.province,
        urban=row.urban,
    )
    return make_statement(
        household,
        incomes=[
            Income(IncomeKind(i.kind), i.amount, bool(i.regular))
            for i in section(StatementSection.INCOME)
        ],
        expenses=[
            Expense(ExpenseCategory(i.kind), i.amount) for i in section(StatementSection.EXPENSE)
        ],
        assets=[
            Asset(AssetKind(i.kind), i.amount, bool(i.liquid))
            for i in section(StatementSection.ASSET)
        ],
        debts=[
            Debt(d.creditor, d.balance, d.monthly_payment, d.annual_rate)
            for d in sorted(row.debts, key=lambda d: d.position)
        ],
    )


def new_statement_row(
    statement: Statement, *, borrower_id: int, now: datetime | None = None
) -> StatementRow:
    row = StatementRow(borrower_id=borrower_id)
    return update_statement_row(row, statement, now=now)


def update_statement_row(
    row: StatementRow, statement: Statement, *, now: datetime | None = None
) -> StatementRow:
    """Overwrite ``row`` (household, items, debts) with ``statement``."""
    h = statement.household
    row.adults, row.children, row.other_dependents = h.adults, h.children, h.other_dependents
    row.province, row.urban = h.province, h.urban
    row.updated_at = now or utcnow()
    items: dict[tuple[str, int], dict[str, object]] = {}
    for i, income in enumerate(statement.incomes):
        items[(StatementSection.INCOME.value, i)] = {
            "kind": income.kind.value,
            "amount": income.monthly_amount,
            "regular": income.regular,
            "liquid": None,
        }
    for i, expense in enumerate(statement.expenses):
        items[(StatementSection.EXPENSE.value, i)] = {
            "kind": expense.category.value,
            "amount": expense.monthly_amount,
            "regular": None,
            "liquid": None,
        }
    for i, asset in enumerate(statement.assets):
        items[(StatementSection.ASSET.value, i)] = {
            "kind": asset.kind.value,
            "amount": asset.value,
            "regular": None,
            "liquid": asset.liquid,
        }
    sync_children(
        row.items,
        {(sec, pos): {"section": sec, "position": pos, **f} for (sec, pos), f in items.items()},
        key=lambda r: (r.section, r.position),
        make=StatementItemRow,
    )
    sync_children(
        row.debts,
        {
            i: {
                "position": i,
                "creditor": d.creditor,
                "balance": d.balance,
                "monthly_payment": d.monthly_payment,
                "annual_rate": d.annual_rate,
            }
            for i, d in enumerate(statement.debts)
        },
        key=lambda r: r.position,
        make=StatementDebtRow,
    )
    return row
