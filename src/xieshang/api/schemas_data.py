"""Pydantic request and response models for a borrower's data: statement, loans, documents,
sharing.  Never table classes: every response is built from a service's view.

Conventions: money is a decimal *string* in yuan both ways ("8500.00"), never a JSON number;
rates typed by people (a loan's ``annual_rate``, ``overdue_rate``, a debt's ``annual_rate``)
are percent strings like the CLI's loan files ("14.4" is 14.4 %/yr) and come back the same
way; rates the system computes (APR, legal cap) are fractions as in the CLI's ``--json``
("0.12" is 12 %).  Dates are ISO; timestamps are UTC with an offset.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Protocol, TypeVar

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field

from xieshang.domain.affordability import Capacity, Statement
from xieshang.domain.law import LegalAssessment
from xieshang.domain.schedule import Installment, Schedule
from xieshang.domain.standing import Standing
from xieshang.i18n import message, text
from xieshang.services.documents import DocumentView
from xieshang.services.loans import FeeInput, LoanDetail, LoanInput, LoanView, RowInput
from xieshang.services.sharing import ConsentView, GrantView
from xieshang.services.statements import (
    AssetLine,
    DebtLine,
    ExpenseLine,
    IncomeLine,
    StatementInput,
    StatementSummary,
    StatementView,
)

Money = Annotated[str, Field(min_length=1, max_length=32, examples=["8500.00"])]
Percent = Annotated[str, Field(min_length=1, max_length=32, examples=["14.4"])]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
Count = Annotated[int, Field(ge=0, le=100)]
#: Ids are 32-bit on PostgreSQL; a larger number is refused as invalid input, never sent on.
MAX_ID = 2**31 - 1
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def yuan(amount: Decimal) -> str:
    return str(amount)


def opt_yuan(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def as_percent(fraction: Decimal | None) -> str | None:
    """A stored fraction as the percent a person typed: 0.144 → "14.4".

    >>> as_percent(Decimal("0.144")), as_percent(Decimal("0.12")), as_percent(None)
    ('14.4', '12', None)
    """
    if fraction is None:
        return None
    return format((fraction * 100).normalize(), "f")


def fraction(rate: Decimal | None) -> str | None:
    return None if rate is None else str(rate)


class Input(BaseModel):
    """Request bodies refuse unknown keys: a typo must not silently drop a fee."""

    model_config = ConfigDict(extra="forbid")


class Finding(BaseModel):
    code: str
    message: str


def findings_out(codes: tuple[str, ...] | list[str], lang: str) -> list[Finding]:
    return [Finding(code=c, message=message(c, lang)) for c in codes]


# ---------------------------------------------------------------- statements


class HouseholdIn(Input):
    adults: Count
    children: Count = 0
    other_dependents: Count = 0
    province: Annotated[str | None, Field(max_length=64)] = None
    urban: bool | None = None


class IncomeIn(Input):
    kind: Code
    monthly: Money
    regular: bool = True


class ExpenseIn(Input):
    category: Code
    monthly: Money


class AssetIn(Input):
    kind: Code
    value: Money
    liquid: bool = False


class DebtIn(Input):
    creditor: Name
    balance: Money
    monthly_payment: Money
    annual_rate: Percent


class StatementIn(Input):
    """The same tables as the CLI's situation file: household, incomes, expenses, assets."""

    household: HouseholdIn
    incomes: Annotated[list[IncomeIn], Field(max_length=100)] = []
    expenses: Annotated[list[ExpenseIn], Field(max_length=100)] = []
    assets: Annotated[list[AssetIn], Field(max_length=100)] = []
    debts: Annotated[list[DebtIn], Field(max_length=100)] = []

    def to_input(self) -> StatementInput:
        h = self.household
        return StatementInput(
            adults=h.adults,
            children=h.children,
            other_dependents=h.other_dependents,
            province=h.province,
            urban=h.urban,
            incomes=[IncomeLine(i.kind, i.monthly, i.regular) for i in self.incomes],
            expenses=[ExpenseLine(e.category, e.monthly) for e in self.expenses],
            assets=[AssetLine(a.kind, a.value, a.liquid) for a in self.assets],
            debts=[
                DebtLine(d.creditor, d.balance, d.monthly_payment, d.annual_rate)
                for d in self.debts
            ],
        )


class HouseholdOut(BaseModel):
    adults: int
    children: int
    other_dependents: int
    province: str | None
    urban: bool | None


