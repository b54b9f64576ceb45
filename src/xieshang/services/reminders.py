"""Reminders, computed when asked (nothing is stored but the feed token): in-app notices for
the caller, and an iCalendar feed of due dates and reply deadlines.

For each case the caller takes part in (their own as a borrower; their borrowers' with a grant
as a counselor; their organisation's as lender staff):

- a reply the caller's side owes (the other side's offer, or the borrower's request for the
  lender) — ``offer_awaiting_reply`` by the deadline; a reply the *other* side owes —
  ``reply_expected`` (so a borrower sees a platform that let its deadline pass);
- the agreement awaiting the caller's signature — ``signature_awaiting``;
- under a sealed agreement, each unpaid installment: ``installment_late`` once past its due
  date, ``installment_due`` before.

Notices keep what needs attention now: every reply and signature item, installments late or
due within ``DUE_SOON_DAYS``.  The calendar keeps every open item with a date (the whole
unpaid schedule).  Urgency: ``overdue`` past the day, ``soon`` within the window, else ``info``.

Calendar apps cannot send a session header, so the feed is also reachable at a secret address:
a random 256-bit token of which only the SHA-256 is stored (``calendar_feeds``), one per user;
asking for a new one replaces it, deleting it revokes it.  The feed reached by token leaves out
borrowers' names on the lender side (an address in a calendar app is easier to leak than a
session).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from xieshang import __version__
from xieshang.documents.calendar import CalendarItem, calendar_ics
from xieshang.domain.case_state import CaseState, Party, awaiting
from xieshang.domain.errors import DomainError
from xieshang.security.tokens import new_token, token_hash
from xieshang.store.models import CalendarFeedRow, CaseRow
from xieshang.store.repositories import MAX_PAGE, ConflictError, Page
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, not_found
from .cases import Side, counterparty_name, side_in, status_of
from .loans import local_today
from .repayment import replay, sealed_agreement

Notice = CalendarItem
DUE_SOON_DAYS = 7
REPLY_SOON_DAYS = 3
_NEGOTIATING = frozenset({CaseState.SUBMITTED, CaseState.UNDER_REVIEW, CaseState.COUNTERED})
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")

__all__ = ["Notice", "calendar_feed", "create_feed_token", "feed_by_token", "notices"]


def _urgency(day: date, today: date, soon_days: int) -> str:
    if day < today:
        return "overdue"
    return "soon" if (day - today).days <= soon_days else "info"


def _all_pages(fetch: Callable[[int], Page[CaseRow]]) -> list[CaseRow]:
    rows: list[CaseRow] = []
    offset = 0
    while True:
        page = fetch(offset)
        rows.extend(page.items)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return rows


def _borrower_cases(uow: UnitOfWork, borrower_id: int) -> list[CaseRow]:
    return _all_pages(lambda o: uow.cases.list_for_borrower(borrower_id, limit=MAX_PAGE, offset=o))


def _cases_of(uow: UnitOfWork, actor: Actor) -> list[tuple[CaseRow, Side]]:
    found: list[CaseRow] = []
    if actor.is_lender_staff:
        org = actor.organisation_id
        if org is not None:
            found = _all_pages(
                lambda o: uow.cases.list_for_organisation(org, limit=MAX_PAGE, offset=o)
            )
    elif actor.role == "counselor":
        for grant in uow.grants.list_for_counselor(actor.user_id, limit=MAX_PAGE).items:
            found += _borrower_cases(uow, grant.borrower_id)
    else:
        found = _borrower_cases(uow, actor.user_id)
    out = []
    for case in found:
        side = side_in(uow, actor, case)
        if side is not None:
            out.append((case, side))
    return out


def _other_party(uow: UnitOfWork, case: CaseRow, side: Side, *, private: bool) -> str:
    if side.party is Party.BORROWER:
        return counterparty_name(uow, case)
    if private:
        return ""
    borrower = uow.users.get(case.borrower_id)
    return "" if borrower is None else borrower.display_name


def _case_items(
    uow: UnitOfWork, case: CaseRow, side: Side, today: date, *, private: bool
) -> list[CalendarItem]:
    state = CaseState(case.state)
    who = _other_party(uow, case, side, private=private)
    status = status_of(uow, case)
    items: list[CalendarItem] = []
    if state in _NEGOTIATING and status.deadline is not None:
        standing = uow.offers.standing(case.id)
        mine = side.party in awaiting(status)
        items.append(
            CalendarItem(
                uid=f"case{case.id}-offer{0 if standing is None else standing.number}-reply",
                kind="offer_awaiting_reply" if mine else "reply_expected",
                urgency=_urgency(status.deadline, today, REPLY_SOON_DAYS),
                case_id=case.id,
                counterparty=who,
                day=status.deadline,
            )
        )
    if state is CaseState.AGREED and status.deadline is not None:
        agreement = uow.agreements.current(case.id)
        mine = side.party not in status.signatures
        items.append(
            CalendarItem(
                uid=f"case{case.id}-agreement{0 if agreement is None else agreement.id}-sign",
                kind="signature_awaiting" if mine else "reply_expected",
                urgency=_urgency(status.deadline, today, REPLY_SOON_DAYS),
                case_id=case.id,
                counterparty=who,
                day=status.deadline,
            )
        )
    if state in (CaseState.SIGNED, CaseState.ACTIVE):
        agreement = sealed_agreement(uow, case)
        if agreement is not None:
            done = replay(uow, agreement)
            for item in done.state.per_installment:
                if item.outstanding == 0:
                    continue
                late = item.due_date < today
                items.append(
                    CalendarItem(
                        uid=f"case{case.id}-agreement{agreement.id}-installment{item.n}",
                        kind="installment_late" if late else "installment_due",
                        urgency=_urgency(item.due_date, today, DUE_SOON_DAYS),
                        case_id=case.id,
                        counterparty=who,
                        day=item.due_date,
                        amount=item.outstanding,
                        installment=item.n,
                    )
                )
    return items


def _items(uow: UnitOfWork, actor: Actor, today: date, *, private: bool) -> list[CalendarItem]:
    items: list[CalendarItem] = []
    for case, side in _cases_of(uow, actor):
        items += _case_items(uow, case, side, today, private=private)
    return sorted(items, key=lambda i: (i.day, i.case_id, i.uid))


def _needs_attention(item: CalendarItem, today: date) -> bool:
    if item.kind.startswith("installment"):
        return item.day <= today + timedelta(days=DUE_SOON_DAYS)
    return True


def notices(uow: UnitOfWork, actor: Actor, *, today: date) -> list[Notice]:
    """What needs the caller now (see the module docstring), by day."""
    with uow:
        return [i for i in _items(uow, actor, today, private=False) if _needs_attention(i, today)]


def calendar_feed(uow: UnitOfWork, actor: Actor, *, now: datetime, lang: str) -> bytes:
    """The caller's iCalendar feed: every open item with a date."""
    with uow:
        items = _items(uow, actor, local_today(now), private=False)
    return calendar_ics(items, lang=lang, now=now, version=__version__)


