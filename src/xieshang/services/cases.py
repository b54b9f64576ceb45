"""Negotiation cases: open, submit, offer and counter-offer, accept, reject, withdraw, reopen,
notes of every contact — each move checked by the domain's state machine and appended to the
case's hash-chained log in the same transaction as the rows it changes.

Who acts for which side (DESIGN §5, issue 4):
- the borrower side is the borrower, or a counselor with an active grant;
- the lender side is an agent or supervisor of the case's organisation — or, for a case with an
  external platform, the borrower side *recording* what the platform did (``for_platform``);
- lender staff see a case once it has been submitted (a draft is the borrower's own), and see
  its loans because the borrower submitted them; the statement only with a consent.
Anyone else gets "not found".

While a case is open (submitted, not yet rejected, withdrawn or signed), its loans are "in
negotiation": their arrears are taken as of the day the case was submitted (``frozen_on``), as
loan systems pause arrears days for hardship, and every offer is computed from that position.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xieshang.domain.agreement import CombinedSchedule, combined_schedule, schedule_record
from xieshang.domain.case_state import (
    TERMINAL,
    Action,
    CaseState,
    CaseStatus,
    Party,
    allowed_actions,
    awaiting,
    is_overdue,
    transition,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind, LogEntry, canonical_json
from xieshang.domain.lender_policy import (
    DEFAULT_SETTINGS,
    LenderSettings,
    settings_from_record,
)
from xieshang.domain.loan import Loan
from xieshang.domain.offer_terms import OfferTerms, terms_from_record, terms_record
from xieshang.domain.proposals import ProposalOutcome, apply_proposal
from xieshang.store.convert import loan_from_row
from xieshang.store.models import (
    AgreementStatus,
    CaseRow,
    OfferRow,
    OfferStatus,
    OrganisationKind,
)
from xieshang.store.repositories import ConflictError
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, not_found
from .case_log import Signer, actor_label, append_event
from .loans import local_today
from .planning import check_loan

MAX_NOTE = 4000
MAX_FIELD = 200
_CLOSED_FOR_LOANS = TERMINAL | {CaseState.SIGNED, CaseState.ACTIVE}
# States whose status carries the current agreement's signatures (a withdrawn or rejected
# round has none: its agreement, if any, is void).
_SIGNATURES_KEPT = frozenset(
    {
        CaseState.AGREED,
        CaseState.SIGNED,
        CaseState.ACTIVE,
        CaseState.COMPLETED,
        CaseState.BREACHED,
    }
)
# States in which the case's loans are in negotiation (arrears paused).
NEGOTIATING = frozenset(
    {CaseState.SUBMITTED, CaseState.UNDER_REVIEW, CaseState.COUNTERED, CaseState.AGREED}
)


# ---------------------------------------------------------------------------------------------
# views


@dataclass(frozen=True, slots=True)
class CaseView:
    id: int
    borrower_id: int
    lender_organisation_id: int | None
    counterparty: str
    external: bool
    state: str
    round: int
    last_offer_by: str | None
    deadline: date | None
    overdue: bool
    awaiting: tuple[str, ...]
    my_side: str
    allowed: tuple[str, ...]
    loan_ids: tuple[int, ...]
    frozen_on: date | None
    events: int
    head: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class OfferView:
    id: int
    case_id: int
    number: int
    round: int
    made_by: str
    status: str
    terms: dict[str, Any]
    figures: dict[str, Any]
    event_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Side:
    """What the actor may do in a case: act for a party, and whether they record the
    platform's moves (an external case's borrower side)."""

    party: Party
    records_platform: bool


# ---------------------------------------------------------------------------------------------
# access


def _borrower_side(uow: UnitOfWork, actor: Actor, case: CaseRow) -> bool:
    if actor.user_id == case.borrower_id:
        return True
    return (
        actor.role == "counselor" and uow.grants.active(case.borrower_id, actor.user_id) is not None
    )


def side_in(uow: UnitOfWork, actor: Actor, case: CaseRow) -> Side | None:
    if _borrower_side(uow, actor, case):
        return Side(Party.BORROWER, records_platform=case.external_platform is not None)
    if (
        actor.is_lender_staff
        and case.lender_organisation_id is not None
        and actor.organisation_id == case.lender_organisation_id
        and case.state != CaseState.DRAFT.value
    ):
        return Side(Party.LENDER, records_platform=False)
    return None


def case_for(uow: UnitOfWork, actor: Actor, case_id: int) -> tuple[CaseRow, Side]:
    """The case and the actor's side in it, or "not found" (inside an open unit of work)."""
    case = uow.cases.get(case_id)
    side = None if case is None else side_in(uow, actor, case)
    if case is None or side is None:
        raise not_found("case")
    return case, side


