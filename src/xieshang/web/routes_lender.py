"""Lender staff: a case at the desk (evaluation, counter-offers, approval, signing, payments)
and portfolio figures.

Every page and form asks the services as the logged-in agent or supervisor, exactly as the API
routes do: a case of another organisation is "not found", any other role is refused.  The
borrower appears masked (``domain.masking``: 李*), never with an e-mail or ID number.

The counter-offer builder is a form of per-loan concessions (``l{loan}_{what}`` fields); it is
pre-filled with the suggested counter-offer — the borrower's standing proposal brought within
the organisation's policy limits (``domain.counter_suggestion``, from the evaluation's
breaches).  Beyond policy an agent is refused (``policy.approval_required``, shown above the
builder); a supervisor's counter-offer or acceptance beyond policy goes out and the log
records it as an approval (``services.negotiation``).

Reading pages change nothing: the case page shows the ledger as replayed for today without
making the moves ``payments.refresh`` would make (a POST does those).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from fastapi import Form
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.case_state import Action
from xieshang.domain.counter_suggestion import within_policy
from xieshang.domain.errors import DomainError
from xieshang.domain.money import positive_money
from xieshang.domain.rates import parse_rate
from xieshang.present.charts import bar_chart
from xieshang.services import (
    agreements,
    assignment,
    cases,
    negotiation,
    payments,
    portfolio,
    statements,
)
from xieshang.services.access import Actor
from xieshang.services.cases import OfferView
from xieshang.services.loans import local_today
from xieshang.services.offer_evaluation import OfferEvaluation, evaluate_offer

from .lang import page_lang
from .payment_form import PaymentForm, record_from_form
from .render import label, render
from .session import container_of, page_router, require_actor
from .signing_form import sign_from_form
from .timeline import offer_card, timeline

router = page_router()

STAFF = ("agent", "supervisor")
Text = Annotated[str, Form()]
T = TypeVar("T")

MAX_TEXT = 200
MAX_NOTE = 2000
# The builder's fields for each loan (``l{loan}_{name}``) and the concession they make.
COUNT_FIELDS = {
    "extension": ("extension", "extra_months"),
    "interest_stop": ("interest_stop", "installments"),
    "reageing": ("reageing", "installments"),
    "holiday": ("holiday", "months"),
}
WAIVER_TARGETS = ("penalty", "fees", "interest", "overdue_interest")
# A field the domain names, as the builder's field of a case's only loan.
DOMAIN_FIELD = {
    "extra_months": "extension",
    "new_annual_rate": "rate",
    "percent": "settlement",
    "fraction": "waive_share",
    "amount": "first_payment",
    "months": "holiday",
}
ACTIONS = {"start_review", "reject", "accept"}
PAY_FIELDS = ("amount", "paid_on", "channel", "external_ref")
PAY_CHANNELS = payments.CHANNELS
HUNDRED = Decimal(100)


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def _staff(request: Request) -> Actor:
    return require_actor(request, *STAFF)


def _is_access(error: DomainError) -> bool:
    return error.code.startswith(("access.", "auth."))


# ---------------------------------------------------------------------------------------------
# the counter-offer builder: form ⇄ terms record


def _pct(fraction: object) -> str:
    """A stored fraction as the percent typed in the form (``"0.24"`` → ``"24"``)."""
    value = Decimal(str(fraction)) * HUNDRED
    text = format(value.normalize(), "f")
    return text


def form_of_terms(terms: Mapping[str, Any]) -> dict[str, Any]:
    """The builder's fields for a terms record (what a refused form would have kept)."""
    form: dict[str, Any] = {
        "start": str(terms.get("start", "")),
        "note": str(terms.get("note", "")),
        "reply_days": "",
    }
    for loan in terms.get("loans", []):
        p = f"l{loan['loan_id']}_"
        waived: list[str] = []
        for c in loan.get("concessions", []):
            kind = c.get("kind")
            for name, (k, field) in COUNT_FIELDS.items():
                if kind == k:
                    form[p + name] = str(c.get(field, ""))
            if kind == "extension" and c.get("include_overdue_principal"):
                form[p + "extension_overdue"] = "1"
            if kind == "rate":
                form[p + "rate"] = _pct(c["new_annual_rate"])
            elif kind == "settlement":
                form[p + "settlement"] = _pct(c["percent"])
                form[p + "settlement_installments"] = str(c.get("installments", 1))
            elif kind == "waiver" and c.get("amount") is None:
                waived.append(str(c.get("target")))
                if c.get("fraction") is not None:
                    form[p + "waive_share"] = _pct(c["fraction"])
            elif kind == "waiver":  # a fixed amount: the builder offers shares only
                form["left_out"] = "1"
            elif kind == "first_payment":
                form[p + "first_payment"] = str(c["amount"])
        form[p + "waive"] = waived
    return form


