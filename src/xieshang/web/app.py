"""``install_web(app)``: the pages, ``/static/…``, security headers and HTML error pages.

The API's error handlers answer JSON; on a page route, or anywhere outside ``/api/…``,
``/healthz`` and ``/openapi.json`` when a browser asks (``Accept: text/html``), the same
failures become a page in the user's language instead: logged out → the login page (and back
afterwards), not found → 404 page, refused → 403 page, a form without its CSRF token → 403 page,
lender staff who must still enrol TOTP → the enrolment page.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.errors import DomainError

from . import (
    routes_cases,
    routes_check,
    routes_conduct,
    routes_finances,
    routes_home,
    routes_lender,
    routes_loans,
    routes_plans,
    routes_start,
    routes_totp,
)
from .csrf import CsrfRefusedError
from .headers import SecurityHeaders, is_web_path
from .render import render
from .routes_totp import TOTP_PAGE
from .session import Redirect, current_actor, login_url

Handler = Callable[[Request, Any], Response | Awaitable[Response]]
PAGE_STATUS = {
    "access.not_found": 404,
    "http.not_found": 404,
    "access.forbidden": 403,
    "auth.totp_enrolment_required": 403,
    "web.csrf_invalid": 403,
    "totp.already_enabled": 409,
    "http.method_not_allowed": 405,
}
LOGIN_CODES = frozenset({"auth.required", "auth.session_expired"})


def error_page(request: Request, code: str, status: int | None = None, **params: Any) -> Response:
    """A page saying what went wrong, in the user's language."""
    try:
        user = current_actor(request)
    except DomainError:
        user = None
    return render(
        request,
        "error",
        user=user,
        status=status or PAGE_STATUS.get(code, 400),
        code=code,
        params=params,
    )


def wants_page(request: Request) -> bool:
    """Answer a failure with a page (not JSON): on a page route always; elsewhere outside the
    API when the client asks for HTML (a browser), so API clients and probes keep JSON."""
    route = request.scope.get("route")
    endpoint = getattr(route, "endpoint", None)
    if getattr(endpoint, "__module__", "").startswith("xieshang.web."):
        return True
    accept = request.headers.get("accept", "")
    return is_web_path(request.url.path) and "text/html" in accept


def install_web(app: FastAPI) -> None:
    app.include_router(routes_start.router)
    app.include_router(routes_home.router)
    app.include_router(routes_totp.router)
    for module in (
        routes_finances,
        routes_loans,
        routes_plans,
        routes_check,
        routes_cases,
        routes_conduct,
        routes_lender,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(packages=[("xieshang.web", "static")]), name="static")
    app.add_middleware(SecurityHeaders)
    json_domain = app.exception_handlers.get(DomainError)
    json_http = app.exception_handlers.get(StarletteHTTPException)
    json_invalid = app.exception_handlers.get(RequestValidationError)

    async def as_json(handler: Handler | None, request: Request, exc: Exception) -> Response:
        if handler is None:
            raise exc
        answer = handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    async def redirect(request: Request, exc: Exception) -> Response:
        location = exc.location if isinstance(exc, Redirect) else "/"
        return RedirectResponse(location, status_code=303)

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return error_page(request, "web.csrf_invalid")

    async def domain_error(request: Request, exc: Exception) -> Response:
        if not wants_page(request) or not isinstance(exc, DomainError):
            return await as_json(json_domain, request, exc)
        if exc.code in LOGIN_CODES:
            return RedirectResponse(login_url(request), status_code=303)
        if exc.code == "auth.totp_enrolment_required":
            return RedirectResponse(TOTP_PAGE, status_code=303)
        return error_page(request, exc.code, **dict(exc.params))

    async def http_error(request: Request, exc: Exception) -> Response:
        if not wants_page(request) or not isinstance(exc, StarletteHTTPException):
            return await as_json(json_http, request, exc)
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, "web.bad_request"
        )
        return error_page(request, code, status=exc.status_code)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        if not wants_page(request):
            return await as_json(json_invalid, request, exc)
        return error_page(request, "web.bad_request", status=400)

    app.add_exception_handler(Redirect, redirect)
    app.add_exception_handler(CsrfRefusedError, csrf_refused)
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