class IncomeOut(BaseModel):
    kind: str
    monthly: str
    regular: bool


class ExpenseOut(BaseModel):
    category: str
    monthly: str
    essential: bool


class AssetOut(BaseModel):
    kind: str
    value: str
    liquid: bool


class DebtOut(BaseModel):
    creditor: str
    balance: str
    monthly_payment: str
    annual_rate: str | None


class CategoryTotal(BaseModel):
    category: str
    monthly: str


class SummaryOut(BaseModel):
    household_persons: int
    regular_income: str
    irregular_income: str
    expenses_by_category: list[CategoryTotal]
    essential_expenses: str
    total_expenses: str
    liquid_assets: str
    total_assets: str
    debts_count: int
    debts_balance: str
    debts_monthly_payment: str

    @classmethod
    def of(cls, s: StatementSummary) -> SummaryOut:
        return cls(
            household_persons=s.household_persons,
            regular_income=yuan(s.regular_income),
            irregular_income=yuan(s.irregular_income),
            expenses_by_category=[
                CategoryTotal(category=c, monthly=yuan(a)) for c, a in s.expenses_by_category
            ],
            essential_expenses=yuan(s.essential_expenses),
            total_expenses=yuan(s.total_expenses),
            liquid_assets=yuan(s.liquid_assets),
            total_assets=yuan(s.total_assets),
            debts_count=s.debts_count,
            debts_balance=yuan(s.debts_balance),
            debts_monthly_payment=yuan(s.debts_monthly_payment),
        )


class ReferenceOut(BaseModel):
    region: str
    region_name: str
    year: int
    level: str
    persons: str
    household_monthly: str
    source: str


class CapacityOut(BaseModel):
    """Repayment capacity (see the domain's ``assess_capacity``); ``debt_service_ratio`` is a
    fraction."""

    basis: str
    monthly_income: str
    irregular_income: str
    essential_living_costs: str
    own_essential_living_costs: str
    other_expenses: str
    buffer: str
    current_debt_service: str
    monthly_surplus: str
    debt_service_ratio: str | None
    repayment_capacity: str
    shortfall: str
    liquid_assets: str
    total_assets: str
    total_debt: str
    reference: ReferenceOut | None
    findings: list[Finding]

    @classmethod
    def of(cls, c: Capacity, lang: str) -> CapacityOut:
        ref = None
        if c.reference is not None:
            fig = c.reference.figure
            name = text(f"region_{fig.region}", lang)
            ref = ReferenceOut(
                region=fig.region,
                region_name=fig.region if name == f"region_{fig.region}" else name,
                year=fig.year,
                level=c.reference.level,
                persons=str(c.reference.persons),
                household_monthly=yuan(c.reference.household_monthly),
                source=fig.source,
            )
        return cls(
            basis=c.basis,
            monthly_income=yuan(c.monthly_income),
            irregular_income=yuan(c.irregular_income),
            essential_living_costs=yuan(c.essential_living_costs),
            own_essential_living_costs=yuan(c.own_essential_living_costs),
            other_expenses=yuan(c.other_expenses),
            buffer=yuan(c.buffer),
            current_debt_service=yuan(c.current_debt_service),
            monthly_surplus=yuan(c.monthly_surplus),
            debt_service_ratio=fraction(c.debt_service_ratio),
            repayment_capacity=yuan(c.repayment_capacity),
            shortfall=yuan(c.shortfall),
            liquid_assets=yuan(c.liquid_assets),
            total_assets=yuan(c.total_assets),
            total_debt=yuan(c.total_debt),
            reference=ref,
            findings=findings_out(c.findings, lang),
        )


