"""The data API end to end: a borrower's statement, loans, documents and plan; who else can
see them (another borrower, a counselor with and without a grant, lender agents with and
without consent); uploads that must be refused; idempotent creation.  The legal finding and
the plan are cross-checked against the CLI's ``--json`` output for the same data."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from support.api_people import BOTH_DATABASES
from support.pdf import tiny_pdf
from xieshang.cli.main import run
from xieshang.services.loans import local_today

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_LOAN = ROOT / "examples" / "loans" / "private-loan.toml"
PDF = tiny_pdf()

STATEMENT: dict[str, Any] = {
    "household": {"adults": 2, "children": 1, "province": "广东省", "urban": True},
    "incomes": [
        {"kind": "wages", "monthly": "8500"},
        {"kind": "wages", "monthly": "3200"},
        {"kind": "other", "monthly": "800", "regular": False},
    ],
    "expenses": [
        {"category": "food", "monthly": "2600"},
        {"category": "housing", "monthly": "2800"},
        {"category": "childcare", "monthly": "600"},
        {"category": "other", "monthly": "200"},
    ],
    "assets": [{"kind": "cash", "value": "6000", "liquid": True}],
}
SITUATION_TOML = """
as_of = {as_of}
loan_files = ["{loan_file}"]
[household]
adults = 2
children = 1
province = "广东省"
urban = true
[[incomes]]
kind = "wages"
monthly = "8500"
[[incomes]]
kind = "wages"
monthly = "3200"
[[incomes]]
kind = "other"
monthly = "800"
regular = false
[[expenses]]
category = "food"
monthly = "2600"
[[expenses]]
category = "housing"
monthly = "2800"
[[expenses]]
category = "childcare"
monthly = "600"
[[expenses]]
category = "other"
monthly = "200"
[[assets]]
kind = "cash"
value = "6000"
liquid = true
"""


def private_loan_json() -> dict[str, Any]:
    """The example private loan as an API body: every number a string, dates ISO."""
    raw = tomllib.loads(PRIVATE_LOAN.read_text(encoding="utf-8"))["loan"]
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in raw.items() if k != "id"
    }


def cli_json(capsys, *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert run([*args, "--json"]) in (0, None)
    return json.loads(capsys.readouterr().out)


def no_floats(value: Any) -> bool:
    if isinstance(value, float):
        return False
    if isinstance(value, dict):
        return all(no_floats(v) for v in value.values())
    if isinstance(value, list):
        return all(no_floats(v) for v in value)
    return True


@pytest.fixture
def borrower(people):
    return people.logged_in("borrower")


@pytest.fixture
def lenders(people):
    return people.organisation("lender", "Lender A"), people.organisation("lender", "Lender B")


def setup_borrower(api, borrower) -> int:
    """A statement and the private loan; returns the loan's id."""
    assert api.put("/api/statement", json=STATEMENT, headers=borrower.headers).status_code == 201
    created = api.post("/api/loans", json=private_loan_json(), headers=borrower.headers)
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def upload(api, person, data=PDF, name="合同.pdf", content_type="application/pdf", **form):
    return api.post(
        "/api/documents",
        files={"file": (name, data, content_type)},
        data={"kind": "contract", **form},
        headers=person.headers,
    )


