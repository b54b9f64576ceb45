"""Repayment through the API on SQLite and PostgreSQL: payments posted by either side, the
ledger after every step (invariants checked by an independent replay), completion with the
settlement certificate, breach seen on a read, and 50 concurrent identical posts that make
exactly one payment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from documents.pdf_tools import pdf_text
from support.api_people import BOTH_DATABASES, PASSWORD
from support.sealed_case import SealedCase, invariants_hold, sealed_case
from xieshang.services.loans import local_today

CONCURRENT = 50


def move_to(clock, people, day: date, *persons) -> None:
    """Set the clock to ten in the morning (China) of ``day``; log everyone in again (a month
    is past any session's lifetime)."""
    target = datetime(day.year, day.month, day.day, 2, 0, tzinfo=clock.now.tzinfo)
    clock.advance(seconds=(target - clock.now).total_seconds())
    for person in persons:
        people.login(person)


def body(amount: Decimal | str, day: date, ref: str, channel: str = "bank_transfer") -> dict:
    return {
        "amount": str(amount),
        "paid_on": day.isoformat(),
        "channel": channel,
        "external_ref": ref,
    }


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


@BOTH_DATABASES
def test_a_plan_is_paid_through_the_api_to_its_settlement_certificate(
    api, container, clock, people, parties, here, tmp_path
):
    borrower, agent, _ = parties
    url = f"/api/cases/{here.case_id}"
    assert api.get(f"{url}/settlement.pdf", headers=borrower.headers).status_code == 404
    rows = here.dues
    for i, (due, amount) in enumerate(rows):
        move_to(clock, people, due, borrower, agent)
        who = borrower if i % 2 == 0 else agent
        key = {"Idempotency-Key": f"pay-{i}"}
        made = api.post(
            f"{url}/payments", json=body(amount, due, f"TX-{i}"), headers={**who.headers, **key}
        )
        assert made.status_code == 201, made.text
        state = "completed" if i == len(rows) - 1 else "active"
        assert made.json()["case_state"] == state and made.json()["amount"] == str(amount)
        # A retry with the same key is answered from the first response.
        again = api.post(
            f"{url}/payments", json=body(amount, due, f"TX-{i}"), headers={**who.headers, **key}
        )
        assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
        assert again.json()["id"] == made.json()["id"]
        replayed = invariants_hold(container, here.case_id)
        ledger = api.get(f"{url}/ledger", headers=agent.headers).json()
        assert Decimal(ledger["total_paid"]) == replayed.total_paid
        assert Decimal(ledger["outstanding"]) == replayed.outstanding
        assert [x["status"] for x in ledger["installments"][: i + 1]] == ["paid"] * (i + 1)
        assert ledger["case_state"] == state
    listed = api.get(f"{url}/payments", headers=borrower.headers).json()
    assert [p["external_ref"] for p in listed] == [f"TX-{i}" for i in range(len(rows))]
    ledger = api.get(f"{url}/ledger", headers=borrower.headers).json()
    assert ledger["status"] == "completed" and ledger["outstanding"] == "0.00"
    pdf = api.get(f"{url}/settlement.pdf", headers=agent.headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content, tmp_path)
    assert "结清证明" in text and f"{Decimal(ledger['total_paid']):,.2f}" in text
    # Nothing more is taken under a completed agreement; the last payment's retry still is the same.
    late = api.post(
        f"{url}/payments", json=body("1.00", rows[-1][0], "TX-extra"), headers=borrower.headers
    )
    assert late.status_code == 409 and late.json()["code"] == "payment.case_not_repaying"
    same = api.post(
        f"{url}/payments",
        json=body(rows[-1][1], rows[-1][0], f"TX-{len(rows) - 1}"),
        headers=borrower.headers,
    )
    assert same.status_code == 200 and same.json()["created"] is False


@BOTH_DATABASES
def test_a_missed_installment_shows_as_breach_on_a_get_with_nothing_posted(
    api, clock, people, parties, here
):
    borrower, agent, _ = parties
    url = f"/api/cases/{here.case_id}"
    day = here.dues[1][0] + timedelta(days=4)  # two installments past the 3 grace days
    move_to(clock, people, day, borrower, agent)
    ledger = api.get(f"{url}/ledger", headers={**borrower.headers, "Accept-Language": "en"})
    assert ledger.status_code == 200
    data = ledger.json()
    assert data["status"] == "breached" and data["case_state"] == "breached"
    assert data["reasons"][0]["code"] == "ledger.breach.overdue_installments"
    assert data["reasons"][0]["message"]  # in English, from the catalog
    assert [i["status"] for i in data["installments"][:3]] == ["overdue", "overdue", "due"]
    refused = api.post(f"{url}/payments", json=body("10.00", day, "TX"), headers=agent.headers)
    assert refused.status_code == 409 and refused.json()["code"] == "payment.case_not_repaying"


def test_the_same_reference_with_other_details_is_a_conflict_in_the_user_s_language(
    api, clock, people, parties, here
):
    borrower, agent, _ = parties
    due, amount = here.dues[0]
    move_to(clock, people, due, borrower, agent)
    url = f"/api/cases/{here.case_id}/payments"
    assert (
        api.post(url, json=body(amount, due, "TX-1"), headers=borrower.headers).status_code == 201
    )
    other = api.post(
        url,
        json=body(amount + 1, due, "TX-1"),
        headers={**agent.headers, "Accept-Language": "en"},
    )
    assert other.status_code == 409
    assert other.json()["code"] == "payment.reference_conflict"
    assert "TX-1" in other.json()["message"] and "different" in other.json()["message"]


def test_bad_payment_input_is_refused_by_name(api, clock, people, parties, here):
    borrower, _, _ = parties
    due, amount = here.dues[0]
    move_to(clock, people, due, borrower)
    url = f"/api/cases/{here.case_id}/payments"
    sub_fen = api.post(url, json=body("12.345", due, "A"), headers=borrower.headers)
    assert sub_fen.status_code == 400 and sub_fen.json()["code"] == "payment.sub_fen"
    assert sub_fen.json()["field"] == "amount" and "12.345" in sub_fen.json()["message"]
    number = api.post(
        url, json={**body(amount, due, "A"), "amount": 944.09}, headers=borrower.headers
    )
    assert number.status_code == 422 and number.json()["field"] == "amount"
    fen = api.post(
        url, json={**body(amount, due, "A"), "amount_fen": 94409}, headers=borrower.headers
    )
    assert fen.status_code == 422
    channel = api.post(
        url, json=body(amount, due, "A", channel="bitcoin"), headers=borrower.headers
    )
    assert channel.status_code == 422 and channel.json()["field"] == "channel"
    future = api.post(
        url, json=body(amount, due + timedelta(days=1), "A"), headers=borrower.headers
    )
    assert future.status_code == 400 and future.json()["code"] == "payment.date_in_future"
    assert api.get(url, headers=borrower.headers).json() == []


def test_only_the_parties_reach_a_case_s_repayment(api, clock, people, parties, here):
    other = people.logged_in("borrower")
    outsider_org = people.organisation("lender", "Another Lender")
    other_agent = people.logged_in("agent", outsider_org)
    amount, due = here.dues[0][1], local_today(clock())
    url = f"/api/cases/{here.case_id}"
    for person in (other, other_agent):
        for path in ("payments", "ledger", "settlement.pdf"):
            assert api.get(f"{url}/{path}", headers=person.headers).status_code == 404
        post = api.post(f"{url}/payments", json=body(amount, due, "X"), headers=person.headers)
        assert post.status_code == 404
    assert api.get(f"{url}/ledger").status_code == 401


# ---------------------------------------------------------------------------------------------
# 50 concurrent identical posts


def _concurrently(new_client, calls: list[tuple[dict[str, str], dict[str, Any]]], url: str):
    clients = [new_client() for _ in calls]
    start = threading.Barrier(len(calls))

    def post(i: int) -> Any:
        headers, payload = calls[i]
        start.wait()
        return clients[i].post(url, json=payload, headers=headers)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(post, range(len(calls))))


