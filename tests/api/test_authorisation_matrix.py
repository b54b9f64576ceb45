"""The authorisation matrix: every route that reaches a borrower's objects, called by every
kind of caller; nobody outside the rules gets a 2xx.

Callers: the owner; another borrower; an agent of the lender the owner shared with (consent for
every scope); an agent of another lender; a counselor without a grant; anonymous.  A route that
takes an object id (``{…}`` in its path) or acts for a borrower (``?borrower_id=``) must appear in
``MATRIX``; a route that does neither must be listed in ``NO_BORROWER_OBJECT``.  A new route in
neither fails ``test_every_route_is_in_the_matrix`` — so adding a route forces a decision.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from api.agreement_matrix import agreement_calls, agreement_case
from api.test_data_api import PDF, STATEMENT, private_loan_json
from support.api_people import BOTH_DATABASES, PASSWORD, START
from support.sealed_case import sealed_case
from xieshang.services.loans import local_today

CALLERS = ("owner", "other_borrower", "consented_agent", "other_agent", "counselor", "anonymous")


@dataclass
class World:
    api: Any
    people: dict[str, Any]
    ids: dict[str, int]

    def headers(self, caller: str) -> dict[str, str]:
        return {} if caller == "anonymous" else dict(self.people[caller].headers)


@dataclass(frozen=True)
class Call:
    """One route and method; ``allowed``: the callers who must get a 2xx."""

    method: str
    path: str
    allowed: frozenset[str]
    send: Callable[[World, str], Any]


def _request(method: str, url: Callable[[World], str], **body: Any) -> Callable[[World, str], Any]:
    def send(world: World, caller: str) -> Any:
        kwargs: dict[str, Any] = {"headers": world.headers(caller)}
        for key, value in body.items():
            kwargs[key] = value() if callable(value) else value
        return world.api.request(method, url(world), **kwargs)

    return send


def _world_body(
    method: str, url: Callable[[World], str], body: Callable[[World], Any]
) -> Callable[[World, str], Any]:
    """A call whose JSON body depends on the world (ids, today's date)."""

    def send(world: World, caller: str) -> Any:
        return world.api.request(
            method, url(world), headers=world.headers(caller), json=body(world)
        )

    return send


def for_owner(w: World) -> str:
    return f"borrower_id={w.people['owner'].id}"


CASE_DAY = local_today(START).isoformat()


def _case_terms(w: World, case: str) -> dict[str, Any]:
    loan = str(w.ids[f"{case}_loan"])
    extension = {"kind": "extension", "extra_months": 6}
    return {"start": CASE_DAY, "loans": [{"loan_id": loan, "concessions": [extension]}]}


def _new_case(w: World) -> dict[str, Any]:
    return {
        "loan_ids": [w.ids["case_spare_loan"]],
        "external_platform": "某网贷平台",
        "borrower_id": w.people["owner"].id,
    }


PAY_DAY = local_today(START).isoformat()
PAYMENT = {
    "amount": "100.00",
    "paid_on": PAY_DAY,
    "channel": "bank_transfer",
    "external_ref": "MATRIX-1",
}
OWNER = frozenset({"owner"})
OWNER_AND_LENDER = frozenset({"owner", "consented_agent"})
CONTACT_ORG = "Quick Cash"
# A call at 23:10 China time: flagged (quiet hours), so a complaint can be drafted.
CONTACT = {
    "at": "2026-03-01T23:10:00+08:00",
    "organisation": CONTACT_ORG,
    "channel": "call",
    "contacted": "debtor",
    "caller": "Agent 042",
}
UPLOAD = {
    "files": lambda: {"file": ("合同.pdf", PDF, "application/pdf")},
    "data": {"kind": "contract"},
}

MATRIX: tuple[Call, ...] = (
    Call(
        "GET",
        "/api/statement",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/statement?{for_owner(w)}"),
    ),
    Call(
        "PUT",
        "/api/statement",
        OWNER,
        _request("PUT", lambda w: f"/api/statement?{for_owner(w)}", json=STATEMENT),
    ),
    Call(
        "GET",
        "/api/loans",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/loans?{for_owner(w)}"),
    ),
    Call(
        "POST",
        "/api/loans",
        OWNER,
        _request("POST", lambda w: f"/api/loans?{for_owner(w)}", json=private_loan_json),
    ),
    Call(
        "GET",
        "/api/loans/{loan_id}",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/loans/{w.ids['loan']}"),
    ),
    Call(
        "PUT",
        "/api/loans/{loan_id}",
        OWNER,
        _request("PUT", lambda w: f"/api/loans/{w.ids['loan']}", json=private_loan_json),
    ),
    Call(
        "GET",
        "/api/documents",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/documents?{for_owner(w)}"),
    ),
    Call(
        "POST",
        "/api/documents",
        OWNER,
        _request("POST", lambda w: f"/api/documents?{for_owner(w)}", **UPLOAD),
    ),
    Call(
        "GET",
        "/api/documents/{document_id}",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/documents/{w.ids['document']}"),
    ),
    Call(
        "GET",
        "/api/documents/{document_id}/content",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/documents/{w.ids['document']}/content"),
    ),
    Call(
        "GET", "/api/plan", OWNER_AND_LENDER, _request("GET", lambda w: f"/api/plan?{for_owner(w)}")
    ),
    # The conduct log is the borrower's evidence against collectors: lender staff never see it,
    # even with consent for every scope.
    Call(
        "GET",
        "/api/conduct/contacts",
        OWNER,
        _request("GET", lambda w: f"/api/conduct/contacts?{for_owner(w)}"),
    ),
    Call(
        "POST",
        "/api/conduct/contacts",
        OWNER,
        _request("POST", lambda w: f"/api/conduct/contacts?{for_owner(w)}", json=CONTACT),
    ),
    Call(
        "GET",
        "/api/conduct/review",
        OWNER,
        _request("GET", lambda w: f"/api/conduct/review?{for_owner(w)}"),
    ),
    Call(
        "GET",
        "/api/conduct/complaint",
        OWNER,
        _request(
            "GET",
            lambda w: f"/api/conduct/complaint?{for_owner(w)}&organisation={CONTACT_ORG}",
        ),
    ),
    # Cases: a case is seen by its borrower side and, once submitted, by the staff of its
    # lender ("consented_agent" here: the case's organisation).  Each move has a case in the
    # state it needs, on a loan of its own.
    Call(
        "POST",
        "/api/cases",
        OWNER,
        _world_body("POST", lambda w: "/api/cases", _new_case),
    ),
    Call(
        "GET",
        "/api/cases",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases?{for_owner(w)}"),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['case']}"),
    ),
    Call(
        "POST",
        "/api/cases/{case_id}/submit",
        OWNER,
        _world_body(
            "POST",
            lambda w: f"/api/cases/{w.ids['draft_case']}/submit",
            lambda w: {"terms": _case_terms(w, "draft_case")},
        ),
    ),
    # Who at the lender works a case: its staff only (the borrower side is refused).
    Call(
        "GET",
        "/api/cases/{case_id}/assignee",
        frozenset({"consented_agent"}),
        _request("GET", lambda w: f"/api/cases/{w.ids['case']}/assignee"),
    ),
    Call(
        "PUT",
        "/api/cases/{case_id}/assignee",
        frozenset({"consented_agent"}),
        _world_body(
            "PUT",
            lambda w: f"/api/cases/{w.ids['case']}/assignee",
            lambda w: {"assignee_id": w.people["consented_agent"].id},
        ),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}/offers",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['case']}/offers"),
    ),
    Call(
        "POST",
        "/api/cases/{case_id}/offers",
        frozenset({"consented_agent"}),
        _world_body(
            "POST",
            lambda w: f"/api/cases/{w.ids['counter_case']}/offers",
            lambda w: {"terms": _case_terms(w, "counter_case")},
        ),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}/offers/{number}",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['case']}/offers/1"),
    ),
    Call(
        "POST",
        "/api/cases/{case_id}/accept",
        OWNER,
        _request("POST", lambda w: f"/api/cases/{w.ids['accept_case']}/accept", json={}),
    ),
    Call(
        "POST",
        "/api/cases/{case_id}/actions/{action}",
        OWNER,
        _request(
            "POST", lambda w: f"/api/cases/{w.ids['withdraw_case']}/actions/withdraw", json={}
        ),
    ),
    Call(
        "POST",
        "/api/cases/{case_id}/notes",
        OWNER_AND_LENDER,
        _request(
            "POST",
            lambda w: f"/api/cases/{w.ids['case']}/notes",
            json={"kind": "message", "text": "请于本周内答复"},
        ),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}/log",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['case']}/log"),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}/log.jsonl",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['case']}/log.jsonl"),
    ),
    Call(
        "POST",
        "/api/cases/{case_id}/receipt",
        OWNER_AND_LENDER,
        _request("POST", lambda w: f"/api/cases/{w.ids['case']}/receipt"),
    ),
    # The agreement, its letters and the evidence bundle (api/agreement_matrix.py).
    *agreement_calls(Call, _request),
    # Repayment: both parties of a sealed agreement record payments and read the ledger; the
    # settlement certificate exists once the plan is paid off ("settled_case").
    Call(
        "POST",
        "/api/cases/{case_id}/payments",
        OWNER_AND_LENDER,
        _request("POST", lambda w: f"/api/cases/{w.ids['sealed_case']}/payments", json=PAYMENT),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}/payments",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['sealed_case']}/payments"),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}/ledger",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['sealed_case']}/ledger"),
    ),
    Call(
        "GET",
        "/api/cases/{case_id}/settlement.pdf",
        OWNER_AND_LENDER,
        _request("GET", lambda w: f"/api/cases/{w.ids['settled_case']}/settlement.pdf"),
    ),
    # Destructive calls last; each removes an object made for it alone.
    Call(
        "DELETE",
        "/api/documents/{document_id}",
        OWNER,
        _request("DELETE", lambda w: f"/api/documents/{w.ids['spare_document']}"),
    ),
    Call(
        "DELETE",
        "/api/conduct/contacts/{contact_id}",
        OWNER,
        _request("DELETE", lambda w: f"/api/conduct/contacts/{w.ids['spare_contact']}"),
    ),
    Call(
        "DELETE",
        "/api/loans/{loan_id}",
        OWNER,
        _request("DELETE", lambda w: f"/api/loans/{w.ids['spare_loan']}"),
    ),
    Call(
        "DELETE",
        "/api/sharing/grants/{grant_id}",
        OWNER,
        _request("DELETE", lambda w: f"/api/sharing/grants/{w.ids['grant']}"),
    ),
    Call(
        "DELETE",
        "/api/sharing/consents/{consent_id}",
        OWNER,
        _request("DELETE", lambda w: f"/api/sharing/consents/{w.ids['spare_consent']}"),
    ),
)

