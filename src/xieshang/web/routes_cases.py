"""A borrower's (or their counselor's) cases: opening one, the timeline and every action.

Pages call the same services as ``/api/cases`` (and the agreement, letters, payments and bundle
routes) as the logged-in caller: the services decide who may do what, so the other borrower is
told a case does not exist, and a move the case's state does not allow is explained on the page.
Every refused form comes back with the message beside its field and what was typed kept (status
400); a form that worked answers 303 to the case page.  Downloads are GET routes that only read.

For an external platform the borrower side records the platform's moves too (``for_platform``):
while it is the platform's turn the offer, accept and reject forms record the platform's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import Form, Path, Query
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.case_state import Action
from xieshang.domain.errors import DomainError
from xieshang.domain.money import positive_money
from xieshang.domain.offer_terms import terms_from_record
from xieshang.domain.rates import parse_rate
from xieshang.security.tokens import new_token
from xieshang.services import (
    agreements,
    case_export,
    case_receipts,
    cases,
    loans,
    negotiation,
    payments,
    request_package,
)
from xieshang.services.cases import CaseView, NoteInput
from xieshang.services.loans import CHINA, local_today
from xieshang.services.offer_evaluation import evaluate_offer

from .lang import page_lang
from .payment_form import PaymentForm, record_from_form
from .render import render
from .routes_plans import plan_request
from .session import container_of, page_router
from .signing_form import sign_from_form
from .subject import Subject, borrower_subject
from .timeline import offer_card, timeline

router = page_router()

Text = Annotated[str, Form()]
Texts = Annotated[list[str], Form()]
MAX_ID = 2**31 - 1
CaseId = Annotated[int, Path(ge=1, le=MAX_ID)]
FormatQuery = Annotated[str, Query(alias="format", max_length=10)]

LIST_LIMIT = 200
MAX_TEXT = 4000
MAX_LINE = 200
CLOSED = frozenset({"completed", "withdrawn", "rejected"})
AGREEMENT_STATES = frozenset({"agreed", "signed", "active", "completed", "breached"})
REPAYING = frozenset({"signed", "active", "completed", "breached"})
MOVES = frozenset({"start_review", "reject", "withdraw", "reopen"})
CONCESSIONS = ("extension", "interest_stop", "reageing", "settlement")
NOTE_FIELDS = {"text", "person", "channel", "at", "result", "kind"}
PAYMENT_FIELDS = {"amount", "paid_on", "channel", "external_ref"}
LETTER_FIELDS = {"reason", "contact"}
SIGN_FIELDS = {"password", "totp_code", "consent"}
LETTER_KINDS = ("hardship_statement", "request_letter")
LANGS = ("zh", "en")
PDF = "application/pdf"
ZIP = "application/zip"
MAX_PLAN = 4000  # the builder's query string (routes_plans.MAX_QUERY)
MAX_PLAN_TERMS = 20_000
BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
HEADING = re.compile(r"<(/?)h([1-5])\b")


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def _attachment(data: bytes, filename: str, media_type: str) -> Response:
    """``data`` as a download named ``filename``, never rendered by the browser (as the API
    serves files)."""
    return Response(
        content=data,
        media_type=media_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''"
            + quote(filename, safe=""),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


def _errors(error: DomainError, fields: set[str] | Mapping[str, str]) -> dict[str, DomainError]:
    """The error beside its field (``fields`` maps the service's field names to the form's),
    else above the form."""
    names = fields if isinstance(fields, Mapping) else {f: f for f in fields}
    return {names.get(error.field or "", "form"): error}


# ---------------------------------------------------------------- the list and opening one


@router.get("/cases")
def case_list(request: Request, plan: str = "") -> Response:
    """The file's cases; after opening cases from a plan (``plan``: its query string), each
    draft links to its page with that plan's request ready to send."""
    subject = borrower_subject(request)
    container = container_of(request)
    found, total = cases.list_cases(
        container.uow(),
        subject.actor,
        borrower_id=subject.borrower_id,
        limit=LIST_LIMIT,
        offset=0,
        now=container.clock(),
    )
    ordered = sorted(found, key=lambda c: (c.state in CLOSED, -c.id))
    return render(
        request,
        "cases",
        user=subject.actor,
        cases=ordered,
        total=total,
        subject=subject,
        plan_link="?" + urlencode({"plan": plan[:MAX_PLAN]}) if plan else "",
    )