def _count(text: str, field: str) -> int:
    value = text.strip()
    if not value.isdigit() or len(value) > 4:
        raise DomainError("proposal.count_not_integer", field=field, value=value[:20])
    return int(value)


def _fraction(text: str, field: str) -> str:
    return format(parse_rate(text, field=field, percent=True), "f")


def terms_of_form(form: Mapping[str, Any], loan_ids: tuple[int, ...]) -> dict[str, Any]:
    """The terms record the builder's fields describe; a field that cannot be read is a
    ``DomainError`` naming that field (the domain checks the rest when the offer is made)."""
    loans = []
    for loan_id in loan_ids:
        p = f"l{loan_id}_"

        def value(name: str, p: str = p) -> str:
            return str(form.get(p + name, "")).strip()

        concessions: list[dict[str, Any]] = []
        for name, (kind, field) in COUNT_FIELDS.items():
            if value(name):
                concessions.append({"kind": kind, field: _count(value(name), p + name)})
                if name == "extension" and value("extension_overdue"):
                    concessions[-1]["include_overdue_principal"] = True
        if value("rate"):
            concessions.append(
                {"kind": "rate", "new_annual_rate": _fraction(value("rate"), p + "rate")}
            )
        if value("settlement"):
            installments = value("settlement_installments") or "1"
            concessions.append(
                {
                    "kind": "settlement",
                    "percent": _fraction(value("settlement"), p + "settlement"),
                    "installments": _count(installments, p + "settlement_installments"),
                }
            )
        waive = form.get(p + "waive", [])
        share = value("waive_share")
        for target in WAIVER_TARGETS:
            if target in waive:
                waiver: dict[str, Any] = {"kind": "waiver", "target": target}
                if share:
                    waiver["fraction"] = _fraction(share, p + "waive_share")
                concessions.append(waiver)
        if value("first_payment"):
            amount = positive_money(value("first_payment"), field=p + "first_payment")
            concessions.append({"kind": "first_payment", "amount": format(amount, "f")})
        loans.append({"loan_id": str(loan_id), "concessions": concessions})
    record: dict[str, Any] = {"loans": loans, "start": str(form.get("start", "")).strip()}
    note = str(form.get("note", "")).strip()
    if note:
        record["note"] = note[:MAX_NOTE]
    return record


def builder_field(error: DomainError, loan_ids: tuple[int, ...]) -> str:
    """Where a refused counter-offer's message goes: beside the builder's field it names (a
    domain field of a case's only loan maps to that loan's field), else above the builder."""
    field = error.field or ""
    if field in ("start", "reply_days", "note") or field.startswith("l"):
        return field
    if len(loan_ids) == 1 and field in DOMAIN_FIELD:
        return f"l{loan_ids[0]}_{DOMAIN_FIELD[field]}"
    return "terms"


def _raw_form(data: Any) -> dict[str, Any]:
    """The posted form as text (checkbox groups ``…_waive`` as lists), bounded."""
    form: dict[str, Any] = {}
    for key in set(data.keys()):
        if len(key) > 60 or key == "csrf_token":
            continue
        if key.endswith("_waive"):
            form[key] = [str(v)[:MAX_TEXT] for v in data.getlist(key)][: len(WAIVER_TARGETS)]
        else:
            form[key] = str(data.get(key, ""))[:MAX_NOTE]
    return form


