"""Whose file a borrower page shows: the borrower's own, or — for a counselor — the client they
chose to work on (``POST /clients/{id}/switch``), checked against an active grant on every
request, so a revoked grant ends the counselor's access at once.

The chosen client lives in a cookie (``xs_client``); it only picks among the counselor's own
clients and the services check access again, so a forged value reaches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from xieshang.services import sharing
from xieshang.services.access import Actor

from .session import Redirect, container_of, require_actor

CLIENT_COOKIE = "xs_client"
CLIENTS_PAGE = "/clients"
MAX_CLIENTS = 500


@dataclass(frozen=True, slots=True)
class Subject:
    """Who is looking (``actor``) at whose file (``borrower_id``); ``client_name`` is set when
    a counselor works on a client's file (the pages show whose it is)."""

    actor: Actor
    borrower_id: int
    client_name: str | None = None


def client_of(request: Request, actor: Actor) -> tuple[int, str] | None:
    """The counselor's chosen client (id, name) while the grant is active, else None."""
    raw = request.cookies.get(CLIENT_COOKIE, "")
    if not raw.isdigit() or len(raw) > 18:
        return None
    wanted = int(raw)
    container = container_of(request)
    page = sharing.list_grants(container.uow(), actor, limit=MAX_CLIENTS, offset=0)
    grant = next((g for g in page.items if g.borrower_id == wanted and g.active), None)
    return None if grant is None else (grant.borrower_id, grant.borrower_name)


def borrower_subject(request: Request) -> Subject:
    """The borrower's own file, or a counselor's chosen client's (none chosen, or the grant
    revoked → to the clients page); any other role → 403; logged out → to /login."""
    actor = require_actor(request, "borrower", "counselor")
    if actor.role == "borrower":
        return Subject(actor, actor.user_id)
    client = client_of(request, actor)
    if client is None:
        raise Redirect(CLIENTS_PAGE)
    return Subject(actor, client[0], client[1])