@BOTH_DATABASES
def test_a_borrower_records_the_private_loan_and_gets_the_clis_legal_finding_and_plan(
    api, borrower, clock, tmp_path, capsys
):
    loan_id = setup_borrower(api, borrower)
    replaced = api.put("/api/statement", json=STATEMENT, headers=borrower.headers)
    assert replaced.status_code == 200 and replaced.json()["itemised"]

    english = {**borrower.headers, "Accept-Language": "en"}
    got = api.get(f"/api/loans/{loan_id}", headers=english)
    assert got.status_code == 200, got.text
    body = got.json()
    assert no_floats(body)
    legal = body["legal"]
    assert legal["cap"] == "0.12"
    assert legal["amount_above_cap"] == "6902.37"
    assert legal["findings"][0]["code"] == "law.above_cap"
    assert "6902.37" in legal["findings"][0]["explanation"]
    assert "above the cap" in legal["findings"][0]["explanation"]
    assert (body["annual_rate"], body["received"]) == ("14.4", "45000.00")
    assert len(body["schedule"]["rows"]) == 12

    today = local_today(clock())
    cli = cli_json(capsys, "check-loan", str(PRIVATE_LOAN), "--as-of", today.isoformat())
    assert legal["amount_above_cap"] == cli["amount_above_cap"]
    assert legal["charges_total"] == cli["charges_total"]
    assert legal["apr"]["apr_simple"] == cli["apr"]["apr_simple"]
    assert body["standing"]["legally_protected_total"] == cli["standing"]["legally_protected_total"]

    plan = api.get("/api/plan", headers=borrower.headers)
    assert plan.status_code == 200, plan.text
    situation = tmp_path / "situation.toml"
    situation.write_text(
        SITUATION_TOML.format(as_of=today.isoformat(), loan_file=PRIVATE_LOAN.as_posix()),
        encoding="utf-8",
    )
    cli_plan = cli_json(capsys, "plan", str(situation))
    ours = plan.json()
    assert no_floats(ours)
    assert ours["totals"] == cli_plan["totals"]
    assert ours["capacity"]["repayment_capacity"] == cli_plan["capacity"]["repayment_capacity"]
    assert ours["loans"][0]["amount_above_cap"] == "6902.37"
    assert ours["loans"][0]["id"] == str(loan_id)
    assert [s["target"] for s in ours["suggestions"]] == [
        s["target"] for s in cli_plan["suggestions"]
    ]
    assert ours["combined"] == cli_plan["combined"]


