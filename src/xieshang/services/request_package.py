"""The request package of a case: the hardship statement (财务状况说明) and the request letter
(协商还款申请书), in Chinese and English, generated from what the borrower stored, edited by
the borrower, then sent — frozen into the case log.

Generation (the borrower side only) reads, for the case's loans, the legal assessment and the
standing from ``planning.check_loan`` as of the day the case's arrears were paused (or today,
for a draft), the repayment capacity from the borrower's stored statement with all their loans
(so the other creditors count), and the proposal: the terms given in the request, else the
standing offer, else the round's first offer — each applied as the offer was computed.  The
borrower adds the hardship reason and, if they wish, a contact line.

A stored letter is its body text only (encrypted in the database); its title is the kind's.
The borrower may change the text until the letter is sent (``edited`` then reads true);
``send_letter`` renders the PDF of exactly that text, keeps it in the blob store and appends a
``document`` event with the PDF's SHA-256 and the text to the case log — after that the letter
is read from the log (what was sent) and edits are refused (``letter.already_sent``, 409).
Lender staff of the case read a letter only once it was sent; they never write one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.data.living_costs import load_reference_living_costs
from xieshang.documents.letters import (
    HARDSHIP_STATEMENT,
    REQUEST_LETTER,
    Letter,
    LetterInput,
    clean_text,
    edited_letter,
    hardship_statement,
    letter_html,
    letter_pdf,
    letter_plain,
    letter_title,
    request_letter,
)
from xieshang.domain.case_state import Party
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind, LogEntry
from xieshang.domain.offer_terms import OfferTerms, terms_from_record
from xieshang.domain.plan import LoanReview, build_plan
from xieshang.domain.proposals import ProposalOutcome
from xieshang.store.blobs import BlobStore
from xieshang.store.models import CaseLetterRow, CaseRow, OfferRow
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, forbidden, not_found
from .case_log import Signer, actor_label, append_event
from .cases import _case_loans, _commit, case_for, compute_offer, counterparty_name, frozen_on
from .loans import local_today, stored_loans
from .planning import check_loan
from .statements import stored_statement

KINDS = (HARDSHIP_STATEMENT, REQUEST_LETTER)
LANGS = ("zh", "en")
FORMATS = ("text", "html", "pdf")
MAX_REASON = 4000
MAX_CONTACT = 200
PDF = "application/pdf"
MEDIA_TYPES = {
    "text": "text/plain; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": PDF,
}


@dataclass(frozen=True, slots=True)
class LetterView:
    """A stored letter as its reader may see it.  For a sent letter ``text`` is the text that
    was sent (from the log) and ``sent_sha256`` the SHA-256 of the PDF that was sent."""

    case_id: int
    kind: str
    lang: str
    title: str
    text: str
    edited: bool
    sent: bool
    sent_at: datetime | None
    sent_event_hash: str | None
    sent_sha256: str | None
    updated_at: datetime


# ---------------------------------------------------------------------------------------------
# checks and views


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise DomainError("letter.kind_unknown", field="kind", value=kind)
    return kind


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise DomainError("letter.lang_unknown", field="lang", value=lang)
    return lang


def _borrower_case(uow: UnitOfWork, actor: Actor, case_id: int) -> CaseRow:
    """The case, for the borrower side only (lender staff of the case: 403, others 404)."""
    case, side = case_for(uow, actor, case_id)
    if side.party is not Party.BORROWER:
        raise forbidden("letter")
    return case


def _sent_event(uow: UnitOfWork, row: CaseLetterRow) -> LogEntry | None:
    if row.sent_event_hash is None:
        return None
    for entry in uow.case_events.list_for_case(row.case_id):
        if entry.hash == row.sent_event_hash:
            return entry
    raise DomainError("letter.sent_event_missing", field="letter")  # pragma: no cover


def _view(uow: UnitOfWork, row: CaseLetterRow) -> LetterView:
    event = _sent_event(uow, row)
    body: Mapping[str, Any] = {} if event is None else event.body
    return LetterView(
        case_id=row.case_id,
        kind=row.kind,
        lang=row.lang,
        title=str(body.get("title") or letter_title(row.kind, row.lang)),
        text=str(body["text"]) if event is not None else row.text,
        edited=bool(row.edited),
        sent=event is not None,
        sent_at=None if event is None else event.at,
        sent_event_hash=row.sent_event_hash,
        sent_sha256=None if event is None else str(body["sha256"]),
        updated_at=row.updated_at,
    )


def _readable_row(
    uow: UnitOfWork, actor: Actor, case_id: int, kind: str, lang: str
) -> CaseLetterRow:
    case, side = case_for(uow, actor, case_id)
    row = uow.letters.get_for(case.id, check_kind(kind), check_lang(lang))
    # Lender staff see a letter once it was sent to them, never a draft.
    if row is None or (side.party is not Party.BORROWER and row.sent_event_hash is None):
        raise not_found("letter")
    return row


# ---------------------------------------------------------------------------------------------
# generating


def _one_line(value: str, field: str, limit: int) -> str:
    text = " ".join(clean_text(value or "").split())
    if len(text) > limit:
        raise DomainError("letter.text_too_long", field=field, limit=limit)
    return text


def _proposal_source(
    uow: UnitOfWork, case: CaseRow, terms: object | None, today: date
) -> tuple[OfferTerms | None, date]:
    """The terms the request letter proposes and the day they are computed for: the given
    terms (as of the paused-arrears day or today), else the standing offer, else the first
    offer of this round (as each offer was computed), else none."""
    paused = frozen_on(uow, case)
    if terms is not None:
        return terms_from_record(terms), paused or today
    offer: OfferRow | None = uow.offers.standing(case.id)
    if offer is None:
        this_round = [o for o in uow.offers.list_for_case(case.id) if o.round == case.round]
        offer = this_round[0] if this_round else None
    if offer is None:
        return None, paused or today
    as_of = date.fromisoformat(str(json.loads(offer.figures)["as_of"]))
    return terms_from_record(json.loads(offer.terms)), as_of


def _letter_input(
    uow: UnitOfWork,
    case: CaseRow,
    *,
    terms: object | None,
    reason: str,
    contact: str,
    now: datetime,
) -> LetterInput:
    today = local_today(now)
    proposal_terms, as_of = _proposal_source(uow, case, terms, today)
    statement = stored_statement(uow, case.borrower_id)
    if statement is None:
        raise DomainError("letter.statement_missing", field="statement")
    loans = _case_loans(uow, case)
    for loan_id, loan in loans.items():
        if loan.start > as_of:
            raise DomainError("plan.loan_not_started", field="loans", value=loan_id)
    plan = build_plan(
        statement,
        [loan for loan in stored_loans(uow, case.borrower_id) if loan.start <= as_of],
        rules=load_legal_rules(),
        lpr=load_lpr_table(),
        as_of=as_of,
        reference=load_reference_living_costs(),
    )
    reviews = [LoanReview(loan, *check_loan(loan, as_of=as_of)) for loan in loans.values()]
    proposals: dict[str, ProposalOutcome] = {}
    if proposal_terms is not None:
        _, _, outcomes = compute_offer(loans, proposal_terms, as_of=as_of)
        proposals = dict(outcomes)
    borrower = uow.users.get(case.borrower_id)
    return LetterInput.from_domain(
        borrower="" if borrower is None else borrower.display_name,
        contact=contact,
        counterparty=counterparty_name(uow, case),
        made_on=today,
        reason=reason,
        household=statement.household,
        capacity=plan.capacity,
        reviews=reviews,
        proposals=proposals,
    )


def generate_letters(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    reason: str = "",
    contact: str = "",
    terms: object | None = None,
    replace_edited: bool = False,
    now: datetime,
) -> tuple[LetterView, ...]:
    """Generate both letters in both languages and store them for editing.  A letter already
    sent is kept as sent; one the borrower edited is kept unless ``replace_edited``."""
    reason = clean_text(reason or "").strip()
    if len(reason) > MAX_REASON:
        raise DomainError("letter.text_too_long", field="reason", limit=MAX_REASON)
    contact = _one_line(contact, "contact", MAX_CONTACT)
    with uow:
        case = _borrower_case(uow, actor, case_id)
        inp = _letter_input(uow, case, terms=terms, reason=reason, contact=contact, now=now)
        views = []
        for kind in KINDS:
            for lang in LANGS:
                letter = (hardship_statement if kind == HARDSHIP_STATEMENT else request_letter)(
                    inp, lang
                )
                row = uow.letters.get_for(case.id, kind, lang)
                if row is None:
                    row = uow.letters.add(
                        CaseLetterRow(
                            case_id=case.id,
                            kind=kind,
                            lang=lang,
                            text=letter.text,
                            edited=0,
                            updated_at=now,
                        )
                    )
                elif row.sent_event_hash is None and (replace_edited or not row.edited):
                    row.text, row.edited, row.updated_at = letter.text, 0, now
                views.append(row)
        uow.flush()
        result = tuple(_view(uow, row) for row in views)
        _commit(uow)
    return result


# ---------------------------------------------------------------------------------------------
# reading, editing, rendering


def list_letters(uow: UnitOfWork, actor: Actor, case_id: int) -> tuple[LetterView, ...]:
    """The case's letters the actor may read (lender staff: the sent ones)."""
    with uow:
        case, side = case_for(uow, actor, case_id)
        rows = uow.letters.list_for_case(case.id)
        return tuple(
            _view(uow, r)
            for r in rows
            if side.party is Party.BORROWER or r.sent_event_hash is not None
        )


