"""Administration (admin role only): organisations and staff accounts (``/api/admin``).

Creating POSTs accept an ``Idempotency-Key``: a retry with the same key and body gets the
first answer (header ``Idempotent-Replayed: true``); the same key with another body is 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from xieshang.services import accounts, organisations
from xieshang.services.organisations import OrganisationView

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, PageDep
from .idempotent_post import created_response
from .routes_auth import Email, Name, Password, UserOut
from .schemas_data import page_of

router = APIRouter(tags=["admin"])

OrganisationKind = Literal["lender", "counseling"]
RoleName = Literal["borrower", "counselor", "agent", "supervisor", "admin"]


class OrganisationIn(BaseModel):
    kind: OrganisationKind
    name: Name
    licence_type: Annotated[str | None, Field(max_length=32)] = None


class OrganisationOut(BaseModel):
    id: int
    kind: str
    name: str
    licence_type: str | None
    created_at: datetime

    @classmethod
    def of(cls, view: OrganisationView) -> OrganisationOut:
        return cls(
            id=view.id,
            kind=view.kind,
            name=view.name,
            licence_type=view.licence_type,
            created_at=view.created_at,
        )


class OrganisationPage(BaseModel):
    items: list[OrganisationOut]
    total: int
    limit: int
    offset: int


class UserIn(BaseModel):
    email: Email
    password: Password
    display_name: Name
    role: RoleName
    organisation_id: Annotated[int | None, Field(ge=1)] = None


@router.get("/api/admin/organisations", response_model=OrganisationPage)
def list_organisations(
    actor: ActorDep,
    container: ContainerDep,
    page: PageDep,
    kind: Annotated[OrganisationKind | None, Query()] = None,
) -> OrganisationPage:
    found = organisations.list_organisations(
        container.uow, actor, kind=kind, limit=page.limit, offset=page.offset
    )
    return page_of(OrganisationPage, found, OrganisationOut.of)


@router.post("/api/admin/organisations", status_code=201, response_model=OrganisationOut)
def create_organisation(
    body: OrganisationIn,
    request: Request,
    actor: ActorDep,
    container: ContainerDep,
    key: IdempotencyKeyDep,
) -> JSONResponse:
    def produce() -> tuple[int, Any]:
        view = organisations.create_organisation(
            container.uow,
            actor,
            kind=body.kind,
            name=body.name,
            licence_type=body.licence_type,
            now=container.clock(),
        )
        return 201, OrganisationOut.of(view).model_dump(mode="json")

    return created_response(
        request,
        container=container,
        actor=actor,
        key=key,
        fingerprint=body.model_dump(mode="json"),
        produce=produce,
    )


@router.post("/api/admin/users", status_code=201, response_model=UserOut)
def create_user(
    body: UserIn,
    request: Request,
    actor: ActorDep,
    container: ContainerDep,
    key: IdempotencyKeyDep,
) -> JSONResponse:
    def produce() -> tuple[int, Any]:
        view = accounts.create_user(
            container.uow,
            actor,
            email=body.email,
            password=body.password,
            display_name=body.display_name,
            role=body.role,
            organisation_id=body.organisation_id,
            policy=container.password_policy,
            now=container.clock(),
        )
        return 201, UserOut.of(view).model_dump(mode="json")

    # The password stays out of the fingerprint (a fast hash of it would undo Argon2).
    fingerprint = body.model_dump(mode="json", exclude={"password"})
    return created_response(
        request, container=container, actor=actor, key=key, fingerprint=fingerprint, produce=produce
    )
