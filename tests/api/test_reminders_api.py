"""Reminders through the API: notices for a borrower and a lender's agent (replies, signatures,
installments due or late), the iCalendar feed read back by a strict reader, and the secret
feed address that works without a session until it is replaced or revoked."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from support import ics
from support.api_people import BOTH_DATABASES, PASSWORD
from support.loan_inputs import example, loan_input
from support.sealed_case import SealedCase, offer_terms, sealed_case
from xieshang.documents.agreement import consent_text
from xieshang.services import agreements, cases, negotiation
from xieshang.services.loans import create_loan, local_today


def move_to(clock, people, day: date, *persons) -> None:
    target = datetime(day.year, day.month, day.day, 2, 0, tzinfo=clock.now.tzinfo)
    clock.advance(seconds=(target - clock.now).total_seconds())
    for person in persons:
        people.login(person)


@pytest.fixture
def parties(people):
    lender = people.organisation("lender", "Lender Here")
    return people.logged_in("borrower"), people.logged_in("agent", lender), lender


@pytest.fixture
def here(container, clock, parties) -> SealedCase:
    borrower, agent, lender = parties
    return sealed_case(
        container,
        borrower.actor,
        now=clock(),
        agent=agent.actor,
        organisation_id=lender,
        password=PASSWORD,
    )


def notices(api, person, lang: str = "zh") -> list[dict]:
    response = api.get("/api/notices", headers={**person.headers, "Accept-Language": lang})
    assert response.status_code == 200, response.text
    return list(response.json())


@BOTH_DATABASES
def test_installments_due_within_a_week_or_late_are_noticed_by_both_sides(
    api, clock, people, parties, here
):
    borrower, agent, _ = parties
    (first_day, first), (second_day, _) = here.dues[0], here.dues[1]
    move_to(clock, people, first_day - timedelta(days=3), borrower, agent)
    mine = notices(api, borrower, "en")
    assert [(n["kind"], n["installment"], n["urgency"]) for n in mine] == [
        ("installment_due", 1, "soon")
    ]
    assert mine[0]["amount"] == str(first) and mine[0]["day"] == first_day.isoformat()
    assert mine[0]["title"].startswith("Installment 1 of ¥")
    theirs = notices(api, agent)
    assert [n["uid"] for n in theirs] == [mine[0]["uid"]]
    assert theirs[0]["counterparty"] == borrower.email.split("@")[0]  # the borrower's name
    assert notices(api, people.logged_in("borrower")) == []
    # Unpaid the day after: late, and overdue in urgency.
    move_to(clock, people, first_day + timedelta(days=1), borrower)
    late = notices(api, borrower)
    assert late[0]["kind"] == "installment_late" and late[0]["urgency"] == "overdue"
    assert late[0]["title"].startswith("第1期还款") and "逾期" in late[0]["title"]
    assert all(n["day"] <= (local_today(clock()) + timedelta(days=7)).isoformat() for n in late)
    assert second_day > local_today(clock()) + timedelta(days=7)


def test_replies_and_signatures_are_noticed_by_the_side_that_owes_them(
    api, container, clock, people, parties
):
    borrower, agent, lender = parties
    b, a = borrower.actor, agent.actor
    now, uow = clock(), container.uow
    loan = create_loan(
        uow(),
        b,
        b.user_id,
        loan_input(example("online-micro-lender.toml"), lender_organisation_id=lender),
        now=now,
    )
    case = cases.open_case(
        uow(), b, b.user_id, loan_ids=[loan.id], lender_organisation_id=lender, now=now
    )
    terms = offer_terms(loan.id, local_today(now))
    cases.submit_case(uow(), b, case.id, terms=terms, now=now)

    def kinds(person) -> list[tuple[str, int]]:
        return [(n["kind"], n["case_id"]) for n in notices(api, person)]

    assert kinds(agent) == [("offer_awaiting_reply", case.id)]
    assert kinds(borrower) == [("reply_expected", case.id)]
    deadline = notices(api, agent)[0]["day"]
    assert deadline == (local_today(now) + timedelta(days=15)).isoformat()
    negotiation.counter_offer(uow(), a, case.id, terms=terms, now=now)
    assert kinds(borrower) == [("offer_awaiting_reply", case.id)]
    assert kinds(agent) == [("reply_expected", case.id)]
    negotiation.accept_offer(uow(), container.blobs, b, case.id, now=now)
    assert kinds(borrower) == [("signature_awaiting", case.id)]
    assert kinds(agent) == [("signature_awaiting", case.id)]
    deal = agreements.get_agreement(uow(), b, case.id)
    agreements.sign_agreement(
        uow(),
        container.blobs,
        b,
        case.id,
        document_sha256=deal.document_sha256,
        consent=consent_text(deal.lang),
        password=PASSWORD,
        now=now,
        key=container.instance_key,
    )
    assert kinds(borrower) == [("reply_expected", case.id)]
    assert kinds(agent) == [("signature_awaiting", case.id)]
    # Past the deadline the missing signature is overdue.
    move_to(clock, people, local_today(now) + timedelta(days=8), agent)
    assert notices(api, agent)[0]["urgency"] == "overdue"


@BOTH_DATABASES
def test_the_calendar_feed_lists_every_unpaid_installment_with_stable_uids(
    api, clock, people, parties, here
):
    borrower, agent, _ = parties
    first_day, first = here.dues[0]
    response = api.get("/api/calendar.ics", headers={**borrower.headers, "Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = ics.events(response.content)
    assert [e.props["DTSTART"] for e in events] == [
        ("VALUE=DATE", d.strftime("%Y%m%d")) for d, _ in here.dues
    ]
    assert events[0].text("SUMMARY").startswith(f"Installment 1 of ¥{first:,.2f} due")
    zh = ics.events(api.get("/api/calendar.ics?lang=zh", headers=borrower.headers).content)
    assert [e.value("UID") for e in zh] == [e.value("UID") for e in events]
    assert zh[0].text("SUMMARY").startswith("第1期还款")
    # A paid installment leaves the calendar; the others keep their UIDs.
    move_to(clock, people, first_day, borrower, agent)
    paid = api.post(
        f"/api/cases/{here.case_id}/payments",
        json={
            "amount": str(first),
            "paid_on": first_day.isoformat(),
            "channel": "wechat",
            "external_ref": "WX-1",
        },
        headers=borrower.headers,
    )
    assert paid.status_code == 201
    after = ics.events(api.get("/api/calendar.ics", headers=agent.headers).content)
    assert [e.value("UID") for e in after] == [e.value("UID") for e in events[1:]]
    other = people.logged_in("borrower")
    assert ics.events(api.get("/api/calendar.ics", headers=other.headers).content) == []
    assert api.get("/api/calendar.ics").status_code == 401


def test_the_secret_feed_address_works_without_a_session_until_replaced_or_revoked(
    api, people, parties, here
):
    borrower, agent, _ = parties
    made = api.post("/api/calendar/token", headers=borrower.headers)
    assert made.status_code == 201
    token = made.json()["token"]
    assert len(token) >= 43 and made.json()["path"] == f"/api/calendar/{token}.ics"
    feed = api.get(f"/api/calendar/{token}.ics")  # no session
    assert feed.status_code == 200
    by_session = api.get("/api/calendar.ics?lang=zh", headers=borrower.headers).content
    assert [e.value("UID") for e in ics.events(feed.content)] == [
        e.value("UID") for e in ics.events(by_session)
    ]
    # The lender's feed by address leaves out the borrower's name.
    staff_token = api.post("/api/calendar/token", headers=agent.headers).json()["token"]
    staff_feed = api.get(f"/api/calendar/{staff_token}.ics?lang=en").content
    summaries = [e.text("SUMMARY") for e in ics.events(staff_feed)]
    name = borrower.email.split("@")[0]
    assert summaries and all(name not in s and f"case {here.case_id}" in s for s in summaries)
    # A new address replaces the old; revoking ends it; a made-up one is not found.
    newer = api.post("/api/calendar/token", headers=borrower.headers).json()["token"]
    assert api.get(f"/api/calendar/{token}.ics").status_code == 404
    assert api.get(f"/api/calendar/{newer}.ics").status_code == 200
    assert api.delete("/api/calendar/token", headers=borrower.headers).status_code == 204
    assert api.get(f"/api/calendar/{newer}.ics").status_code == 404
    assert api.get(f"/api/calendar/{'x' * 43}.ics").status_code == 404
    assert api.get("/api/calendar/short.ics").status_code == 404
