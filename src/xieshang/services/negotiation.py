"""The two moves that need each side's evaluation: a counter-offer (lender staff stay within
their organisation's policy unless they hold the approver's role) and accepting the standing
offer (which turns it into the agreement)."""

from __future__ import annotations

from datetime import datetime

from xieshang.domain.case_state import Action, Party, transition
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind
from xieshang.store.blobs import BlobStore
from xieshang.store.models import OfferStatus
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor
from .agreements import create_agreement
from .case_log import Signer, actor_label, append_event
from .cases import (
    CaseView,
    OfferView,
    _commit,
    _record_offer,
    _store_status,
    _view,
    acting_party,
    case_for,
    implicit_review,
    lender_settings_of,
    offer_view,
    record_approval,
)
from .loans import local_today
from .offer_evaluation import require_within_policy


def counter_offer(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    terms: object,
    for_platform: bool = False,
    reply_days: int | None = None,
    now: datetime,
    sign: Signer | None = None,
) -> OfferView:
    """A counter-offer by either side (the platform's, recorded by the borrower side)."""
    with uow:
        case, side = case_for(uow, actor, case_id)
        party = acting_party(side, for_platform=for_platform)
        row = _record_offer(
            uow,
            case,
            actor=actor,
            party=party,
            for_platform=for_platform,
            terms_in=terms,
            action=Action.COUNTER,
            reply_days=reply_days,
            now=now,
            sign=sign,
        )
        if side.party is Party.LENDER:
            codes = require_within_policy(uow, actor, case, offer_view(row))
            record_approval(uow, case, actor, codes, now=now, sign=sign)
        view = offer_view(row)
        _commit(uow)
    return view


def accept_offer(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    *,
    for_platform: bool = False,
    lang: str = "zh",
    now: datetime,
    sign: Signer | None = None,
) -> CaseView:
    """Accept the standing offer of the other side; the agreement is generated in ``lang``."""
    with uow:
        case, side = case_for(uow, actor, case_id)
        party = acting_party(side, for_platform=for_platform)
        label = actor_label(actor, for_platform=for_platform)
        status = implicit_review(uow, case, party, label, now)
        settings = lender_settings_of(uow, case.lender_organisation_id)
        new_status = transition(
            status, Action.ACCEPT, party, today=local_today(now), policy=settings.deadlines
        )
        standing = uow.offers.standing(case.id)
        if standing is None:
            raise DomainError("case.no_standing_offer", field="action")
        if side.party is Party.LENDER:
            codes = require_within_policy(uow, actor, case, offer_view(standing))
            record_approval(uow, case, actor, codes, now=now, sign=sign)
        entry = append_event(
            uow,
            case,
            kind=EntryKind.ACCEPTANCE,
            actor=label,
            body={
                "offer": standing.number,
                "offer_event": standing.event_hash,
                "by": party.value,
                "deadline": new_status.deadline,
            },
            at=now,
            sign=sign,
        )
        standing.status = OfferStatus.ACCEPTED.value
        _store_status(case, new_status)
        create_agreement(
            uow, blobs, case, standing, accepted_event=entry, lang=lang, now=now, sign=sign
        )
        view = _view(uow, case, side, local_today(now))
        _commit(uow)
    return view
