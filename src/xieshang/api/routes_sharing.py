"""``/api/sharing``: counselor grants and per-organisation consents.  A borrower grants and
revokes; a counselor sees (and may step back from) their grants; lender staff see the consents
given to their organisation.  Revoking keeps the record (``revoked_at``); DELETE answers with
it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from xieshang.services import sharing

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, PageDep
from .idempotent_post import created_or_existing_response
from .schemas_data import (
    ConsentIn,
    ConsentOut,
    ConsentPage,
    GrantIn,
    GrantOut,
    GrantPage,
    PathId,
    page_of,
)

router = APIRouter(tags=["sharing"])

RevokedQuery = Annotated[bool, Query(description="Include revoked records (the borrower's).")]


@router.get("/api/sharing/grants", response_model=GrantPage, summary="Counselor grants")
def list_grants(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    include_revoked: RevokedQuery = False,
) -> GrantPage:
    found = sharing.list_grants(
        container.uow(),
        actor,
        limit=page.limit,
        offset=page.offset,
        include_revoked=include_revoked,
    )
    return page_of(GrantPage, found, GrantOut.of)


@router.post(
    "/api/sharing/grants",
    status_code=201,
    response_model=GrantOut,
    summary="Grant a counselor access (200 when already granted; Idempotency-Key accepted)",
    responses={200: {"model": GrantOut}},
)
def grant_counselor(
    body: GrantIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    return created_or_existing_response(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        act=lambda: sharing.grant_counselor(
            container.uow(),
            actor,
            now=container.clock(),
            counselor_email=body.counselor_email,
            counselor_id=body.counselor_id,
        ),
        out=GrantOut.of,
    )


@router.delete(
    "/api/sharing/grants/{grant_id}",
    response_model=GrantOut,
    summary="Revoke a grant (the record stays, dated)",
)
def revoke_grant(grant_id: PathId, container: ContainerDep, actor: ActorDep) -> GrantOut:
    return GrantOut.of(
        sharing.revoke_grant(container.uow(), actor, grant_id, now=container.clock())
    )


@router.get("/api/sharing/consents", response_model=ConsentPage, summary="Consents")
def list_consents(
    container: ContainerDep,
    actor: ActorDep,
    page: PageDep,
    include_revoked: RevokedQuery = False,
    scope: Annotated[str | None, Query(max_length=32)] = None,
) -> ConsentPage:
    found = sharing.list_consents(
        container.uow(),
        actor,
        limit=page.limit,
        offset=page.offset,
        include_revoked=include_revoked,
        scope=scope,
    )
    return page_of(ConsentPage, found, ConsentOut.of)


@router.post(
    "/api/sharing/consents",
    status_code=201,
    response_model=ConsentOut,
    summary="Share one scope with a lender organisation (200 when already given)",
    responses={200: {"model": ConsentOut}},
)
def give_consent(
    body: ConsentIn,
    request: Request,
    container: ContainerDep,
    actor: ActorDep,
    key: IdempotencyKeyDep,
) -> Response:
    return created_or_existing_response(
        request,
        container=container,
        actor=actor,
        key=key,
        body=body,
        act=lambda: sharing.give_consent(
            container.uow(),
            actor,
            organisation_id=body.organisation_id,
            scope=body.scope,
            now=container.clock(),
        ),
        out=ConsentOut.of,
    )


@router.delete(
    "/api/sharing/consents/{consent_id}",
    response_model=ConsentOut,
    summary="Withdraw a consent (the record stays, dated)",
)
def revoke_consent(consent_id: PathId, container: ContainerDep, actor: ActorDep) -> ConsentOut:
    return ConsentOut.of(
        sharing.revoke_consent(container.uow(), actor, consent_id, now=container.clock())
    )