@BOTH_DATABASES
@pytest.mark.parametrize("keys", ["one_key", "a_key_each"])
def test_fifty_concurrent_identical_posts_make_exactly_one_payment(
    api, container, clock, people, parties, here, new_client, keys
):
    borrower, _, _ = parties
    due, amount = here.dues[0]
    move_to(clock, people, due, borrower)
    url = f"/api/cases/{here.case_id}/payments"
    payload = body(amount, due, "2026121022001412345678", channel="alipay")
    calls = [
        (
            {**borrower.headers, "Idempotency-Key": "same" if keys == "one_key" else f"key-{i}"},
            payload,
        )
        for i in range(CONCURRENT)
    ]
    answers = _concurrently(new_client, calls, url)
    statuses = sorted({a.status_code for a in answers})
    assert set(statuses) <= {200, 201}, [a.text for a in answers if a.status_code >= 300][:3]
    assert len({a.json()["id"] for a in answers}) == 1
    if keys == "one_key":
        # One answer is stored under the key and every request gets it (whether the one that
        # stored it first recorded the payment or found it recorded a moment before).
        assert len({(a.status_code, a.text) for a in answers}) == 1
    else:
        # A key each: every request has its own answer; exactly one recorded the payment.
        assert sum(1 for a in answers if a.json()["created"]) == 1
        assert sorted(a.status_code for a in answers) == [200] * (CONCURRENT - 1) + [201]
    with container.uow() as uow:
        agreement = uow.agreements.current(here.case_id)
        stored = [p.amount for p in uow.payments.list_for_agreement(agreement.id)]
        events = [e for e in uow.case_events.list_for_case(here.case_id) if e.kind == "payment"]
    assert stored == [amount] and len(events) == 1
    state = invariants_hold(container, here.case_id)
    assert state.total_paid == amount
    ledger = api.get(f"/api/cases/{here.case_id}/ledger", headers=borrower.headers).json()
    assert ledger["payments"] == 1 and ledger["case_state"] == "active"


def test_the_clock_helper_lands_on_the_chinese_calendar_day(clock, people):
    day = date(2027, 1, 10)
    move_to(clock, people, day)
    assert local_today(clock()) == day