# Routes that act only on the caller themself or are public: they take no borrower's object.
NO_BORROWER_OBJECT = frozenset(
    {
        ("GET", "/healthz"),
        ("POST", "/api/auth/register"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/logout"),
        ("POST", "/api/auth/logout-all"),
        ("GET", "/api/me"),
        ("GET", "/api/me/personal"),
        ("PUT", "/api/me/personal"),
        ("POST", "/api/me/totp"),
        ("POST", "/api/me/totp/confirm"),
        ("GET", "/api/admin/organisations"),
        ("POST", "/api/admin/organisations"),
        ("POST", "/api/admin/users"),
        ("GET", "/api/sharing/grants"),  # the caller's own grants (as borrower or counselor)
        ("POST", "/api/sharing/grants"),  # a borrower grants for themself
        ("GET", "/api/sharing/consents"),
        ("POST", "/api/sharing/consents"),
        ("POST", "/api/calc/schedule"),  # stateless calculators: the caller's own numbers
        ("POST", "/api/calc/apr"),
        ("GET", "/api/notices"),  # the caller's own reminders
        ("GET", "/api/calendar.ics"),
        ("POST", "/api/calendar/token"),
        ("DELETE", "/api/calendar/token"),
        # The token is the credential (calendar apps send no session): an unknown one is 404
        # (tests/api/test_reminders_api.py).
        ("GET", "/api/calendar/{token}.ics"),
        # The caller's own organisation's settings (tests/api/test_lender_settings_api.py).
        ("GET", "/api/lender/settings"),
        ("PUT", "/api/lender/settings"),
        # The caller's own organisation's staff (names and roles; tests/api/test_assignment_api.py).
        ("GET", "/api/lender/staff"),
    }
)


def api_routes(app: Any) -> set[tuple[str, str]]:
    paths = app.openapi()["paths"]
    return {(m.upper(), p) for p, ops in paths.items() for m in ops if m != "parameters"}


def test_every_route_is_in_the_matrix(api):
    covered = {(c.method, c.path) for c in MATRIX} | NO_BORROWER_OBJECT
    routes = api_routes(api.app)
    assert routes - covered == set(), "routes without an authorisation decision"
    assert covered - routes == set(), "the matrix names routes that no longer exist"


@pytest.fixture
def world(api, people) -> World:
    lender = people.organisation("lender", "Lender With Consent")
    other_lender = people.organisation("lender", "Lender Without Consent")
    counseling = people.organisation("counseling", "Counseling Centre")
    callers = {
        "owner": people.logged_in("borrower"),
        "other_borrower": people.logged_in("borrower"),
        "consented_agent": people.logged_in("agent", lender),
        "other_agent": people.logged_in("agent", other_lender),
        "counselor": people.logged_in("counselor", counseling),
        "granted_counselor": people.logged_in("counselor", counseling),
    }
    owner = callers["owner"].headers

    def ok(response: Any) -> dict[str, Any]:
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    ok(api.put("/api/statement", json=STATEMENT, headers=owner))
    ids = {
        "loan": ok(api.post("/api/loans", json=private_loan_json(), headers=owner))["id"],
        "spare_loan": ok(api.post("/api/loans", json=private_loan_json(), headers=owner))["id"],
        "document": ok(api.post("/api/documents", headers=owner, **_upload()))["id"],
        "spare_document": ok(api.post("/api/documents", headers=owner, **_upload()))["id"],
        "grant": ok(
            api.post(
                "/api/sharing/grants",
                json={"counselor_email": callers["granted_counselor"].email},
                headers=owner,
            )
        )["id"],
    }
    ids["contact"] = ok(api.post("/api/conduct/contacts", json=CONTACT, headers=owner))["id"]
    ids["spare_contact"] = ok(api.post("/api/conduct/contacts", json=CONTACT, headers=owner))["id"]
    for scope in ("statement_summary", "loans", "documents"):
        ok(
            api.post(
                "/api/sharing/consents",
                json={"organisation_id": lender, "scope": scope},
                headers=owner,
            )
        )
    spare_org = people.organisation("lender", "Lender Spare")
    ids["spare_consent"] = ok(
        api.post(
            "/api/sharing/consents",
            json={"organisation_id": spare_org, "scope": "loans"},
            headers=owner,
        )
    )["id"]
    ids |= _cases(api, owner, callers["consented_agent"].headers, lender, ok)
    ids |= agreement_case(people, callers, lender)
    # A sealed agreement with the consenting lender, and another one already paid off.
    for name in ("sealed_case", "settled_case"):
        ids[name] = sealed_case(
            people.container,
            callers["owner"].actor,
            now=people.clock(),
            agent=callers["consented_agent"].actor,
            organisation_id=lender,
            password=PASSWORD,
        ).case_id
    with people.container.uow() as uow:
        terms = json.loads(uow.agreements.current(ids["settled_case"]).terms)
    owed = sum(Decimal(row["payment"]) for row in terms["schedule"])
    paid_off = {**PAYMENT, "amount": str(owed), "external_ref": "MATRIX-ALL"}
    url = f"/api/cases/{ids['settled_case']}/payments"
    assert ok(api.post(url, json=paid_off, headers=owner))["case_state"] == "completed"
    return World(api, callers, {k: int(v) for k, v in ids.items()})


def _cases(
    api: Any,
    owner: dict[str, str],
    agent: dict[str, str],
    lender: int,
    ok: Callable[[Any], dict[str, Any]],
) -> dict[str, int]:
    """The owner's cases with the lender, each on a loan of its own: ``case`` (submitted),
    ``draft_case``, ``counter_case`` and ``withdraw_case`` (submitted), ``accept_case`` (the
    agent countered); and a spare loan to open a case on."""
    ids: dict[str, int] = {}
    world = World(api, {}, ids)
    for name in ("case", "draft_case", "counter_case", "withdraw_case", "accept_case"):
        loan = ok(api.post("/api/loans", json=private_loan_json(), headers=owner))["id"]
        ids[f"{name}_loan"] = loan
        body = {"loan_ids": [loan], "lender_organisation_id": lender}
        ids[name] = ok(api.post("/api/cases", json=body, headers=owner))["id"]
        if name == "draft_case":
            continue
        terms = {"terms": _case_terms(world, name)}
        ok(api.post(f"/api/cases/{ids[name]}/submit", json=terms, headers=owner))
        if name == "accept_case":
            ok(api.post(f"/api/cases/{ids[name]}/offers", json=terms, headers=agent))
    spare = ok(api.post("/api/loans", json=private_loan_json(), headers=owner))["id"]
    ids["case_spare_loan"] = spare
    return ids


def _upload() -> dict[str, Any]:
    return {key: (value() if callable(value) else value) for key, value in UPLOAD.items()}


@BOTH_DATABASES
def test_no_caller_outside_the_rules_gets_a_2xx_and_the_allowed_ones_do(world):
    failures = []
    for call in MATRIX:
        # Callers who must be refused go first, so a destructive call is still there to refuse.
        for caller in sorted(CALLERS, key=lambda c: c in call.allowed):
            status = call.send(world, caller).status_code
            allowed = caller in call.allowed
            if allowed and not 200 <= status < 300:
                failures.append(f"{call.method} {call.path} as {caller}: {status}, expected 2xx")
            if not allowed and 200 <= status < 300:
                failures.append(
                    f"{call.method} {call.path} as {caller}: {status}, expected refusal"
                )
            if caller == "anonymous" and status != 401:
                failures.append(f"{call.method} {call.path} anonymous: {status}, expected 401")
    assert failures == []


def test_a_lender_sees_only_the_statement_summary_not_the_itemised_lines(world):
    body = world.api.get(
        f"/api/statement?{for_owner(world)}", headers=world.headers("consented_agent")
    ).json()
    assert body["itemised"] is False
    for lines in ("household", "incomes", "expenses", "assets", "debts"):
        assert body[lines] is None
    assert body["capacity"]["repayment_capacity"]  # the figures a lender needs are there


def test_a_granted_counselor_may_read_and_write_but_loses_access_when_revoked(world):
    h = world.headers("granted_counselor")
    assert world.api.get(f"/api/loans/{world.ids['loan']}", headers=h).status_code == 200
    put = world.api.put(f"/api/statement?{for_owner(world)}", json=STATEMENT, headers=h)
    assert put.status_code == 200
    owner = world.headers("owner")
    assert world.api.delete(f"/api/sharing/grants/{world.ids['grant']}", headers=owner).is_success
    assert world.api.get(f"/api/loans/{world.ids['loan']}", headers=h).status_code == 404