# ---------------------------------------------------------------------------------------------
# the case page


def _try(produce: Callable[[], T]) -> T | None:
    """What ``produce`` gives, or None when the services say it is not there (yet)."""
    try:
        return produce()
    except DomainError as error:
        if error.code == "access.not_found":
            return None
        raise


MONEY_FIGURES = ("owed", "regular_payment", "amount_waived", "total_to_pay")


def _offer_item(offer: OfferView, evaluation: OfferEvaluation) -> dict[str, Any]:
    """An offer for the desk: the shared card (``web.timeline.offer_card``) with the
    organisation's evaluation, and below it per-loan figures as amounts, the concessions' kinds
    per loan, the new plan's start and the policy check."""
    rows = [
        {
            "loan_id": p["loan_id"],
            "months_to_clear": p.get("months_to_clear"),
            **{k: None if p.get(k) is None else Decimal(str(p[k])) for k in MONEY_FIGURES},
        }
        for p in offer.figures.get("loans", [])
    ]
    kinds = [[c["kind"] for c in loan.get("concessions", [])] for loan in offer.terms["loans"]]
    return {
        "offer": offer,
        "card": offer_card(offer),
        "evaluation": evaluation,
        "ev": evaluation.lender,
        "rows": rows,
        "kinds": kinds,
        "start": date.fromisoformat(str(offer.terms["start"])),
    }


def _case_context(request: Request, actor: Actor, case_id: int) -> dict[str, Any]:
    container = container_of(request)
    now = container.clock()
    today = local_today(now)
    case = cases.get_case(container.uow(), actor, case_id, now=now)
    borrower = portfolio.case_borrower_label(container.uow(), actor, case_id)
    summary = _try(
        lambda: statements.get_statement(container.uow(), actor, case.borrower_id).summary
    )
    offers = [
        _offer_item(offer, evaluate_offer(container.uow(), actor, case_id, offer.number, now=now))
        for offer in reversed(cases.list_offers(container.uow(), actor, case_id))
    ]
    standing = next((o for o in offers if o["offer"].status == "open"), None)
    suggestion = needs_approval = None
    if standing is not None and standing["offer"].made_by == "borrower" and standing["ev"]:
        suggestion = within_policy(standing["offer"].terms, standing["ev"].breaches)
        # As services.offer_evaluation.require_within_policy decides: only a supervisor's role
        # is ever required of an agent.
        role = standing["ev"].needs_approval_by
        needs_approval = role if role == "supervisor" and actor.role != role else None
    agreement = _try(lambda: agreements.get_agreement(container.uow(), actor, case_id))
    ledger = _try(lambda: payments.ledger_view(container.uow(), actor, case_id, today=today))
    paid = payments.list_payments(container.uow(), actor, case_id) if ledger else []
    lender_signed = agreement is not None and any(
        s["party"] == "lender" for s in agreement.signatures
    )
    base_terms = suggestion or (
        offers[0]["offer"].terms if offers else {"start": today.isoformat()}
    )
    holder = assignment.get_assignment(container.uow(), actor, case_id)
    members = assignment.staff(container.uow(), actor) if actor.role == "supervisor" else ()
    return {
        "case": case,
        "assigned": holder,
        "members": members,
        "timeline": timeline(container, actor, case_id),
        "borrower": borrower,
        "summary": summary,
        "offers": offers,
        "standing": standing,
        "suggestion": suggestion,
        "needs_approval": needs_approval,
        "agreement": agreement,
        "lender_signed": lender_signed,
        "ledger": ledger,
        "paid": paid,
        "today": today,
        "channels": PAY_CHANNELS,
        "waiver_targets": WAIVER_TARGETS,
        "builder": form_of_terms(base_terms),
        "pay": {"paid_on": today.isoformat(), "key": uuid.uuid4().hex},
        "errors": {},
    }


