"""The lender desk's pages: the case view, counter-offers within and beyond policy, approval,
signing, payments and the portfolio (TestClient browsers, tests/web/conftest.py).

Expected sentences come from the message catalog, so the tests prove which message a page
shows without repeating its wording."""

from __future__ import annotations

import html
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from api.test_data_api import STATEMENT, private_loan_json
from support.api_people import PASSWORD, START
from web.world import make_world
from xieshang.i18n import message, text
from xieshang.present.numbers import money_text
from xieshang.services.loans import local_today

TODAY = local_today(START).isoformat()


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def _borrower_case(people: Any, organisation_id: int, concessions: list[dict[str, Any]]) -> Any:
    """A new borrower with a loan and a case at the organisation, submitted with
    ``concessions``; (person, loan id, case id)."""
    person = people.logged_in("borrower")
    client, headers = people.client, person.headers
    _ok(client.put(f"/api/statement?borrower_id={person.id}", json=STATEMENT, headers=headers))
    loan = _ok(client.post("/api/loans", json=private_loan_json(), headers=headers))
    case = _ok(
        client.post(
            "/api/cases",
            json={"loan_ids": [loan["id"]], "lender_organisation_id": organisation_id},
            headers=headers,
        )
    )
    terms = {"start": TODAY, "loans": [{"loan_id": str(loan["id"]), "concessions": concessions}]}
    _ok(client.post(f"/api/cases/{case['id']}/submit", json={"terms": terms}, headers=headers))
    return person, loan["id"], case["id"]


@pytest.fixture
def desk(people, new_browser):
    """The page world, with the agent and the supervisor logged in to the desk."""
    world = make_world(people)
    staff = {}
    for who in ("agent", "supervisor", "other_agent"):
        staff[who] = new_browser()
        staff[who].log_in(world.people[who])
    return world, staff


def _offers(people: Any, person: Any, case_id: int) -> list[dict[str, Any]]:
    response = people.client.get(f"/api/cases/{case_id}/offers", headers=person.headers)
    assert response.status_code == 200, response.text
    return list(response.json())


def _log(people: Any, person: Any, case_id: int) -> list[dict[str, Any]]:
    response = people.client.get(f"/api/cases/{case_id}/log", headers=person.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["entries"])


def _counter(loan_id: int, months: str) -> dict[str, str]:
    return {f"l{loan_id}_extension": months, "start": TODAY}


def _field_value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" type="[a-z]+" value="([^"]*)"', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


def _text_of(page: str) -> str:
    return html.unescape(page)


# ---------------------------------------------------------------------------------------------
# the case view


def test_the_case_view_shows_the_borrower_masked_never_their_email_or_full_name(desk):
    world, staff = desk
    owner = world.people["owner"]
    full_name = owner.email.split("@")[0]  # the test accounts' display name
    masked = full_name[0].upper() + "*"
    case_page = staff["agent"].get(f"/desk/cases/{world.cases['owner']}").text
    assert text("web_lender_borrower_masked", "zh", name=masked) in case_page
    for page in (
        case_page,
        staff["supervisor"].get("/desk").text,
    ):
        assert masked in page
        assert owner.email not in page
        assert full_name not in page
    queue = staff["agent"].get("/desk").text
    assert f'href="/desk/cases/{world.cases["owner"]}"' in queue
    assert f"<td>{masked}</td>" in queue


def test_the_case_view_shows_the_shared_statement_and_the_lenders_evaluation(desk):
    world, staff = desk
    page = _text_of(staff["agent"].get(f"/desk/cases/{world.cases['owner']}").text)
    assert text("web_lender_statement", "zh") in page
    assert text("web_lender_statement_not_shared", "zh") in page  # no consent in this world
    assert text("web_lender_expected_value", "zh") in page
    assert text("web_lender_do_nothing", "zh") in page
    assert text("web_lender_within_policy", "zh") in page  # 6 months' extension: within 36
    assert text("web_lender_counter", "zh") in page


def test_the_other_lenders_agent_is_told_the_case_does_not_exist_and_a_borrower_is_refused(
    desk, new_browser
):
    world, staff = desk
    path = f"/desk/cases/{world.cases['owner']}"
    assert staff["other_agent"].get(path).status_code == 404
    assert staff["other_agent"].post(f"{path}/offers", _counter(1, "6")).status_code == 404
    owner = new_browser()
    owner.log_in(world.people["owner"])
    assert owner.get(path).status_code == 403
    assert owner.post(f"{path}/actions", {"action": "reject"}).status_code == 403


# ---------------------------------------------------------------------------------------------
# counter-offers: an agent within policy, a supervisor beyond it (logged as approval)


def test_an_agents_counter_offer_beyond_policy_is_refused_beside_the_form_and_kept(desk, people):
    world, staff = desk
    case_id, loan_id = world.cases["owner"], world.loans["owner"]
    response = staff["agent"].post(f"/desk/cases/{case_id}/offers", _counter(loan_id, "48"))
    assert response.status_code == 400
    page = _text_of(response.text)
    assert 'id="e-terms"' in response.text
    refusal = message(
        "policy.approval_required",
        "zh",
        role=text("web_lender_role_supervisor", "zh"),
        codes=text("web_lender_limit_extension_too_long", "zh"),
    )
    assert refusal in page
    assert _field_value(response.text, f"l{loan_id}_extension") == "48"  # what was typed
    assert len(_offers(people, world.people["owner"], case_id)) == 1  # nothing was sent


def test_an_agents_counter_offer_within_policy_goes_out(desk, people):
    world, staff = desk
    case_id, loan_id = world.cases["owner"], world.loans["owner"]
    response = staff["agent"].post(f"/desk/cases/{case_id}/offers", _counter(loan_id, "12"))
    assert response.status_code == 303
    assert response.headers["location"] == f"/desk/cases/{case_id}#offers"
    offers = _offers(people, world.people["owner"], case_id)
    assert [o["made_by"] for o in offers] == ["borrower", "lender"]
    assert offers[-1]["terms"]["loans"][0]["concessions"] == [
        {"kind": "extension", "extra_months": 12, "include_overdue_principal": False}
    ]
    entries = _log(people, world.people["owner"], case_id)
    assert not [e for e in entries if e["body"].get("approval")]


def test_a_supervisors_counter_offer_beyond_policy_goes_out_and_is_logged_as_approval(desk, people):
    world, staff = desk
    case_id, loan_id = world.cases["owner"], world.loans["owner"]
    response = staff["supervisor"].post(f"/desk/cases/{case_id}/offers", _counter(loan_id, "48"))
    assert response.status_code == 303, _text_of(response.text)[-2000:]
    offers = _offers(people, world.people["owner"], case_id)
    assert offers[-1]["made_by"] == "lender"
    approvals = [
        e for e in _log(people, world.people["owner"], case_id) if e["body"].get("approval")
    ]
    assert len(approvals) == 1
    assert approvals[0]["body"]["limits"] == ["policy.extension_too_long"]
    assert approvals[0]["body"]["role"] == "supervisor"


def test_a_counter_offer_field_that_cannot_be_read_is_explained_beside_that_field(desk, people):
    world, staff = desk
    case_id, loan_id = world.cases["owner"], world.loans["owner"]
    form = {**_counter(loan_id, "twelve"), f"l{loan_id}_rate": "12"}
    response = staff["agent"].post(f"/desk/cases/{case_id}/offers", form)
    assert response.status_code == 400
    assert f'id="e-l{loan_id}_extension"' in response.text
    assert _field_value(response.text, f"l{loan_id}_extension") == "twelve"
    assert _field_value(response.text, f"l{loan_id}_rate") == "12"
    assert len(_offers(people, world.people["owner"], case_id)) == 1


# ---------------------------------------------------------------------------------------------
# approval of a borrower's offer beyond policy, signing and payments


def test_a_borrowers_offer_beyond_policy_waits_for_the_supervisor_who_approves_it(desk, people):
    world, staff = desk
    org = world.people["agent"].organisation_id
    borrower, loan_id, case_id = _borrower_case(
        people, org, [{"kind": "extension", "extra_months": 48}]
    )
    queue = staff["supervisor"].get("/desk/approvals")
    assert queue.status_code == 200
    assert f'href="/desk/cases/{case_id}"' in queue.text
    assert f'href="/desk/cases/{world.cases["owner"]}"' not in queue.text  # within policy
    assert staff["agent"].get("/desk/approvals").status_code == 403

    page = _text_of(staff["agent"].get(f"/desk/cases/{case_id}").text)
    supervisor = text("web_lender_role_supervisor", "zh")
    assert text("web_lender_beyond_policy", "zh", role=supervisor) in page
    assert text("web_lender_accept_needs_approval", "zh", role=supervisor) in page
    boss_view = _text_of(staff["supervisor"].get(f"/desk/cases/{case_id}").text)
    assert text("web_lender_accept_needs_approval", "zh", role=supervisor) not in boss_view
    assert text("web_lender_suggestion_note", "zh") in page
    # The suggested counter-offer is the borrower's, brought within the 36 months' limit.
    builder = staff["agent"].get(f"/desk/cases/{case_id}").text
    assert _field_value(builder, f"l{loan_id}_extension") == "36"

    refused = staff["agent"].post(f"/desk/cases/{case_id}/actions", {"action": "accept"})
    assert refused.status_code == 400
    assert 'id="e-action"' in refused.text
    assert _ok(people.client.get(f"/api/cases/{case_id}", headers=borrower.headers))["state"] in (
        "submitted",
        "under_review",
    )

    # The approvals page offers the approval itself.
    approve = f'action="/desk/cases/{case_id}/actions"'
    assert approve in staff["supervisor"].get("/desk/approvals").text
    accepted = staff["supervisor"].post(f"/desk/cases/{case_id}/actions", {"action": "accept"})
    assert accepted.status_code == 303
    case = _ok(people.client.get(f"/api/cases/{case_id}", headers=borrower.headers))
    assert case["state"] == "agreed"
    approvals = [e for e in _log(people, borrower, case_id) if e["body"].get("approval")]
    assert [a["body"]["limits"] for a in approvals] == [["policy.extension_too_long"]]
    assert staff["supervisor"].get("/desk/approvals").text.count(f'/desk/cases/{case_id}"') == 0


def test_both_sign_and_the_agent_posts_a_payment_once_even_when_the_form_is_sent_twice(
    desk, people
):
    world, staff = desk
    org = world.people["agent"].organisation_id
    borrower, _, case_id = _borrower_case(people, org, [{"kind": "extension", "extra_months": 6}])
    agent = staff["agent"]
    assert agent.post(f"/desk/cases/{case_id}/actions", {"action": "accept"}).status_code == 303
    page = agent.get(f"/desk/cases/{case_id}").text
    digest = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', page).group(1)
    consent = html.unescape(re.search(r'name="consent" value="([^"]+)"', page).group(1))

    wrong = agent.post(
        f"/desk/cases/{case_id}/sign",
        {"document_sha256": digest, "consent": consent, "password": "not the password"},
    )
    assert wrong.status_code == 400
    assert 'id="e-password"' in wrong.text
    unconfirmed = agent.post(
        f"/desk/cases/{case_id}/sign", {"document_sha256": digest, "password": PASSWORD}
    )
    assert unconfirmed.status_code == 400
    assert 'id="e-consent"' in unconfirmed.text

    signed = agent.post(
        f"/desk/cases/{case_id}/sign",
        {"document_sha256": digest, "consent": consent, "password": PASSWORD},
    )
    assert signed.status_code == 303
    agreement = _ok(people.client.get(f"/api/cases/{case_id}/agreement", headers=borrower.headers))
    _ok(
        people.client.post(
            f"/api/cases/{case_id}/agreement/sign",
            json={
                "document_sha256": agreement["document_sha256"],
                "consent": agreement["consent_text"],
                "password": PASSWORD,
            },
            headers=borrower.headers,
        )
    )
    page = agent.get(f"/desk/cases/{case_id}").text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    form = {
        "amount": "100.00",
        "paid_on": TODAY,
        "channel": "bank_transfer",
        "external_ref": "TX-1",
        "idempotency_key": key,
    }
    assert agent.post(f"/desk/cases/{case_id}/payments", form).status_code == 303
    assert agent.post(f"/desk/cases/{case_id}/payments", form).status_code == 303
    paid = people.client.get(f"/api/cases/{case_id}/payments", headers=borrower.headers).json()
    assert [p["external_ref"] for p in paid] == ["TX-1"]
    ledger = agent.get(f"/desk/cases/{case_id}").text
    assert "TX-1" in ledger and "¥100.00" in ledger
    # The one agreement in repayment is on track (nothing falls due before its first day).
    figures = agent.get("/portfolio").text
    assert 'id="fig-on-track">100.00%<' in figures
    assert text("web_lender_on_track_detail", "zh", on_track=1, total=1) in figures
    # Half a year on, the first installment (August) is past due: no longer on track.
    people.clock.advance(days=200)
    agent.log_in(world.people["agent"])
    assert 'id="fig-on-track">0.00%<' in agent.get("/portfolio").text

    refused = agent.post(
        f"/desk/cases/{case_id}/payments", {**form, "amount": "12.345", "idempotency_key": ""}
    )
    assert refused.status_code == 400
    assert 'id="e-amount"' in refused.text
    assert _field_value(refused.text, "amount") == "12.345"


# ---------------------------------------------------------------------------------------------
# the portfolio


def test_the_portfolio_figures_equal_an_independent_count_of_the_organisations_cases(desk, people):
    world, staff = desk
    org = world.people["agent"].organisation_id
    _borrower_case(people, org, [{"kind": "extension", "extra_months": 6}])
    _, _, agreed = _borrower_case(people, org, [{"kind": "extension", "extra_months": 6}])
    _, _, rejected = _borrower_case(people, org, [{"kind": "extension", "extra_months": 6}])
    agent = staff["agent"]
    assert agent.post(f"/desk/cases/{agreed}/actions", {"action": "accept"}).status_code == 303
    assert agent.post(f"/desk/cases/{rejected}/actions", {"action": "reject"}).status_code == 303

    listed = _ok(people.client.get("/api/cases?limit=200", headers=world.people["agent"].headers))
    states = Counter(c["state"] for c in listed["items"])
    page = agent.get("/portfolio")
    assert page.status_code == 200
    shown = {s: int(n) for s, n in re.findall(r'data-state="([a-z_]+)">(\d+)</td>', page.text)}
    assert {s: n for s, n in shown.items() if n} == dict(states)
    assert f'id="fig-cases">{listed["total"]}<' in page.text
    decided = states["agreed"] + states["rejected"]
    assert decided == 2
    assert 'id="fig-acceptance">50.00%<' in page.text
    owed = [
        o
        for c in listed["items"]
        if c["state"] == "agreed"
        for o in _offers(people, world.people["agent"], c["id"])
        if o["status"] == "accepted"
    ]
    total_owed = sum((Decimal(p["owed"]) for o in owed for p in o["figures"]["loans"]), Decimal(0))
    assert money_text(total_owed) in page.text
    assert "<svg" in page.text  # the charts
    assert world.people["owner"].email not in page.text
    # The other lender sees only its own organisation's figures.
    other = staff["other_agent"].get("/portfolio").text
    assert 'id="fig-cases">1<' in other


# ---------------------------------------------------------------------------------------------
# assignment


def test_an_agent_takes_a_case_and_hands_it_back_and_a_supervisor_gives_it_to_someone(desk):
    world, staff = desk
    case_id = world.cases["owner"]
    agent, supervisor = staff["agent"], staff["supervisor"]
    path = f"/desk/cases/{case_id}/assignee"
    me = text("web_lender_assigned_to_me", "zh")
    nobody = text("web_lender_unassigned", "zh")

    assert f'id="assignee">{nobody}<' in agent.get(f"/desk/cases/{case_id}").text
    taken = agent.post(path, {"assignee_id": str(world.people["agent"].id)})
    assert taken.status_code == 303
    assert f'id="assignee">{me}<' in agent.get(f"/desk/cases/{case_id}").text
    assert f"<td>{me}</td>" in agent.get("/desk").text

    # An agent cannot give a case away to someone else.
    refused = agent.post(path, {"assignee_id": str(world.people["supervisor"].id)})
    assert refused.status_code == 400
    assert message("case.assign_supervisor_only", "zh") in _text_of(refused.text)
    assert 'id="e-assignee_id"' in refused.text

    assert agent.post(path, {"assignee_id": ""}).status_code == 303
    assert f'id="assignee">{nobody}<' in agent.get(f"/desk/cases/{case_id}").text

    given = supervisor.post(path, {"assignee_id": str(world.people["agent"].id)})
    assert given.status_code == 303
    page = supervisor.get(f"/desk/cases/{case_id}").text
    assert f'<option value="{world.people["agent"].id}" selected>' in page
    assert f'id="assignee">{me}<' in agent.get(f"/desk/cases/{case_id}").text
    # The other lender's staff learn nothing.
    assert staff["other_agent"].post(path, {"assignee_id": ""}).status_code == 404


def test_the_desk_pages_speak_english_and_opening_them_changes_nothing(desk, people):
    world, staff = desk
    case_id = world.cases["owner"]
    supervisor = staff["supervisor"]
    before = len(_log(people, world.people["owner"], case_id))
    assert supervisor.post("/lang", {"lang": "en", "next": "/desk"}).status_code == 303
    for path, heading in (
        (f"/desk/cases/{case_id}", "web_lender_counter"),
        ("/desk/approvals", "web_lender_approvals_heading"),
        ("/portfolio", "web_lender_portfolio_heading"),
        ("/desk", "web_lender_assignee"),
    ):
        page = supervisor.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-language"] == "en"
        assert text(heading, "en") in _text_of(page.text), path
    assert len(_log(people, world.people["owner"], case_id)) == before
    assert len(_offers(people, world.people["owner"], case_id)) == 1
