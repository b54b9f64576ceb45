"""A counselor works on one client's file at a time: the clients page offers "work on this
file" for each client and marks the current one; the borrower pages (here the collection log)
then show that client's file and record into it.  The grant is checked on every request: once
revoked, the counselor is sent back to the clients page at once; a forged client cookie for a
borrower who granted nothing reaches nothing."""

from __future__ import annotations

import html
import re

import pytest

from xieshang.i18n import text
from xieshang.services import conduct, sharing
from xieshang.web.subject import CLIENT_COOKIE

FORM = {"organisation": "", "channel": "call", "contacted": "debtor", "effective": "1"}


def contact_form(at: str, organisation: str) -> dict[str, str]:
    return {**FORM, "at": at, "organisation": organisation}


@pytest.fixture
def office(people, clock, container, new_browser):
    """A counselor granted by two borrowers (each with a contact of their own recorded), and a
    third borrower who granted nobody; the counselor's browser logged in."""
    centre = people.organisation("counseling", "Counseling Office")
    counselor = people.make("counselor", centre)
    found = {}
    for name in ("first", "second", "stranger"):
        person = people.make("borrower")
        if name != "stranger":
            sharing.grant_counselor(
                container.uow(), person.actor, now=clock(), counselor_id=counselor.id
            )
        conduct.record_contact(
            container.uow(),
            person.actor,
            person.id,
            conduct.ContactInput(
                at=clock().replace(hour=1),
                organisation=f"{name} 的催收公司",
                channel="call",
                contacted="debtor",
            ),
            now=clock(),
        )
        found[name] = person
    browser = new_browser()
    browser.log_in(counselor)
    return counselor, found, browser


def names(person) -> str:
    return person.email.split("@")[0]


def rows(page: str) -> dict[str, str]:
    """Each client row of the clients page by the client's name."""
    found = {}
    for row in re.findall(r"<tr[^>]*>.*?</tr>", page, flags=re.S):
        name = re.search(r'<a href="/clients/\d+">([^<]+)</a>', row)
        if name:
            found[name.group(1)] = row
    return found


def switch(browser, person) -> None:
    browser.get("/clients")
    response = browser.post(f"/clients/{person.id}/switch", {})
    assert response.status_code == 303 and response.headers["location"] == f"/clients/{person.id}"


def test_the_clients_page_offers_each_client_and_marks_the_one_being_worked_on(office):
    _, who, browser = office
    listed = rows(browser.get("/clients").text)
    assert set(listed) == {names(who["first"]), names(who["second"])}
    for person in (who["first"], who["second"]):
        row = listed[names(person)]
        assert f'action="/clients/{person.id}/switch"' in row
        assert text("web_work_on_file", "zh") in row and 'name="csrf_token"' in row
        assert 'aria-current="true"' not in row
    switch(browser, who["second"])
    listed = rows(browser.get("/clients").text)
    current = listed[names(who["second"])]
    assert 'aria-current="true"' in current and text("web_clients_current", "zh") in current
    assert "/switch" not in current
    assert f'action="/clients/{who["first"].id}/switch"' in listed[names(who["first"])]


def test_a_counselor_sees_and_records_into_the_chosen_clients_log(office, container):
    _, who, browser = office
    first, second = who["first"], who["second"]
    assert browser.get("/conduct").headers["location"] == "/clients"  # no file chosen yet
    switch(browser, first)
    log = html.unescape(browser.get("/conduct").text)
    assert text("web_acting_for", "zh", name=names(first)) in log
    assert "first 的催收公司" in log and "second 的催收公司" not in log
    made = browser.post("/conduct/new", contact_form("2026-03-01T22:45", "顾问记下的公司"))
    assert made.status_code == 303
    mine = conduct.list_contacts(container.uow(), first.actor, first.id, limit=10, offset=0)
    assert {c.organisation for c in mine.items} == {"first 的催收公司", "顾问记下的公司"}
    # The chosen client's overview says whose file it is and offers no switch to it; the
    # other client's offers one.
    overview = html.unescape(browser.get(f"/clients/{first.id}").text)
    assert text("web_client_overview", "zh", name=names(first)) in overview
    assert f'action="/clients/{first.id}/switch"' not in overview
    assert f'action="/clients/{second.id}/switch"' in browser.get(f"/clients/{second.id}").text
    # Switching to the other client shows theirs, and not the first's.
    switch(browser, second)
    log = html.unescape(browser.get("/conduct").text)
    assert text("web_acting_for", "zh", name=names(second)) in log
    assert "second 的催收公司" in log and "顾问记下的公司" not in log
    assert "first 的催收公司" not in log


def test_a_counselor_deletes_only_in_the_file_they_work_on(office, container):
    _, who, browser = office
    first, second = who["first"], who["second"]

    def ids(person):
        page = conduct.list_contacts(container.uow(), person.actor, person.id, limit=10, offset=0)
        return [c.id for c in page.items]

    (theirs,) = ids(second)
    switch(browser, first)
    # Granted by both, but working on the first's file: the second's record is not reached.
    assert browser.post(f"/conduct/{theirs}/delete", {}).status_code == 404
    assert ids(second) == [theirs]
    (mine,) = ids(first)
    assert browser.post(f"/conduct/{mine}/delete", {}).status_code == 303
    assert ids(first) == []


def test_a_revoked_grant_sends_the_counselor_back_to_the_clients_at_once(office, container, clock):
    _, who, browser = office
    first = who["first"]
    switch(browser, first)
    assert browser.get("/conduct").status_code == 200
    (grant,) = sharing.list_grants(container.uow(), first.actor, limit=10, offset=0).items
    sharing.revoke_grant(container.uow(), first.actor, grant.id, now=clock())
    for path in ("/conduct", "/conduct/new", "/conduct/complaint"):
        response = browser.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/clients", path
    refused = browser.post("/conduct/new", contact_form("2026-03-01T23:10", "撤销后的公司"))
    assert refused.status_code == 303 and refused.headers["location"] == "/clients"
    assert browser.get(f"/clients/{first.id}").status_code == 404
    assert names(first) not in rows(browser.get("/clients").text)
    stored = conduct.list_contacts(container.uow(), first.actor, first.id, limit=10, offset=0)
    assert "撤销后的公司" not in {c.organisation for c in stored.items}


def test_a_forged_client_cookie_for_a_borrower_who_granted_nothing_reaches_nothing(
    office, container
):
    _, who, browser = office
    stranger = who["stranger"]
    browser.client.cookies.set(CLIENT_COOKIE, str(stranger.id))
    for path in ("/conduct", "/conduct/new", "/conduct/complaint"):
        response = browser.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/clients", path
        assert "stranger 的催收公司" not in html.unescape(response.text)
    refused = browser.post("/conduct/new", contact_form("2026-03-01T23:10", "伪造的公司"))
    assert refused.status_code == 303 and refused.headers["location"] == "/clients"
    assert browser.post(f"/clients/{stranger.id}/switch", {}).status_code == 404
    assert browser.get(f"/clients/{stranger.id}").status_code == 404
    stored = conduct.list_contacts(container.uow(), stranger.actor, stranger.id, limit=10, offset=0)
    assert [c.organisation for c in stored.items] == ["stranger 的催收公司"]
    # Nor does the clients page mark a stranger as the current file.
    assert 'aria-current="true"' not in browser.get("/clients").text
