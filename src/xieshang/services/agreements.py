"""Agreements: made when an offer is accepted, signed by each party after re-entering their
password (or a TOTP code), sealed by the instance when both have signed.

The agreement PDF is rendered once, from the accepted offer's terms, and kept in the blob store
by its SHA-256; each signature record holds the signer, time, the consent text shown and that
digest, and goes into the case log.  When both parties have signed, the instance seals the PDF
(a PDF signature with its key, ``security.pdf_seal``) and the agreement becomes immutable (the
database refuses any change to a sealed agreement).

What a seal proves: the PDF is byte for byte what this instance sealed, with its key.  It does
not prove who clicked "sign" — the signature records in the hash-chained log do, with the
password/TOTP re-entry — and a key held by the instance is not the signer's own key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xieshang.documents.agreement import (
    AgreementDoc,
    AgreementLoanLine,
    PartyLine,
    agreement_html,
    agreement_pdf,
    agreement_text,
    consent_text,
)
from xieshang.documents.render import label
from xieshang.domain.agreement import CombinedSchedule, schedule_record
from xieshang.domain.case_state import Action, CaseState, Party, transition
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind, LogEntry, canonical_json
from xieshang.domain.offer_terms import terms_from_record
from xieshang.security.passwords import verify_password
from xieshang.security.pdf_seal import seal_pdf
from xieshang.security.signing import InstanceKey
from xieshang.security.totp import verify_totp
from xieshang.store.blobs import BlobStore
from xieshang.store.models import (
    AgreementRow,
    AgreementStatus,
    CaseRow,
    OfferRow,
    SignatureMethod,
    SignatureRow,
)
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, not_found
from .case_log import INSTANCE, Signer, actor_label, append_event
from .cases import (
    _case_loans,
    _commit,
    _store_status,
    acting_party,
    case_for,
    compute_offer,
    counterparty_name,
    status_of,
)
from .loans import local_today

LANGS = ("zh", "en")


@dataclass(frozen=True, slots=True)
class AgreementView:
    id: int
    case_id: int
    offer_number: int
    lang: str
    status: str
    ref: str
    document_sha256: str
    sealed_sha256: str | None
    sealed_at: datetime | None
    signatures: tuple[dict[str, Any], ...]
    consent_text: str
    terms: dict[str, Any]


def _ref(case: CaseRow, offer: OfferRow) -> str:
    return f"XS-{case.id}-{case.round}-{offer.number}"


def _doc(
    uow: UnitOfWork, case: CaseRow, offer: OfferRow, *, head: str, lang: str, made_on: date
) -> tuple[AgreementDoc, CombinedSchedule]:
    """The agreement document for an accepted offer, from its stored terms, and the merged
    schedule it shows."""
    terms = terms_from_record(json.loads(offer.terms))
    figures = json.loads(offer.figures)
    loans = _case_loans(uow, case)
    as_of = datetime.fromisoformat(figures["as_of"]).date()
    _, combined, outcomes = compute_offer(loans, terms, as_of=as_of)
    borrower = uow.users.get(case.borrower_id)
    org = (
        None
        if case.lender_organisation_id is None
        else uow.organisations.get(case.lender_organisation_id)
    )
    lines = []
    owed = {p["loan_id"]: Decimal(p["owed"]) for p in figures["loans"]}
    for loan_id, outcome in outcomes:
        loan = loans[loan_id]
        lines.append(
            AgreementLoanLine(
                label=f"{loan.lender} #{loan_id}",
                contract_no=None,
                owed_before=owed[loan_id],
                proposal=outcome.proposal,
                summary=outcome.summary,
            )
        )
    licence = None if org is None or not org.licence_type else label(f"lt_{org.licence_type}", lang)
    doc = AgreementDoc(
        ref=_ref(case, offer),
        round=case.round,
        made_on=made_on,
        lang=lang,
        borrower=PartyLine(name="" if borrower is None else borrower.display_name),
        lender=PartyLine(
            name=counterparty_name(uow, case),
            detail=licence,
            external=case.external_platform is not None,
        ),
        loans=tuple(lines),
        schedule=combined.schedule,
        log_head_hash=head,
        grace_days=terms.grace_days,
        breach_rule=terms.breach_rule,
        consent=consent_text(lang),
    )
    return doc, combined


def create_agreement(
    uow: UnitOfWork,
    blobs: BlobStore,
    case: CaseRow,
    offer: OfferRow,
    *,
    accepted_event: LogEntry,
    lang: str,
    now: datetime,
    sign: Signer | None,
) -> AgreementRow:
    """Render and store the agreement for the accepted offer (inside the caller's unit of
    work) and log it with its digest."""
    if lang not in LANGS:
        raise DomainError("agreement.lang_unknown", field="lang", value=lang)
    doc, combined = _doc(
        uow, case, offer, head=accepted_event.hash, lang=lang, made_on=local_today(now)
    )
    pdf = agreement_pdf(doc)
    digest = blobs.put(pdf).sha256
    terms = {
        "ref": doc.ref,
        "offer": offer.number,
        "round": case.round,
        "borrower_id": case.borrower_id,
        "counterparty": doc.lender.name,
        "external": doc.lender.external,
        "terms": json.loads(offer.terms),
        "schedule": json.loads(canonical_json(schedule_record(combined))),
        "grace_days": doc.grace_days,
        "breach_rule": {
            "max_overdue_installments": doc.breach_rule.max_overdue_installments,
            "max_days_overdue": doc.breach_rule.max_days_overdue,
        },
        "allocation_order": [c.value for c in doc.allocation_order.components],
        "log_head": accepted_event.hash,
    }
    row = uow.agreements.add(
        AgreementRow(
            case_id=case.id,
            offer_id=offer.id,
            lang=lang,
            terms=canonical_json(terms).decode("utf-8"),
            document_sha256=digest,
            status=AgreementStatus.AWAITING_SIGNATURES.value,
            created_at=now,
        )
    )
    append_event(
        uow,
        case,
        kind=EntryKind.AGREEMENT,
        actor=INSTANCE,
        body={"ref": doc.ref, "offer": offer.number, "lang": lang, "document_sha256": digest},
        at=now,
        sign=sign,
    )
    return row


def _view(uow: UnitOfWork, row: AgreementRow) -> AgreementView:
    terms = json.loads(row.terms)
    return AgreementView(
        id=row.id,
        case_id=row.case_id,
        offer_number=int(terms["offer"]),
        lang=row.lang,
        status=row.status,
        ref=str(terms["ref"]),
        document_sha256=row.document_sha256,
        sealed_sha256=row.sealed_sha256,
        sealed_at=row.sealed_at,
        signatures=tuple(
            {
                "party": s.party,
                "signer": f"user:{s.signer_id}",
                "method": s.method,
                "signed_at": s.signed_at,
                "document_sha256": s.document_sha256,
                "event_hash": s.event_hash,
            }
            for s in uow.signatures.list_for_agreement(row.id)
        ),
        consent_text=consent_text(row.lang),
        terms=terms,
    )


def _current(uow: UnitOfWork, case: CaseRow) -> AgreementRow:
    row = uow.agreements.current(case.id)
    if row is None:
        raise not_found("agreement")
    return row


def get_agreement(uow: UnitOfWork, actor: Actor, case_id: int) -> AgreementView:
    with uow:
        case, _ = case_for(uow, actor, case_id)
        return _view(uow, _current(uow, case))


def agreement_document(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    *,
    fmt: str,
    lang: str | None = None,
) -> tuple[bytes, str]:
    """The agreement as ``pdf`` (sealed once sealed, else as signed), ``html`` or ``text``.
    HTML and text in the other language are a convenience translation of the same terms."""
    with uow:
        case, _ = case_for(uow, actor, case_id)
        row = _current(uow, case)
        if fmt == "pdf":
            return blobs.read(row.sealed_sha256 or row.document_sha256), "application/pdf"
        offer = uow.offers.get(row.offer_id)
        if offer is None:  # pragma: no cover - a foreign key guarantees it
            raise not_found("offer")
        terms = json.loads(row.terms)
        doc, _ = _doc(
            uow,
            case,
            offer,
            head=str(terms["log_head"]),
            lang=lang or row.lang,
            made_on=row.created_at.date(),
        )
    if fmt == "html":
        return agreement_html(doc).encode("utf-8"), "text/html; charset=utf-8"
    if fmt == "text":
        return agreement_text(doc).encode("utf-8"), "text/plain; charset=utf-8"
    raise DomainError("agreement.format_unknown", field="format", value=fmt)


def _check_reentry(
    uow: UnitOfWork, actor: Actor, *, password: str | None, totp_code: str | None, now: datetime
) -> str:
    user = uow.users.get(actor.user_id)
    if user is None:
        raise not_found("user")
    if totp_code:
        if not (user.totp_enabled and user.totp_secret):
            raise DomainError("signature.totp_not_enabled", field="totp_code")
        step = verify_totp(user.totp_secret, totp_code, at=now, last_used_step=user.totp_last_step)
        if step is None:
            raise DomainError("signature.reentry_failed", field="totp_code")
        user.totp_last_step = step
        return SignatureMethod.TOTP.value
    if not password or not verify_password(user.password_hash, password):
        raise DomainError("signature.reentry_failed", field="password")
    return SignatureMethod.PASSWORD.value


def sign_agreement(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    *,
    document_sha256: str,
    consent: str,
    password: str | None = None,
    totp_code: str | None = None,
    for_platform: bool = False,
    now: datetime,
    key: InstanceKey,
) -> AgreementView:
    """Sign for the actor's side (or record the platform's signature, for an external case)
    after re-entering the password or a TOTP code; the signer must name the document they
    saw (its SHA-256) and confirm the consent text exactly.  The second signature seals."""
    with uow:
        case, side = case_for(uow, actor, case_id)
        party = acting_party(side, for_platform=for_platform)
        row = _current(uow, case)
        if row.status != AgreementStatus.AWAITING_SIGNATURES.value:
            raise DomainError("agreement.not_awaiting_signatures", field="agreement")
        if document_sha256 != row.document_sha256:
            raise DomainError("signature.document_changed", field="document_sha256")
        shown = consent_text(row.lang)
        if consent.strip() != shown:
            raise DomainError("signature.consent_mismatch", field="consent")
        method = _check_reentry(uow, actor, password=password, totp_code=totp_code, now=now)
        if for_platform:
            method = SignatureMethod.RECORDED.value
        action = Action.SIGN_BORROWER if party is Party.BORROWER else Action.SIGN_LENDER
        status = status_of(uow, case)
        new_status = transition(status, action, party, today=local_today(now))
        entry = append_event(
            uow,
            case,
            kind=EntryKind.SIGNATURE,
            actor=actor_label(actor, for_platform=for_platform),
            body={
                "party": party.value,
                "method": method,
                "consent_text": shown,
                "document_sha256": row.document_sha256,
                "signed_at": now,
            },
            at=now,
            sign=key.sign,
        )
        uow.signatures.add(
            SignatureRow(
                agreement_id=row.id,
                party=party.value,
                signer_id=actor.user_id,
                method=method,
                consent_text=shown,
                document_sha256=row.document_sha256,
                signed_at=now,
                event_hash=entry.hash,
            )
        )
        _store_status(case, new_status)
        if new_status.state is CaseState.SIGNED:
            # The seal records whole seconds; the row keeps the same instant.
            sealed_at = now.replace(microsecond=0)
            terms = json.loads(row.terms)
            sealed = seal_pdf(
                blobs.read(row.document_sha256),
                key,
                reason=f"Xieshang agreement {terms['ref']}",
                at=sealed_at,
            )
            sealed_digest = blobs.put(sealed).sha256
            row.sealed_sha256 = sealed_digest
            row.sealed_at = sealed_at
            row.status = AgreementStatus.SEALED.value
            append_event(
                uow,
                case,
                kind=EntryKind.AGREEMENT,
                actor=INSTANCE,
                body={
                    "sealed": True,
                    "ref": terms["ref"],
                    "document_sha256": row.document_sha256,
                    "sealed_sha256": sealed_digest,
                },
                at=now,
                sign=key.sign,
            )
        view = _view(uow, row)
        _commit(uow)
    return view
