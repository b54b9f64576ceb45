"""A borrower's financial statement (收入、支出、资产、负债): read it, replace it, and what it
says about their repayment capacity.

Who sees what: the borrower and a counselor they granted access to see every line; a lender's
agent or supervisor sees only the *summary* (capacity figures and totals by category, never an
itemised income, expense or asset line) and only while the borrower's ``statement_summary``
consent for that organisation is active.  Anyone else is told "not found".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from xieshang.data.living_costs import load_reference_living_costs
from xieshang.domain.affordability import (
    Asset,
    AssetKind,
    Capacity,
    Debt,
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    LivingCostBasis,
    Statement,
    assess_capacity,
    make_statement,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.money import ZERO, money, total
from xieshang.domain.rates import parse_rate
from xieshang.store.convert import new_statement_row, statement_from_row, update_statement_row
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, may_write, require_read, require_write

K = TypeVar("K", IncomeKind, AssetKind)
LIVING_COST_BASES: tuple[LivingCostBasis, ...] = ("own", "reference", "higher")


# ---------------------------------------------------------------- input (plain values)


@dataclass(frozen=True, slots=True)
class IncomeLine:
    kind: str
    monthly: str | Decimal
    regular: bool = True


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    category: str
    monthly: str | Decimal


@dataclass(frozen=True, slots=True)
class AssetLine:
    kind: str
    value: str | Decimal
    liquid: bool = False


@dataclass(frozen=True, slots=True)
class DebtLine:
    creditor: str
    balance: str | Decimal
    monthly_payment: str | Decimal
    annual_rate: str | Decimal  # percent, like the CLI ("18" is 18 %/yr)


@dataclass(frozen=True, slots=True)
class StatementInput:
    """What a borrower types: household, then the lines of each section, in order."""

    adults: int
    children: int = 0
    other_dependents: int = 0
    province: str | None = None
    urban: bool | None = None
    incomes: Sequence[IncomeLine] = ()
    expenses: Sequence[ExpenseLine] = ()
    assets: Sequence[AssetLine] = ()
    debts: Sequence[DebtLine] = ()


# ---------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class StatementSummary:
    """Totals by category, safe to share with a lender (no line is itemised)."""

    household_persons: int
    regular_income: Decimal
    irregular_income: Decimal
    expenses_by_category: tuple[tuple[str, Decimal], ...]
    essential_expenses: Decimal
    total_expenses: Decimal
    liquid_assets: Decimal
    total_assets: Decimal
    debts_count: int
    debts_balance: Decimal
    debts_monthly_payment: Decimal


@dataclass(frozen=True, slots=True)
class StatementView:
    """A stored statement as one caller may see it: ``statement`` is None for a summary-only
    reader (lender staff)."""

    borrower_id: int
    updated_at: datetime
    statement: Statement | None
    summary: StatementSummary
    capacity: Capacity
    living_cost_basis: LivingCostBasis

    @property
    def itemised(self) -> bool:
        return self.statement is not None


def _enum_value(cls: type[K], value: str, field: str, code: str) -> K:
    key = value.strip().lower().replace("-", "_") if isinstance(value, str) else ""
    for member in cls:
        if member.value == key:
            return member
    raise DomainError(code, field=field, value=str(value))


def _amount(value: object, field: str) -> Decimal:
    return money(value, field=field, allow_negative=False)


def build_statement(data: StatementInput) -> Statement:
    """The domain ``Statement`` for ``data``, validated by ``make_statement``; every refusal
    names the line (``incomes[1].monthly``)."""
    incomes = [
        Income(
            _enum_value(IncomeKind, x.kind, f"incomes[{i}].kind", "income.kind_unknown"),
            _amount(x.monthly, f"incomes[{i}].monthly"),
            bool(x.regular),
        )
        for i, x in enumerate(data.incomes)
    ]
    expenses = []
    for i, e in enumerate(data.expenses):
        try:
            category = ExpenseCategory.parse(e.category)
        except DomainError as exc:
            raise DomainError(exc.code, field=f"expenses[{i}].category", **exc.params) from None
        expenses.append(Expense(category, _amount(e.monthly, f"expenses[{i}].monthly")))
    assets = [
        Asset(
            _enum_value(AssetKind, a.kind, f"assets[{i}].kind", "asset.kind_unknown"),
            _amount(a.value, f"assets[{i}].value"),
            bool(a.liquid),
        )
        for i, a in enumerate(data.assets)
    ]
    debts = [
        Debt(
            d.creditor,
            _amount(d.balance, f"debts[{i}].balance"),
            _amount(d.monthly_payment, f"debts[{i}].monthly_payment"),
            parse_rate(d.annual_rate, field=f"debts[{i}].annual_rate", percent=True),
        )
        for i, d in enumerate(data.debts)
    ]
    household = Household(
        adults=data.adults,
        children=data.children,
        other_dependents=data.other_dependents,
        province=data.province,
        urban=data.urban,
    )
    return make_statement(household, incomes, expenses, assets, debts)


def summarise(statement: Statement) -> StatementSummary:
    """Totals by category (expense categories in the order first typed)."""
    by_category: dict[str, Decimal] = {}
    for e in statement.expenses:
        by_category[e.category.value] = by_category.get(e.category.value, ZERO) + e.monthly_amount
    h = statement.household
    return StatementSummary(
        household_persons=h.adults + h.children + h.other_dependents,
        regular_income=total(x.monthly_amount for x in statement.incomes if x.regular),
        irregular_income=total(x.monthly_amount for x in statement.incomes if not x.regular),
        expenses_by_category=tuple(by_category.items()),
        essential_expenses=total(
            e.monthly_amount for e in statement.expenses if e.category.essential
        ),
        total_expenses=total(e.monthly_amount for e in statement.expenses),
        liquid_assets=total(a.value for a in statement.assets if a.liquid),
        total_assets=total(a.value for a in statement.assets),
        debts_count=len(statement.debts),
        debts_balance=total(d.balance for d in statement.debts),
        debts_monthly_payment=total(d.monthly_payment for d in statement.debts),
    )


def capacity_of(statement: Statement, living_cost_basis: LivingCostBasis = "own") -> Capacity:
    """Repayment capacity with the shipped reference living costs shown beside the budget."""
    if living_cost_basis not in LIVING_COST_BASES:
        raise DomainError(
            "capacity.basis_unknown", field="living_cost_basis", value=str(living_cost_basis)
        )
    return assess_capacity(
        statement,
        reference=load_reference_living_costs(),
        living_cost_basis=living_cost_basis,
    )


def _view(
    borrower_id: int,
    updated_at: datetime,
    statement: Statement,
    *,
    itemised: bool,
    living_cost_basis: LivingCostBasis,
) -> StatementView:
    return StatementView(
        borrower_id=borrower_id,
        updated_at=updated_at,
        statement=statement if itemised else None,
        summary=summarise(statement),
        capacity=capacity_of(statement, living_cost_basis),
        living_cost_basis=living_cost_basis,
    )


def get_statement(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    *,
    living_cost_basis: LivingCostBasis = "own",
) -> StatementView:
    """The borrower's statement as ``actor`` may see it (summary only for lender staff)."""
    with uow:
        require_read(uow, actor, borrower_id, "statement_summary", "statement")
        row = uow.statements.get_for_borrower(borrower_id)
        if row is None:
            raise DomainError("access.not_found", field="statement")
        itemised = may_write(uow, actor, borrower_id)  # the borrower or a granted counselor
        statement = statement_from_row(row)
        return _view(
            borrower_id,
            row.updated_at,
            statement,
            itemised=itemised,
            living_cost_basis=living_cost_basis,
        )


def put_statement(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    data: StatementInput,
    *,
    now: datetime,
    living_cost_basis: LivingCostBasis = "own",
) -> tuple[StatementView, bool]:
    """Replace the borrower's statement with ``data``; returns the view and whether it was
    created (rather than replaced)."""
    statement = build_statement(data)  # refuse bad input before touching the store
    with uow:
        require_write(uow, actor, borrower_id, "statement")
        row = uow.statements.get_for_borrower(borrower_id)
        created = row is None
        if row is None:
            row = uow.statements.add(new_statement_row(statement, borrower_id=borrower_id, now=now))
        else:
            update_statement_row(row, statement, now=now)
        uow.commit()
        return (
            _view(
                borrower_id,
                row.updated_at,
                statement,
                itemised=True,
                living_cost_basis=living_cost_basis,
            ),
            created,
        )


def stored_statement(uow: UnitOfWork, borrower_id: int) -> Statement | None:
    """The borrower's statement inside an open unit of work (the caller checked access)."""
    row = uow.statements.get_for_borrower(borrower_id)
    return None if row is None else statement_from_row(row)