def _case_page(
    request: Request,
    actor: Actor,
    case_id: int,
    *,
    status: int = 200,
    **overrides: Any,
) -> Response:
    context = _case_context(request, actor, case_id)
    context.update(overrides)
    return render(request, "lender_case", user=actor, status=status, **context)


def in_words(error: DomainError, lang: str) -> DomainError:
    """``policy.approval_required`` with the role and the limits named in ``lang`` (the
    services name them by code); any other error as it is."""
    if error.code != "policy.approval_required":
        return error
    role = str(error.params.get("role", ""))
    codes = [c for c in str(error.params.get("codes", "")).split(",") if c]
    limits = [label("web_lender_limit_" + c.removeprefix("policy."), lang) for c in codes]
    return DomainError(
        error.code,
        field=error.field,
        role=label("web_lender_role_" + role, lang) if role in ("agent", "supervisor") else role,
        codes=("、" if lang == "zh" else ", ").join(limits),
    )


def _refused(
    request: Request, actor: Actor, case_id: int, error: DomainError, field: str, **kept: Any
) -> Response:
    """The case page again with ``error`` beside ``field`` and what was typed kept (400)."""
    if _is_access(error):
        raise error
    shown = in_words(error, page_lang(request))
    return _case_page(request, actor, case_id, status=400, errors={field: shown}, **kept)


@router.get("/desk/cases/{case_id}")
def case_page(request: Request, case_id: int) -> Response:
    actor = _staff(request)
    return _case_page(request, actor, case_id)


@router.post("/desk/cases/{case_id}/offers")
async def counter_offer(request: Request, case_id: int) -> Response:
    """Send a counter-offer built in the form (beyond policy: an approver's only)."""
    container = container_of(request)
    form = _raw_form(await request.form())

    def send() -> Response:
        actor = _staff(request)
        case = cases.get_case(container.uow(), actor, case_id, now=container.clock())
        kept = {"builder": form}
        try:
            terms = terms_of_form(form, case.loan_ids)
            reply = form.get("reply_days", "").strip()
            reply_days = _count(reply, "reply_days") if reply else None
            negotiation.counter_offer(
                container.uow(),
                actor,
                case_id,
                terms=terms,
                reply_days=reply_days,
                now=container.clock(),
                sign=container.instance_key.sign,
            )
        except DomainError as error:
            where = builder_field(error, case.loan_ids)
            return _refused(request, actor, case_id, error, where, **kept)
        return _see_other(f"/desk/cases/{case_id}#offers")

    return await run_in_threadpool(send)


@router.post("/desk/cases/{case_id}/assignee")
def assign(request: Request, case_id: int, assignee_id: Text = "") -> Response:
    """Take the case, hand it back (an agent), or give it to a colleague (a supervisor):
    ``assignee_id`` a member of staff, or empty for nobody."""
    actor = _staff(request)
    container = container_of(request)
    cases.get_case(container.uow(), actor, case_id, now=container.clock())
    try:
        wanted = assignee_id.strip()
        if wanted and not (wanted.isdigit() and len(wanted) <= 18):
            raise DomainError("case.assignee_not_staff", field="assignee_id")
        assignment.assign_case(
            container.uow(),
            actor,
            case_id,
            int(wanted) if wanted else None,
            now=container.clock(),
        )
    except DomainError as error:
        return _refused(request, actor, case_id, error, "assignee_id")
    return _see_other(f"/desk/cases/{case_id}")


@router.post("/desk/cases/{case_id}/actions")
def case_action(request: Request, case_id: int, action: Text = "", reason: Text = "") -> Response:
    """Start the review, reject the standing offer, or accept it (the agreement is drawn up in
    the page's language; beyond policy only the approver may accept)."""
    actor = _staff(request)
    container = container_of(request)
    now = container.clock()
    cases.get_case(container.uow(), actor, case_id, now=now)  # not theirs: 404 first
    try:
        if action not in ACTIONS:
            raise DomainError("web.lender_action_unknown", field="action", value=action[:40])
        if action == "accept":
            negotiation.accept_offer(
                container.uow(),
                container.blobs,
                actor,
                case_id,
                lang=page_lang(request),
                now=now,
                sign=container.instance_key.sign,
            )
        else:
            cases.move(
                container.uow(),
                actor,
                case_id,
                Action(action),
                reason=reason[:MAX_NOTE],
                now=now,
                sign=container.instance_key.sign,
            )
    except DomainError as error:
        return _refused(request, actor, case_id, error, "action", reason=reason[:MAX_NOTE])
    return _see_other(f"/desk/cases/{case_id}")