class StatementOut(BaseModel):
    """``itemised`` is false for lender staff: then household and every line are null and only
    the summary and the capacity are given."""

    borrower_id: int
    updated_at: datetime
    itemised: bool
    household: HouseholdOut | None
    incomes: list[IncomeOut] | None
    expenses: list[ExpenseOut] | None
    assets: list[AssetOut] | None
    debts: list[DebtOut] | None
    summary: SummaryOut
    capacity: CapacityOut

    @classmethod
    def of(cls, view: StatementView, lang: str) -> StatementOut:
        s: Statement | None = view.statement
        return cls(
            borrower_id=view.borrower_id,
            updated_at=view.updated_at,
            itemised=s is not None,
            household=None
            if s is None
            else HouseholdOut(
                adults=s.household.adults,
                children=s.household.children,
                other_dependents=s.household.other_dependents,
                province=s.household.province,
                urban=s.household.urban,
            ),
            incomes=None
            if s is None
            else [
                IncomeOut(kind=i.kind.value, monthly=yuan(i.monthly_amount), regular=i.regular)
                for i in s.incomes
            ],
            expenses=None
            if s is None
            else [
                ExpenseOut(
                    category=e.category.value,
                    monthly=yuan(e.monthly_amount),
                    essential=e.category.essential,
                )
                for e in s.expenses
            ],
            assets=None
            if s is None
            else [
                AssetOut(kind=a.kind.value, value=yuan(a.value), liquid=a.liquid) for a in s.assets
            ],
            debts=None
            if s is None
            else [
                DebtOut(
                    creditor=d.creditor,
                    balance=yuan(d.balance),
                    monthly_payment=yuan(d.monthly_payment),
                    annual_rate=as_percent(d.annual_rate),
                )
                for d in s.debts
            ],
            summary=SummaryOut.of(view.summary),
            capacity=CapacityOut.of(view.capacity, lang),
        )


# ---------------------------------------------------------------- loans


class FeeIn(Input):
    amount: Money
    timing: Code
    kind: Annotated[str, Field(max_length=64)] = "fee"
    on: date | None = None


class RowIn(Input):
    due_date: date
    payment: Money
    principal: Money
    balance: Money
    interest: Money = "0"
    fee: Money = "0"
    n: Annotated[int | None, Field(ge=1, le=1200)] = None


class LoanIn(Input):
    """The fields of the CLI's ``[loan]`` table.  ``months`` and ``method`` may be left out
    when ``rows`` (a schedule typed from the contract) are given."""

    lender: Name
    lender_type: Code
    contract_date: date
    principal: Money
    annual_rate: Percent
    start: date
    months: Annotated[int | None, Field(ge=1, le=1200)] = None
    method: Annotated[str | None, Field(max_length=32)] = None
    first_due: date | None = None
    day_count: Annotated[str, Field(max_length=16)] = "30/360"
    deducted_interest: Money = "0"
    overdue_rate: Percent | None = None
    default_charge: Money = "0"
    paid_installments: Annotated[int, Field(ge=0, le=1200)] = 0
    fees: Annotated[list[FeeIn], Field(max_length=50)] = []
    rows: Annotated[list[RowIn], Field(max_length=1200)] = []
    lender_organisation_id: RecordId | None = None

    def to_input(self) -> LoanInput:
        return LoanInput(
            lender=self.lender,
            lender_type=self.lender_type,
            contract_date=self.contract_date,
            principal=self.principal,
            annual_rate=self.annual_rate,
            start=self.start,
            months=self.months,
            method=self.method,
            first_due=self.first_due,
            day_count=self.day_count,
            deducted_interest=self.deducted_interest,
            overdue_rate=self.overdue_rate,
            default_charge=self.default_charge,
            paid_installments=self.paid_installments,
            fees=[FeeInput(f.amount, f.timing, f.kind, f.on) for f in self.fees],
            rows=[
                RowInput(r.due_date, r.payment, r.principal, r.balance, r.interest, r.fee, r.n)
                for r in self.rows
            ],
            lender_organisation_id=self.lender_organisation_id,
        )


class FeeOut(BaseModel):
    kind: str
    amount: str
    timing: str
    on: date | None


class InstallmentOut(BaseModel):
    n: int
    due_date: date
    payment: str
    principal: str
    interest: str
    fee: str
    balance: str
    capitalised: str

    @classmethod
    def of(cls, r: Installment) -> InstallmentOut:
        return cls(
            n=r.n,
            due_date=r.due_date,
            payment=yuan(r.payment),
            principal=yuan(r.principal),
            interest=yuan(r.interest),
            fee=yuan(r.fee),
            balance=yuan(r.balance),
            capitalised=yuan(r.capitalised),
        )


