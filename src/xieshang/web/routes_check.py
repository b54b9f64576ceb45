""" "Before you borrow": an offer from a lender checked — true APR, legal cap, capacity.

``GET /check`` is the form; ``POST /check`` answers it on the same page and stores nothing
(it is a calculator: any logged-in caller may use it).  The offer becomes a loan starting today
(``services.loans.build_loan``) and is checked like a stored loan (``services.planning.
check_loan``): the all-in APR on the money actually received, the cap of its lender type and
the findings in plain words with the rule cited.  A borrower, or a counselor working on a
client's file, also sees what the offer does to the month: this month's payments and the
repayment capacity come from ``services.overview`` (the dashboard's figures).

What the offer says is typed as it is usually told: the amount in the contract and the amount
actually received (fees and interest taken off first), the months and the way of repaying, and
the stated annual rate and/or the monthly payment.  With only a payment, the nominal rate is
the one that payment implies; with both, whatever the payment asks above the stated rate is
counted as a fee on every payment (how many online loans add "service fees").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import Form
from starlette.requests import Request
from starlette.responses import Response

from xieshang.domain.errors import DomainError
from xieshang.domain.law import Finding, LegalAssessment
from xieshang.domain.loan import LenderType, Loan
from xieshang.domain.money import ZERO, money, positive_money, round_money, total
from xieshang.domain.rates import parse_rate
from xieshang.domain.schedule import Method, Schedule
from xieshang.services import overview
from xieshang.services.access import Actor
from xieshang.services.calculations import compute_apr_regular
from xieshang.services.loans import FeeInput, LoanInput, build_loan, local_today
from xieshang.services.planning import check_loan

from .render import render
from .session import container_of, page_router, require_actor
from .subject import client_of

router = page_router()

MAX_TEXT = 40
MAX_MONTHS = 600
LENDER_TYPES = tuple(k.value for k in LenderType)
METHODS = tuple(m.value for m in Method if m is not Method.MANUAL)
FIELDS = (
    "lender_type",
    "principal",
    "received",
    "months",
    "method",
    "annual_rate",
    "monthly_payment",
    "installment_fee",
)
# Where an error the services name is shown on the form.
SERVICE_FIELD = {
    "deducted_interest": "received",
    "fees[0].amount": "received",
    "fees[1].amount": "installment_fee",
}
DISCLOSURE_GAP = "law.rate_disclosure_gap"
PAYMENT_TOLERANCE = Decimal("0.01")  # the schedule rounds payments to the fen

Text = Annotated[str, Form()]


@dataclass(frozen=True, slots=True)
class Offer:
    """What was typed, parsed: ``rate`` None when only the payment was given."""

    lender_type: str
    principal: Decimal
    received: Decimal
    months: int
    method: str
    rate: Decimal | None  # fraction
    payment: Decimal | None
    fee: Decimal


@dataclass(frozen=True, slots=True)
class MonthEffect:
    """What the offer does to the month of the borrower whose file is open."""

    capacity: Decimal
    due_now: Decimal
    payment: Decimal

    @property
    def with_offer(self) -> Decimal:
        return self.due_now + self.payment

    @property
    def over_by(self) -> Decimal:
        return max(ZERO, self.with_offer - self.capacity)


@dataclass(frozen=True, slots=True)
class Answer:
    loan: Loan
    schedule: Schedule
    assessment: LegalAssessment
    implied_rate: bool
    total_repaid: Decimal
    cost: Decimal
    first_payment: Decimal
    largest_payment: Decimal
    effect: MonthEffect | None
    has_statement: bool
    verdict: str  # above_cap, unlawful_terms, already_over, over_capacity, affordable, within_cap
    fee_counted: Decimal = field(default=ZERO)

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The legal findings to show: with a rate implied by the payment, not the gap between
        "the contract's" rate and the APR (the contract stated no rate)."""
        found = self.assessment.findings
        if self.implied_rate:
            return tuple(f for f in found if f.code != DISCLOSURE_GAP)
        return found

    @property
    def level(self) -> bool:
        return self.first_payment == self.largest_payment


