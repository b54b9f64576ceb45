"""The whole journey through HTTP alone, on SQLite and PostgreSQL, with a lender on this
instance and with an external platform the borrower records: a loan entered, a case opened and
submitted, a counter-offer, acceptance, both signatures, the sealed PDF, every installment paid
to completion, the settlement certificate, a receipt and the exported evidence bundle — which
verifies offline with the instance's public key, and fails once a byte of it changes."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from api.test_payments_api import body, move_to
from support.api_people import BOTH_DATABASES
from xieshang.security.pdf_seal import verify_sealed_pdf
from xieshang.services.evidence_bundles import verify_evidence_bundle
from xieshang.services.loans import local_today

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "loans" / "online-micro-lender.toml"


def loan_json(lender_organisation_id: int | None) -> dict:
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["loan"]
    loan = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in raw.items()}
    loan.pop("id")
    if lender_organisation_id is not None:
        loan["lender_organisation_id"] = lender_organisation_id
    return loan


def terms(loan_id: int, start: date, months: int) -> dict:
    extension = {"kind": "extension", "extra_months": months, "include_overdue_principal": True}
    return {
        "start": start.isoformat(),
        "loans": [
            {
                "loan_id": str(loan_id),
                "concessions": [extension, {"kind": "waiver", "target": "penalty"}],
            }
        ],
    }


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


@BOTH_DATABASES
@pytest.mark.parametrize("counterparty", ["lender_here", "external_platform"])
def test_a_borrower_takes_a_case_from_request_to_completed_repayment_over_http(
    api, container, clock, people, counterparty
):
    org = people.organisation("lender", "旅程小贷")
    borrower = people.logged_in("borrower")
    agent = people.logged_in("agent", org)
    here = counterparty == "lender_here"
    lender_side = agent if here else borrower  # who makes the lender's moves
    platform = {} if here else {"for_platform": True}
    today = local_today(clock())

    loan = ok(
        api.post("/api/loans", json=loan_json(org if here else None), headers=borrower.headers), 201
    )
    opened = {"loan_ids": [loan["id"]]} | (
        {"lender_organisation_id": org} if here else {"external_platform": "某网贷平台"}
    )
    case = ok(api.post("/api/cases", json=opened, headers=borrower.headers), 201)
    url = f"/api/cases/{case['id']}"
    ok(
        api.post(
            f"{url}/submit", json={"terms": terms(loan["id"], today, 12)}, headers=borrower.headers
        ),
        201,
    )
    ok(
        api.post(
            f"{url}/notes",
            json={
                "kind": "call_note",
                "text": "对方同意展期，但只能 6 个月",
                "person": "客服王",
                "channel": "phone",
                "result": "等书面方案",
            },
            headers=borrower.headers,
        ),
        201,
    )
    ok(
        api.post(
            f"{url}/offers",
            json={"terms": terms(loan["id"], today, 6)} | platform,
            headers=lender_side.headers,
        ),
        201,
    )
    evaluated = ok(api.get(f"{url}/offers/2", headers=borrower.headers))
    assert evaluated["evaluation"]["borrower"] is not None
    ok(api.post(f"{url}/accept", json={}, headers=borrower.headers))
    deal = ok(api.get(f"{url}/agreement", headers=borrower.headers))
    for person, extra in ((borrower, {}), (lender_side, platform)):
        ok(
            api.post(
                f"{url}/agreement/sign",
                json={
                    "document_sha256": deal["document_sha256"],
                    "consent": deal["consent_text"],
                    "password": person.password,
                }
                | extra,
                headers=person.headers,
            )
        )
    sealed = api.get(f"{url}/agreement.pdf", headers=borrower.headers)
    public_pem = container.instance_key.public_key_pem()
    assert verify_sealed_pdf(sealed.content, public_key_pem=public_pem).ok
    assert ok(api.get(url, headers=borrower.headers))["state"] == "signed"

    # Repayment: each installment on its due date, alternating who records it (an external
    # platform's payments are recorded by the borrower).
    rows = ok(api.get(f"{url}/agreement", headers=borrower.headers))["schedule"]
    for i, row in enumerate(rows):
        due = date.fromisoformat(row["due_date"])
        move_to(clock, people, max(due, local_today(clock())), borrower, agent)
        who = lender_side if i % 2 else borrower
        paid = ok(
            api.post(
                f"{url}/payments",
                json=body(row["payment"], due, f"TX-{i}")
                | (platform if who is borrower and not here else {}),
                headers=who.headers,
            ),
            201,
        )
        assert paid["case_state"] == ("completed" if i == len(rows) - 1 else "active")
    ledger = ok(api.get(f"{url}/ledger", headers=borrower.headers))
    assert ledger["status"] == "completed" and ledger["outstanding"] == "0.00"
    assert Decimal(ledger["total_paid"]) == sum(Decimal(r["payment"]) for r in rows)
    assert api.get(f"{url}/settlement.pdf", headers=borrower.headers).status_code == 200

    ok(api.post(f"{url}/receipt", json={}, headers=borrower.headers), 201)
    bundle = api.get(f"{url}/bundle.zip", headers=borrower.headers)
    assert bundle.status_code == 200
    report = verify_evidence_bundle(bundle.content, public_key_pem=public_pem)
    assert report.ok, report.failure
    assert report.events == ok(api.get(url, headers=borrower.headers))["events"]
    changed = bytearray(bundle.content)
    changed[len(changed) // 2] ^= 0x01
    assert not verify_evidence_bundle(bytes(changed), public_key_pem=public_pem).ok