class LoanOut(BaseModel):
    """A stored loan as entered (rates in percent), with the money actually received."""

    id: int
    borrower_id: int
    lender_organisation_id: int | None
    lender: str
    lender_type: str
    contract_date: date
    principal: str
    annual_rate: str
    months: int
    method: str
    start: date
    first_due: date | None
    day_count: str
    deducted_interest: str
    overdue_rate: str | None
    default_charge: str
    paid_installments: int
    fees: list[FeeOut]
    rows: list[InstallmentOut]
    received: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: LoanView) -> LoanOut:
        loan = view.loan
        return cls(
            id=view.id,
            borrower_id=view.borrower_id,
            lender_organisation_id=view.lender_organisation_id,
            lender=loan.lender,
            lender_type=loan.lender_type.value,
            contract_date=loan.contract_date,
            principal=yuan(loan.principal),
            annual_rate=as_percent(loan.annual_rate) or "0",
            months=loan.months,
            method=loan.method.value,
            start=loan.start,
            first_due=loan.first_due,
            day_count=loan.day_count.value,
            deducted_interest=yuan(loan.deducted_interest),
            overdue_rate=as_percent(loan.overdue_rate),
            default_charge=yuan(loan.default_charge),
            paid_installments=loan.paid_installments,
            fees=[
                FeeOut(kind=f.kind, amount=yuan(f.amount), timing=f.timing.value, on=f.on)
                for f in loan.fees
            ],
            rows=[InstallmentOut.of(r) for r in loan.manual_rows],
            received=yuan(loan.received),
            created_at=view.created_at,
            updated_at=view.updated_at,
        )


class ScheduleOut(BaseModel):
    method: str
    rows: list[InstallmentOut]
    total_payment: str
    total_principal: str
    total_interest: str
    total_fees: str
    regular_payment: str
    notes: list[Finding]

    @classmethod
    def of(cls, s: Schedule, lang: str) -> ScheduleOut:
        return cls(
            method=s.method.value,
            rows=[InstallmentOut.of(r) for r in s.rows],
            total_payment=yuan(s.total_payment),
            total_principal=yuan(s.total_principal),
            total_interest=yuan(s.total_interest),
            total_fees=yuan(s.total_fees),
            regular_payment=yuan(s.regular_payment),
            notes=findings_out(s.notes, lang),
        )


class AprOut(BaseModel):
    """The all-in annualised rate on the money received (fractions): simple and compound."""

    periodic_irr: str
    periods_per_year: int
    apr_simple: str
    apr_compound: str
    warnings: list[Finding]


class LegalFindingOut(BaseModel):
    code: str
    severity: str
    citation: str
    explanation: str
    confidence: str


class LegalOut(BaseModel):
    """The law on this loan: regime, cap (a fraction; null when none applies), charges and the
    amount above the cap; findings explained in the request's language."""

    regime: str
    regime_name: str
    cap: str | None
    cap_basis: str
    cap_after: str | None
    split_on: date | None
    covers: str
    apr: AprOut
    charges_total: str
    charges_allowed: str
    amount_above_cap: str
    findings: list[LegalFindingOut]
    disclaimer: str

    @classmethod
    def of(cls, a: LegalAssessment, lang: str) -> LegalOut:
        regime_name = text(f"regime_{a.regime_id}", lang)
        return cls(
            regime=a.regime_id,
            regime_name=a.regime_id if regime_name == f"regime_{a.regime_id}" else regime_name,
            cap=fraction(a.cap),
            cap_basis=a.cap_basis,
            cap_after=fraction(a.cap_after),
            split_on=a.split_on,
            covers=a.covers,
            apr=AprOut(
                periodic_irr=str(a.apr.periodic_irr),
                periods_per_year=a.apr.periods_per_year,
                apr_simple=str(a.apr.apr_simple),
                apr_compound=str(a.apr.apr_compound),
                warnings=findings_out(a.apr.warnings, lang),
            ),
            charges_total=yuan(a.charges_total),
            charges_allowed=yuan(a.charges_allowed),
            amount_above_cap=yuan(a.amount_above_cap),
            findings=[
                LegalFindingOut(
                    code=f.code,
                    severity=f.severity,
                    citation=f.citation,
                    explanation=f.explanation_zh if lang == "zh" else f.explanation_en,
                    confidence=f.confidence,
                )
                for f in a.findings
            ],
            disclaimer=message(a.disclaimer, lang),
        )


class StandingOut(BaseModel):
    """Where the loan stands on ``as_of``."""

    as_of: date
    overdue_installments: int
    days_overdue: int
    contract_remaining: str
    legally_protected_total: str
    total_owed: str
    penalty: str

    @classmethod
    def of(cls, st: Standing) -> StandingOut:
        return cls(
            as_of=st.as_of,
            overdue_installments=st.overdue_installments,
            days_overdue=st.days_overdue,
            contract_remaining=yuan(st.contract_remaining),
            legally_protected_total=yuan(st.legally_protected_total),
            total_owed=yuan(st.position.total_owed) if st.position else "0.00",
            penalty=yuan(st.penalty.total) if st.penalty else "0.00",
        )


