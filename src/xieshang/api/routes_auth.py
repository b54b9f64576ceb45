"""Registration, login/logout and the caller's own account (``/api/auth``, ``/api/me``).

Login answers with the token in the body (API clients send it as ``Authorization: Bearer``)
and, for ``kind="web"`` (the default), also sets the ``xs_session`` cookie: HttpOnly,
SameSite=Lax, Path=/, Secure unless ``settings.cookie_secure`` is off (plain-HTTP development).
It is a browser-session cookie; the server ends the session at its idle or absolute timeout.
Responses carrying secrets (tokens, TOTP secrets, full personal data) are ``no-store``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from xieshang.services import accounts, idempotency, profile, sessions
from xieshang.services.accounts import AccountRules, UserView
from xieshang.services.profile import Profile

from .deps import (
    SESSION_COOKIE,
    ActorDep,
    ContainerDep,
    EnrollingActorDep,
    IdempotencyKeyDep,
)

router = APIRouter(tags=["auth"])
NO_STORE = {"Cache-Control": "no-store"}
REPLAYED_HEADER = "Idempotent-Replayed"

Email = Annotated[str, Field(min_length=3, max_length=320)]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class RegisterRequest(BaseModel):
    email: Email
    password: Password
    display_name: Name


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    organisation_id: int | None
    totp_enabled: bool
    created_at: datetime

    @classmethod
    def of(cls, view: UserView) -> UserOut:
        return cls(
            id=view.id,
            email=view.email,
            display_name=view.display_name,
            role=view.role,
            organisation_id=view.organisation_id,
            totp_enabled=view.totp_enabled,
            created_at=view.created_at,
        )


class LoginRequest(BaseModel):
    email: Annotated[str, Field(max_length=320)]
    password: Password
    totp_code: Annotated[str | None, Field(max_length=16)] = None
    kind: Literal["web", "api"] = "web"


class LoginOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user_id: int
    role: str
    totp_enrolment_required: bool


class MeOut(BaseModel):
    """The caller's account; personal data masked (full values: GET /api/me/personal)."""

    user: UserOut
    id_number: str | None
    phone: str | None
    bank_account: str | None
    totp_enrolment_required: bool

    @classmethod
    def of(cls, p: Profile) -> MeOut:
        return cls(
            user=UserOut.of(p.user),
            id_number=p.id_number,
            phone=p.phone,
            bank_account=p.bank_account,
            totp_enrolment_required=p.totp_enrolment_required,
        )


class PersonalIn(BaseModel):
    """All three are replaced; null or "" clears one."""

    id_number: Annotated[str | None, Field(max_length=40)] = None
    phone: Annotated[str | None, Field(max_length=40)] = None
    bank_account: Annotated[str | None, Field(max_length=40)] = None


class PersonalOut(BaseModel):
    id_number: str | None
    phone: str | None
    bank_account: str | None


class TotpEnrolmentOut(BaseModel):
    secret: str
    provisioning_uri: str


class TotpConfirmIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=16)]


def rules_of(container: ContainerDep) -> AccountRules:
    return AccountRules.from_settings(container.settings, container.password_policy)


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def json_response(status: int, body: Any, *, replayed: bool) -> JSONResponse:
    headers = {REPLAYED_HEADER: "true"} if replayed else {}
    return JSONResponse(body, status_code=status, headers=headers)


@router.post(
    "/api/auth/register",
    status_code=201,
    response_model=UserOut,
    summary="Register as a borrower (Idempotency-Key accepted)",
)
def register(
    body: RegisterRequest,
    request: Request,
    container: ContainerDep,
    key: IdempotencyKeyDep,
) -> JSONResponse:
    path = request.url.path
    # The password stays out of the fingerprint (see accounts.replay_registration).
    fingerprint = idempotency.request_fingerprint(
        "POST", path, {"email": body.email.strip().lower(), "display_name": body.display_name}
    )
    if key is not None:
        earlier = accounts.replay_registration(
            container.uow,
            email=body.email,
            password=body.password,
            key=key,
            path=path,
            request_hash=fingerprint,
            policy=container.password_policy,
        )
        if earlier is not None:
            return json_response(earlier.status, earlier.body, replayed=True)
    now = container.clock()
    user = accounts.register_borrower(
        container.uow,
        email=body.email,
        password=body.password,
        display_name=body.display_name,
        policy=container.password_policy,
        now=now,
    )
    out = UserOut.of(user).model_dump(mode="json")
    if key is not None:
        stored = idempotency.remember(
            container.uow,
            user.id,
            key,
            method="POST",
            path=path,
            request_hash=fingerprint,
            status=201,
            body=out,
            now=now,
        )
        return json_response(stored.status, stored.body, replayed=stored.replayed)
    return json_response(201, out, replayed=False)


