"""The authorisation matrix for pages: every page route, called by every kind of caller.

A page that shows someone's data is listed in ``PAGES`` with the callers who may open it (they
get it, showing only what is theirs or their organisation's; anyone else logged in gets a 403
page; a visitor who is not logged in is sent to /login); a form that changes someone's data in
``FORMS`` (everyone but its users is refused and nothing changes).  A page or form that shows
nobody's data is listed in ``PUBLIC``.  A new page route in none of them fails
``test_every_page_route_has_an_authorisation_decision`` — so adding a page forces a decision.
The decisions live in ``web/rules/``, one module per area.

In this world the counselor works on the owner's file (they chose it on /clients); the other
counselor has chosen no client.
"""

from __future__ import annotations

import re

import pytest

from web.conftest import page_routes
from web.rules import FORMS, PAGES, PUBLIC
from web.world import OTHER_LENDER_NAME, OWNER_LENDER_NAME, make_world

CALLERS = (
    "owner",
    "other_borrower",
    "agent",
    "supervisor",
    "other_agent",
    "counselor",
    "other_counselor",
    "anonymous",
)


def test_every_page_route_has_an_authorisation_decision(web):
    routes = page_routes(web.client.app)
    covered = set(PAGES) | set(FORMS) | PUBLIC
    assert routes - covered == set(), "page routes without an authorisation decision"
    assert covered - routes == set(), "the matrix names pages that no longer exist"


@pytest.fixture
def browsers(people, new_browser):
    world = make_world(people)
    found = {}
    for caller in CALLERS:
        browser = new_browser()
        if caller != "anonymous":
            browser.log_in(world.people[caller])
        found[caller] = browser
    switched = found["counselor"].post(f"/clients/{world.people['owner'].id}/switch", {})
    assert switched.status_code == 303, switched.text
    return world, found


def _expected(rule, caller):
    """The status ``caller`` gets (and where a 303 goes) from a page or form not theirs."""
    if caller == "anonymous":
        return 303, "/login?next="
    if caller in rule.to_clients:
        return 303, "/clients"
    if caller in rule.unseen:
        return 404, None
    return 403, None


def test_only_the_listed_callers_open_each_page(browsers):
    world, browser = browsers
    for page in PAGES.values():
        path = page.url(world)
        for caller in CALLERS:
            response = browser[caller].get(path)
            expected, where = (200, None) if caller in page.allowed else _expected(page, caller)
            assert response.status_code == expected, (path, caller, response.status_code)
            if where is not None:
                assert response.headers["location"].startswith(where), (path, caller)


def test_no_one_but_a_forms_users_can_post_it(browsers):
    world, browser = browsers
    for form in FORMS.values():
        path = form.url(world)
        for caller in CALLERS:
            if caller in form.allowed:
                continue
            response = browser[caller].post(path, form.data(world))
            expected, where = _expected(form, caller)
            assert response.status_code == expected, (path, caller, response.status_code)
            if where is not None:
                assert response.headers["location"].startswith(where), (path, caller)


def case_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r"(?:案件|Case) (\d+)(?:</a>)?</td>", html)}


def test_a_borrower_sees_only_their_own_loans_and_cases(browsers):
    world, browser = browsers
    own = browser["owner"].get("/dashboard").text
    other = browser["other_borrower"].get("/dashboard").text
    assert OWNER_LENDER_NAME in own and OTHER_LENDER_NAME not in own
    assert OTHER_LENDER_NAME in other and OWNER_LENDER_NAME not in other
    assert case_ids(own) == {world.cases["owner"]}
    assert case_ids(other) == {world.cases["other_borrower"]}


def test_lender_staff_see_only_their_organisations_cases(browsers):
    world, browser = browsers
    for caller in ("agent", "supervisor"):
        assert case_ids(browser[caller].get("/desk").text) == {world.cases["owner"]}
    assert case_ids(browser["other_agent"].get("/desk").text) == {world.cases["other_borrower"]}


def test_a_counselor_sees_only_the_borrowers_who_granted_them(browsers):
    world, browser = browsers
    owner_name = world.people["owner"].email.split("@")[0]
    other_name = world.people["other_borrower"].email.split("@")[0]
    granted = browser["counselor"].get("/clients").text
    assert owner_name in granted and other_name not in granted
    assert owner_name not in browser["other_counselor"].get("/clients").text


def test_a_counselor_sees_the_granted_borrowers_overview_and_nobody_elses(browsers):
    world, browser = browsers
    page = browser["counselor"].get(f"/clients/{world.people['owner'].id}").text
    assert OWNER_LENDER_NAME in page and OTHER_LENDER_NAME not in page
    assert case_ids(page) == {world.cases["owner"]}
    other = browser["counselor"].get(f"/clients/{world.people['other_borrower'].id}")
    assert other.status_code == 404 and OTHER_LENDER_NAME not in other.text
    assert browser["counselor"].get("/clients/not-a-number").status_code == 400


def test_no_page_shows_a_borrowers_email(browsers):
    world, browser = browsers
    emails = [world.people[p].email for p in ("owner", "other_borrower")]
    for page in PAGES.values():
        for caller in page.allowed:
            text = browser[caller].get(page.url(world)).text
            assert not any(email in text for email in emails), (page.url(world), caller)
