"""Each side's reading of an offer — the same figures, two questions.

For the borrower: does the new monthly payment fit the repayment capacity once the other
creditors get what the plan suggests for them?  What does it cost against the contract and
against the legally protected amount?  A plain-language verdict.

For the lender: the offer's expected value (NPV at the organisation's discount rate, with a
re-default probability from the payment-to-capacity ratio when the borrower shared their
statement) against the expected recovery of doing nothing, and whether the offer is within the
organisation's policy limits — an offer beyond them needs the role the policy names.

An external platform's case is valued with the default assumptions, so a borrower can see how a
typical lender would read their request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.data.living_costs import load_reference_living_costs
from xieshang.domain.case_state import Party
from xieshang.domain.errors import DomainError
from xieshang.domain.lender_policy import proposal_breaches
from xieshang.domain.lender_value import compare, do_nothing_value, offer_value
from xieshang.domain.money import ZERO, round_money, total
from xieshang.domain.offer_terms import terms_from_record
from xieshang.domain.plan import build_plan
from xieshang.store.models import CaseRow
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, may_read, not_found
from .case_log import actor_label
from .cases import OfferView, case_for, get_offer, lender_settings_of
from .loans import local_today, stored_loans
from .statements import stored_statement


@dataclass(frozen=True, slots=True)
class BorrowerEvaluation:
    capacity: Decimal | None  # None: no statement stored
    other_creditors: Decimal  # what the plan suggests for the loans outside this case
    offer_monthly: Decimal
    room: Decimal | None  # capacity − other creditors − offer
    fits: bool | None
    total_to_pay: Decimal
    contract_remaining: Decimal
    legally_protected: Decimal
    vs_contract: Decimal  # contract − offer (positive: the offer saves)
    vs_legal: Decimal  # legally protected − offer (negative: pays more than the law requires)
    verdict: str
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LenderEvaluation:
    expected_value: Decimal
    npv_if_paid: Decimal
    redefault_probability: Decimal
    do_nothing: Decimal
    gain: Decimal
    verdict: str
    payment_to_capacity: Decimal | None
    breaches: tuple[dict[str, Any], ...]
    needs_approval_by: str | None
    defaults_used: bool


def _d(value: object) -> Decimal:
    return ZERO if value is None else Decimal(str(value))


def _capacity_and_others(
    uow: UnitOfWork, borrower_id: int, case_loans: set[str], as_of: date
) -> tuple[Decimal | None, Decimal]:
    statement = stored_statement(uow, borrower_id)
    if statement is None:
        return None, ZERO
    loans = [loan for loan in stored_loans(uow, borrower_id) if loan.start <= as_of]
    try:
        plan = build_plan(
            statement,
            loans,
            rules=load_legal_rules(),
            lpr=load_lpr_table(),
            as_of=as_of,
            reference=load_reference_living_costs(),
        )
    except DomainError:
        return None, ZERO
    others = total(
        s.outcome.summary.regular_payment
        for s in plan.suggestions
        if s.outcome is not None and s.loan_id not in case_loans
    )
    return plan.capacity.repayment_capacity, others


def borrower_evaluation(uow: UnitOfWork, case: CaseRow, offer: OfferView) -> BorrowerEvaluation:
    figures = offer.figures
    as_of = date.fromisoformat(figures["as_of"])
    case_loans = {p["loan_id"] for p in figures["loans"]}
    capacity, others = _capacity_and_others(uow, case.borrower_id, case_loans, as_of)
    monthly = _d(figures["regular_payment"])
    total_to_pay = _d(figures["total_to_pay"])
    contract = total(_d(p["contract_remaining"]) for p in figures["loans"])
    legal = total(_d(p["legally_protected"]) for p in figures["loans"])
    findings: list[str] = []
    if capacity is None:
        room, fits, verdict = None, None, "evaluation.capacity_unknown"
    else:
        room = capacity - others - monthly
        fits = room >= 0
        verdict = "evaluation.fits" if fits else "evaluation.too_high"
    if total_to_pay > contract:
        findings.append("evaluation.costs_more_than_contract")
    if total_to_pay > legal:
        findings.append("evaluation.above_legal_total")
    return BorrowerEvaluation(
        capacity=capacity,
        other_creditors=others,
        offer_monthly=monthly,
        room=room,
        fits=fits,
        total_to_pay=total_to_pay,
        contract_remaining=contract,
        legally_protected=legal,
        vs_contract=contract - total_to_pay,
        vs_legal=legal - total_to_pay,
        verdict=verdict,
        findings=tuple(findings),
    )


def lender_evaluation(
    uow: UnitOfWork, case: CaseRow, offer: OfferView, *, capacity_visible: bool, today: date
) -> LenderEvaluation:
    settings = lender_settings_of(uow, case.lender_organisation_id)
    figures = offer.figures
    as_of = max(today, date.fromisoformat(figures["as_of"]))
    flows = [
        (date.fromisoformat(r["due_date"]), _d(r["payment"]))
        for r in figures["schedule"]
        if date.fromisoformat(r["due_date"]) >= as_of
    ]
    monthly = _d(figures["regular_payment"])
    ratio: Decimal | None = None
    if capacity_visible:
        case_loans = {p["loan_id"] for p in figures["loans"]}
        capacity, others = _capacity_and_others(uow, case.borrower_id, case_loans, as_of)
        if capacity is not None and capacity - others > 0:
            ratio = round_money(monthly / (capacity - others))
    owed = total(_d(p["owed"]) for p in figures["loans"])
    nothing = do_nothing_value(owed, as_of=as_of, assumptions=settings.assumptions)
    if flows:
        value = offer_value(
            flows, as_of=as_of, assumptions=settings.assumptions, payment_to_capacity=ratio
        )
        expected, npv, p = value.expected_value, value.npv_if_paid, value.redefault_probability
        comparison = compare(value, nothing)
        gain, verdict = comparison.gain, comparison.code
    else:  # everything already fell due: nothing left to value
        expected = npv = p = ZERO
        gain, verdict = -nothing, "lender.collection_beats_offer"
    terms = terms_from_record(offer.terms)
    breaches: list[dict[str, Any]] = []
    by_loan = {p["loan_id"]: p for p in figures["loans"]}
    for t in terms.loans:
        fig = by_loan[t.loan_id]
        for b in proposal_breaches(
            t.proposal,
            settings.limits,
            waived=_d(fig["amount_waived"]),
            owed=_d(fig["owed"]),
        ):
            breaches.append(
                {"loan_id": t.loan_id, "code": b.code, "value": b.value, "limit": b.limit}
            )
    return LenderEvaluation(
        expected_value=expected,
        npv_if_paid=npv,
        redefault_probability=p,
        do_nothing=nothing,
        gain=gain,
        verdict=verdict,
        payment_to_capacity=ratio,
        breaches=tuple(breaches),
        needs_approval_by=settings.limits.approver_role if breaches else None,
        defaults_used=uow.lender_settings.get(case.lender_organisation_id or 0) is None,
    )


def require_within_policy(
    uow: UnitOfWork, actor: Actor, case: CaseRow, offer: OfferView
) -> tuple[str, ...]:
    """Lender staff may send or accept an offer beyond policy only in the approver's role
    (inside the caller's unit of work); returns the limits an approver went beyond, which
    the caller records in the log."""
    if not actor.is_lender_staff:
        return ()
    evaluation = lender_evaluation(
        uow, case, offer, capacity_visible=False, today=date.fromisoformat(offer.figures["as_of"])
    )
    codes = tuple(sorted({b["code"] for b in evaluation.breaches}))
    role = evaluation.needs_approval_by
    if role == "supervisor" and actor.role != "supervisor":
        raise DomainError(
            "policy.approval_required", field="terms", role=role, codes=",".join(codes)
        )
    return codes


@dataclass(frozen=True, slots=True)
class OfferEvaluation:
    offer: OfferView
    side: str
    borrower: BorrowerEvaluation | None
    lender: LenderEvaluation | None
    approver: str | None = None


def evaluate_offer(
    uow: UnitOfWork, actor: Actor, case_id: int, number: int, *, now: datetime
) -> OfferEvaluation:
    """The offer with the evaluation for the caller's side: the borrower side sees its own
    capacity check (and, for an external platform, a typical lender's reading); lender staff
    see their organisation's valuation and policy check, with the borrower's capacity only if
    the borrower shared their statement summary."""
    offer = get_offer(uow, actor, case_id, number)
    today = local_today(now)
    with uow:
        case, side = case_for(uow, actor, case_id)
        if side.party is Party.BORROWER:
            mine = borrower_evaluation(uow, case, offer)
            theirs = (
                lender_evaluation(uow, case, offer, capacity_visible=True, today=today)
                if case.external_platform is not None
                else None
            )
            return OfferEvaluation(offer, side.party.value, mine, theirs)
        if case.lender_organisation_id is None:  # pragma: no cover - side_in refuses it
            raise not_found("case")
        visible = may_read(uow, actor, case.borrower_id, "statement_summary")
        lender = lender_evaluation(uow, case, offer, capacity_visible=visible, today=today)
        return OfferEvaluation(offer, side.party.value, None, lender, approver=actor_label(actor))