def _months(text: str) -> int:
    if not text.isdigit():
        raise DomainError("term.not_integer", field="months", value=text)
    months = int(text)
    if months < 1:
        raise DomainError("term.not_positive", field="months", value=months)
    if months > MAX_MONTHS:
        raise DomainError("term.too_long", field="months", value=months)
    return months


def parse_offer(form: dict[str, str]) -> tuple[Offer | None, dict[str, DomainError]]:
    """The offer, or every error by form field at once."""
    errors: dict[str, DomainError] = {}
    values: dict[str, object] = {}

    def take(name: str, parse: object) -> None:
        try:
            values[name] = parse() if callable(parse) else parse
        except DomainError as error:
            errors[name] = error

    take("lender_type", lambda: LenderType.parse(form["lender_type"]).value)
    take("principal", lambda: positive_money(form["principal"], field="principal"))
    take(
        "received",
        lambda: positive_money(form["received"], field="received") if form["received"] else None,
    )
    take("months", lambda: _months(form["months"]))
    take("method", lambda: Method.parse(form["method"]).value)
    take(
        "annual_rate",
        lambda: (
            parse_rate(form["annual_rate"], field="annual_rate", percent=True)
            if form["annual_rate"]
            else None
        ),
    )
    take(
        "monthly_payment",
        lambda: (
            positive_money(form["monthly_payment"], field="monthly_payment")
            if form["monthly_payment"]
            else None
        ),
    )
    take(
        "installment_fee",
        lambda: money(
            form["installment_fee"] or "0", field="installment_fee", allow_negative=False
        ),
    )
    principal, received = values.get("principal"), values.get("received")
    if isinstance(principal, Decimal) and isinstance(received, Decimal) and received > principal:
        errors["received"] = DomainError("web.check_received_above_principal", field="received")
    rate, payment = values.get("annual_rate"), values.get("monthly_payment")
    if "annual_rate" not in errors and "monthly_payment" not in errors:
        if rate is None and payment is None:
            errors["annual_rate"] = DomainError("web.check_rate_or_payment", field="annual_rate")
        elif payment is not None and values.get("method") not in (None, Method.ANNUITY.value):
            errors["monthly_payment"] = DomainError(
                "web.check_payment_needs_annuity", field="monthly_payment"
            )
    if errors:
        return None, errors
    assert isinstance(principal, Decimal)
    return (
        Offer(
            lender_type=str(values["lender_type"]),
            principal=principal,
            received=received if isinstance(received, Decimal) else principal,
            months=int(str(values["months"])),
            method=str(values["method"]),
            rate=rate if isinstance(rate, Decimal) else None,
            payment=payment if isinstance(payment, Decimal) else None,
            fee=values["installment_fee"]
            if isinstance(values["installment_fee"], Decimal)
            else ZERO,
        ),
        {},
    )


def _percent_text(rate: Decimal) -> str:
    return format((rate * 100).normalize(), "f")


def _loan_input(offer: Offer, today: date, rate: Decimal, fee: Decimal) -> LoanInput:
    fees = []
    deducted = offer.principal - offer.received
    if deducted > 0:
        fees.append(FeeInput(deducted, "deducted_upfront", "deducted"))
    if fee > 0:
        fees.append(FeeInput(fee, "per_installment", "service"))
    return LoanInput(
        lender="offer",
        lender_type=offer.lender_type,
        contract_date=today,
        principal=offer.principal,
        annual_rate=_percent_text(rate),
        start=today,
        months=offer.months,
        method=offer.method,
        fees=fees,
    )


def offer_loan(offer: Offer, today: date) -> tuple[Loan, bool, Decimal]:
    """The offer as a loan starting today, whether its rate was implied by the payment, and the
    fee counted on every payment (typed, plus what the payment asks above the stated rate)."""
    fee = offer.fee
    if offer.rate is None:
        assert offer.payment is not None
        base = offer.payment - fee
        if base <= 0:
            raise DomainError("apr.fee_not_below_principal", field="installment_fee")
        found = compute_apr_regular(offer.principal, ZERO, base, offer.months).apr_simple
        if found < 0:
            raise DomainError("apr.negative_rate", field="monthly_payment")
        return build_loan(_loan_input(offer, today, found, fee)), True, fee
    loan = build_loan(_loan_input(offer, today, offer.rate, fee))
    if offer.payment is None:
        return loan, False, fee
    expected = loan.schedule().rows[0].payment
    extra = offer.payment - expected
    if extra < -PAYMENT_TOLERANCE:
        raise DomainError(
            "web.check_payment_below_rate", field="monthly_payment", expected=str(expected)
        )
    if extra <= PAYMENT_TOLERANCE:
        return loan, False, fee
    fee = round_money(fee + extra)
    return build_loan(_loan_input(offer, today, offer.rate, fee)), False, fee


