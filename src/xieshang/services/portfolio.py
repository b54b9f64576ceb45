"""The lender desk's read-only figures: how a borrower is shown to staff (masked), the
organisation's portfolio, and the offers waiting for an approver.

Everything here reads; nothing changes a case.  Only an agent or a supervisor gets anything,
and only about their own organisation's submitted cases (drafts stay the borrower's own).

Portfolio figures (on ``today``, China's calendar day):

- cases by state: the organisation's cases (drafts excluded) counted by their current state;
- acceptance rate: of the cases decided — an agreement reached (agreed, signed, active,
  completed, breached) or ended without one (rejected, withdrawn) — the share with an agreement;
  ``None`` while nothing is decided;
- amounts restructured: what was owed under the accepted offers of the cases with an agreement
  (the offer's per-loan ``owed``), and what the borrowers repay under them (``total_to_pay``);
- on-track rate: of the agreements in repayment (sealed: signed, active or breached), the share
  whose ledger today is ``active`` (no installment late, no breach); ``None`` when none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xieshang.domain.case_state import CaseState, Party
from xieshang.domain.errors import DomainError
from xieshang.domain.masking import mask_name
from xieshang.domain.money import ZERO, total
from xieshang.store.models import CaseRow, OfferStatus
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, forbidden, not_found
from .cases import CaseView, OfferView, case_for, get_case, list_offers
from .loans import local_today
from .offer_evaluation import LenderEvaluation, evaluate_offer
from .payments import ledger_of
from .repayment import sealed_agreement

MAX_CASES = 10_000
PAGE = 500  # the repositories' largest page
AGREED_STATES = frozenset(
    {
        CaseState.AGREED,
        CaseState.SIGNED,
        CaseState.ACTIVE,
        CaseState.COMPLETED,
        CaseState.BREACHED,
    }
)
ENDED_WITHOUT = frozenset({CaseState.REJECTED, CaseState.WITHDRAWN})
IN_REPAYMENT = frozenset({CaseState.SIGNED, CaseState.ACTIVE, CaseState.BREACHED})
# States in which the lender may answer the borrower's standing offer.
LENDER_TURN = frozenset({CaseState.SUBMITTED, CaseState.UNDER_REVIEW, CaseState.COUNTERED})


@dataclass(frozen=True, slots=True)
class PortfolioFigures:
    today: date
    by_state: tuple[tuple[str, int], ...]  # every non-draft state, in the state machine's order
    cases: int
    decided: int
    agreed: int
    acceptance_rate: Decimal | None
    restructured_owed: Decimal
    restructured_to_pay: Decimal
    in_repayment: int
    on_track: int
    on_track_rate: Decimal | None


@dataclass(frozen=True, slots=True)
class AwaitingApproval:
    """A borrower's standing offer that only the policy's approver may accept: the case, the
    offer, the organisation's evaluation of it and the borrower as shown to staff."""

    case: CaseView
    offer: OfferView
    evaluation: LenderEvaluation
    borrower: str


def _staff(actor: Actor) -> int:
    if not actor.is_lender_staff or actor.organisation_id is None:
        raise forbidden("role")
    return actor.organisation_id


def _org_cases(uow: UnitOfWork, organisation_id: int) -> list[CaseRow]:
    """Every submitted case of the organisation, a page at a time."""
    found: list[CaseRow] = []
    while len(found) < MAX_CASES:
        page = uow.cases.list_for_organisation(
            organisation_id, without_drafts=True, limit=PAGE, offset=len(found)
        )
        found.extend(page.items)
        if not page.items or len(found) >= page.total:
            break
    return found


