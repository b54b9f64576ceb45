"""``/api/conduct``: the borrower's log of collection contacts, the flags the rules raise on
it, and a complaint draft to one organisation.

Only the borrower (and a counselor they granted access to, with ``?borrower_id=``) reaches
these records; lender staff get 404 whatever the borrower shared with them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from xieshang.services import conduct, conduct_complaint
from xieshang.services.loans import local_today

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, LangDep, PageDep
from .idempotent_post import created_response
from .schemas_conduct import ContactIn, ContactOut, ContactPage, ReviewOut
from .schemas_data import MAX_ID, PathId, dumped, page_of

router = APIRouter(tags=["conduct"])

BorrowerQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="The borrower acted for (default: yourself).")
]
OrganisationQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="Only this organisation's contacts."),
]


@router.get(
    "/api/conduct/contacts",
    response_model=ContactPage,
    summary="List recorded collection contacts (oldest first), each with the flags citing it",
)
def list_contacts(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    lang: LangDep,
    borrower_id: BorrowerQuery = None,
) -> ContactPage:
    found = conduct.list_contacts(
        container.uow(),
        actor,
        borrower_id or actor.user_id,
        limit=page.limit,
        offset=page.offset,
    )
    return page_of(ContactPage, found, lambda v: ContactOut.of(v, lang))


@router.post(
    "/api/conduct/contacts",
    status_code=201,
    response_model=ContactOut,
    summary="Record a collection contact (Idempotency-Key accepted)",
)
def record_contact(
    *,
    body: ContactIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
    lang: LangDep,
    borrower_id: BorrowerQuery = None,
) -> Response:
    target = borrower_id or actor.user_id

    def produce() -> tuple[int, Any]:
        view = conduct.record_contact(
            container.uow(),
            actor,
            target,
            body.to_input(),
            now=container.clock(),
            sign=container.instance_key.sign,
        )
        return 201, dumped(ContactOut.of(view, lang))

    fingerprint = {"borrower_id": target, "contact": body.model_dump(mode="json")}
    return created_response(
        request, container=container, actor=actor, key=key, fingerprint=fingerprint, produce=produce
    )


@router.delete(
    "/api/conduct/contacts/{contact_id}",
    status_code=204,
    summary="Delete a contact recorded by mistake (a linked case's log keeps both entries)",
)
def delete_contact(contact_id: PathId, container: ContainerDep, actor: ActorDep) -> Response:
    conduct.delete_contact(
        container.uow(),
        actor,
        contact_id,
        now=container.clock(),
        sign=container.instance_key.sign,
    )
    return Response(status_code=204)


@router.get(
    "/api/conduct/review",
    response_model=ReviewOut,
    summary="The rules the recorded contacts appear to break, with their citations",
)
def review(
    container: ContainerDep,
    actor: ActorDep,
    lang: LangDep,
    borrower_id: BorrowerQuery = None,
    organisation: OrganisationQuery = None,
) -> ReviewOut:
    found = conduct.review(
        container.uow(), actor, borrower_id or actor.user_id, organisation=organisation
    )
    return ReviewOut.of(found, lang)


@router.get(
    "/api/conduct/complaint",
    response_class=Response,
    summary="A complaint draft to one organisation from its flagged contacts",
    responses={
        200: {
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            }
        }
    },
)
def complaint(
    *,
    container: ContainerDep,
    actor: ActorDep,
    request_lang: LangDep,
    organisation: Annotated[
        str,
        Query(min_length=1, max_length=200, description="The lender or agency complained to."),
    ],
    fmt: Annotated[
        Literal["text", "html", "pdf"], Query(alias="format", description="text, html or pdf.")
    ] = "text",
    lang: Annotated[
        Literal["zh", "en"] | None,
        Query(description="The letter's language (default: Accept-Language)."),
    ] = None,
    borrower_id: BorrowerQuery = None,
) -> Response:
    letter = conduct_complaint.complaint_for(
        container.uow(),
        actor,
        borrower_id or actor.user_id,
        organisation=organisation,
        lang=lang or request_lang,
        made_on=local_today(container.clock()),
        fmt=fmt,
    )
    return Response(
        content=letter.data,
        media_type=letter.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{letter.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