def get_letter(uow: UnitOfWork, actor: Actor, case_id: int, kind: str, *, lang: str) -> LetterView:
    with uow:
        return _view(uow, _readable_row(uow, actor, case_id, kind, lang))


def edit_letter(
    uow: UnitOfWork, actor: Actor, case_id: int, kind: str, *, lang: str, text: str, now: datetime
) -> LetterView:
    """Replace the letter's text with the borrower's; refused once it was sent."""
    if not isinstance(text, str):
        raise DomainError("letter.text_required", field="text")
    with uow:
        case = _borrower_case(uow, actor, case_id)
        row = uow.letters.get_for(case.id, check_kind(kind), check_lang(lang))
        if row is None:
            raise not_found("letter")
        if row.sent_event_hash is not None:
            raise DomainError("letter.already_sent", field="letter")
        checked = edited_letter(Letter(kind, lang, letter_title(kind, lang), row.text), body=text)
        if not checked.text.strip():
            raise DomainError("letter.text_required", field="text")
        row.text, row.edited, row.updated_at = checked.text, 1, now
        uow.flush()
        view = _view(uow, row)
        _commit(uow)
    return view


def _letter_of(view: LetterView) -> Letter:
    return Letter(view.kind, view.lang, view.title, view.text)


def letter_document(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    kind: str,
    *,
    lang: str,
    fmt: str,
    now: datetime,
) -> tuple[bytes, str]:
    """The letter as ``text``, ``html`` or ``pdf`` (data, media type).  A sent letter's PDF is
    the very file that was sent; an unsent one is rendered from the current text, dated today."""
    if fmt not in FORMATS:
        raise DomainError("letter.format_unknown", field="format", value=fmt)
    view = get_letter(uow, actor, case_id, kind, lang=lang)
    letter = _letter_of(view)
    if fmt == "text":
        return letter_plain(letter).encode("utf-8"), MEDIA_TYPES[fmt]
    if fmt == "html":
        return letter_html(letter).encode("utf-8"), MEDIA_TYPES[fmt]
    if view.sent_sha256 is not None:
        return blobs.read(view.sent_sha256), PDF
    return letter_pdf(letter, local_today(now)), PDF