def _month_effect(
    request: Request, actor: Actor, today: date, payment: Decimal
) -> tuple[MonthEffect | None, bool]:
    """The month with the offer for the borrower whose file is open (None for anyone else, or
    without a statement); and whether there is a statement."""
    if actor.role == "borrower":
        borrower_id: int | None = actor.user_id
    elif actor.role == "counselor":
        client = client_of(request, actor)
        borrower_id = client[0] if client is not None else None
    else:
        borrower_id = None
    if borrower_id is None:
        return None, False
    container = container_of(request)
    seen = overview.borrower_overview(container.uow(), actor, borrower_id, as_of=today)
    if seen.capacity is None:
        return None, False
    return MonthEffect(seen.capacity, seen.due_this_month, payment), True


def answer_offer(request: Request, actor: Actor, offer: Offer, today: date) -> Answer:
    loan, implied, fee = offer_loan(offer, today)
    assessment, _ = check_loan(loan, as_of=today)
    schedule = loan.schedule()
    payments = [r.payment for r in schedule.rows]
    repaid = total(payments) + total(a for _, a in loan.dated_charges())
    largest = max(payments)
    effect, has_statement = _month_effect(request, actor, today, largest)
    severities = {f.severity for f in assessment.findings}
    if assessment.amount_above_cap > 0 or "law.above_cap" in assessment.codes:
        verdict = "above_cap"
    elif "violation" in severities:
        verdict = "unlawful_terms"
    elif effect is not None and effect.due_now > effect.capacity:
        verdict = "already_over"
    elif effect is not None:
        verdict = "over_capacity" if effect.over_by > 0 else "affordable"
    else:
        verdict = "within_cap"
    return Answer(
        loan=loan,
        schedule=schedule,
        assessment=assessment,
        implied_rate=implied,
        total_repaid=repaid,
        cost=repaid - loan.received,
        first_payment=payments[0],
        largest_payment=largest,
        effect=effect,
        has_statement=has_statement,
        verdict=verdict,
        fee_counted=fee,
    )


def _page(
    request: Request,
    actor: Actor,
    form: dict[str, str],
    *,
    answer: Answer | None = None,
    errors: dict[str, DomainError] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "check",
        user=actor,
        status=status,
        form=form,
        errors=errors or {},
        answer=answer,
        lender_types=LENDER_TYPES,
        methods=METHODS,
    )


@router.get("/check")
def check_page(request: Request) -> Response:
    actor = require_actor(request)
    form = dict.fromkeys(FIELDS, "")
    form.update(lender_type=LenderType.SMALL_LOAN.value, method=Method.ANNUITY.value)
    return _page(request, actor, form)


@router.post("/check")
def check_offer(
    request: Request,
    *,
    lender_type: Text = "",
    principal: Text = "",
    received: Text = "",
    months: Text = "",
    method: Text = "",
    annual_rate: Text = "",
    monthly_payment: Text = "",
    installment_fee: Text = "",
) -> Response:
    """Answer the offer on the page; nothing is stored."""
    actor = require_actor(request)
    typed = (
        lender_type,
        principal,
        received,
        months,
        method,
        annual_rate,
        monthly_payment,
        installment_fee,
    )
    form = {name: value.strip()[:MAX_TEXT] for name, value in zip(FIELDS, typed, strict=True)}
    offer, errors = parse_offer(form)
    if offer is None:
        return _page(request, actor, form, errors=errors, status=400)
    today = local_today(container_of(request).clock())
    try:
        answer = answer_offer(request, actor, offer, today)
    except DomainError as error:
        if error.code.startswith("access."):
            raise
        where = error.field if error.field in FIELDS else SERVICE_FIELD.get(error.field or "")
        return _page(request, actor, form, errors={where or "form": error}, status=400)
    return _page(request, actor, form, answer=answer)