class NegotiationOut(BaseModel):
    """The open case the loan is negotiated in; arrears are paused since ``since``."""

    case_id: int
    since: date | None


class LoanDetailOut(LoanOut):
    """A loan with what the domain computes about it today (China's calendar day):
    ``standing`` is null until the loan's value date.  While the loan is in negotiation
    (``negotiation`` not null) its arrears are paused: the standing and the legal assessment
    are as of ``negotiation.since`` (``standing.as_of`` says so)."""

    as_of: date
    schedule: ScheduleOut
    legal: LegalOut
    standing: StandingOut | None
    negotiation: NegotiationOut | None

    @classmethod
    def of_detail(cls, d: LoanDetail, lang: str) -> LoanDetailOut:
        n = d.negotiation
        return cls(
            **LoanOut.of(d.view).model_dump(),
            as_of=d.as_of,
            schedule=ScheduleOut.of(d.schedule, lang),
            legal=LegalOut.of(d.assessment, lang),
            standing=None if d.standing is None else StandingOut.of(d.standing),
            negotiation=None if n is None else NegotiationOut(case_id=n.case_id, since=n.since),
        )


# ---------------------------------------------------------------- documents


class DocumentOut(BaseModel):
    id: int
    owner_id: int
    sha256: str
    kind: str
    media_type: str
    size: int
    filename: str
    loan_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, v: DocumentView) -> DocumentOut:
        return cls(
            id=v.id,
            owner_id=v.owner_id,
            sha256=v.sha256,
            kind=v.kind,
            media_type=v.media_type,
            size=v.size,
            filename=v.filename,
            loan_id=v.loan_id,
            created_at=v.created_at,
        )


# ---------------------------------------------------------------- sharing


class GrantIn(Input):
    """The counselor by e-mail or by id (exactly one)."""

    counselor_email: Annotated[str | None, Field(min_length=3, max_length=320)] = None
    counselor_id: RecordId | None = None


class GrantOut(BaseModel):
    id: int
    borrower_id: int
    borrower_name: str
    counselor_id: int
    counselor_name: str
    granted_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, g: GrantView) -> GrantOut:
        return cls(
            id=g.id,
            borrower_id=g.borrower_id,
            borrower_name=g.borrower_name,
            counselor_id=g.counselor_id,
            counselor_name=g.counselor_name,
            granted_at=g.granted_at,
            revoked_at=g.revoked_at,
            active=g.active,
        )


class ConsentIn(Input):
    organisation_id: RecordId
    scope: Literal["statement_summary", "loans", "documents"]


class ConsentOut(BaseModel):
    id: int
    borrower_id: int
    borrower_name: str
    organisation_id: int
    organisation_name: str
    scope: str
    granted_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, c: ConsentView) -> ConsentOut:
        return cls(
            id=c.id,
            borrower_id=c.borrower_id,
            borrower_name=c.borrower_name,
            organisation_id=c.organisation_id,
            organisation_name=c.organisation_name,
            scope=c.scope,
            granted_at=c.granted_at,
            revoked_at=c.revoked_at,
            active=c.active,
        )


# ---------------------------------------------------------------- lists


class LoanPage(BaseModel):
    items: list[LoanOut]
    total: int
    limit: int
    offset: int


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    total: int
    limit: int
    offset: int


class GrantPage(BaseModel):
    items: list[GrantOut]
    total: int
    limit: int
    offset: int


class ConsentPage(BaseModel):
    items: list[ConsentOut]
    total: int
    limit: int
    offset: int


V = TypeVar("V")
V_co = TypeVar("V_co", covariant=True)
PageT = TypeVar("PageT", bound=BaseModel)


class Listed(Protocol[V_co]):
    """One page of views as a service lists them (the store's ``Page``)."""

    @property
    def items(self) -> Sequence[V_co]: ...
    @property
    def total(self) -> int: ...
    @property
    def limit(self) -> int: ...
    @property
    def offset(self) -> int: ...


def page_of(page_type: type[PageT], found: Listed[V], out: Callable[[V], BaseModel]) -> PageT:
    """The response page for ``found``: each view through ``out``, the counts unchanged."""
    return page_type(
        items=[out(v) for v in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )


def dumped(model: BaseModel) -> Any:
    """A model as JSON-ready values (what an idempotency record stores)."""
    return model.model_dump(mode="json")
