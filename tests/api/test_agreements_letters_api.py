"""The agreement, the request letters and the evidence bundle over HTTP, on SQLite and
PostgreSQL: a case negotiated with a lender here is read, rendered and signed by both sides
(a wrong password is 403 and counts against the login throttle: 429 after the allowed
failures), its letters are generated, edited, sent and then frozen (409), and its bundle
verifies offline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest

from api.test_data_api import STATEMENT, private_loan_json
from support.api_people import BOTH_DATABASES, PASSWORD, Person
from xieshang.services import cases, negotiation
from xieshang.services.evidence_bundles import verify_evidence_bundle
from xieshang.services.loans import local_today


@dataclass
class Deal:
    case_id: int
    borrower: Person
    agent: Person
    stranger: Person

    def url(self, rest: str = "") -> str:
        return f"/api/cases/{self.case_id}{rest}"


def _terms(loan_id: int, day: str, months: int) -> dict[str, Any]:
    extension = {"kind": "extension", "extra_months": months}
    return {"start": day, "loans": [{"loan_id": str(loan_id), "concessions": [extension]}]}


@pytest.fixture
def deal(api, people, container, clock) -> Deal:
    """A case with Lender A: submitted by the borrower, countered by its agent; not accepted."""
    lender = people.organisation("lender", "Lender A")
    borrower = people.logged_in("borrower")
    agent = people.logged_in("agent", lender)
    stranger = people.logged_in("agent", people.organisation("lender", "Lender B"))
    h = borrower.headers
    assert api.put("/api/statement", json=STATEMENT, headers=h).status_code in (200, 201)
    loan = api.post("/api/loans", json=private_loan_json(), headers=h).json()["id"]
    now, day = clock(), local_today(clock()).isoformat()
    case = cases.open_case(
        container.uow(),
        borrower.actor,
        borrower.id,
        loan_ids=[loan],
        lender_organisation_id=lender,
        now=now,
    )
    cases.submit_case(
        container.uow(), borrower.actor, case.id, terms=_terms(loan, day, 12), now=now
    )
    negotiation.counter_offer(
        container.uow(), agent.actor, case.id, terms=_terms(loan, day, 6), now=now
    )
    return Deal(case.id, borrower, agent, stranger)


def accept(container, deal: Deal, clock) -> None:
    negotiation.accept_offer(
        container.uow(), container.blobs, deal.borrower.actor, deal.case_id, now=clock()
    )


def sign_body(agreement: dict[str, Any], password: str = PASSWORD) -> dict[str, Any]:
    return {
        "document_sha256": agreement["document_sha256"],
        "consent": agreement["consent_text"],
        "password": password,
    }


@BOTH_DATABASES
def test_both_sides_read_render_and_sign_the_agreement_and_the_second_seals(
    api, deal, container, clock
):
    accept(container, deal, clock)
    b, a = deal.borrower.headers, deal.agent.headers
    got = api.get(deal.url("/agreement"), headers=a)
    assert got.status_code == 200, got.text
    agreement = got.json()
    assert agreement["status"] == "awaiting_signatures" and agreement["offer_number"] == 2
    assert agreement["schedule"] and all(
        isinstance(r["payment"], str) for r in agreement["schedule"]
    )
    pdf = api.get(deal.url("/agreement.pdf"), headers=b)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["x-content-type-options"] == "nosniff"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(pdf.content).hexdigest() == agreement["document_sha256"]
    text = api.get(deal.url("/agreement.txt?lang=en"), headers=b)
    assert text.text.startswith("Negotiated Repayment Agreement")
    html = api.get(deal.url("/agreement.html"), headers=a)
    assert "协商还款协议" in html.text and html.headers["content-type"].startswith("text/html")
    assert api.get(deal.url("/agreement"), headers=deal.stranger.headers).status_code == 404
    assert api.get(deal.url("/agreement.pdf")).status_code == 401
    wrong = api.post(deal.url("/agreement/sign"), json=sign_body(agreement, "nope"), headers=b)
    assert wrong.status_code == 403 and wrong.json()["code"] == "signature.reentry_failed"
    first = api.post(deal.url("/agreement/sign"), json=sign_body(agreement), headers=b)
    assert first.status_code == 200, first.text
    assert [s["party"] for s in first.json()["signatures"]] == ["borrower"]
    again = api.post(deal.url("/agreement/sign"), json=sign_body(agreement), headers=b)
    assert again.status_code == 409
    sealed = api.post(deal.url("/agreement/sign"), json=sign_body(agreement), headers=a).json()
    assert sealed["status"] == "sealed" and sealed["sealed_sha256"]
    final = api.get(deal.url("/agreement.pdf"), headers=a)
    assert hashlib.sha256(final.content).hexdigest() == sealed["sealed_sha256"]
    bundle = api.get(deal.url("/bundle.zip"), headers=b)
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    pem = container.instance_key.public_key_pem()
    assert verify_evidence_bundle(bundle.content, public_key_pem=pem).ok
    assert api.get(deal.url("/bundle.zip"), headers=deal.stranger.headers).status_code == 404


def test_wrong_passwords_at_signing_are_throttled_like_logins(api, deal, container, clock):
    accept(container, deal, clock)
    b = deal.borrower.headers
    agreement = api.get(deal.url("/agreement"), headers=b).json()
    for _ in range(container.settings.login_max_failures):
        refused = api.post(deal.url("/agreement/sign"), json=sign_body(agreement, "x"), headers=b)
        assert refused.status_code == 403
    locked = api.post(deal.url("/agreement/sign"), json=sign_body(agreement), headers=b)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    login = api.post(
        "/api/auth/login",
        json={"email": deal.borrower.email, "password": PASSWORD, "kind": "api"},
    )
    assert login.status_code == 429
    clock.advance(minutes=container.settings.login_window_minutes + 1)
    # The session may have gone idle meanwhile: log in again, then sign.
    fresh = api.post(
        "/api/auth/login",
        json={"email": deal.borrower.email, "password": PASSWORD, "kind": "api"},
    ).json()["token"]
    headers = {"Authorization": f"Bearer {fresh}"}
    signed = api.post(deal.url("/agreement/sign"), json=sign_body(agreement), headers=headers)
    assert signed.status_code == 200, signed.text


@BOTH_DATABASES
def test_letters_are_generated_edited_sent_and_then_frozen(api, deal):
    b, a = deal.borrower.headers, deal.agent.headers
    made = api.post(deal.url("/letters"), json={"reason": "本人于2026年6月失业。"}, headers=b)
    assert made.status_code == 200, made.text
    assert len(made.json()["items"]) == 4
    assert api.post(deal.url("/letters"), json={}, headers=a).status_code == 403
    url = deal.url("/letters/request_letter")
    one = api.get(url, headers=b).json()  # zh by default
    assert one["title"] == "协商还款申请书" and not one["sent"]
    edited_text = one["text"] + "\n附件：收入证明。\n"
    put = api.put(f"{url}?lang=zh", json={"text": edited_text}, headers=b)
    assert put.status_code == 200 and put.json()["edited"] is True
    plain = api.get(f"{url}?lang=zh&format=text", headers=b)
    assert plain.text == f"协商还款申请书\n\n{edited_text.strip()}\n"
    draft_pdf = api.get(f"{url}?lang=zh&format=pdf", headers=b)
    assert draft_pdf.headers["content-type"] == "application/pdf"
    assert api.get(f"{url}?lang=zh", headers=a).status_code == 404  # not sent yet
    sent = api.post(f"{url}/send?lang=zh", headers=b)
    assert sent.status_code == 200, sent.text
    digest = sent.json()["sent_sha256"]
    pdf = api.get(f"{url}?lang=zh&format=pdf", headers=a)
    assert hashlib.sha256(pdf.content).hexdigest() == digest
    log = api.get(deal.url("/log.jsonl"), headers=a)
    if log.status_code == 200:  # the case routes' raw log, when they are installed
        assert digest in log.text
    frozen = api.put(f"{url}?lang=zh", json={"text": "改"}, headers={**b, "Accept-Language": "en"})
    assert frozen.status_code == 409
    assert frozen.json()["code"] == "letter.already_sent" and "sent" in frozen.json()["message"]
    assert api.post(f"{url}/send?lang=zh", headers=b).status_code == 409
    assert api.put(f"{url}?lang=en", json={"text": "x"}, headers=a).status_code == 403
    listed = api.get(deal.url("/letters"), headers=a).json()["items"]
    assert [(i["kind"], i["lang"]) for i in listed] == [("request_letter", "zh")]
    stranger = deal.stranger.headers
    assert api.get(deal.url("/letters"), headers=stranger).status_code == 404


def test_bad_letter_requests_are_refused_by_name(api, deal):
    b = deal.borrower.headers
    assert api.get(deal.url("/letters/other"), headers=b).status_code == 422
    assert api.get(deal.url("/letters/request_letter?lang=fr"), headers=b).status_code == 422
    missing = api.get(deal.url("/letters/request_letter"), headers=b)
    assert missing.status_code == 404  # not generated yet
    unknown = api.post(deal.url("/letters"), json={"colour": "red"}, headers=b)
    assert unknown.status_code == 422 and unknown.json()["field"] == "colour"
    bad_terms = api.post(deal.url("/letters"), json={"terms": {"start": "x"}}, headers=b)
    assert bad_terms.status_code == 400 and bad_terms.json()["code"].startswith("offer.")
