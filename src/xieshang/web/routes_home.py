"""Where each role lands after logging in: the borrower's dashboard, the lender staff's desk
(their organisation's cases), the counselor's clients (the borrowers who granted them access)
and each client's overview.

Each page asks the services as the logged-in caller, so it shows exactly what the API would
show them: a borrower only their own data, staff only their organisation's cases.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.case_state import CaseState
from xieshang.services import assignment, cases, overview, portfolio, reminders, sharing
from xieshang.services.access import Actor, not_found
from xieshang.services.loans import local_today

from .render import render
from .session import container_of, page_router, require_actor
from .subject import CLIENT_COOKIE

router = page_router()

LIST_LIMIT = 200
CLOSED_STATES = frozenset({"completed", "withdrawn", "rejected"})
# Lender staff never see a borrower's drafts.
DESK_STATES = tuple(s.value for s in CaseState if s is not CaseState.DRAFT)


def _overview_page(
    request: Request, actor: Actor, borrower_id: int, client_name: str | None
) -> Response:
    """The borrower's overview as ``actor`` (the borrower, or a counselor with their grant)."""
    container = container_of(request)
    now = container.clock()
    today = local_today(now)
    summary = overview.borrower_overview(container.uow(), actor, borrower_id, as_of=today)
    found, _ = cases.list_cases(
        container.uow(), actor, borrower_id=borrower_id, limit=LIST_LIMIT, offset=0, now=now
    )
    open_cases = [c for c in found if c.state not in CLOSED_STATES]
    case_ids = {c.id for c in found}
    notices = [
        n for n in reminders.notices(container.uow(), actor, today=today) if n.case_id in case_ids
    ]
    return render(
        request,
        "dashboard",
        user=actor,
        today=today,
        overview=summary,
        cases=open_cases,
        notices=notices,
        client_name=client_name,
    )


@router.get("/dashboard")
def dashboard(request: Request) -> Response:
    actor = require_actor(request, "borrower")
    return _overview_page(request, actor, actor.user_id, None)


@router.get("/desk")
def desk(request: Request, state: str = "", overdue: str = "") -> Response:
    """The organisation's queue, past-deadline cases first; filtered by state and/or to the
    overdue ones (GET parameters: a filter changes nothing)."""
    actor = require_actor(request, "agent", "supervisor")
    container = container_of(request)
    now = container.clock()
    found, total = cases.list_cases(container.uow(), actor, limit=LIST_LIMIT, offset=0, now=now)
    chosen = state if state in DESK_STATES else ""
    only_overdue = overdue == "1"
    shown = [
        c for c in found if (not chosen or c.state == chosen) and (not only_overdue or c.overdue)
    ]
    queue = sorted(shown, key=lambda c: (not c.overdue, c.deadline is None, c.deadline, c.id))
    # Borrowers appear masked to staff (李*): never a full name, e-mail or ID number.
    labels = portfolio.borrower_labels(container.uow(), actor, {c.borrower_id for c in queue})
    assigned = assignment.assignments(container.uow(), actor, [c.id for c in queue])
    return render(
        request,
        "desk",
        user=actor,
        cases=queue,
        labels=labels,
        assigned=assigned,
        total=total,
        states=DESK_STATES,
        chosen=chosen,
        only_overdue=only_overdue,
    )


@router.get("/clients")
def clients(request: Request) -> Response:
    actor = require_actor(request, "counselor")
    container = container_of(request)
    page = sharing.list_grants(container.uow(), actor, limit=LIST_LIMIT, offset=0)
    return render(request, "clients", user=actor, grants=page.items, total=page.total)


@router.get("/clients/{borrower_id}")
def client_overview(request: Request, borrower_id: int) -> Response:
    """A granted borrower's overview, for their counselor; any other borrower is "not found"."""
    actor = require_actor(request, "counselor")
    container = container_of(request)
    page = sharing.list_grants(container.uow(), actor, limit=LIST_LIMIT, offset=0)
    grant = next((g for g in page.items if g.borrower_id == borrower_id and g.active), None)
    if grant is None:
        raise not_found("borrower")
    return _overview_page(request, actor, borrower_id, grant.borrower_name)


@router.post("/clients/{borrower_id}/switch")
def switch_client(request: Request, borrower_id: int) -> Response:
    """Work on this client's file: the borrower pages (finances, loans, plan, cases, conduct)
    show theirs until the counselor switches again; only a client with an active grant."""
    actor = require_actor(request, "counselor")
    container = container_of(request)
    page = sharing.list_grants(container.uow(), actor, limit=LIST_LIMIT, offset=0)
    if not any(g.borrower_id == borrower_id and g.active for g in page.items):
        raise not_found("borrower")
    response = RedirectResponse(f"/clients/{borrower_id}", status_code=303)
    response.set_cookie(
        CLIENT_COOKIE,
        str(borrower_id),
        httponly=True,
        secure=container.settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return response