def _ratio(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def borrower_labels(uow: UnitOfWork, actor: Actor, borrower_ids: Iterable[int]) -> dict[int, str]:
    """How each borrower appears to lender staff: the masked display name (``李*``), for the
    borrowers with a case at the staff's organisation; any other id is left out."""
    organisation_id = _staff(actor)
    wanted = set(borrower_ids)
    with uow:
        known = {c.borrower_id for c in _org_cases(uow, organisation_id)}
        labels: dict[int, str] = {}
        for borrower_id in sorted(wanted & known):
            user = uow.users.get(borrower_id)
            labels[borrower_id] = mask_name(None if user is None else user.display_name)
        return labels


def case_borrower_label(uow: UnitOfWork, actor: Actor, case_id: int) -> str:
    """The masked name of the case's borrower, for its lender side ("not found" otherwise)."""
    _staff(actor)
    with uow:
        case, side = case_for(uow, actor, case_id)
        if side.party is not Party.LENDER:  # pragma: no cover - staff are never a borrower
            raise not_found("case")
        user = uow.users.get(case.borrower_id)
        return mask_name(None if user is None else user.display_name)


def portfolio_figures(uow: UnitOfWork, actor: Actor, *, now: datetime) -> PortfolioFigures:
    """The organisation's figures on today (see the module docstring)."""
    organisation_id = _staff(actor)
    today = local_today(now)
    with uow:
        rows = _org_cases(uow, organisation_id)
        counts = {s.value: 0 for s in CaseState if s is not CaseState.DRAFT}
        owed: list[Decimal] = []
        to_pay: list[Decimal] = []
        repaying = on_track = 0
        for case in rows:
            state = CaseState(case.state)
            counts[state.value] += 1
            if state in AGREED_STATES:
                for offer in uow.offers.list_for_case(case.id):
                    if offer.status == OfferStatus.ACCEPTED.value:
                        figures = _figures(offer.figures)
                        owed.append(total(Decimal(p["owed"]) for p in figures["loans"]))
                        to_pay.append(Decimal(figures["total_to_pay"]))
            if state in IN_REPAYMENT:
                agreement = sealed_agreement(uow, case)
                if agreement is not None:
                    repaying += 1
                    if ledger_of(uow, case, agreement, today).status == "active":
                        on_track += 1
    agreed = sum(counts[s.value] for s in AGREED_STATES)
    decided = agreed + sum(counts[s.value] for s in ENDED_WITHOUT)
    return PortfolioFigures(
        today=today,
        by_state=tuple(counts.items()),
        cases=len(rows),
        decided=decided,
        agreed=agreed,
        acceptance_rate=_ratio(agreed, decided),
        restructured_owed=total(owed) if owed else ZERO,
        restructured_to_pay=total(to_pay) if to_pay else ZERO,
        in_repayment=repaying,
        on_track=on_track,
        on_track_rate=_ratio(on_track, repaying),
    )


def _figures(raw: str) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):  # pragma: no cover - stored by compute_offer
        raise DomainError("offer.not_an_object", field="figures")
    return value


def awaiting_approval(uow: UnitOfWork, actor: Actor, *, now: datetime) -> list[AwaitingApproval]:
    """The organisation's cases whose standing offer is the borrower's, awaits the lender and
    goes beyond the organisation's policy (by the same evaluation the desk shows): only the
    policy's approver may accept it, or answer with a counter-offer of their own."""
    organisation_id = _staff(actor)
    with uow:
        candidates = [
            (c.id, c.borrower_id)
            for c in _org_cases(uow, organisation_id)
            if CaseState(c.state) in LENDER_TURN
        ]
    found: list[AwaitingApproval] = []
    labels = borrower_labels(uow, actor, (b for _, b in candidates))
    for case_id, borrower_id in candidates:
        standing = [
            o
            for o in list_offers(uow, actor, case_id)
            if o.status == OfferStatus.OPEN.value and o.made_by == Party.BORROWER.value
        ]
        if not standing:
            continue
        offer = standing[-1]
        evaluation = evaluate_offer(uow, actor, case_id, offer.number, now=now).lender
        if evaluation is None or not evaluation.breaches:
            continue
        found.append(
            AwaitingApproval(
                case=get_case(uow, actor, case_id, now=now),
                offer=offer,
                evaluation=evaluation,
                borrower=labels.get(borrower_id, mask_name(None)),
            )
        )
    return found