@router.post("/desk/cases/{case_id}/sign")
def sign(
    request: Request,
    case_id: int,
    *,
    document_sha256: Text = "",
    consent: Text = "",
    password: Text = "",
    totp_code: Text = "",
) -> Response:
    """Sign the agreement for the organisation: the document's digest as shown, the consent
    sentence confirmed, and the password or a one-time code again."""
    actor = _staff(request)
    container = container_of(request)
    cases.get_case(container.uow(), actor, case_id, now=container.clock())
    try:
        sign_from_form(
            request,
            actor,
            case_id,
            document_sha256=document_sha256,
            consent=consent,
            password=password,
            totp_code=totp_code,
        )
    except DomainError as error:
        field = error.field if error.field in ("consent", "password", "totp_code") else "sign"
        return _refused(request, actor, case_id, error, field)
    return _see_other(f"/desk/cases/{case_id}#agreement")


@router.post("/desk/cases/{case_id}/payments")
def post_payment(
    request: Request,
    case_id: int,
    *,
    amount: Text = "",
    paid_on: Text = "",
    channel: Text = "",
    external_ref: Text = "",
    idempotency_key: Text = "",
) -> Response:
    """Post a payment under the sealed agreement; the hidden key makes a resubmitted form
    (a double click, a reload) the same payment."""
    actor = _staff(request)
    container = container_of(request)
    cases.get_case(container.uow(), actor, case_id, now=container.clock())
    typed = PaymentForm.typed(
        amount=amount,
        paid_on=paid_on,
        channel=channel,
        external_ref=external_ref,
        key=idempotency_key,
    )
    try:
        record_from_form(request, actor, case_id, typed)
    except DomainError as error:
        field = error.field if error.field in PAY_FIELDS else "pay"
        return _refused(
            request, actor, case_id, error, field, pay=typed.fields() | {"key": typed.key}
        )
    return _see_other(f"/desk/cases/{case_id}#payments")


# ---------------------------------------------------------------------------------------------
# approvals and the portfolio


@router.get("/desk/approvals")
def approvals(request: Request) -> Response:
    """For supervisors: the borrowers' standing offers beyond the organisation's policy, which
    only they may accept (or answer with a counter-offer) from the case page."""
    actor = require_actor(request, "supervisor")
    container = container_of(request)
    waiting = portfolio.awaiting_approval(container.uow(), actor, now=container.clock())
    return render(request, "lender_approvals", user=actor, waiting=waiting)


@router.get("/portfolio")
def portfolio_page(request: Request) -> Response:
    """The organisation's figures: cases by state, acceptance, amounts restructured, on-track
    repayment — with charts drawn on the server."""
    actor = _staff(request)
    container = container_of(request)
    lang = page_lang(request)
    figures = portfolio.portfolio_figures(container.uow(), actor, now=container.clock())
    states_chart = bar_chart(
        label("web_lender_chart_states", lang),
        [(label("case_state_" + s, lang), Decimal(n)) for s, n in figures.by_state],
        formatter=lambda v: format(v, "f"),
    )
    amounts_chart = bar_chart(
        label("web_lender_chart_amounts", lang),
        [
            (label("web_lender_restructured_owed", lang), figures.restructured_owed),
            (label("web_lender_restructured_to_pay", lang), figures.restructured_to_pay),
        ],
    )
    return render(
        request,
        "portfolio",
        user=actor,
        figures=figures,
        states_chart=states_chart,
        amounts_chart=amounts_chart,
    )