def test_another_borrower_gets_404_on_every_object_of_the_first(api, people, borrower):
    loan_id = setup_borrower(api, borrower)
    doc_id = upload(api, borrower).json()["id"]
    other = people.logged_in("borrower")
    me = borrower.id
    h = other.headers
    answers = [
        api.get(f"/api/statement?borrower_id={me}", headers=h),
        api.put(f"/api/statement?borrower_id={me}", json=STATEMENT, headers=h),
        api.get(f"/api/loans?borrower_id={me}", headers=h),
        api.post(f"/api/loans?borrower_id={me}", json=private_loan_json(), headers=h),
        api.get(f"/api/loans/{loan_id}", headers=h),
        api.put(f"/api/loans/{loan_id}", json=private_loan_json(), headers=h),
        api.delete(f"/api/loans/{loan_id}", headers=h),
        api.get(f"/api/documents?borrower_id={me}", headers=h),
        api.post(
            f"/api/documents?borrower_id={me}",
            files={"file": ("a.pdf", PDF, "application/pdf")},
            headers=h,
        ),
        api.get(f"/api/documents/{doc_id}", headers=h),
        api.get(f"/api/documents/{doc_id}/content", headers=h),
        api.delete(f"/api/documents/{doc_id}", headers=h),
        api.get(f"/api/plan?borrower_id={me}", headers=h),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    assert {a.json()["code"] for a in answers} == {"access.not_found"}
    # ... and the first borrower's data is untouched.
    assert api.get(f"/api/loans/{loan_id}", headers=borrower.headers).status_code == 200
    assert api.get(f"/api/documents/{doc_id}", headers=borrower.headers).status_code == 200
    # Their own lists are empty, not the first borrower's.
    assert api.get("/api/loans", headers=h).json()["total"] == 0


def test_a_counselor_sees_a_borrower_only_between_grant_and_revocation(api, people, borrower):
    loan_id = setup_borrower(api, borrower)
    office = people.organisation("counseling", "Help Desk")
    counselor = people.logged_in("counselor", office)
    me = borrower.id

    def sees() -> list[int]:
        return [
            api.get(f"/api/statement?borrower_id={me}", headers=counselor.headers).status_code,
            api.get(f"/api/loans/{loan_id}", headers=counselor.headers).status_code,
            api.get(f"/api/loans?borrower_id={me}", headers=counselor.headers).status_code,
        ]

    assert sees() == [404, 404, 404]
    grant = api.post(
        "/api/sharing/grants", json={"counselor_email": counselor.email}, headers=borrower.headers
    )
    assert grant.status_code == 201, grant.text
    assert sees() == [200, 200, 200]
    statement = api.get(f"/api/statement?borrower_id={me}", headers=counselor.headers).json()
    assert statement["itemised"] and statement["incomes"][0]["monthly"] == "8500.00"
    mine = api.get("/api/sharing/grants", headers=counselor.headers).json()
    assert [g["borrower_id"] for g in mine["items"]] == [me]
    revoked = api.delete(f"/api/sharing/grants/{grant.json()['id']}", headers=borrower.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert sees() == [404, 404, 404]
    history = api.get("/api/sharing/grants?include_revoked=true", headers=borrower.headers)
    assert [g["active"] for g in history.json()["items"]] == [False]


def test_an_agent_sees_only_the_consented_summary_of_their_own_organisation(
    api, people, borrower, lenders
):
    loan_id = setup_borrower(api, borrower)
    org_a, org_b = lenders
    agent_a = people.logged_in("agent", org_a)
    agent_b = people.logged_in("agent", org_b)
    me = borrower.id
    url = f"/api/statement?borrower_id={me}"
    assert api.get(url, headers=agent_a.headers).status_code == 404
    consent = api.post(
        "/api/sharing/consents",
        json={"organisation_id": org_a, "scope": "statement_summary"},
        headers=borrower.headers,
    )
    assert consent.status_code == 201, consent.text
    seen = api.get(url, headers=agent_a.headers)
    assert seen.status_code == 200
    body = seen.json()
    assert body["itemised"] is False
    assert body["incomes"] is None and body["expenses"] is None and body["household"] is None
    assert "8500" not in seen.text  # no itemised income leaks, in any field
    assert body["summary"]["regular_income"] == "11700.00"
    assert body["capacity"]["repayment_capacity"] == "4530.00"  # 11,700 − 6,000 − 1,170
    # The summary is not the loans, the documents or the plan, nor for another lender.
    assert api.get(f"/api/loans/{loan_id}", headers=agent_a.headers).status_code == 404
    assert api.get(f"/api/plan?borrower_id={me}", headers=agent_a.headers).status_code == 404
    assert api.get(url, headers=agent_b.headers).status_code == 404
    # Staff cannot change what they read.
    put = api.put(url, json=STATEMENT, headers=agent_a.headers)
    assert put.status_code in (403, 404)
    cases = api.get("/api/sharing/consents", headers=agent_a.headers).json()
    assert [c["borrower_id"] for c in cases["items"]] == [me]
    api.delete(f"/api/sharing/consents/{consent.json()['id']}", headers=borrower.headers)
    assert api.get(url, headers=agent_a.headers).status_code == 404


def test_uploads_are_checked_by_content_and_served_only_as_attachments(api, borrower, container):
    ok = upload(api, borrower, name="../../../etc/还款记录.pdf")
    assert ok.status_code == 201, ok.text
    doc = ok.json()
    assert (doc["media_type"], doc["filename"], doc["size"]) == (
        "application/pdf",
        "还款记录.pdf",
        len(PDF),
    )
    html = upload(api, borrower, b"<html><script>alert(1)</script></html>", name="x.pdf")
    assert (html.status_code, html.json()["code"]) == (415, "upload.type_mismatch")
    limit = container.settings.max_upload_bytes
    big = upload(api, borrower, b"%PDF-1.4\n" + b"0" * limit)
    assert (big.status_code, big.json()["code"]) == (413, "upload.too_large")
    listed = api.get("/api/documents", headers=borrower.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == doc["id"]

    download = api.get(f"/api/documents/{doc['id']}/content", headers=borrower.headers)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/pdf"
    assert api.delete(f"/api/documents/{doc['id']}", headers=borrower.headers).status_code == 204
    assert api.get(f"/api/documents/{doc['id']}", headers=borrower.headers).status_code == 404
    assert not container.blobs.exists(doc["sha256"])


def test_a_document_links_only_to_the_borrowers_own_loan(api, people, borrower):
    loan_id = setup_borrower(api, borrower)
    linked = upload(api, borrower, loan_id=str(loan_id))
    assert linked.status_code == 201 and linked.json()["loan_id"] == loan_id
    other = people.logged_in("borrower")
    refused = upload(api, other, loan_id=str(loan_id))
    assert (refused.status_code, refused.json()["field"]) == (404, "loan_id")


def test_a_retried_post_with_the_same_idempotency_key_creates_one_loan(api, borrower):
    headers = {**borrower.headers, "Idempotency-Key": "loan-2026-03-02-a"}
    first = api.post("/api/loans", json=private_loan_json(), headers=headers)
    again = api.post("/api/loans", json=private_loan_json(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again.headers.get("idempotent-replayed") == "true"
    changed = api.post("/api/loans", json={**private_loan_json(), "months": 6}, headers=headers)
    assert (changed.status_code, changed.json()["code"]) == (409, "idempotency.conflict")
    assert api.get("/api/loans", headers=borrower.headers).json()["total"] == 1


def test_lists_are_paged_and_bad_input_is_a_400_or_422_in_the_one_error_shape(api, borrower):
    for _ in range(3):
        assert (
            api.post("/api/loans", json=private_loan_json(), headers=borrower.headers).status_code
            == 201
        )
    page = api.get("/api/loans?limit=2&offset=1", headers=borrower.headers).json()
    assert (len(page["items"]), page["total"], page["limit"], page["offset"]) == (2, 3, 2, 1)
    english = {**borrower.headers, "Accept-Language": "en"}
    bad_rate = api.post(
        "/api/loans", json={**private_loan_json(), "annual_rate": "lots"}, headers=english
    )
    assert bad_rate.status_code == 400 and bad_rate.json()["field"] == "annual_rate"
    as_number = api.post(
        "/api/loans", json={**private_loan_json(), "principal": 50000.5}, headers=english
    )
    assert as_number.status_code == 422  # money is a decimal string, never a JSON number
    typo = api.post("/api/loans", json={**private_loan_json(), "principle": "1"}, headers=english)
    assert typo.status_code == 422
    no_statement = api.get("/api/plan", headers=english)
    assert no_statement.json()["code"] == "plan.statement_missing"
    negative = api.put(
        "/api/statement",
        headers=english,
        json={**STATEMENT, "incomes": [{"kind": "wages", "monthly": "-1"}]},
    )
    assert negative.status_code == 400 and negative.json()["field"] == "incomes[0].monthly"
    assert all(set(r.json()) == {"code", "message", "field"} for r in (bad_rate, negative))


def test_ids_and_dates_beyond_what_the_store_holds_are_refused_as_input_not_a_500(api, borrower):
    h = borrower.headers
    huge = 2**70
    for response in (
        api.get(f"/api/loans/{huge}", headers=h),
        api.get(f"/api/documents/{huge}/content", headers=h),
        api.get(f"/api/statement?borrower_id={huge}", headers=h),
        api.delete(f"/api/sharing/consents/{huge}", headers=h),
        api.post(
            "/api/sharing/consents", json={"organisation_id": huge, "scope": "loans"}, headers=h
        ),
        api.post(
            "/api/loans", json={**private_loan_json(), "lender_organisation_id": huge}, headers=h
        ),
    ):
        assert response.status_code == 422, response.text
    far = api.post("/api/loans", json={**private_loan_json(), "start": "9999-06-01"}, headers=h)
    assert (far.status_code, far.json()["code"]) == (400, "date.out_of_range")