@router.post("/api/auth/login", response_model=LoginOut, summary="Log in (web cookie or API token)")
def login(
    body: LoginRequest, request: Request, response: Response, container: ContainerDep
) -> LoginOut:
    rules = rules_of(container)
    result = accounts.login(
        container.uow,
        email=body.email,
        password=body.password,
        totp_code=body.totp_code,
        client_key=client_key(request),
        kind=body.kind,
        rules=rules,
        now=container.clock(),
    )
    response.headers.update(NO_STORE)
    if body.kind == "web":
        response.set_cookie(
            SESSION_COOKIE,
            result.token,
            httponly=True,
            secure=container.settings.cookie_secure,
            samesite="lax",
            path="/",
        )
    return LoginOut(
        token=result.token,
        expires_at=result.expires_at,
        user_id=result.actor.user_id,
        role=result.actor.role,
        totp_enrolment_required=result.totp_enrolment_required,
    )


def _forget_cookie(response: Response, container: ContainerDep) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=container.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


@router.post("/api/auth/logout", status_code=204, summary="End this session (server-side)")
def logout(actor: EnrollingActorDep, container: ContainerDep, response: Response) -> None:
    sessions.logout(container.uow, actor, now=container.clock())
    _forget_cookie(response, container)


@router.post("/api/auth/logout-all", status_code=204, summary="End every session of the caller")
def logout_all(actor: EnrollingActorDep, container: ContainerDep, response: Response) -> None:
    sessions.logout_all(container.uow, actor, now=container.clock())
    _forget_cookie(response, container)


@router.get("/api/me", response_model=MeOut, summary="The caller's account, personal data masked")
def me(actor: EnrollingActorDep, container: ContainerDep) -> MeOut:
    return MeOut.of(profile.me(container.uow, actor))


@router.get(
    "/api/me/personal", response_model=PersonalOut, summary="The caller's own personal data, full"
)
def get_personal(actor: ActorDep, container: ContainerDep, response: Response) -> PersonalOut:
    data = profile.personal_data(container.uow, actor)
    response.headers.update(NO_STORE)
    return PersonalOut(id_number=data.id_number, phone=data.phone, bank_account=data.bank_account)


@router.put("/api/me/personal", response_model=MeOut, summary="Replace the caller's personal data")
def put_personal(body: PersonalIn, actor: ActorDep, container: ContainerDep) -> MeOut:
    updated = profile.update_personal(
        container.uow,
        actor,
        id_number=body.id_number,
        phone=body.phone,
        bank_account=body.bank_account,
    )
    return MeOut.of(updated)


@router.post(
    "/api/me/totp", response_model=TotpEnrolmentOut, summary="Start TOTP enrolment (secret once)"
)
def enrol_totp(
    actor: EnrollingActorDep, container: ContainerDep, response: Response
) -> TotpEnrolmentOut:
    enrolment = profile.enrol_totp(container.uow, actor)
    response.headers.update(NO_STORE)
    return TotpEnrolmentOut(secret=enrolment.secret, provisioning_uri=enrolment.provisioning_uri)


@router.post(
    "/api/me/totp/confirm", response_model=MeOut, summary="Confirm TOTP with a code, enabling it"
)
def confirm_totp(body: TotpConfirmIn, actor: EnrollingActorDep, container: ContainerDep) -> MeOut:
    return MeOut.of(profile.confirm_totp(container.uow, actor, body.code, now=container.clock()))