@dataclass(frozen=True, slots=True)
class LenderChoice:
    organisation_id: int
    names: str


def _loan_choices(request: Request, subject: Subject) -> tuple[list[Any], list[LenderChoice]]:
    container = container_of(request)
    page = loans.list_loans(
        container.uow(), subject.actor, subject.borrower_id, limit=LIST_LIMIT, offset=0
    )
    found = list(page.items)
    lenders: dict[int, list[str]] = {}
    for view in found:
        if view.lender_organisation_id is not None:
            names = lenders.setdefault(view.lender_organisation_id, [])
            if view.loan.lender not in names:
                names.append(view.loan.lender)
    choices = [LenderChoice(org, "、".join(names)) for org, names in sorted(lenders.items())]
    return found, choices


def _new_page(
    request: Request,
    subject: Subject,
    form: dict[str, Any],
    errors: dict[str, DomainError],
    status: int = 200,
) -> Response:
    found, lenders = _loan_choices(request, subject)
    return render(
        request,
        "case_new",
        user=subject.actor,
        status=status,
        loans=found,
        lenders=lenders,
        form=form,
        errors=errors,
        subject=subject,
    )


@router.get("/cases/new")
def new_case_page(request: Request) -> Response:
    subject = borrower_subject(request)
    form = {"loan_ids": [], "counterparty": "", "external_platform": ""}
    return _new_page(request, subject, form, {})


def _ids(values: list[str], field: str) -> list[int]:
    ids = []
    for value in values:
        if not value.isdigit() or len(value) > 18:
            raise DomainError("web.bad_request", field=field)
        ids.append(int(value))
    return ids


