"""``/api/cases/{case_id}/payments``, ``…/ledger`` and ``…/settlement.pdf``: repayment under the
case's sealed agreement.

Either party records a payment (``services.payments``); the amount is a string in yuan, like
every amount in the API.  ``Idempotency-Key`` is accepted; independently of it, the payment's
own reference (``external_ref``) is unique per agreement: the same reference with the same
amount, date and channel answers 200 with the payment already recorded, with other details
409 ``payment.reference_conflict``.  Reading the ledger or the payments first makes the moves
the ledger calls for today (a missed installment shows as breach without a new post).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from xieshang.services import payments
from xieshang.services.loans import local_today

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, LangDep
from .idempotent_post import created_response
from .schemas_data import PathId, dumped
from .schemas_payments import LedgerOut, PaymentIn, PaymentOut, RecordedPaymentOut

router = APIRouter(tags=["payments"])
PDF = "application/pdf"


@router.post(
    "/api/cases/{case_id}/payments",
    status_code=201,
    response_model=RecordedPaymentOut,
    responses={200: {"model": RecordedPaymentOut, "description": "Already recorded"}},
    summary="Record a payment under the sealed agreement (Idempotency-Key accepted)",
)
def record_payment(
    *,
    case_id: PathId,
    body: PaymentIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    def produce() -> tuple[int, Any]:
        outcome = payments.record_payment(
            container.uow(),
            container.blobs,
            actor,
            case_id,
            body.to_input(),
            for_platform=body.for_platform,
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return (201 if outcome.created else 200), dumped(RecordedPaymentOut.of_outcome(outcome))

    return created_response(
        request,
        container=container,
        actor=actor,
        key=key,
        fingerprint=body.model_dump(mode="json"),
        produce=produce,
    )


def _refresh(container: ContainerDep, actor: ActorDep, case_id: int) -> None:
    payments.refresh(
        container.uow(),
        container.blobs,
        actor,
        case_id,
        now=container.clock(),
        sign=container.instance_key.sign,
    )


@router.get(
    "/api/cases/{case_id}/payments",
    response_model=list[PaymentOut],
    summary="The payments under the case's agreement, in the order recorded",
)
def list_payments(case_id: PathId, container: ContainerDep, actor: ActorDep) -> list[PaymentOut]:
    _refresh(container, actor, case_id)
    return [PaymentOut.of(p) for p in payments.list_payments(container.uow(), actor, case_id)]


@router.get(
    "/api/cases/{case_id}/ledger",
    response_model=LedgerOut,
    summary="The repayment ledger today: installments, status and reasons, totals",
)
def get_ledger(
    case_id: PathId, container: ContainerDep, actor: ActorDep, lang: LangDep
) -> LedgerOut:
    _refresh(container, actor, case_id)
    view = payments.ledger_view(
        container.uow(), actor, case_id, today=local_today(container.clock())
    )
    return LedgerOut.of(view, lang)


@router.get(
    "/api/cases/{case_id}/settlement.pdf",
    summary="The settlement certificate (结清证明); 404 until every installment is paid",
    response_class=Response,
    responses={200: {"content": {PDF: {}}}},
)
def settlement_pdf(case_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    _refresh(container, actor, case_id)
    pdf = payments.settlement_certificate(container.uow(), container.blobs, actor, case_id)
    return Response(
        content=pdf,
        media_type=PDF,
        headers={
            "Content-Disposition": f'attachment; filename="settlement-case-{case_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )
