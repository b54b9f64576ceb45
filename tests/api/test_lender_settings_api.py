"""An organisation's settings over HTTP, on SQLite and PostgreSQL: staff read them (defaults
until set), only a supervisor replaces them, bad values are refused by name, and the case
evaluation and the maker-checker rule follow them — an agent's counter-offer beyond the limits
is refused (403), the supervisor's goes out with the approval in the case log."""

from __future__ import annotations

from support.api_people import BOTH_DATABASES
from support.loan_inputs import example, loan_input
from xieshang.services.loans import create_loan, local_today


def settings(api, person):
    return api.get("/api/lender/settings", headers=person.headers)


@BOTH_DATABASES
def test_staff_read_the_settings_and_only_a_supervisor_changes_them(api, people):
    org = people.organisation("lender", "设置小贷")
    agent = people.logged_in("agent", org)
    boss = people.logged_in("supervisor", org)
    borrower = people.logged_in("borrower")
    first = settings(api, agent)
    assert first.status_code == 200 and first.json()["defaults"] is True
    assert first.json()["settings"]["limits"]["max_extension_months"] == 36
    assert settings(api, borrower).status_code == 403
    body = {"limits": {"max_extension_months": 6}, "assumptions": {"discount_rate": "0.08"}}
    refused = api.put("/api/lender/settings", json=body, headers=agent.headers)
    assert refused.status_code == 403 and refused.json()["code"] == "policy.supervisor_only"
    done = api.put("/api/lender/settings", json=body, headers=boss.headers)
    assert done.status_code == 200, done.text
    got = settings(api, agent).json()
    assert got["defaults"] is False
    assert got["settings"]["limits"]["max_extension_months"] == 6
    assert got["settings"]["assumptions"]["discount_rate"] == "0.08"
    for bad, field in (
        ({"limits": {"max_waiver_fraction": "1.5"}}, "max_waiver_fraction"),
        ({"limits": {"colour": 1}}, "colour"),
        ({"assumptions": {"discount_rate": 0.1}}, "discount_rate"),
    ):
        answer = api.put(
            "/api/lender/settings", json=bad, headers={**boss.headers, "Accept-Language": "en"}
        )
        assert answer.status_code in (400, 422), answer.text
        assert answer.json()["field"] == field and answer.json()["message"]
    assert settings(api, agent).json()["settings"]["limits"]["max_extension_months"] == 6


@BOTH_DATABASES
def test_an_offer_beyond_the_limits_needs_the_supervisor_and_the_approval_is_logged(
    api, container, people, clock
):
    org = people.organisation("lender", "审批小贷")
    agent = people.logged_in("agent", org)
    boss = people.logged_in("supervisor", org)
    borrower = people.logged_in("borrower")
    assert (
        api.put(
            "/api/lender/settings",
            json={"limits": {"max_extension_months": 6}},
            headers=boss.headers,
        ).status_code
        == 200
    )
    loan = create_loan(
        container.uow(),
        borrower.actor,
        borrower.id,
        loan_input(example("online-micro-lender.toml"), lender_organisation_id=org),
        now=clock(),
    )
    today = local_today(clock()).isoformat()

    def terms(months: int) -> dict:
        extension = {"kind": "extension", "extra_months": months, "include_overdue_principal": True}
        return {"start": today, "loans": [{"loan_id": str(loan.id), "concessions": [extension]}]}

    case = api.post(
        "/api/cases",
        json={"loan_ids": [loan.id], "lender_organisation_id": org},
        headers=borrower.headers,
    ).json()
    url = f"/api/cases/{case['id']}"
    assert (
        api.post(f"{url}/submit", json={"terms": terms(12)}, headers=borrower.headers).status_code
        == 201
    )
    evaluation = api.get(f"{url}/offers/1", headers=agent.headers).json()["evaluation"]["lender"]
    assert [b["code"] for b in evaluation["breaches"]] == ["policy.extension_too_long"]
    assert evaluation["needs_approval_by"] == "supervisor"
    beyond = api.post(f"{url}/offers", json={"terms": terms(9)}, headers=agent.headers)
    assert beyond.status_code == 403 and beyond.json()["code"] == "policy.approval_required"
    assert (
        api.post(f"{url}/offers", json={"terms": terms(6)}, headers=agent.headers).status_code
        == 201
    )
    assert (
        api.post(f"{url}/offers", json={"terms": terms(12)}, headers=borrower.headers).status_code
        == 201
    )
    assert api.post(f"{url}/accept", json={}, headers=agent.headers).status_code == 403
    accepted = api.post(f"{url}/accept", json={}, headers=boss.headers)
    assert accepted.status_code == 200, accepted.text
    log = api.get(f"{url}/log", headers=borrower.headers).json()
    approvals = [e for e in log["entries"] if e["body"].get("approval") == "beyond_policy"]
    assert len(approvals) == 1 and approvals[0]["actor"].startswith("supervisor:")
    assert approvals[0]["body"]["limits"] == ["policy.extension_too_long"]
