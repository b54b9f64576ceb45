"""Reminders: ``/api/notices`` (what needs the caller now) and the iCalendar feed of due dates
and reply deadlines — ``/api/calendar.ics`` with a session, or, for calendar apps that cannot
send one, ``/api/calendar/{token}.ics`` with the token from ``POST /api/calendar/token``.

The token is 256 random bits; only its SHA-256 is stored.  A new token replaces the old one,
``DELETE /api/calendar/token`` revokes it; an unknown token is 404 like any unseen object.  The
token feed leaves out borrowers' names for lender staff.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response

from xieshang.services import reminders
from xieshang.services.loans import local_today

from .deps import ActorDep, ContainerDep, LangDep
from .schemas_payments import FeedTokenOut, NoticeOut

router = APIRouter(tags=["reminders"])
ICS = "text/calendar; charset=utf-8"
LangQuery = Annotated[
    Literal["zh", "en"] | None, Query(alias="lang", description="Overrides Accept-Language.")
]


def _ics(data: bytes) -> Response:
    return Response(
        content=data,
        media_type=ICS,
        headers={
            "Content-Disposition": 'inline; filename="xieshang.ics"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/api/notices", response_model=list[NoticeOut], summary="What needs you now")
def list_notices(container: ContainerDep, actor: ActorDep, lang: LangDep) -> list[NoticeOut]:
    found = reminders.notices(container.uow(), actor, today=local_today(container.clock()))
    return [NoticeOut.of(n, lang) for n in found]


@router.get(
    "/api/calendar.ics",
    summary="Your due dates and reply deadlines as an iCalendar feed",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def calendar(
    container: ContainerDep, actor: ActorDep, lang: LangDep, lang_query: LangQuery = None
) -> Response:
    data = reminders.calendar_feed(
        container.uow(), actor, now=container.clock(), lang=lang_query or lang
    )
    return _ics(data)


@router.post(
    "/api/calendar/token",
    status_code=201,
    response_model=FeedTokenOut,
    summary="A secret calendar feed address (replaces the previous one)",
)
def create_feed_token(container: ContainerDep, actor: ActorDep) -> FeedTokenOut:
    made = reminders.create_feed_token(container.uow(), actor, now=container.clock())
    return FeedTokenOut(
        token=made.token, path=f"/api/calendar/{made.token}.ics", created_at=made.created_at
    )


@router.delete(
    "/api/calendar/token", status_code=204, summary="Stop your secret calendar feed address"
)
def revoke_feed_token(container: ContainerDep, actor: ActorDep) -> Response:
    reminders.revoke_feed_token(container.uow(), actor)
    return Response(status_code=204)


@router.get(
    "/api/calendar/{token}.ics",
    summary="The calendar feed by its secret address (no session)",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def calendar_by_token(
    token: Annotated[str, Path(min_length=1, max_length=100)],
    container: ContainerDep,
    lang: LangQuery = None,
) -> Response:
    data = reminders.feed_by_token(container.uow(), token, now=container.clock(), lang=lang or "zh")
    return _ics(data)