# ---------------------------------------------------------------------------------------------
# the secret feed address


@dataclass(frozen=True, slots=True)
class FeedToken:
    token: str
    created_at: datetime


def create_feed_token(uow: UnitOfWork, actor: Actor, *, now: datetime) -> FeedToken:
    """A new feed token for the caller (shown once); the previous one stops working."""
    token = new_token()
    for attempt in range(3):
        try:
            with uow:
                old = uow.calendar_feeds.get_for_user(actor.user_id)
                if old is not None:
                    uow.calendar_feeds.delete(old)
                uow.calendar_feeds.add(
                    CalendarFeedRow(
                        user_id=actor.user_id, token_hash=token_hash(token), created_at=now
                    )
                )
                uow.commit()
            break
        except ConflictError as error:  # another request replaced it at the same moment
            if attempt == 2:
                raise DomainError("calendar.changed_concurrently", field="token") from error
    return FeedToken(token, now)


def revoke_feed_token(uow: UnitOfWork, actor: Actor) -> bool:
    """Stop the caller's feed address; False if there was none."""
    with uow:
        old = uow.calendar_feeds.get_for_user(actor.user_id)
        if old is None:
            return False
        uow.calendar_feeds.delete(old)
        uow.commit()
    return True


def feed_by_token(uow: UnitOfWork, token: str, *, now: datetime, lang: str) -> bytes:
    """The feed of the user whose token this is; an unknown token (or a disabled user) is
    "not found", whatever the reason."""
    if not _TOKEN.fullmatch(token):
        raise not_found("calendar")
    with uow:
        feed = uow.calendar_feeds.get_by_token_hash(token_hash(token))
        user = None if feed is None else uow.users.get(feed.user_id)
        if user is None or user.disabled:
            raise not_found("calendar")
        actor = Actor(user.id, user.role, user.organisation_id)
        items = _items(uow, actor, local_today(now), private=True)
    return calendar_ics(items, lang=lang, now=now, version=__version__)
