"""``/api/cases``: negotiation cases — open, submit the request, counter-offer, accept, the
other moves, notes of every contact, the evidence log and signed receipts of it.

Who may do what is the services' business (``services.cases``): the borrower side (the
borrower, or a counselor with a grant), the lender side (staff of the case's organisation,
once the case is submitted) or, for an external platform, the borrower side recording the
platform's moves (``for_platform``).  Anyone else gets 404.  A move the case's state or turn
does not allow is 409 with the domain's reason; terms the domain refuses are 422 naming the
field.  Every POST accepts an ``Idempotency-Key``: a retry gets the first answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from xieshang.domain.case_state import Action
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import serialise_log
from xieshang.services import case_receipts, cases, negotiation, payments
from xieshang.services.offer_evaluation import evaluate_offer

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, LangDep, PageDep
from .errors import DEFAULT_STATUS, error_response, status_for
from .idempotent_post import created_response
from .schemas_cases import (
    AcceptIn,
    CaseIn,
    CaseLogOut,
    CaseOut,
    CasePage,
    CounterIn,
    LogEntryOut,
    MoveIn,
    MoveName,
    NoteIn,
    OfferDetailOut,
    OfferOut,
    ReceiptOut,
    StoredReceiptOut,
    SubmitIn,
    VerificationOut,
)
from .schemas_data import MAX_ID, PathId, dumped

router = APIRouter(tags=["cases"])

BorrowerQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="The borrower acted for (default: yourself).")
]
OfferNumber = Annotated[int, Path(ge=1, le=100_000)]
JSONL = "application/x-ndjson"


def _post(
    request: Request,
    *,
    container: ContainerDep,
    actor: ActorDep,
    key: str | None,
    body: Any,
    produce: Callable[[], tuple[int, Any]],
    terms: bool = False,
) -> Response:
    """An idempotent POST; with ``terms``, input the domain refuses is 422 (not 400)."""
    try:
        return created_response(
            request,
            container=container,
            actor=actor,
            key=key,
            fingerprint=None if body is None else body.model_dump(mode="json"),
            produce=produce,
        )
    except DomainError as error:
        if not terms or status_for(error.code) != DEFAULT_STATUS:
            raise
        return error_response(
            request, error.code, field=error.field, status=422, **dict(error.params)
        )


@router.post(
    "/api/cases",
    status_code=201,
    response_model=CaseOut,
    summary="Open a draft case with a lender here or an external platform",
)
def open_case(
    *,
    body: CaseIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    def produce() -> tuple[int, Any]:
        view = cases.open_case(
            container.uow(),
            actor,
            body.borrower_id or actor.user_id,
            loan_ids=list(body.loan_ids),
            lender_organisation_id=body.lender_organisation_id,
            external_platform=body.external_platform,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return 201, dumped(CaseOut.of(view))

    return _post(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        produce=produce,
    )


@router.get("/api/cases", response_model=CasePage, summary="List cases")
def list_cases(
    container: ContainerDep, actor: ActorDep, page: PageDep, borrower_id: BorrowerQuery = None
) -> CasePage:
    """The borrower side's cases (a counselor passes ``borrower_id``); lender staff: their
    organisation's submitted cases."""
    views, total = cases.list_cases(
        container.uow(),
        actor,
        borrower_id=borrower_id,
        limit=page.limit,
        offset=page.offset,
        now=container.clock(),
    )
    return CasePage(
        items=[CaseOut.of(v) for v in views], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/api/cases/{case_id}", response_model=CaseOut, summary="A case")
def get_case(case_id: PathId, container: ContainerDep, actor: ActorDep) -> CaseOut:
    now = container.clock()
    # The ledger's moves for today first (a missed installment shows as breach on sight).
    payments.refresh(
        container.uow(),
        container.blobs,
        actor,
        case_id,
        now=now,
        sign=container.instance_key.sign,
    )
    return CaseOut.of(cases.get_case(container.uow(), actor, case_id, now=now))


@router.post(
    "/api/cases/{case_id}/submit",
    status_code=201,
    response_model=OfferOut,
    summary="Submit the request: the borrower's first offer (arrears pause from today)",
)
def submit_case(
    *,
    case_id: PathId,
    body: SubmitIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    def produce() -> tuple[int, Any]:
        view = cases.submit_case(
            container.uow(),
            actor,
            case_id,
            terms=body.terms.record(),
            reply_days=body.reply_days,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return 201, dumped(OfferOut.of(view))

    return _post(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        produce=produce,
        terms=True,
    )


@router.post(
    "/api/cases/{case_id}/offers",
    status_code=201,
    response_model=OfferOut,
    summary="A counter-offer (for_platform: the platform's, recorded by the borrower side)",
)
def counter_offer(
    *,
    case_id: PathId,
    body: CounterIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    def produce() -> tuple[int, Any]:
        view = negotiation.counter_offer(
            container.uow(),
            actor,
            case_id,
            terms=body.terms.record(),
            for_platform=body.for_platform,
            reply_days=body.reply_days,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return 201, dumped(OfferOut.of(view))

    return _post(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        produce=produce,
        terms=True,
    )


@router.get(
    "/api/cases/{case_id}/offers", response_model=list[OfferOut], summary="The case's offers"
)
def list_offers(case_id: PathId, container: ContainerDep, actor: ActorDep) -> list[OfferOut]:
    return [OfferOut.of(v) for v in cases.list_offers(container.uow(), actor, case_id)]


@router.get(
    "/api/cases/{case_id}/offers/{number}",
    response_model=OfferDetailOut,
    summary="An offer with the caller's side's evaluation of it",
)
def get_offer(
    case_id: PathId, number: OfferNumber, container: ContainerDep, actor: ActorDep, lang: LangDep
) -> OfferDetailOut:
    evaluation = evaluate_offer(container.uow(), actor, case_id, number, now=container.clock())
    return OfferDetailOut.of_evaluation(evaluation, lang)


@router.post(
    "/api/cases/{case_id}/accept",
    response_model=CaseOut,
    summary="Accept the other side's standing offer: the agreement is drawn up for signing",
)
def accept_offer(
    *,
    case_id: PathId,
    body: AcceptIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    lang: LangDep,
) -> Response:
    def produce() -> tuple[int, Any]:
        view = negotiation.accept_offer(
            container.uow(),
            container.blobs,
            actor,
            case_id,
            for_platform=body.for_platform,
            lang=body.lang or lang,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return 200, dumped(CaseOut.of(view))

    return _post(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        produce=produce,
    )


@router.post(
    "/api/cases/{case_id}/actions/{action}",
    response_model=CaseOut,
    summary="start_review, reject, withdraw, reopen or activate",
)
def move_case(
    *,
    case_id: PathId,
    action: MoveName,
    body: MoveIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    def produce() -> tuple[int, Any]:
        view = cases.move(
            container.uow(),
            actor,
            case_id,
            Action(action),
            reason=body.reason,
            for_platform=body.for_platform,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return 200, dumped(CaseOut.of(view))

    return _post(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        produce=produce,
    )


@router.post(
    "/api/cases/{case_id}/notes",
    status_code=201,
    response_model=LogEntryOut,
    summary="Record a message or a call note (time, person, channel, what was said, result)",
)
def add_note(
    *,
    case_id: PathId,
    body: NoteIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    def produce() -> tuple[int, Any]:
        entry = cases.add_note(
            container.uow(),
            actor,
            case_id,
            body.to_input(),
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return 201, dumped(LogEntryOut.of(entry))

    return _post(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        produce=produce,
    )


@router.get(
    "/api/cases/{case_id}/log",
    response_model=CaseLogOut,
    summary="The evidence log, its verification and its signed receipts",
)
def get_log(case_id: PathId, container: ContainerDep, actor: ActorDep, lang: LangDep) -> CaseLogOut:
    report = case_receipts.log_report(container.uow(), actor, case_id)
    return CaseLogOut(
        case_id=case_id,
        entries=[LogEntryOut.of(e) for e in report.entries],
        verification=VerificationOut.of(report.verification, lang),
        receipts=[StoredReceiptOut.of(r) for r in report.receipts],
    )


@router.get(
    "/api/cases/{case_id}/log.jsonl",
    summary="The raw evidence log, one canonical JSON entry a line",
    response_class=Response,
    responses={200: {"content": {JSONL: {}}}},
)
def get_log_lines(case_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    entries = cases.case_log(container.uow(), actor, case_id)
    return Response(
        content=serialise_log(entries),
        media_type=JSONL,
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-log.jsonl"'},
    )


@router.post(
    "/api/cases/{case_id}/receipt",
    status_code=201,
    response_model=ReceiptOut,
    summary="A receipt of the log's head, signed by the instance's key",
)
def issue_receipt(
    *,
    case_id: PathId,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    instance = container.instance_key

    def produce() -> tuple[int, Any]:
        signed = case_receipts.receipt_for_case(
            container.uow(), actor, case_id, now=container.clock(), sign=instance.sign
        )
        document = case_receipts.receipt_document(
            signed, public_key_pem=instance.public_key_pem(), fingerprint=instance.fingerprint
        )
        return 201, dumped(ReceiptOut(**document))

    return _post(
        request,
        container=container,
        actor=actor,
        key=key,
        body=None,
        produce=produce,
    )
