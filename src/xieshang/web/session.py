"""Who is looking at a page: the session cookie the login sets, read through the sessions
service; where each role starts; and the router every page module uses (CSRF-checked)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends
from starlette.requests import Request

from xieshang.bootstrap import Container
from xieshang.domain.errors import DomainError
from xieshang.services.access import Actor
from xieshang.services.sessions import SessionRules, authenticate

from .csrf import SESSION_COOKIE, check_csrf

HOME_BY_ROLE = {
    "borrower": "/dashboard",
    "agent": "/desk",
    "supervisor": "/desk",
    "counselor": "/clients",
}
MAX_NEXT = 500


class Redirect(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Answer with a 303 to ``location`` (a path on this instance)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


def page_router() -> APIRouter:
    """A router for pages: left out of the OpenAPI document, every POST CSRF-checked."""
    return APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def container_of(request: Request) -> Container:
    container = getattr(request.app.state, "container", None)
    if not isinstance(container, Container):
        raise RuntimeError("create_app(container) was not given a Container")
    return container


def _authenticated(request: Request, *, allow_enrolment: bool) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    container = container_of(request)
    try:
        return authenticate(
            container.uow,
            token,
            now=container.clock(),
            rules=SessionRules.from_settings(container.settings),
            allow_enrolment=allow_enrolment,
        )
    except DomainError as error:
        if error.code == "auth.session_expired":
            return None
        raise


def enrolling_actor(request: Request) -> Actor:
    """The logged-in caller, letting through lender staff who must still enrol TOTP (only the
    enrolment pages use this); logged out → to /login."""
    actor = _authenticated(request, allow_enrolment=True)
    if actor is None:
        raise Redirect(login_url(request))
    return actor


def current_actor(request: Request) -> Actor | None:
    """The logged-in caller, or None (no cookie, or a session that has ended).  Lender staff who
    must still enrol TOTP get ``auth.totp_enrolment_required`` (sent to the enrolment page)."""
    return _authenticated(request, allow_enrolment=False)


def safe_next(value: object) -> str | None:
    """A path on this instance to go back to after logging in, or None.

    >>> safe_next("/desk?x=1"), safe_next("//evil.example/"), safe_next("https://x"), safe_next(3)
    ('/desk?x=1', None, None, None)
    """
    if not isinstance(value, str) or len(value) > MAX_NEXT:
        return None
    if not value.startswith("/") or value.startswith(("//", "/\\")):
        return None
    if any(c in value for c in "\r\n\\") or ":" in value.split("?", 1)[0]:
        return None
    return value


def login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?next=" + quote(target, safe="/")


def require_actor(request: Request, *roles: str) -> Actor:
    """The logged-in caller in one of ``roles``; logged out → to /login and back; another
    role → 403 (``access.forbidden``)."""
    actor = current_actor(request)
    if actor is None:
        raise Redirect(login_url(request))
    if roles and actor.role not in roles:
        raise DomainError("access.forbidden", field="role")
    return actor


def client_key(request: Request) -> str:
    """Who is knocking, for the login throttle: the peer's address."""
    return request.client.host if request.client else "unknown"


def home_for(actor: Actor) -> str:
    return HOME_BY_ROLE.get(actor.role, "/")