def letter_filename(kind: str, lang: str, fmt: str) -> str:
    """The download name of a letter.

    >>> letter_filename("request_letter", "zh", "pdf")
    'request_letter.zh.pdf'
    """
    return f"{kind}.{lang}.{'txt' if fmt == 'text' else fmt}"


# ---------------------------------------------------------------------------------------------
# sending


def send_letter(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    kind: str,
    *,
    lang: str,
    now: datetime,
    sign: Signer | None = None,
) -> LetterView:
    """Freeze the letter: its PDF (dated today) goes to the blob store, and a ``document``
    event with the PDF's SHA-256 and the text to the case log, in one transaction."""
    with uow:
        case = _borrower_case(uow, actor, case_id)
        row = uow.letters.get_for(case.id, check_kind(kind), check_lang(lang))
        if row is None:
            raise not_found("letter")
        if row.sent_event_hash is not None:
            raise DomainError("letter.already_sent", field="letter")
        letter = Letter(kind, lang, letter_title(kind, lang), row.text)
    pdf = letter_pdf(letter, local_today(now))  # rendering takes a moment: outside the write
    digest = blobs.put(pdf).sha256
    with uow:
        case = _borrower_case(uow, actor, case_id)
        row = uow.letters.get_for(case.id, kind, lang)
        if row is None:  # pragma: no cover - letters are never deleted
            raise not_found("letter")
        if row.sent_event_hash is not None:
            raise DomainError("letter.already_sent", field="letter")
        if row.text != letter.text:  # edited meanwhile: send what the borrower last saw
            raise DomainError("case.changed_concurrently", field="letter")
        entry = append_event(
            uow,
            case,
            kind=EntryKind.DOCUMENT,
            actor=actor_label(actor),
            body={
                "kind": kind,
                "name": letter_filename(kind, lang, "pdf"),
                "media_type": PDF,
                "sha256": digest,
                "size": len(pdf),
                "lang": lang,
                "title": letter.title,
                "text": letter.text,
                "edited": bool(row.edited),
            },
            at=now,
            sign=sign,
        )
        row.sent_event_hash, row.updated_at = entry.hash, now
        uow.flush()
        view = _view(uow, row)
        _commit(uow)
    return view