@router.post("/cases/new")
def open_case(
    request: Request,
    loan_ids: Texts = [],  # noqa: B006 - FastAPI copies a form default
    counterparty: Text = "",
    external_platform: Text = "",
) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    platform = external_platform.strip()[:MAX_LINE]
    form = {
        "loan_ids": [v for v in loan_ids if v.isdigit()],
        "counterparty": counterparty,
        "external_platform": platform,
    }
    try:
        if not loan_ids:
            raise DomainError("web.cases_choose_loans", field="loan_ids")
        chosen = _ids(loan_ids, "loan_ids")
        organisation: int | None = None
        if counterparty == "external":
            if not platform:
                raise DomainError("web.cases_platform_name_required", field="external_platform")
        elif counterparty.startswith("org:") and counterparty[4:].isdigit():
            organisation = int(counterparty[4:])
        else:
            raise DomainError("web.cases_choose_counterparty", field="counterparty")
        view = cases.open_case(
            container.uow(),
            subject.actor,
            subject.borrower_id,
            loan_ids=chosen,
            lender_organisation_id=organisation,
            external_platform=platform if organisation is None else None,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    except DomainError as error:
        if error.code in ("access.not_found", "access.forbidden"):
            raise
        fields = {
            "loan_ids": "loan_ids",
            "external_platform": "external_platform",
            "lender_organisation_id": "counterparty",
            "counterparty": "counterparty",
        }
        return _new_page(request, subject, form, _errors(error, fields), status=400)
    return _see_other(f"/cases/{view.id}")


# ---------------------------------------------------------------- the case page


def _case_or_404(request: Request, subject: Subject, case_id: int) -> CaseView:
    container = container_of(request)
    now = container.clock()
    # The ledger's moves for today first, as the API's case route does (a missed installment
    # shows as breach on sight).
    payments.refresh(
        container.uow(),
        container.blobs,
        subject.actor,
        case_id,
        now=now,
        sign=container.instance_key.sign,
    )
    return cases.get_case(container.uow(), subject.actor, case_id, now=now)


def _default_terms(case: CaseView, today: date) -> dict[str, str]:
    form = {"start": today.isoformat(), "note": ""}
    for loan_id in case.loan_ids:
        form |= {f"kind_{loan_id}": "extension", f"months_{loan_id}": "12"}
        form |= {f"percent_{loan_id}": "", f"first_payment_{loan_id}": ""}
    return form


def _defaults(case: CaseView, today: date) -> dict[str, Any]:
    return _default_terms(case, today) | {
        "note_kind": "call_note",
        "note_text": "",
        "note_person": "",
        "note_channel": "phone",
        "note_at": "",
        "note_result": "",
        "note_platform": "",
        "reason": "",
        "contact": "",
        "amount": "",
        "paid_on": today.isoformat(),
        "pay_channel": "bank_transfer",
        "external_ref": "",
        "move_reason": "",
    }


def _case_page(
    request: Request,
    subject: Subject,
    case_id: int,
    *,
    form: Mapping[str, Any] | None = None,
    errors: dict[str, DomainError] | None = None,
    failed: str = "",
    status: int = 200,
    plan: str = "",
) -> Response:
    container = container_of(request)
    actor = subject.actor
    case = _case_or_404(request, subject, case_id)
    from_plan = None
    if plan and case.state == "draft" and "submit" in case.allowed:
        from_plan = plan_request(request, subject, plan, case.loan_ids)
    now = container.clock()
    today = local_today(now)
    offers = []
    for view in reversed(cases.list_offers(container.uow(), actor, case_id)):
        evaluation = evaluate_offer(container.uow(), actor, case_id, view.number, now=now)
        offers.append((offer_card(view), evaluation))
    ledger = paid = None
    if case.state in REPAYING:
        ledger = payments.ledger_view(container.uow(), actor, case_id, today=today)
        paid = payments.list_payments(container.uow(), actor, case_id)
    letters = request_package.list_letters(container.uow(), actor, case_id)
    platform_turn = case.external and "lender" in case.awaiting
    values = _defaults(case, today) | dict(form or {})
    return render(
        request,
        "case",
        user=actor,
        status=status,
        case=case,
        subject=subject,
        timeline=timeline(container, actor, case_id),
        offers=offers,
        ledger=ledger,
        payments=paid,
        letters=letters,
        platform_turn=platform_turn,
        has_agreement=case.state in AGREEMENT_STATES,
        closed=case.state in CLOSED,
        concessions=CONCESSIONS,
        note_channels=cases.CHANNELS,
        pay_channels=payments.CHANNELS,
        form=values,
        errors=errors or {},
        failed=failed,
        idempotency_key=new_token(),
        today=today,
        from_plan=from_plan,
        from_plan_json=None if from_plan is None else json.dumps(from_plan.terms, default=_text),
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: CaseId, plan: str = "") -> Response:
    """The case; a draft opened from a plan (``plan``: the builder's query string) also shows
    that plan's request for its loans, ready to send."""
    subject = borrower_subject(request)
    return _case_page(request, subject, case_id, plan=plan[:MAX_PLAN])


def _refused(
    request: Request,
    subject: Subject,
    case_id: int,
    *,
    error: DomainError,
    fields: set[str] | Mapping[str, str],
    form: Mapping[str, Any],
    failed: str,
) -> Response:
    """The case page again with the error beside its field (a case not theirs stays a 404)."""
    if error.code in ("access.not_found", "access.forbidden"):
        raise error
    return _case_page(
        request,
        subject,
        case_id,
        form=form,
        errors=_errors(error, fields),
        failed=failed,
        status=429 if error.code == "auth.throttled" else 400,
    )


def _back(case_id: int, anchor: str = "") -> RedirectResponse:
    return _see_other(f"/cases/{case_id}" + (f"#{anchor}" if anchor else ""))


def _flag(value: str) -> bool:
    return value in ("1", "on", "true")


# ---------------------------------------------------------------- notes


def _parse_local(value: str, field: str) -> datetime | None:
    """A ``datetime-local`` field (China time) as an aware datetime; empty → None (now)."""
    text = value.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DomainError("web.cases_bad_time", field=field) from None
    return moment.replace(tzinfo=CHINA) if moment.tzinfo is None else moment


@router.post("/cases/{case_id}/notes")
def add_note(
    request: Request,
    case_id: CaseId,
    *,
    note_kind: Text = "message",
    note_text: Text = "",
    note_person: Text = "",
    note_channel: Text = "",
    note_at: Text = "",
    note_result: Text = "",
    note_platform: Text = "",
) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    form = {
        "note_kind": note_kind,
        "note_text": note_text[:MAX_TEXT],
        "note_person": note_person[:MAX_LINE],
        "note_channel": note_channel,
        "note_at": note_at[:40],
        "note_result": note_result[:MAX_TEXT],
        "note_platform": "1" if _flag(note_platform) else "",
    }
    call = note_kind == "call_note"
    try:
        note = NoteInput(
            kind=note_kind,
            text=form["note_text"],
            at=_parse_local(form["note_at"], "at") if call else None,
            person=form["note_person"] if call else "",
            channel=note_channel if call else "",
            result=form["note_result"] if call else "",
            for_platform=_flag(note_platform),
        )
        cases.add_note(
            container.uow(),
            subject.actor,
            case_id,
            note,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    except DomainError as error:
        fields = {f: f"note_{f}" for f in NOTE_FIELDS} | {"for_platform": "note_platform"}
        return _refused(
            request, subject, case_id, error=error, fields=fields, form=form, failed="notes"
        )
    return _back(case_id, "timeline-heading")


# ---------------------------------------------------------------- offers


def _count(value: str, field: str) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 4:
        raise DomainError("proposal.count_not_integer", field=field, value=text)
    return int(text)


def _loan_record(loan_id: int, form: Mapping[str, str]) -> dict[str, Any]:
    """One loan's proposal from the simple form: one concession (months or installments, a
    settlement's percent) and an optional first payment.  Errors name the domain's fields."""
    kind = form.get(f"kind_{loan_id}", "")
    months = form.get(f"months_{loan_id}", "")
    concessions: list[dict[str, Any]] = []
    if kind == "extension":
        extra = _count(months, "extra_months")
        concessions.append(
            {"kind": "extension", "extra_months": extra, "include_overdue_principal": True}
        )
    elif kind in ("interest_stop", "reageing"):
        concessions.append({"kind": kind, "installments": _count(months, "installments")})
    elif kind == "settlement":
        fraction = parse_rate(
            form.get(f"percent_{loan_id}", "").strip(), field="percent", percent=True
        )
        concessions.append(
            {
                "kind": "settlement",
                "percent": format(fraction, "f"),
                "installments": _count(months, "installments"),
            }
        )
    else:
        raise DomainError("proposal.unknown_concession", field="kind", value=kind)
    first = form.get(f"first_payment_{loan_id}", "").strip()
    if first:
        amount = positive_money(first, field="amount")
        concessions.append({"kind": "first_payment", "amount": format(amount, "f")})
    return {"loan_id": str(loan_id), "concessions": concessions}


# A loan's problem, by the domain's field, is shown beside that loan's form field.
LOAN_FIELD = {
    "extra_months": "months",
    "installments": "months",
    "percent": "percent",
    "amount": "first_payment",
    "kind": "kind",
}


class PlacedError(Exception):
    """A domain error and the form field it belongs beside."""

    def __init__(self, place: str, error: DomainError) -> None:
        super().__init__(place)
        self.place, self.error = place, error


def terms_record(case: CaseView, form: Mapping[str, str]) -> dict[str, Any]:
    """The offer's terms (the record ``domain.offer_terms`` reads) from the form, each loan's
    part checked on its own so a problem is shown beside that loan's field
    (``PlacedError``)."""
    start_text = form.get("start", "").strip()
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        raise DomainError("calendar.not_a_date", field="start", value=start_text) from None
    loans_part = []
    for loan_id in case.loan_ids:
        try:
            part = _loan_record(loan_id, form)
            terms_from_record({"start": start.isoformat(), "loans": [part]})
        except DomainError as error:
            name = LOAN_FIELD.get(error.field or "")
            if name is None:
                raise
            raise PlacedError(f"{name}_{loan_id}", error) from None
        loans_part.append(part)
    record: dict[str, Any] = {"start": start.isoformat(), "loans": loans_part}
    note = form.get("note", "").strip()
    if note:
        record["note"] = note
    return record


async def _form_of(request: Request) -> dict[str, str]:
    raw = await request.form()
    return {k: v[:MAX_TEXT] for k, v in raw.items() if isinstance(v, str) and k != "csrf_token"}


def _text(value: object) -> str:
    """A terms record's dates and amounts as the text the record reads back exactly."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"not part of a terms record: {type(value).__name__}")


def _planned_terms(raw: str) -> dict[str, Any]:
    """A plan's request as sent back by its form (a terms record; the domain checks it as it
    checks any terms)."""
    if len(raw) > MAX_PLAN_TERMS:
        raise DomainError("offer.not_an_object", field="terms")
    try:
        record = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise DomainError("offer.not_an_object", field="terms") from None
    if not isinstance(record, dict):
        raise DomainError("offer.not_an_object", field="terms")
    return record


def _offer_post(request: Request, case_id: int, form: dict[str, str], *, submit: bool) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    try:
        case = cases.get_case(container.uow(), subject.actor, case_id, now=container.clock())
        planned = form.get("terms_json", "")
        record = _planned_terms(planned) if planned else terms_record(case, form)
        if submit:
            cases.submit_case(
                container.uow(),
                subject.actor,
                case_id,
                terms=record,
                reply_days=None,
                now=container.clock(),
                sign=container.instance_key.sign,
            )
        else:
            negotiation.counter_offer(
                container.uow(),
                subject.actor,
                case_id,
                terms=record,
                for_platform=_flag(form.get("for_platform", "")),
                reply_days=None,
                now=container.clock(),
                sign=container.instance_key.sign,
            )
    except PlacedError as placed:
        fields = {placed.error.field or "": placed.place}
        return _refused(
            request, subject, case_id, error=placed.error, fields=fields, form=form, failed="offer"
        )
    except DomainError as error:
        fields = {"start": "start", "note": "note", "first_due": "start"}
        return _refused(
            request, subject, case_id, error=error, fields=fields, form=form, failed="offer"
        )
    return _back(case_id, "offers-heading")


@router.post("/cases/{case_id}/submit")
async def submit_proposal(request: Request, case_id: CaseId) -> Response:
    """The borrower's first offer: the draft becomes a request the other side must answer."""
    return _offer_post(request, case_id, await _form_of(request), submit=True)


@router.post("/cases/{case_id}/offers")
async def counter_offer(request: Request, case_id: CaseId) -> Response:
    """A counter-offer: the borrower's, or (``for_platform``) the external platform's."""
    return _offer_post(request, case_id, await _form_of(request), submit=False)


@router.post("/cases/{case_id}/accept")
def accept(request: Request, case_id: CaseId, for_platform: Text = "") -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    try:
        negotiation.accept_offer(
            container.uow(),
            container.blobs,
            subject.actor,
            case_id,
            for_platform=_flag(for_platform),
            lang=page_lang(request),
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    except DomainError as error:
        return _refused(
            request, subject, case_id, error=error, fields=set(), form={}, failed="moves"
        )
    return _see_other(f"/cases/{case_id}/agreement")


@router.post("/cases/{case_id}/actions")
def move(
    request: Request,
    case_id: CaseId,
    *,
    action: Text = "",
    move_reason: Text = "",
    for_platform: Text = "",
) -> Response:
    """Reject, withdraw, reopen (or start the review, for a platform)."""
    subject = borrower_subject(request)
    container = container_of(request)
    form = {"move_reason": move_reason[:MAX_TEXT]}
    try:
        if action not in MOVES:
            raise DomainError("web.cases_move_unknown", field="action")
        cases.move(
            container.uow(),
            subject.actor,
            case_id,
            Action(action),
            reason=form["move_reason"],
            for_platform=_flag(for_platform),
            now=container.clock(),
            sign=container.instance_key.sign,
        )
    except DomainError as error:
        fields = {"reason": "move_reason"}
        return _refused(
            request, subject, case_id, error=error, fields=fields, form=form, failed="moves"
        )
    return _back(case_id)


# ---------------------------------------------------------------- the request package


@router.post("/cases/{case_id}/letters")
def generate_letters(
    request: Request, case_id: CaseId, reason: Text = "", contact: Text = ""
) -> Response:
    subject = borrower_subject(request)
    container = container_of(request)
    form = {"reason": reason[:MAX_TEXT], "contact": contact[:MAX_LINE]}
    try:
        request_package.generate_letters(
            container.uow(),
            subject.actor,
            case_id,
            reason=form["reason"],
            contact=form["contact"],
            now=container.clock(),
        )
    except DomainError as error:
        return _refused(
            request,
            subject,
            case_id,
            error=error,
            fields=LETTER_FIELDS,
            form=form,
            failed="letters",
        )
    return _back(case_id, "letters-heading")


def _letter_args(kind: str, lang: str) -> tuple[str, str]:
    if kind not in LETTER_KINDS:
        raise DomainError("access.not_found", field="letter")
    return kind, lang if lang in LANGS else "zh"


@router.get("/cases/{case_id}/letters/{kind}")
def letter_page(
    request: Request, case_id: CaseId, kind: str, lang: str = "zh", fmt: FormatQuery = ""
) -> Response:
    """A letter to read (not generated yet: says so), or with ``format=pdf`` its PDF."""
    subject = borrower_subject(request)
    container = container_of(request)
    kind, lang = _letter_args(kind, lang)
    if fmt == "pdf":
        data, media_type = request_package.letter_document(
            container.uow(),
            container.blobs,
            subject.actor,
            case_id,
            kind,
            lang=lang,
            fmt="pdf",
            now=container.clock(),
        )
        return _attachment(data, request_package.letter_filename(kind, lang, "pdf"), media_type)
    try:
        letter = request_package.get_letter(
            container.uow(), subject.actor, case_id, kind, lang=lang
        )
    except DomainError as error:
        if error.code != "access.not_found" or error.field != "letter":
            raise
        letter = None
    return render(
        request,
        "case_letter",
        user=subject.actor,
        letter=letter,
        case_id=case_id,
        subject=subject,
    )


# ---------------------------------------------------------------- the agreement


def agreement_body(html: bytes) -> Markup:
    """The agreement document's body, to show inside the page (its own styles stay out: the
    page's policy allows no inline style).  The documents' templates escape every value."""
    text = html.decode("utf-8")
    found = BODY.search(text)
    body = found.group(1) if found else ""
    # One level down: the page has its own h1, the document's title becomes its h2.
    body = HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + 1}", body)
    return Markup(body)  # the documents' templates escape


def _agreement_page(
    request: Request,
    subject: Subject,
    case_id: int,
    *,
    errors: dict[str, DomainError] | None = None,
    failed: str = "",
    status: int = 200,
) -> Response:
    container = container_of(request)
    case = _case_or_404(request, subject, case_id)
    try:
        view = agreements.get_agreement(container.uow(), subject.actor, case_id)
    except DomainError as error:
        if error.code != "access.not_found" or error.field != "agreement":
            raise
        return render(request, "case_agreement", user=subject.actor, case=case, agreement=None)
    html, _ = agreements.agreement_document(
        container.uow(),
        container.blobs,
        subject.actor,
        case_id,
        fmt="html",
        lang=page_lang(request),
    )
    signed = {str(s.get("party")) for s in view.signatures}
    return render(
        request,
        "case_agreement",
        user=subject.actor,
        status=status,
        case=case,
        agreement=view,
        document=agreement_body(html),
        signed=signed,
        awaiting=view.status == "awaiting_signatures",
        errors=errors or {},
        failed=failed,
        subject=subject,
    )


@router.get("/cases/{case_id}/agreement")
def agreement_page(request: Request, case_id: CaseId, fmt: FormatQuery = "") -> Response:
    """The agreement to read and sign, or with ``format=pdf`` its PDF (the sealed one once
    both have signed)."""
    subject = borrower_subject(request)
    if fmt == "pdf":
        container = container_of(request)
        data, media_type = agreements.agreement_document(
            container.uow(), container.blobs, subject.actor, case_id, fmt="pdf"
        )
        return _attachment(data, f"agreement-{case_id}.pdf", media_type)
    return _agreement_page(request, subject, case_id)


@router.post("/cases/{case_id}/agreement/sign")
def sign(
    request: Request,
    case_id: CaseId,
    *,
    document_sha256: Text = "",
    consent: Text = "",
    password: Text = "",
    totp_code: Text = "",
    for_platform: Text = "",
) -> Response:
    subject = borrower_subject(request)
    platform = _flag(for_platform)
    try:
        sign_from_form(
            request,
            subject.actor,
            case_id,
            document_sha256=document_sha256,
            consent=consent,
            password=password,
            totp_code=totp_code,
            for_platform=platform,
        )
    except DomainError as error:
        if error.code in ("access.not_found", "access.forbidden"):
            raise
        return _agreement_page(
            request,
            subject,
            case_id,
            errors=_errors(error, SIGN_FIELDS),
            failed="platform" if platform else "borrower",
            status=429 if error.code == "auth.throttled" else 400,
        )
    return _see_other(f"/cases/{case_id}/agreement")


# ---------------------------------------------------------------- payments


@router.post("/cases/{case_id}/payments")
def record_payment(
    request: Request,
    case_id: CaseId,
    *,
    amount: Text = "",
    paid_on: Text = "",
    pay_channel: Text = "",
    external_ref: Text = "",
    idempotency_key: Text = "",
    for_platform: Text = "",
) -> Response:
    """A payment under the sealed agreement; the hidden idempotency key makes a form sent twice
    (a double click, a reload) record it once."""
    subject = borrower_subject(request)
    typed = PaymentForm.typed(
        amount=amount,
        paid_on=paid_on,
        channel=pay_channel,
        external_ref=external_ref,
        key=idempotency_key,
    )
    try:
        record_from_form(request, subject.actor, case_id, typed, for_platform=_flag(for_platform))
    except DomainError as error:
        fields = {f: f for f in PAYMENT_FIELDS} | {"channel": "pay_channel"}
        form = typed.fields() | {"pay_channel": typed.channel}
        return _refused(
            request, subject, case_id, error=error, fields=fields, form=form, failed="payments"
        )
    return _back(case_id, "ledger-heading")


# ---------------------------------------------------------------- evidence


@router.get("/cases/{case_id}/bundle.zip")
def bundle(request: Request, case_id: CaseId) -> Response:
    """The evidence bundle, exactly what ``GET /api/cases/{id}/bundle.zip`` streams."""
    subject = borrower_subject(request)
    container = container_of(request)
    data = case_export.export_bundle(
        container.uow(),
        container.blobs,
        subject.actor,
        case_id,
        key=container.instance_key,
        now=container.clock(),
    )
    return _attachment(data, case_export.bundle_filename(case_id), ZIP)


@router.post("/cases/{case_id}/receipt")
def receipt(request: Request, case_id: CaseId) -> Response:
    """A signed receipt of the log's head, kept on record and handed over as a JSON file."""
    subject = borrower_subject(request)
    container = container_of(request)
    instance = container.instance_key
    signed = case_receipts.receipt_for_case(
        container.uow(), subject.actor, case_id, now=container.clock(), sign=instance.sign
    )
    document = case_receipts.receipt_document(
        signed, public_key_pem=instance.public_key_pem(), fingerprint=instance.fingerprint
    )
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return _attachment(
        data, f"case-{case_id}-receipt-{signed.receipt.seq}.json", "application/json"
    )
