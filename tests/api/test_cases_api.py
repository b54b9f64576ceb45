"""Negotiation cases through the HTTP API, on SQLite and PostgreSQL: a lender here (the
borrower submits, the agent counters, the borrower accepts) and an external platform (the
borrower records both sides); who may act (a counselor with a grant; nobody else sees the
case); illegal moves as 409 in the caller's language; terms the domain refuses as 422 naming
the field; idempotent POSTs; the log verifying as served and as raw JSON lines; receipts
checked with nothing but the instance's public key; loans marked "in negotiation" with their
arrears paused."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Any

import pytest

from api.test_data_api import STATEMENT, private_loan_json
from support.api_people import BOTH_DATABASES
from xieshang.domain.evidence import (
    Receipt,
    parse_log,
    receipt_matches,
    verify_chain,
    verify_receipt,
)
from xieshang.security.signing import public_verifier
from xieshang.services.loans import local_today

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def terms(loan_id: int, months: int, start: str, **extra: Any) -> dict[str, Any]:
    return {
        "start": start,
        "loans": [
            {
                "loan_id": str(loan_id),
                "concessions": [
                    {
                        "kind": "extension",
                        "extra_months": months,
                        "include_overdue_principal": True,
                    },
                    {"kind": "waiver", "target": "penalty"},
                ],
            }
        ],
        **extra,
    }


class Scene:
    """A borrower with a statement and an overdue loan, lender A (with an agent), lender B (with an
    agent), a counselor with a grant and one without."""

    def __init__(self, api: Any, people: Any, clock: Any) -> None:
        self.api, self.clock, self.people = api, clock, people
        self.org_a = people.organisation("lender", "Lender A")
        self.org_b = people.organisation("lender", "Lender B")
        counseling = people.organisation("counseling", "Counseling Centre")
        self.borrower = people.logged_in("borrower")
        self.other_borrower = people.logged_in("borrower")
        self.agent = people.logged_in("agent", self.org_a)
        self.other_agent = people.logged_in("agent", self.org_b)
        self.counselor = people.logged_in("counselor", counseling)
        self.stranger_counselor = people.logged_in("counselor", counseling)
        h = self.borrower.headers
        assert api.put("/api/statement", json=STATEMENT, headers=h).status_code == 201
        # Five of twelve installments paid: two are overdue on the first day of the tests.
        loan = {**private_loan_json(), "paid_installments": 5}
        made = api.post("/api/loans", json=loan, headers=h)
        assert made.status_code == 201, made.text
        self.loan_id = int(made.json()["id"])
        granted = api.post(
            "/api/sharing/grants", json={"counselor_email": self.counselor.email}, headers=h
        )
        assert granted.status_code == 201, granted.text

    @property
    def today(self) -> str:
        return local_today(self.clock()).isoformat()

    def terms(self, months: int = 12, **extra: Any) -> dict[str, Any]:
        return terms(self.loan_id, months, self.today, **extra)

    def call(self, who: Any, method: str, path: str, lang: str = "zh", **kwargs: Any) -> Any:
        headers = {**who.headers, "Accept-Language": lang}
        return self.api.request(method, path, headers=headers, **kwargs)

    def ok(self, who: Any, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(who, method, path, **kwargs)
        assert 200 <= response.status_code < 300, (path, response.status_code, response.text)
        return response.json()

    def open(self, who: Any = None, **body: Any) -> dict[str, Any]:
        if not body:
            body = {"lender_organisation_id": self.org_a}
        return self.ok(
            who or self.borrower, "POST", "/api/cases", json={"loan_ids": [self.loan_id], **body}
        )


@pytest.fixture
def scene(api, people, clock) -> Scene:
    return Scene(api, people, clock)


def log_of(scene: Scene, who: Any, case_id: int) -> dict[str, Any]:
    log = scene.ok(who, "GET", f"/api/cases/{case_id}/log")
    assert log["verification"]["ok"] is True, log["verification"]
    return log


@BOTH_DATABASES
def test_with_a_lender_here_the_borrower_submits_the_agent_counters_and_the_borrower_accepts(
    scene,
):
    s = scene
    case = s.open()
    assert case["state"] == "draft" and case["my_side"] == "borrower"
    assert case["loan_ids"] == [s.loan_id] and case["external"] is False
    cid = case["id"]
    # A draft is the borrower's own: the agent does not see it yet.
    assert s.call(s.agent, "GET", f"/api/cases/{cid}").status_code == 404

    first = s.ok(s.borrower, "POST", f"/api/cases/{cid}/submit", json={"terms": s.terms(12)})
    assert (first["number"], first["made_by"], first["status"]) == (1, "borrower", "open")
    assert first["figures"]["loans"][0]["loan_id"] == str(s.loan_id)
    assert isinstance(first["figures"]["total_to_pay"], str)

    seen = s.ok(s.agent, "GET", f"/api/cases/{cid}")
    assert seen["state"] == "submitted" and seen["awaiting"] == ["lender"]
    assert seen["my_side"] == "lender" and seen["frozen_on"] == s.today
    assert "start_review" in seen["allowed"] and "reject" in seen["allowed"]
    listed = s.ok(s.agent, "GET", "/api/cases")
    assert [c["id"] for c in listed["items"]] == [cid] and listed["total"] == 1

    reviewing = s.ok(s.agent, "POST", f"/api/cases/{cid}/actions/start_review", json={})
    assert reviewing["state"] == "under_review" and "counter" in reviewing["allowed"]
    counter = s.ok(s.agent, "POST", f"/api/cases/{cid}/offers", json={"terms": s.terms(6)})
    assert (counter["number"], counter["made_by"]) == (2, "lender")
    offers = s.ok(s.borrower, "GET", f"/api/cases/{cid}/offers")
    assert [(o["number"], o["status"]) for o in offers] == [(1, "superseded"), (2, "open")]

    mine = s.ok(s.borrower, "GET", f"/api/cases/{cid}/offers/2")
    assert mine["evaluation"]["side"] == "borrower" and mine["evaluation"]["lender"] is None
    verdict = mine["evaluation"]["borrower"]["verdict"]
    assert verdict["code"].startswith("evaluation.") and CHINESE.search(verdict["message"])
    theirs = s.call(s.agent, "GET", f"/api/cases/{cid}/offers/2", lang="en").json()
    lender = theirs["evaluation"]["lender"]
    assert theirs["evaluation"]["borrower"] is None and lender is not None
    assert lender["verdict"]["code"].startswith("lender.")
    assert not CHINESE.search(lender["verdict"]["message"])

    accepted = s.ok(s.borrower, "POST", f"/api/cases/{cid}/accept", json={})
    assert accepted["state"] == "agreed" and accepted["awaiting"] == ["borrower", "lender"]
    log = log_of(s, s.agent, cid)
    kinds = [e["kind"] for e in log["entries"]]
    assert kinds[0] == "state_change" and "counter_offer" in kinds and kinds[-1] != "offer"
    assert "acceptance" in kinds
    assert log["verification"]["length"] == len(kinds) == accepted["events"]
    assert log["verification"]["head"] == accepted["head"]


@BOTH_DATABASES
def test_with_an_external_platform_the_borrower_records_both_sides_and_the_receipt_verifies(
    scene, container
):
    s = scene
    cid = s.open(external_platform="某网络小额贷款有限公司")["id"]
    s.ok(s.borrower, "POST", f"/api/cases/{cid}/submit", json={"terms": s.terms(12)})
    note = s.ok(
        s.borrower,
        "POST",
        f"/api/cases/{cid}/notes",
        json={
            "kind": "call_note",
            "text": "客服说可以展期6个月",
            "at": "2026-03-02T16:30:00+08:00",
            "person": "客服张",
            "channel": "phone",
            "result": "对方将发还款方案",
        },
    )
    assert note["kind"] == "call_note" and note["body"]["person"] == "客服张"
    platform = s.ok(
        s.borrower,
        "POST",
        f"/api/cases/{cid}/offers",
        json={"terms": s.terms(6), "for_platform": True},
    )
    assert platform["made_by"] == "lender"
    evaluation = s.ok(s.borrower, "GET", f"/api/cases/{cid}/offers/2")["evaluation"]
    assert evaluation["borrower"] is not None and evaluation["lender"] is not None
    assert evaluation["lender"]["defaults_used"] is True
    # Accepting the platform's offer is the borrower's own move (not for_platform).
    accepted = s.ok(s.borrower, "POST", f"/api/cases/{cid}/accept", json={"lang": "en"})
    assert accepted["state"] == "agreed"
    # Nobody at lender A is party to an external case.
    assert s.call(s.agent, "GET", f"/api/cases/{cid}").status_code == 404

    receipt = s.ok(s.borrower, "POST", f"/api/cases/{cid}/receipt")
    pem = receipt["public_key_pem"]
    assert pem == container.instance_key.public_key_pem()
    signature = base64.b64decode(receipt["signature"])
    verify = public_verifier(pem)
    assert verify(receipt["signed_message"].encode("utf-8"), signature)
    claim = Receipt(
        receipt["case_id"], receipt["seq"], receipt["head"], datetime.fromisoformat(receipt["at"])
    )
    assert verify_receipt(claim, signature, verify)
    assert not verify_receipt(
        Receipt(claim.case_id, claim.seq - 1, claim.head, claim.at), signature, verify
    )
    assert receipt["seq"] == accepted["events"] and receipt["head"] == accepted["head"]

    raw = s.call(s.borrower, "GET", f"/api/cases/{cid}/log.jsonl")
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/x-ndjson")
    entries = parse_log(raw.content)
    assert verify_chain(entries, expected_head=receipt["head"]).ok
    assert receipt_matches(entries, claim)
    log = log_of(s, s.borrower, cid)
    assert [r["type"] for r in log["receipts"]] == ["receipt"]
    assert log["receipts"][0]["signature"] == receipt["signature"]


@BOTH_DATABASES
def test_a_counselor_with_a_grant_acts_for_the_borrower_and_nobody_else_sees_the_case(scene):
    s = scene
    mine = s.open(s.counselor, lender_organisation_id=s.org_a, borrower_id=s.borrower.id)
    cid = mine["id"]
    assert mine["borrower_id"] == s.borrower.id and mine["my_side"] == "borrower"
    s.ok(s.counselor, "POST", f"/api/cases/{cid}/submit", json={"terms": s.terms()})
    listed = s.ok(s.counselor, "GET", f"/api/cases?borrower_id={s.borrower.id}")
    assert [c["id"] for c in listed["items"]] == [cid]
    assert s.ok(s.borrower, "GET", f"/api/cases/{cid}")["state"] == "submitted"

    outsiders = (s.stranger_counselor, s.other_agent, s.other_borrower)
    for who in outsiders:
        for method, path, body in (
            ("GET", f"/api/cases/{cid}", None),
            ("GET", f"/api/cases/{cid}/offers", None),
            ("GET", f"/api/cases/{cid}/offers/1", None),
            ("GET", f"/api/cases/{cid}/log", None),
            ("GET", f"/api/cases/{cid}/log.jsonl", None),
            ("POST", f"/api/cases/{cid}/offers", {"terms": s.terms(6)}),
            ("POST", f"/api/cases/{cid}/accept", {}),
            ("POST", f"/api/cases/{cid}/actions/withdraw", {}),
            ("POST", f"/api/cases/{cid}/notes", {"kind": "message", "text": "hello"}),
            ("POST", f"/api/cases/{cid}/receipt", None),
        ):
            answer = s.call(who, method, path, json=body)
            assert answer.status_code == 404, (who.role, method, path, answer.text)
    # Acting for a borrower needs the grant.
    opened = s.call(
        s.stranger_counselor,
        "POST",
        "/api/cases",
        json={
            "loan_ids": [s.loan_id],
            "external_platform": "某平台",
            "borrower_id": s.borrower.id,
        },
    )
    assert opened.status_code == 404
    assert (
        s.call(s.stranger_counselor, "GET", f"/api/cases?borrower_id={s.borrower.id}").status_code
        == 404
    )
    assert s.ok(s.other_agent, "GET", "/api/cases")["items"] == []


@BOTH_DATABASES
def test_illegal_moves_are_409_with_the_domains_reason_in_chinese_or_english(scene):
    s = scene
    cid = s.open()["id"]
    s.ok(s.borrower, "POST", f"/api/cases/{cid}/submit", json={"terms": s.terms()})
    for lang in ("zh", "en"):
        own = s.call(s.borrower, "POST", f"/api/cases/{cid}/accept", lang=lang, json={})
        assert own.status_code == 409, own.text
        body = own.json()
        assert body["code"] in ("case.cannot_accept_own_offer", "case.illegal_transition")
        assert bool(CHINESE.search(body["message"])) == (lang == "zh"), body["message"]
        assert own.headers["content-language"] == lang
    again = s.call(s.borrower, "POST", f"/api/cases/{cid}/submit", json={"terms": s.terms()})
    assert again.status_code == 409 and again.json()["code"].startswith("case.")
    reopen = s.call(s.borrower, "POST", f"/api/cases/{cid}/actions/reopen", lang="en", json={})
    assert reopen.status_code == 409 and "reopen" in reopen.json()["message"]
    # The same loan cannot go into a second open case.
    second = s.call(
        s.borrower, "POST", "/api/cases", json={"loan_ids": [s.loan_id], "external_platform": "乙"}
    )
    assert second.status_code == 409 and second.json()["code"] == "case.loan_in_open_case"
    # A loan in a case stays: the case's record refers to it.
    kept = s.call(s.borrower, "DELETE", f"/api/loans/{s.loan_id}")
    assert kept.status_code == 409 and kept.json()["code"] == "loan.in_case"
    # Recording for the platform is only for an external case.
    not_external = s.call(
        s.borrower,
        "POST",
        f"/api/cases/{cid}/offers",
        json={"terms": s.terms(6), "for_platform": True},
    )
    assert not_external.status_code in (400, 422)
    assert not_external.json()["field"] == "for_platform"
    withdrawn = s.ok(
        s.borrower, "POST", f"/api/cases/{cid}/actions/withdraw", json={"reason": "已自行还清"}
    )
    assert withdrawn["state"] == "withdrawn" and withdrawn["allowed"] == []
    late = s.call(s.agent, "POST", f"/api/cases/{cid}/offers", json={"terms": s.terms(6)})
    assert late.status_code == 409
    log = log_of(s, s.borrower, cid)
    assert log["entries"][-1]["body"]["reason"] == "已自行还清"


@BOTH_DATABASES
def test_terms_the_domain_refuses_are_422_naming_the_field_and_change_nothing(scene):
    s = scene
    cid = s.open()["id"]
    path = f"/api/cases/{cid}/submit"
    bad_kind = s.terms()
    bad_kind["loans"][0]["concessions"] = [{"kind": "magic"}]
    past = s.terms()
    past["start"] = "2020-01-01"
    float_amount = s.terms()
    float_amount["loans"][0]["concessions"] = [{"kind": "settlement", "percent": 0.6}]
    foreign_loan = s.terms()
    foreign_loan["loans"][0]["loan_id"] = "999999"
    for body, field in (
        (bad_kind, "kind"),
        (past, "start"),
        (float_amount, "percent"),
        (foreign_loan, "loans"),
    ):
        answer = s.call(s.borrower, "POST", path, lang="en", json={"terms": body})
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field, answer.json()
        assert not CHINESE.search(answer.json()["message"])
    # Shape errors are caught before the domain: unknown keys, empty loan lists.
    typo = s.call(s.borrower, "POST", path, json={"terms": {**s.terms(), "strat": "x"}})
    assert typo.status_code == 422
    empty = s.call(s.borrower, "POST", path, json={"terms": {**s.terms(), "loans": []}})
    assert empty.status_code == 422
    case = s.ok(s.borrower, "GET", f"/api/cases/{cid}")
    assert case["state"] == "draft" and case["events"] == 1
    assert s.ok(s.borrower, "GET", f"/api/cases/{cid}/offers") == []


@BOTH_DATABASES
def test_a_retried_post_with_the_same_idempotency_key_makes_one_case_and_one_offer(scene):
    s = scene
    body = {"loan_ids": [s.loan_id], "external_platform": "某平台"}
    key = {"Idempotency-Key": "open-case-1"}
    h = {**s.borrower.headers, **key}
    one = s.api.post("/api/cases", json=body, headers=h)
    two = s.api.post("/api/cases", json=body, headers=h)
    assert one.status_code == two.status_code == 201
    assert one.json() == two.json() and two.headers.get("idempotent-replayed") == "true"
    assert s.ok(s.borrower, "GET", "/api/cases")["total"] == 1
    other = s.api.post("/api/cases", json={**body, "external_platform": "别家"}, headers=h)
    assert other.status_code == 409 and other.json()["code"] == "idempotency.conflict"

    cid = one.json()["id"]
    s.ok(s.borrower, "POST", f"/api/cases/{cid}/submit", json={"terms": s.terms()})
    counter = {"terms": s.terms(6), "for_platform": True}
    h2 = {**s.borrower.headers, "Idempotency-Key": "platform-counter-1"}
    a = s.api.post(f"/api/cases/{cid}/offers", json=counter, headers=h2)
    b = s.api.post(f"/api/cases/{cid}/offers", json=counter, headers=h2)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert [o["number"] for o in s.ok(s.borrower, "GET", f"/api/cases/{cid}/offers")] == [1, 2]
    log_of(s, s.borrower, cid)


@BOTH_DATABASES
def test_a_loan_in_negotiation_shows_its_case_and_its_arrears_stay_paused(scene):
    s = scene
    loan_path = f"/api/loans/{s.loan_id}"
    before = s.ok(s.borrower, "GET", loan_path)
    assert before["negotiation"] is None
    cid = s.open(external_platform="某平台")["id"]
    assert s.ok(s.borrower, "GET", loan_path)["negotiation"] is None  # a draft pauses nothing
    s.ok(s.borrower, "POST", f"/api/cases/{cid}/submit", json={"terms": s.terms()})
    submitted_on = s.today
    paused = s.ok(s.borrower, "GET", loan_path)
    assert paused["negotiation"] == {"case_id": cid, "since": submitted_on}
    s.clock.advance(days=75)  # two more installments would have fallen due
    s.people.login(s.borrower)  # the session ran out meanwhile
    later = s.ok(s.borrower, "GET", loan_path)
    assert later["as_of"] == s.today != submitted_on
    assert later["negotiation"] == {"case_id": cid, "since": submitted_on}
    assert later["standing"] == paused["standing"]
    assert later["standing"]["as_of"] == submitted_on
    s.ok(s.borrower, "POST", f"/api/cases/{cid}/actions/withdraw", json={})
    resumed = s.ok(s.borrower, "GET", loan_path)
    assert resumed["negotiation"] is None and resumed["standing"]["as_of"] == s.today
    assert resumed["standing"]["overdue_installments"] > paused["standing"]["overdue_installments"]
