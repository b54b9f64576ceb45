"""A borrower's loans: record, list, read (with the computed schedule, APR, legal assessment
and standing), change and delete.

Input is the CLI's loan file as plain values (rates in percent); the domain's ``make_loan``
validates it.  The borrower and a granted counselor read and write; a lender's agent or
supervisor reads only while the borrower's ``loans`` consent for that organisation is active.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.domain.case_state import CaseState
from xieshang.domain.errors import DomainError
from xieshang.domain.law import LegalAssessment, assess_loan
from xieshang.domain.loan import Fee, FeeTiming, Loan, make_loan
from xieshang.domain.money import ZERO, money
from xieshang.domain.rates import parse_rate
from xieshang.domain.schedule import Installment, Schedule
from xieshang.domain.standing import Standing
from xieshang.store.convert import loan_from_row, new_loan_row, update_loan_row
from xieshang.store.models import LoanRow, OrganisationKind
from xieshang.store.repositories import Page
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, not_found, require_read, require_write
from .planning import check_loan

CHINA = ZoneInfo("Asia/Shanghai")
# Dates a loan may carry: a contract from before 1950 or after 2200 is a typo, and the
# schedule arithmetic (up to 100 years of months) must stay inside the calendar.
EARLIEST = date(1950, 1, 1)
LATEST = date(2200, 12, 31)


def local_today(now: datetime) -> date:
    """The borrower's calendar day (China), whatever the server's zone.

    >>> from datetime import UTC
    >>> local_today(datetime(2026, 11, 29, 17, 0, tzinfo=UTC))
    datetime.date(2026, 11, 30)
    """
    return now.astimezone(CHINA).date()


# ---------------------------------------------------------------- input (plain values)


@dataclass(frozen=True, slots=True)
class FeeInput:
    amount: str | Decimal
    timing: str
    kind: str = "fee"
    on: date | None = None


@dataclass(frozen=True, slots=True)
class RowInput:
    """One schedule row typed from the contract."""

    due_date: date
    payment: str | Decimal
    principal: str | Decimal
    balance: str | Decimal
    interest: str | Decimal = ZERO
    fee: str | Decimal = ZERO
    n: int | None = None


@dataclass(frozen=True, slots=True)
class LoanInput:
    """The fields of the CLI's ``[loan]`` table; ``annual_rate`` and ``overdue_rate`` in percent.

    ``months`` and ``method`` may be left out when ``rows`` give the schedule (``manual``).
    ``lender_organisation_id`` links the loan to a lender organisation on this instance.
    """

    lender: str
    lender_type: str
    contract_date: date
    principal: str | Decimal
    annual_rate: str | Decimal
    start: date
    months: int | None = None
    method: str | None = None
    first_due: date | None = None
    day_count: str = "30/360"
    deducted_interest: str | Decimal = ZERO
    overdue_rate: str | Decimal | None = None
    default_charge: str | Decimal = ZERO
    paid_installments: int = 0
    fees: Sequence[FeeInput] = ()
    rows: Sequence[RowInput] = ()
    lender_organisation_id: int | None = None


def _amount(value: object, field: str) -> Decimal:
    return money(value, field=field, allow_negative=False)


def _check_date(value: date | None, field: str) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        raise DomainError(
            "date.out_of_range",
            field=field,
            value=value.isoformat(),
            earliest=EARLIEST.isoformat(),
            latest=LATEST.isoformat(),
        )


def _parse_fee(fee: FeeInput, i: int) -> Fee:
    try:
        timing = FeeTiming.parse(fee.timing)
    except DomainError as exc:
        raise DomainError(exc.code, field=f"fees[{i}].timing", **exc.params) from None
    kind = fee.kind.strip() if isinstance(fee.kind, str) else ""
    return Fee(kind or "fee", _amount(fee.amount, f"fees[{i}].amount"), timing, fee.on)


def build_loan(data: LoanInput, *, loan_id: str = "new") -> Loan:
    """The domain ``Loan`` for ``data`` (validated by ``make_loan``)."""
    for name in ("contract_date", "start", "first_due"):
        _check_date(getattr(data, name), name)
    for i, f in enumerate(data.fees):
        _check_date(f.on, f"fees[{i}].on")
    for i, r in enumerate(data.rows):
        _check_date(r.due_date, f"rows[{i}].due_date")
    fees = [_parse_fee(f, i) for i, f in enumerate(data.fees)]
    rows = [
        Installment(
            n=r.n if r.n is not None else i,
            due_date=r.due_date,
            payment=_amount(r.payment, f"rows[{i - 1}].payment"),
            principal=_amount(r.principal, f"rows[{i - 1}].principal"),
            interest=_amount(r.interest, f"rows[{i - 1}].interest"),
            balance=_amount(r.balance, f"rows[{i - 1}].balance"),
            fee=_amount(r.fee, f"rows[{i - 1}].fee"),
        )
        for i, r in enumerate(data.rows, start=1)
    ]
    if data.months is None and not rows:
        raise DomainError("document.missing_key", field="months")
    months = data.months if data.months is not None else len(rows)
    overdue = (
        None
        if data.overdue_rate is None
        else parse_rate(data.overdue_rate, field="overdue_rate", percent=True)
    )
    return make_loan(
        id=loan_id,
        lender=data.lender,
        lender_type=data.lender_type,
        contract_date=data.contract_date,
        principal=data.principal,
        annual_rate=parse_rate(data.annual_rate, field="annual_rate", percent=True),
        months=months,
        method=data.method or ("manual" if rows else "annuity"),
        start=data.start,
        first_due=data.first_due,
        day_count=data.day_count,
        fees=fees,
        deducted_interest=_amount(data.deducted_interest, "deducted_interest"),
        overdue_rate=overdue,
        default_charge=_amount(data.default_charge, "default_charge"),
        manual_rows=rows,
        paid_installments=data.paid_installments,
    )


# ---------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class LoanView:
    """A stored loan: ``loan.id`` is the row id as text."""

    id: int
    borrower_id: int
    lender_organisation_id: int | None
    loan: Loan
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Negotiation:
    """The open case a loan is negotiated in, and the day its arrears were paused (the case's
    submission; None while the case is being reopened)."""

    case_id: int
    since: date | None


@dataclass(frozen=True, slots=True)
class LoanDetail:
    """A loan with everything the domain computes about it on ``as_of``.  ``standing`` is None
    while the loan has not started yet (``as_of`` before its value date).  While the loan is
    in negotiation, the legal assessment and the standing are taken as of the day its arrears
    were paused (``negotiation.since``), as loan systems do for hardship."""

    view: LoanView
    as_of: date
    schedule: Schedule
    assessment: LegalAssessment
    standing: Standing | None
    negotiation: Negotiation | None = None


def _view(row: LoanRow) -> LoanView:
    return LoanView(
        id=row.id,
        borrower_id=row.borrower_id,
        lender_organisation_id=row.lender_organisation_id,
        loan=loan_from_row(row),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def detail_of(view: LoanView, as_of: date) -> LoanDetail:
    """Schedule, legal assessment and standing of a loan, all from the domain."""
    loan = view.loan
    if as_of < loan.start:
        assessment = assess_loan(loan, load_legal_rules(), load_lpr_table(), as_of=as_of)
        return LoanDetail(view, as_of, loan.schedule(), assessment, None)
    assessment, standing = check_loan(loan, as_of=as_of)
    return LoanDetail(view, as_of, standing.schedule, assessment, standing)


def _check_organisation(uow: UnitOfWork, organisation_id: int | None) -> None:
    if organisation_id is None:
        return
    org = uow.organisations.get(organisation_id)
    if org is None or org.kind != OrganisationKind.LENDER.value:
        raise DomainError(
            "loan.lender_organisation_unknown",
            field="lender_organisation_id",
            value=organisation_id,
        )


def _readable_row(uow: UnitOfWork, actor: Actor, loan_id: int) -> LoanRow:
    row = uow.loans.get(loan_id)
    if row is None:
        raise not_found("loan")
    require_read(uow, actor, row.borrower_id, "loans", "loan")
    return row


def _writable_row(uow: UnitOfWork, actor: Actor, loan_id: int) -> LoanRow:
    row = uow.loans.get(loan_id)
    if row is None:
        raise not_found("loan")
    require_write(uow, actor, row.borrower_id, "loan")
    return row


def create_loan(
    uow: UnitOfWork, actor: Actor, borrower_id: int, data: LoanInput, *, now: datetime
) -> LoanView:
    """Record a loan for the borrower (the borrower, or a counselor they granted access)."""
    loan = build_loan(data)
    with uow:
        require_write(uow, actor, borrower_id, "loan")
        _check_organisation(uow, data.lender_organisation_id)
        row = uow.loans.add(
            new_loan_row(
                loan,
                borrower_id=borrower_id,
                lender_organisation_id=data.lender_organisation_id,
                now=now,
            )
        )
        uow.commit()
        return _view(row)


def list_loans(
    uow: UnitOfWork, actor: Actor, borrower_id: int, *, limit: int, offset: int
) -> Page[LoanView]:
    with uow:
        require_read(uow, actor, borrower_id, "loans", "loans")
        page = uow.loans.list_for_borrower(borrower_id, limit=limit, offset=offset)
        return Page(tuple(_view(r) for r in page.items), page.total, page.limit, page.offset)


def get_loan(uow: UnitOfWork, actor: Actor, loan_id: int, *, as_of: date) -> LoanDetail:
    from .cases import negotiation_of_loan  # noqa: PLC0415 - cases builds on this module

    with uow:
        view = _view(_readable_row(uow, actor, loan_id))
        found = negotiation_of_loan(uow, loan_id)
    if found is None:
        return detail_of(view, as_of)
    negotiation = Negotiation(*found)
    paused = negotiation.since
    detail = detail_of(view, as_of if paused is None else min(as_of, paused))
    return dataclasses.replace(detail, as_of=as_of, negotiation=negotiation)


# Case states that leave a loan's terms free to edit: a draft not yet sent, or a round that
# ended without an agreement.
_EDITABLE_IN = frozenset(
    {CaseState.DRAFT.value, CaseState.WITHDRAWN.value, CaseState.REJECTED.value}
)


def update_loan(
    uow: UnitOfWork, actor: Actor, loan_id: int, data: LoanInput, *, now: datetime
) -> LoanView:
    """Replace a loan's terms (fees and typed schedule rows included).  Not while a case
    negotiates it or an agreement rests on it: offers and agreements were computed from these
    terms, and their documents are rendered from them."""
    with uow:
        row = _writable_row(uow, actor, loan_id)
        bound = [c for c in uow.cases.list_for_loan(loan_id) if c.state not in _EDITABLE_IN]
        if bound:
            raise DomainError("loan.in_negotiation", field="loan_id", value=bound[0].id)
        loan = build_loan(data, loan_id=str(row.id))
        _check_organisation(uow, data.lender_organisation_id)
        update_loan_row(row, loan, lender_organisation_id=data.lender_organisation_id, now=now)
        uow.commit()
        return _view(row)


def delete_loan(uow: UnitOfWork, actor: Actor, loan_id: int) -> None:
    """Delete a loan; documents linked to it stay, unlinked.  A loan that is part of a case
    stays: the case's log, offers and agreement refer to it."""
    with uow:
        row = _writable_row(uow, actor, loan_id)
        in_cases = uow.cases.list_for_loan(loan_id)
        if in_cases:
            raise DomainError("loan.in_case", field="loan_id", value=in_cases[0].id)
        uow.loans.delete(row)
        uow.commit()


def stored_loans(uow: UnitOfWork, borrower_id: int, *, page_size: int = 500) -> tuple[Loan, ...]:
    """Every loan of the borrower inside an open unit of work (the caller checked access)."""
    loans: list[Loan] = []
    offset = 0
    while True:
        page = uow.loans.list_for_borrower(borrower_id, limit=page_size, offset=offset)
        loans.extend(loan_from_row(r) for r in page.items)
        if not page.has_more:
            return tuple(loans)
        offset += page_size