def acting_party(side: Side, *, for_platform: bool) -> Party:
    """The party a move counts for; only an external case's borrower side records for the
    platform."""
    if for_platform:
        if not side.records_platform:
            raise DomainError("case.not_external", field="for_platform")
        return Party.LENDER
    return side.party


def status_of(uow: UnitOfWork, case: CaseRow) -> CaseStatus:
    signed: set[Party] = set()
    state = CaseState(case.state)
    if state in _SIGNATURES_KEPT:
        agreement = uow.agreements.current(case.id)
        if agreement is not None:
            signed = {Party(s.party) for s in uow.signatures.list_for_agreement(agreement.id)}
    return CaseStatus(
        state=state,
        round=case.round,
        last_offer_by=None if case.last_offer_by is None else Party(case.last_offer_by),
        signatures=frozenset(signed),
        deadline=case.deadline,
    )


def _store_status(case: CaseRow, status: CaseStatus) -> None:
    case.state = status.state.value
    case.round = status.round
    case.last_offer_by = None if status.last_offer_by is None else status.last_offer_by.value
    case.deadline = status.deadline


def frozen_on(uow: UnitOfWork, case: CaseRow) -> date | None:
    """The day this round was submitted: the loans' arrears are taken as of then."""
    found: date | None = None
    for entry in uow.case_events.list_for_case(case.id):
        body = entry.body
        if entry.kind == EntryKind.STATE_CHANGE and body.get("action") == Action.SUBMIT.value:
            found = date.fromisoformat(str(body["frozen_on"]))
        elif entry.kind == EntryKind.STATE_CHANGE and body.get("action") == Action.REOPEN.value:
            found = None
    return found


def counterparty_name(uow: UnitOfWork, case: CaseRow) -> str:
    if case.external_platform is not None:
        return case.external_platform
    org = uow.organisations.get(case.lender_organisation_id or 0)
    return "" if org is None else org.name


