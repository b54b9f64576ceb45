"""``/api/loans``: a borrower's loans; one loan comes with its computed schedule, all-in APR,
legal assessment and standing today (China's calendar day).

``?borrower_id=`` on the list and on POST lets a granted counselor or consented lender staff
(reading only) act on a borrower; a loan's own id says whose it is.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from xieshang.services import loans

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, LangDep, PageDep
from .idempotent_post import created_response
from .schemas_data import MAX_ID, LoanDetailOut, LoanIn, LoanOut, LoanPage, PathId, dumped, page_of

router = APIRouter(tags=["loans"])

BorrowerQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="The borrower acted for (default: yourself).")
]


@router.get("/api/loans", response_model=LoanPage, summary="List loans")
def list_loans(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    borrower_id: BorrowerQuery = None,
) -> LoanPage:
    found = loans.list_loans(
        container.uow(),
        actor,
        borrower_id or actor.user_id,
        limit=page.limit,
        offset=page.offset,
    )
    return page_of(LoanPage, found, LoanOut.of)


@router.post(
    "/api/loans",
    status_code=201,
    response_model=LoanOut,
    summary="Record a loan (Idempotency-Key accepted)",
)
def create_loan(
    *,
    body: LoanIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    borrower_id: BorrowerQuery = None,
) -> Response:
    target = borrower_id or actor.user_id

    def produce() -> tuple[int, Any]:
        view = loans.create_loan(
            container.uow(), actor, target, body.to_input(), now=container.clock()
        )
        return 201, dumped(LoanOut.of(view))

    fingerprint = {"borrower_id": target, "loan": body.model_dump(mode="json")}
    return created_response(
        request, container=container, actor=actor, key=key, fingerprint=fingerprint, produce=produce
    )


@router.get(
    "/api/loans/{loan_id}",
    response_model=LoanDetailOut,
    summary="A loan with its schedule, APR, legal assessment and standing",
)
def get_loan(
    loan_id: PathId, container: ContainerDep, actor: ActorDep, lang: LangDep
) -> LoanDetailOut:
    detail = loans.get_loan(
        container.uow(), actor, loan_id, as_of=loans.local_today(container.clock())
    )
    return LoanDetailOut.of_detail(detail, lang)


@router.put("/api/loans/{loan_id}", response_model=LoanOut, summary="Replace a loan's terms")
def update_loan(loan_id: PathId, body: LoanIn, container: ContainerDep, actor: ActorDep) -> LoanOut:
    view = loans.update_loan(
        container.uow(), actor, loan_id, body.to_input(), now=container.clock()
    )
    return LoanOut.of(view)


@router.delete(
    "/api/loans/{loan_id}",
    status_code=204,
    summary="Delete a loan (its documents stay, unlinked)",
)
def delete_loan(loan_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    loans.delete_loan(container.uow(), actor, loan_id)
    return Response(status_code=204)
