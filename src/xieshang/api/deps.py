"""Dependencies every route shares: the container, the caller, the language, paging, idempotency.

* ``ContainerDep`` — the composition root's ``Container`` (``app.state.container``).
* ``ActorDep`` — the authenticated caller, from ``Authorization: Bearer <token>`` (API clients)
  or the ``xs_session`` cookie (web).  No token → 401 ``auth.required``; a token that does not
  resolve (unknown, revoked, idle or absolute timeout) → 401 ``auth.session_expired``; lender
  staff who have not enrolled TOTP yet → 403 ``auth.totp_enrolment_required``.
* ``EnrollingActorDep`` — the same, but lets a not-yet-enrolled staff session through: only the
  TOTP enrolment endpoints use it.
* ``LangDep`` — ``zh`` or ``en`` from Accept-Language.
* ``PageDep`` — ``limit`` (1..200, default 50) and ``offset`` (≥ 0) query parameters.
* ``IdempotencyKeyDep`` — the ``Idempotency-Key`` header (1..200 visible ASCII characters) or
  None; anything else → 400 ``idempotency.key_invalid``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from xieshang.bootstrap import Container
from xieshang.domain.errors import DomainError
from xieshang.services.access import Actor
from xieshang.services.sessions import SessionRules, authenticate

from .errors import request_lang

SESSION_COOKIE = "xs_session"
MAX_PAGE_LIMIT = 200
DEFAULT_PAGE_LIMIT = 50
MAX_IDEMPOTENCY_KEY = 200
_KEY = re.compile(r"[\x21-\x7e]{1," + str(MAX_IDEMPOTENCY_KEY) + "}")


def get_container(request: Request) -> Container:
    container = getattr(request.app.state, "container", None)
    if not isinstance(container, Container):
        raise RuntimeError("create_app(container) was not given a Container")
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def presented_token(request: Request) -> str | None:
    """The bearer token if the Authorization header carries one, else the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    cookie = request.cookies.get(SESSION_COOKIE)
    return cookie or None


def _actor(request: Request, container: Container, *, allow_enrolment: bool) -> Actor:
    token = presented_token(request)
    if token is None:
        raise DomainError("auth.required")
    return authenticate(
        container.uow,
        token,
        now=container.clock(),
        rules=SessionRules.from_settings(container.settings),
        allow_enrolment=allow_enrolment,
    )


def get_actor(request: Request, container: ContainerDep) -> Actor:
    return _actor(request, container, allow_enrolment=False)


def get_enrolling_actor(request: Request, container: ContainerDep) -> Actor:
    return _actor(request, container, allow_enrolment=True)


ActorDep = Annotated[Actor, Depends(get_actor)]
EnrollingActorDep = Annotated[Actor, Depends(get_enrolling_actor)]


def lang_of(request: Request) -> str:
    return request_lang(request)


LangDep = Annotated[str, Depends(lang_of)]


# Far beyond any real list; keeps the value inside every database's integer range.
MAX_OFFSET = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PageParams:
    limit: int = DEFAULT_PAGE_LIMIT
    offset: int = 0


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT)] = DEFAULT_PAGE_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def idempotency_key(request: Request) -> str | None:
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    if not _KEY.fullmatch(raw):
        raise DomainError("idempotency.key_invalid", field="Idempotency-Key")
    return raw


IdempotencyKeyDep = Annotated[str | None, Depends(idempotency_key)]