def _view(uow: UnitOfWork, case: CaseRow, side: Side, today: date) -> CaseView:
    status = status_of(uow, case)
    head = uow.case_events.head(case.id)
    moves: set[Action] = set(allowed_actions(status, side.party))
    if side.records_platform:
        moves |= allowed_actions(status, Party.LENDER)
    if (side.party is Party.LENDER or side.records_platform) and status.state is (
        CaseState.SUBMITTED
    ):
        # A lender may answer a submission directly: its review is implied (implicit_review).
        reviewed = transition(status, Action.START_REVIEW, Party.LENDER, today=today)
        moves |= allowed_actions(reviewed, Party.LENDER) & {Action.COUNTER, Action.ACCEPT}
    return CaseView(
        id=case.id,
        borrower_id=case.borrower_id,
        lender_organisation_id=case.lender_organisation_id,
        counterparty=counterparty_name(uow, case),
        external=case.external_platform is not None,
        state=case.state,
        round=case.round,
        last_offer_by=case.last_offer_by,
        deadline=case.deadline,
        overdue=is_overdue(status, today),
        awaiting=tuple(sorted(p.value for p in awaiting(status))),
        my_side=side.party.value,
        allowed=tuple(sorted(a.value for a in moves)),
        loan_ids=tuple(uow.cases.loan_ids(case.id)),
        frozen_on=frozen_on(uow, case),
        events=0 if head is None else head.seq,
        head=None if head is None else head.hash,
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


def offer_view(row: OfferRow) -> OfferView:
    return OfferView(
        id=row.id,
        case_id=row.case_id,
        number=row.number,
        round=row.round,
        made_by=row.made_by,
        status=row.status,
        terms=json.loads(row.terms),
        figures=json.loads(row.figures),
        event_hash=row.event_hash,
        created_at=row.created_at,
    )


# ---------------------------------------------------------------------------------------------
# opening and reading


def _text(value: str | None, field: str, *, limit: int = MAX_FIELD, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError("case.field_required", field=field)
    if len(text) > limit:
        raise DomainError("case.text_too_long", field=field, limit=limit)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise DomainError("case.text_control_characters", field=field)
    return text


def open_case(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    *,
    loan_ids: list[int],
    lender_organisation_id: int | None = None,
    external_platform: str | None = None,
    now: datetime,
    sign: Signer | None = None,
) -> CaseView:
    """A draft case of the borrower's loans with an organisation here or a named platform."""
    if (lender_organisation_id is None) == (not (external_platform or "").strip()):
        raise DomainError("case.one_counterparty", field="lender_organisation_id")
    platform = (
        None
        if external_platform is None
        else _text(external_platform, "external_platform", required=True)
    )
    if not loan_ids:
        raise DomainError("offer.no_loans", field="loan_ids")
    if len(set(loan_ids)) != len(loan_ids):
        raise DomainError("offer.loan_repeated", field="loan_ids")
    with uow:
        if not _borrower_side(uow, actor, CaseRow(borrower_id=borrower_id, external_platform="x")):
            raise not_found("borrower")
        if lender_organisation_id is not None:
            org = uow.organisations.get(lender_organisation_id)
            if org is None or org.kind != OrganisationKind.LENDER.value:
                raise DomainError(
                    "loan.lender_organisation_unknown",
                    field="lender_organisation_id",
                    value=lender_organisation_id,
                )
        for loan_id in loan_ids:
            loan = uow.loans.get(loan_id)
            if loan is None or loan.borrower_id != borrower_id:
                raise not_found("loan")
            if any(
                CaseState(c.state) not in _CLOSED_FOR_LOANS
                for c in uow.cases.list_for_loan(loan_id)
            ):
                raise DomainError("case.loan_in_open_case", field="loan_ids", value=loan_id)
        case = uow.cases.add(
            CaseRow(
                borrower_id=borrower_id,
                lender_organisation_id=lender_organisation_id,
                external_platform=platform,
                created_at=now,
                updated_at=now,
            )
        )
        for loan_id in loan_ids:
            uow.cases.add_loan(case.id, loan_id)
        append_event(
            uow,
            case,
            kind=EntryKind.STATE_CHANGE,
            actor=actor_label(actor),
            body={
                "action": "open",
                "to": CaseState.DRAFT.value,
                "counterparty": counterparty_name(uow, case),
                "external": platform is not None,
                "loan_ids": [str(i) for i in loan_ids],
            },
            at=now,
            sign=sign,
        )
        view = _view(uow, case, Side(Party.BORROWER, platform is not None), local_today(now))
        uow.commit()
    return view


def get_case(uow: UnitOfWork, actor: Actor, case_id: int, *, now: datetime) -> CaseView:
    with uow:
        case, side = case_for(uow, actor, case_id)
        return _view(uow, case, side, local_today(now))


def list_cases(
    uow: UnitOfWork,
    actor: Actor,
    *,
    borrower_id: int | None = None,
    limit: int,
    offset: int,
    now: datetime,
) -> tuple[list[CaseView], int]:
    """The borrower's cases (for the borrower side), or the organisation's (for its staff;
    with ``borrower_id``, those of that borrower — "not found" when there are none, as staff
    know a borrower only through a case)."""
    today = local_today(now)
    with uow:
        if actor.is_lender_staff and actor.organisation_id is not None:
            page = uow.cases.list_for_organisation(
                actor.organisation_id,
                borrower_id=borrower_id,
                without_drafts=True,
                limit=limit,
                offset=offset,
            )
            if borrower_id is not None and page.total == 0:
                raise not_found("borrower")
        else:
            who = borrower_id or actor.user_id
            probe = CaseRow(borrower_id=who, external_platform="x")
            if not _borrower_side(uow, actor, probe):
                raise not_found("borrower")
            page = uow.cases.list_for_borrower(who, limit=limit, offset=offset)
        views = []
        for case in page.items:
            side = side_in(uow, actor, case)
            if side is not None:
                views.append(_view(uow, case, side, today))
        return views, page.total


def case_log(uow: UnitOfWork, actor: Actor, case_id: int) -> tuple[LogEntry, ...]:
    with uow:
        case, _ = case_for(uow, actor, case_id)
        return uow.case_events.list_for_case(case.id)


def negotiation_of_loan(uow: UnitOfWork, loan_id: int) -> tuple[int, date | None] | None:
    """The open case the loan is negotiated in and the day its arrears were paused (inside an
    open unit of work), or None."""
    for case in uow.cases.list_for_loan(loan_id):
        if CaseState(case.state) in NEGOTIATING:
            return case.id, frozen_on(uow, case)
    return None


# ---------------------------------------------------------------------------------------------
# offers: typed terms → schedules and summaries, the same figures for both sides


def _case_loans(uow: UnitOfWork, case: CaseRow) -> dict[str, Loan]:
    loans: dict[str, Loan] = {}
    for loan_id in uow.cases.loan_ids(case.id):
        row = uow.loans.get(loan_id)
        if row is not None:
            loans[str(loan_id)] = loan_from_row(row)
    return loans


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def compute_offer(
    loans: Mapping[str, Loan], terms: OfferTerms, *, as_of: date
) -> tuple[dict[str, Any], CombinedSchedule, list[tuple[str, ProposalOutcome]]]:
    """Apply each loan's proposal to its position on ``as_of``: the per-loan summaries, the
    merged schedule and the outcomes."""
    unknown = [t.loan_id for t in terms.loans if t.loan_id not in loans]
    if unknown:
        raise DomainError("offer.loan_not_in_case", field="loans", value=unknown[0])
    if terms.start < as_of:
        raise DomainError("proposal.start_before_as_of", field="start", as_of=as_of.isoformat())
    outcomes: list[tuple[str, ProposalOutcome]] = []
    per_loan: list[dict[str, Any]] = []
    for t in terms.loans:
        loan = loans[t.loan_id]
        if as_of < loan.start:
            raise DomainError("plan.loan_not_started", field="loans", value=t.loan_id)
        assessment, standing = check_loan(loan, as_of=as_of)
        if standing.position is None:
            raise DomainError("position.nothing_owed", field="loans", value=t.loan_id)
        outcome = apply_proposal(
            standing.position, t.proposal, start=terms.start, first_due=terms.first_due
        )
        outcomes.append((t.loan_id, outcome))
        s = outcome.summary
        per_loan.append(
            {
                "loan_id": t.loan_id,
                "lender": loan.lender,
                "owed": _money(standing.position.total_owed),
                "contract_remaining": _money(standing.contract_remaining),
                "legally_protected": _money(standing.legally_protected_total),
                "amount_above_cap": _money(assessment.amount_above_cap),
                "days_overdue": standing.days_overdue,
                "down_payment": _money(outcome.down_payment),
                "rescheduled": _money(outcome.rescheduled_amount),
                "first_payment": _money(s.first_payment),
                "regular_payment": _money(s.regular_payment),
                "total_to_pay": _money(s.total_to_pay),
                "months_to_clear": s.months_to_clear,
                "savings_vs_contract": _money(s.savings_vs_contract),
                "savings_vs_legal": _money(s.savings_vs_legal),
                "amount_waived": _money(s.amount_waived),
                "apr_simple": None if s.apr is None else format(s.apr.apr_simple, "f"),
                "findings": list(s.findings),
            }
        )
    combined = combined_schedule(outcomes)
    figures = {
        "as_of": as_of.isoformat(),
        "loans": per_loan,
        "schedule": json.loads(canonical_json(schedule_record(combined))),
        "total_to_pay": _money(combined.schedule.total_payment),
        "regular_payment": _money(
            sum((Decimal(p["regular_payment"]) for p in per_loan), Decimal(0))
        ),
    }
    return figures, combined, outcomes


def lender_settings_of(uow: UnitOfWork, organisation_id: int | None) -> LenderSettings:
    if organisation_id is None:
        return DEFAULT_SETTINGS
    row = uow.lender_settings.get(organisation_id)
    return DEFAULT_SETTINGS if row is None else settings_from_record(json.loads(row.parameters))


def implicit_review(
    uow: UnitOfWork, case: CaseRow, party: Party, label: str, now: datetime
) -> CaseStatus:
    """A lender's reply to a submission (a counter-offer or an acceptance) implies it reviewed
    the request: the review is recorded first, so the log shows every state."""
    status = status_of(uow, case)
    if status.state is CaseState.SUBMITTED and party is Party.LENDER:
        reviewed = transition(status, Action.START_REVIEW, party, today=local_today(now))
        append_event(
            uow,
            case,
            kind=EntryKind.STATE_CHANGE,
            actor=label,
            body={
                "action": Action.START_REVIEW.value,
                "from": status.state.value,
                "to": reviewed.state.value,
                "round": case.round,
                "implied": True,
            },
            at=now,
        )
        _store_status(case, reviewed)
        return reviewed
    return status


def _record_offer(
    uow: UnitOfWork,
    case: CaseRow,
    *,
    actor: Actor,
    party: Party,
    for_platform: bool,
    terms_in: object,
    action: Action,
    reply_days: int | None,
    now: datetime,
    sign: Signer | None,
) -> OfferRow:
    """Check the move, compute the offer, log it and store it; the standing offer (if any)
    is superseded."""
    today = local_today(now)
    status = implicit_review(uow, case, party, actor_label(actor, for_platform=for_platform), now)
    settings = lender_settings_of(uow, case.lender_organisation_id)
    new_status = transition(
        status, action, party, today=today, reply_days=reply_days, policy=settings.deadlines
    )
    terms = terms_from_record(terms_in)
    as_of = frozen_on(uow, case) if action is not Action.SUBMIT else today
    figures, _combined, _ = compute_offer(_case_loans(uow, case), terms, as_of=as_of or today)
    previous = uow.offers.standing(case.id)
    number = len(uow.offers.list_for_case(case.id)) + 1
    record = json.loads(canonical_json(terms_record(terms)))
    label = actor_label(actor, for_platform=for_platform)
    kind = EntryKind.OFFER if previous is None else EntryKind.COUNTER_OFFER
    if action is Action.SUBMIT:
        append_event(
            uow,
            case,
            kind=EntryKind.STATE_CHANGE,
            actor=label,
            body={
                "action": Action.SUBMIT.value,
                "from": status.state.value,
                "to": new_status.state.value,
                "round": case.round,
                "frozen_on": today.isoformat(),
                "deadline": None if new_status.deadline is None else new_status.deadline,
            },
            at=now,
            sign=sign,
        )
    entry = append_event(
        uow,
        case,
        kind=kind,
        actor=label,
        body={
            "number": number,
            "round": case.round,
            "by": party.value,
            "terms": record,
            "figures": figures,
            "deadline": new_status.deadline,
            "state": new_status.state.value,
        },
        at=now,
        sign=sign,
    )
    if previous is not None:
        previous.status = OfferStatus.SUPERSEDED.value
    row = uow.offers.add(
        OfferRow(
            case_id=case.id,
            number=number,
            round=case.round,
            made_by=party.value,
            author_id=actor.user_id,
            terms=canonical_json(record).decode("utf-8"),
            figures=canonical_json(figures).decode("utf-8"),
            status=OfferStatus.OPEN.value,
            event_hash=entry.hash,
            created_at=now,
        )
    )
    _store_status(case, new_status)
    return row


def submit_case(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    terms: object,
    reply_days: int | None = None,
    now: datetime,
    sign: Signer | None = None,
) -> OfferView:
    """Send the borrower's request (the first offer); the loans' arrears pause from today."""
    with uow:
        case, side = case_for(uow, actor, case_id)
        party = acting_party(side, for_platform=False)
        row = _record_offer(
            uow,
            case,
            actor=actor,
            party=party,
            for_platform=False,
            terms_in=terms,
            action=Action.SUBMIT,
            reply_days=reply_days,
            now=now,
            sign=sign,
        )
        view = offer_view(row)
        _commit(uow)
    return view


def list_offers(uow: UnitOfWork, actor: Actor, case_id: int) -> list[OfferView]:
    with uow:
        case, _ = case_for(uow, actor, case_id)
        return [offer_view(r) for r in uow.offers.list_for_case(case.id)]


def get_offer(uow: UnitOfWork, actor: Actor, case_id: int, number: int) -> OfferView:
    with uow:
        case, _ = case_for(uow, actor, case_id)
        for row in uow.offers.list_for_case(case.id):
            if row.number == number:
                return offer_view(row)
    raise not_found("offer")


def void_agreement(uow: UnitOfWork, case: CaseRow) -> None:
    """A withdrawn case's unsigned agreement is void (a sealed one cannot be)."""
    row = uow.agreements.current(case.id)
    if row is not None and row.status == AgreementStatus.AWAITING_SIGNATURES.value:
        row.status = AgreementStatus.VOID.value


def record_approval(
    uow: UnitOfWork,
    case: CaseRow,
    actor: Actor,
    codes: tuple[str, ...],
    *,
    now: datetime,
    sign: Signer | None,
) -> None:
    """An approver's move beyond policy is recorded as such (maker-checker evidence)."""
    if codes:
        append_event(
            uow,
            case,
            kind=EntryKind.MESSAGE,
            actor=actor_label(actor),
            body={"approval": "beyond_policy", "limits": list(codes), "role": actor.role},
            at=now,
            sign=sign,
        )


# ---------------------------------------------------------------------------------------------
# the other moves


def _commit(uow: UnitOfWork) -> None:
    """Commit; a concurrent move that got there first turns into the domain's conflict."""
    try:
        uow.commit()
    except ConflictError as error:
        raise DomainError("case.changed_concurrently", field="case") from error


def move(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    action: Action,
    *,
    reason: str = "",
    for_platform: bool = False,
    now: datetime,
    sign: Signer | None = None,
) -> CaseView:
    """start_review, reject, withdraw, reopen, activate, complete, breach (submit, counter,
    accept and signing have their own calls)."""
    if action in (
        Action.SUBMIT,
        Action.COUNTER,
        Action.ACCEPT,
        Action.SIGN_BORROWER,
        Action.SIGN_LENDER,
    ):
        raise DomainError("case.use_dedicated_call", field="action", action=action.value)
    reason = _text(reason, "reason", limit=MAX_NOTE)
    with uow:
        case, side = case_for(uow, actor, case_id)
        party = acting_party(side, for_platform=for_platform)
        status = status_of(uow, case)
        settings = lender_settings_of(uow, case.lender_organisation_id)
        new_status = transition(
            status, action, party, today=local_today(now), policy=settings.deadlines
        )
        label = actor_label(actor, for_platform=for_platform)
        standing = uow.offers.standing(case.id)
        if action is Action.REJECT and standing is not None:
            standing.status = OfferStatus.REJECTED.value
        if action is Action.WITHDRAW:
            if standing is not None:
                standing.status = OfferStatus.WITHDRAWN.value
            void_agreement(uow, case)
        kind = EntryKind.REFUSAL if action is Action.REJECT else EntryKind.STATE_CHANGE
        append_event(
            uow,
            case,
            kind=kind,
            actor=label,
            body={
                "action": action.value,
                "from": status.state.value,
                "to": new_status.state.value,
                "round": new_status.round,
                "reason": reason,
                "offer": None if standing is None else standing.number,
            },
            at=now,
            sign=sign,
        )
        _store_status(case, new_status)
        view = _view(uow, case, side, local_today(now))
        _commit(uow)
    return view


# ---------------------------------------------------------------------------------------------
# notes: messages and call notes (time, person, channel, what was said, result)

CHANNELS = ("phone", "sms", "app", "email", "wechat", "letter", "visit", "other")


@dataclass(frozen=True, slots=True)
class NoteInput:
    kind: str  # "message" | "call_note"
    text: str
    at: datetime | None = None  # when the contact happened (default: now)
    person: str = ""
    channel: str = ""
    result: str = ""
    for_platform: bool = False


def add_note(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    note: NoteInput,
    *,
    now: datetime,
    sign: Signer | None = None,
) -> LogEntry:
    if note.kind not in (EntryKind.MESSAGE, EntryKind.CALL_NOTE):
        raise DomainError("case.note_kind_unknown", field="kind", value=note.kind)
    text = _text(note.text, "text", limit=MAX_NOTE, required=True)
    body: dict[str, Any] = {"text": text}
    if note.kind == EntryKind.CALL_NOTE:
        if note.channel not in CHANNELS:
            raise DomainError("case.channel_unknown", field="channel", value=note.channel)
        happened = note.at or now
        if happened.tzinfo is None or happened.utcoffset() is None:
            raise DomainError("conduct.time_not_aware", field="at", value=happened.isoformat())
        if happened > now:
            raise DomainError("case.note_in_future", field="at")
        body |= {
            "happened_at": happened,
            "person": _text(note.person, "person", required=True),
            "channel": note.channel,
            "result": _text(note.result, "result", limit=MAX_NOTE),
        }
    with uow:
        case, side = case_for(uow, actor, case_id)
        acting_party(side, for_platform=note.for_platform)  # only an external case's borrower
        body["side"] = (Party.LENDER if note.for_platform else side.party).value
        entry = append_event(
            uow,
            case,
            kind=note.kind,
            actor=actor_label(actor, for_platform=note.for_platform),
            body=body,
            at=now,
            sign=sign,
        )
        _commit(uow)
    return entry
