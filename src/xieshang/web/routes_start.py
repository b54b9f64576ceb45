"""The start page, logging in and out, signing up, and the language switch.

Forms are checked on the server; a refused form comes back with the message beside its field
in the page's language and what was typed kept (never the password).  Logging in opens a web
session through the accounts service (throttling and TOTP included) and sets the same
HttpOnly cookie the API's web login sets.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.errors import DomainError
from xieshang.services import accounts, sessions
from xieshang.services.accounts import AccountRules

from .csrf import SESSION_COOKIE
from .lang import LANG_COOKIE, LANG_COOKIE_SECONDS
from .render import render
from .session import (
    client_key,
    container_of,
    current_actor,
    home_for,
    page_router,
    safe_next,
)

router = page_router()

MAX_EMAIL = 320
MAX_PASSWORD = 1024
MAX_NAME = 200
MAX_CODE = 16
# Where a login error is shown: beside this field (None: above the form).
LOGIN_ERROR_FIELD = {
    "auth.invalid_credentials": "password",
    "auth.totp_required": "totp_code",
    "auth.totp_invalid": "totp_code",
}
FORM_STATUS = {"auth.throttled": 429, "auth.invalid_credentials": 401, "auth.totp_invalid": 401}

Text = Annotated[str, Form()]


def _see_other(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303)


def _set_session(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=container_of(request).settings.cookie_secure,
        samesite="lax",
        path="/",
    )


@router.get("/")
def start(request: Request) -> Response:
    return render(request, "start", user=current_actor(request))


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    actor = current_actor(request)
    if actor is not None:
        return _see_other(safe_next(next) or home_for(actor))
    return render(request, "login", form={"email": ""}, errors={}, need_code=False, next=next)


@router.post("/login")
def login(
    request: Request,
    email: Text = "",
    password: Text = "",
    totp_code: Text = "",
    next: Text = "",
) -> Response:
    container = container_of(request)
    email, code = email.strip()[:MAX_EMAIL], totp_code.strip()[:MAX_CODE]
    try:
        result = accounts.login(
            container.uow,
            email=email,
            password=password[:MAX_PASSWORD],
            totp_code=code or None,
            client_key=client_key(request),
            kind="web",
            rules=AccountRules.from_settings(container.settings, container.password_policy),
            now=container.clock(),
        )
    except DomainError as error:
        field = LOGIN_ERROR_FIELD.get(error.code, error.field)
        response = render(
            request,
            "login",
            status=FORM_STATUS.get(error.code, 400),
            form={"email": email},
            errors={field or "form": error},
            need_code=bool(code) or (error.code in LOGIN_ERROR_FIELD and field == "totp_code"),
            next=next,
        )
        retry = error.params.get("retry_after")
        if retry is not None:
            response.headers["Retry-After"] = str(retry)
        return response
    if result.totp_enrolment_required:
        redirect = _see_other("/totp")
    else:
        redirect = _see_other(safe_next(next) or home_for(result.actor))
    _set_session(redirect, request, result.token)
    return redirect


@router.get("/signup")
def signup_page(request: Request) -> Response:
    form = {"email": "", "display_name": ""}
    return render(request, "signup", user=current_actor(request), form=form, errors={})


@router.post("/signup")
def signup(
    request: Request, email: Text = "", display_name: Text = "", password: Text = ""
) -> Response:
    container = container_of(request)
    form = {"email": email.strip()[:MAX_EMAIL], "display_name": display_name.strip()[:MAX_NAME]}
    now = container.clock()
    try:
        accounts.register_borrower(
            container.uow,
            email=form["email"],
            password=password[:MAX_PASSWORD],
            display_name=form["display_name"],
            policy=container.password_policy,
            now=now,
        )
        result = accounts.login(
            container.uow,
            email=form["email"],
            password=password[:MAX_PASSWORD],
            totp_code=None,
            client_key=client_key(request),
            kind="web",
            rules=AccountRules.from_settings(container.settings, container.password_policy),
            now=now,
        )
    except DomainError as error:
        field = error.field if error.field in ("email", "display_name", "password") else "form"
        return render(request, "signup", status=400, form=form, errors={field: error})
    response = _see_other(home_for(result.actor))
    _set_session(response, request, result.token)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    container = container_of(request)
    actor = current_actor(request)
    if actor is not None:
        sessions.logout(container.uow, actor, now=container.clock())
    response = _see_other("/")
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=container.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


@router.post("/lang")
def switch_language(request: Request, lang: Text = "", next: Text = "") -> Response:
    response = _see_other(safe_next(next) or "/")
    if lang in ("zh", "en"):
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_SECONDS,
            httponly=True,
            secure=container_of(request).settings.cookie_secure,
            samesite="lax",
            path="/",
        )
    return response
