"""Administration (admin role only): organisations and staff accounts (``/api/admin``).

Creating POSTs accept an ``Idempotency-Key``: a retry with the same key and body gets the
first answer (header ``Idempotent-Replayed: true``); the same key with another body is 409.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from xieshang.services import accounts, idempotency, organisations
from xieshang.services.access import Actor
from xieshang.services.organisations import OrganisationView

from .deps import ActorDep, ContainerDep, IdempotencyKeyDep, PageDep
from .routes_auth import Email, Name, Password, UserOut, json_response

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


def _idempotent(
    container: ContainerDep,
    actor: Actor,
    key: str | None,
    request: Request,
    *,
    fingerprint_body: Any,
    produce: Callable[[], tuple[int, Any]],
) -> JSONResponse:
    path = request.url.path
    stored = idempotency.run_idempotent(
        container.uow,
        actor,
        key,
        "POST",
        path,
        idempotency.request_fingerprint("POST", path, fingerprint_body),
        produce,
        now=container.clock(),
    )
    return json_response(stored.status, stored.body, replayed=stored.replayed)


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
    return OrganisationPage(
        items=[OrganisationOut.of(o) for o in found.items],
        total=found.total,
        limit=found.limit,
        offset=found.offset,
    )


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

    return _idempotent(
        container,
        actor,
        key,
        request,
        fingerprint_body=body.model_dump(mode="json"),
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
    return _idempotent(
        container, actor, key, request, fingerprint_body=fingerprint, produce=produce
    )
