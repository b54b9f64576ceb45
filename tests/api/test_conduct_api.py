"""``/api/conduct`` end to end: a borrower logs collection contacts, reads the flags with their
citations and drafts a complaint; nobody else (another borrower, a lender's agent with every
consent) learns the records exist; bad input gets the one error shape in zh and en."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from support.api_people import BOTH_DATABASES
from xieshang.cli.main import run

ROOT = Path(__file__).resolve().parents[2]

ORG = "Quick Cash 快借"
# The test clock starts on 2026-03-02 09:00 UTC.
LATE = {
    "at": "2026-03-01T23:10:00+08:00",
    "organisation": ORG,
    "channel": "call",
    "contacted": "debtor",
    "caller": "Agent 042 张经理",
    "note": "threatened to tell my employer",
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def borrower(people):
    return people.logged_in("borrower")


def post(api, person, body: dict[str, Any], **headers: str) -> Any:
    return api.post("/api/conduct/contacts", json=body, headers={**person.headers, **headers})


def created(api, person, body: dict[str, Any]) -> dict[str, Any]:
    response = post(api, person, body)
    assert response.status_code == 201, response.text
    return dict(response.json())


@BOTH_DATABASES
def test_a_borrower_logs_contacts_and_reads_them_back_with_their_flags(api, borrower):
    late = created(api, borrower, LATE)
    assert late["at"] == "2026-03-01T15:10:00Z" and late["caller"] == "Agent 042 张经理"
    assert [f["code"] for f in late["flags"]] == ["conduct.quiet_hours"]
    # Four calls one afternoon (no zone: China time) and one to the borrower's mother.
    calls = [
        created(api, borrower, {**LATE, "at": f"2026-03-01 {h}:00", "note": ""})
        for h in (13, 14, 15, 16)
    ]
    family = created(api, borrower, {**LATE, "at": "2026-03-01 17:00", "contacted": "family"})
    english = {**borrower.headers, "Accept-Language": "en"}
    page = api.get("/api/conduct/contacts?limit=3&offset=1", headers=english).json()
    assert (page["total"], page["limit"], page["offset"]) == (6, 3, 1)
    assert [c["id"] for c in page["items"]] == [calls[1]["id"], calls[2]["id"], calls[3]["id"]]
    assert [c["flags"] for c in page["items"][:2]] == [[], []]
    fourth = page["items"][2]["flags"][0]
    assert fourth["code"] == "conduct.too_many_calls"
    # The fourth call that afternoon and the late call that night are both beyond the limit.
    assert fourth["contact_ids"] == [calls[3]["id"], late["id"]]
    assert fourth["message"].startswith("more than 3 effective")
    assert "at most 3 effective calls" in fourth["citation"] and fourth["confidence"] == "⚠️"

    review = api.get("/api/conduct/review", headers=english).json()
    assert review["timezone"] == "Asia/Shanghai" and review["contacts_reviewed"] == 6
    assert [(f["code"], f["contact_ids"]) for f in review["flags"]] == [
        ("conduct.too_many_calls", [calls[3]["id"], late["id"]]),
        ("conduct.third_party_contact", [family["id"]]),
        ("conduct.quiet_hours", [late["id"]]),
    ]
    assert [f["day"] for f in review["flags"]] == ["2026-03-01"] * 3
    assert review["record_retention"]["years"] == 5
    assert "not legal advice" in review["disclaimer"]
    chinese = api.get("/api/conduct/review", headers=borrower.headers).json()
    assert "22:00" in chinese["flags"][2]["citation"]
    assert CHINESE.search(chinese["flags"][2]["message"])


@BOTH_DATABASES
def test_the_same_idempotency_key_replays_the_first_answer_instead_of_a_second_record(
    api, borrower
):
    first = post(api, borrower, LATE, **{"Idempotency-Key": "contact-1"})
    again = post(api, borrower, LATE, **{"Idempotency-Key": "contact-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = post(api, borrower, {**LATE, "note": "x"}, **{"Idempotency-Key": "contact-1"})
    assert other.status_code == 409
    assert api.get("/api/conduct/contacts", headers=borrower.headers).json()["total"] == 1


@BOTH_DATABASES
def test_another_borrower_and_a_consented_agent_get_404_and_cannot_delete(api, people, borrower):
    mine = created(api, borrower, LATE)
    lender = people.organisation("lender", "Quick Cash")
    for scope in ("statement_summary", "loans", "documents"):
        shared = api.post(
            "/api/sharing/consents",
            json={"organisation_id": lender, "scope": scope},
            headers=borrower.headers,
        )
        assert shared.status_code == 201
    other = people.logged_in("borrower")
    agent = people.logged_in("agent", lender)
    owner = f"borrower_id={borrower.id}"
    for person in (other, agent):
        for method, url in (
            ("GET", f"/api/conduct/contacts?{owner}"),
            ("GET", f"/api/conduct/review?{owner}"),
            ("GET", f"/api/conduct/complaint?{owner}&organisation={ORG}"),
            ("POST", f"/api/conduct/contacts?{owner}"),
            ("DELETE", f"/api/conduct/contacts/{mine['id']}"),
        ):
            kwargs: dict[str, Any] = {"headers": person.headers}
            if method == "POST":
                kwargs["json"] = LATE
            response = api.request(method, url, **kwargs)
            assert response.status_code == 404, (person.role, method, url, response.text)
            assert response.json()["code"] == "access.not_found"
    listed = api.get("/api/conduct/contacts", headers=borrower.headers).json()
    assert [c["id"] for c in listed["items"]] == [mine["id"]]
    # Without ?borrower_id the other borrower sees their own, empty log.
    assert api.get("/api/conduct/contacts", headers=other.headers).json()["total"] == 0


@BOTH_DATABASES
def test_the_owner_deletes_a_record_made_by_mistake(api, borrower):
    mine = created(api, borrower, LATE)
    gone = api.delete(f"/api/conduct/contacts/{mine['id']}", headers=borrower.headers)
    assert gone.status_code == 204
    again = api.delete(f"/api/conduct/contacts/{mine['id']}", headers=borrower.headers)
    assert again.status_code == 404
    assert api.get("/api/conduct/contacts", headers=borrower.headers).json()["total"] == 0


def test_a_granted_counselor_keeps_the_log_for_the_borrower(api, people, borrower):
    counseling = people.organisation("counseling", "Counseling Centre")
    counselor = people.logged_in("counselor", counseling)
    granted = api.post(
        "/api/sharing/grants", json={"counselor_id": counselor.id}, headers=borrower.headers
    )
    assert granted.status_code == 201
    url = f"/api/conduct/contacts?borrower_id={borrower.id}"
    made = api.post(url, json=LATE, headers=counselor.headers)
    assert made.status_code == 201 and made.json()["borrower_id"] == borrower.id
    assert api.get(url, headers=counselor.headers).json()["total"] == 1
    assert api.get("/api/conduct/contacts", headers=borrower.headers).json()["total"] == 1


@pytest.mark.parametrize(
    ("change", "status", "code", "field", "zh", "en"),
    [
        ({"channel": "fax"}, 422, "request.invalid", "channel", "请求内容无效", "invalid request"),
        ({"at": "yesterday"}, 422, "request.invalid", "at", "请求内容无效", "invalid request"),
        ({"colour": "red"}, 422, "request.invalid", "colour", "请求内容无效", "invalid request"),
        (
            {"at": "2026-03-04T09:00:00+08:00"},
            400,
            "conduct.time_out_of_range",
            "at",
            "联系时间超出范围",
            "time of contact is out of range",
        ),
        (
            {"organisation": "   "},
            400,
            "conduct.field_required",
            "organisation",
            "机构不能为空",
            "organisation is required",
        ),
        (
            {"caller": "a\u0007b"},
            400,
            "conduct.text_control_characters",
            "caller",
            "来电人含有不可见的控制字符",
            "caller contains invisible control characters",
        ),
        (
            {"case_id": 99},
            404,
            "access.not_found",
            "case_id",
            "找不到该对象",
            "not found",
        ),
    ],
)
def test_bad_input_gets_the_one_error_shape_in_chinese_and_english(
    api, borrower, change, status, code, field, zh, en
):
    body = {**LATE, **change}
    for lang, words in (("zh", zh), ("en", en)):
        response = post(api, borrower, body, **{"Accept-Language": lang})
        assert response.status_code == status, response.text
        error = response.json()
        assert (error["code"], error["field"]) == (code, field)
        assert words in error["message"], error["message"]
        assert bool(CHINESE.search(error["message"])) == (lang == "zh")
    assert api.get("/api/conduct/contacts", headers=borrower.headers).json()["total"] == 0


@BOTH_DATABASES
def test_the_complaint_draft_comes_as_text_and_as_a_pdf_attachment(api, borrower):
    created(api, borrower, LATE)
    created(api, borrower, {**LATE, "at": "2026-03-01 10:00", "note": "polite"})
    url = f"/api/conduct/complaint?organisation={ORG}"
    text = api.get(url + "&lang=en", headers=borrower.headers)
    assert text.status_code == 200, text.text
    assert text.headers["content-type"].startswith("text/plain")
    assert text.headers["content-disposition"] == (
        'attachment; filename="conduct-complaint-2026-03-02.txt"'
    )
    assert text.headers["x-content-type-options"] == "nosniff"
    body = text.text
    assert f"To: {ORG}" in body and "2026-03-01 23:10 (UTC+08:00)" in body
    assert "threatened to tell my employer" in body and "polite" not in body
    chinese = api.get(url, headers=borrower.headers).text
    assert "关于催收行为的投诉" in chinese
    pdf = api.get(url + "&format=pdf", headers=borrower.headers)
    assert pdf.status_code == 200
    assert (pdf.headers["content-type"], pdf.content[:5]) == ("application/pdf", b"%PDF-")


def test_a_complaint_about_an_organisation_with_nothing_flagged_is_refused(api, borrower):
    created(api, borrower, {**LATE, "at": "2026-03-01 10:00"})
    english = {**borrower.headers, "Accept-Language": "en"}
    nothing = api.get(f"/api/conduct/complaint?organisation={ORG}", headers=english)
    assert nothing.status_code == 400
    assert nothing.json()["code"] == "complaint.nothing_flagged"
    unknown = api.get("/api/conduct/complaint?organisation=Nobody", headers=english)
    assert (unknown.status_code, unknown.json()["code"]) == (
        400,
        "conduct.organisation_not_recorded",
    )
    assert "Nobody" in unknown.json()["message"]
    bad = api.get(f"/api/conduct/complaint?organisation={ORG}&format=docx", headers=english)
    assert (bad.status_code, bad.json()["field"]) == (422, "format")


def test_the_api_and_the_cli_flag_the_example_log_the_same_way(api, borrower, capsys):
    example = ROOT / "examples" / "collection-contacts.csv"
    line_to_id: dict[int, int] = {}
    with example.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            body = {
                "at": row["at"],
                "organisation": row["organisation"],
                "caller": row["caller"],
                "channel": {"电话": "call"}.get(row["channel"], row["channel"]),
                "contacted": {"本人": "debtor"}.get(row["contacted"], row["contacted"]),
                "effective": row["effective"] in ("yes", "是"),
                "note": row["note"],
            }
            line_to_id[reader.line_num] = created(api, borrower, body)["id"]
    english = {**borrower.headers, "Accept-Language": "en"}
    review = api.get("/api/conduct/review", headers=english).json()
    assert run(["conduct", "check", str(example), "--lang", "en", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["contacts_reviewed"] == review["contacts_reviewed"] == 9
    same = ("code", "message", "rule_id", "organisation", "day", "severity", "citation")
    assert [{k: f[k] for k in same} for f in cli["flags"]] == [
        {k: f[k] for k in same} for f in review["flags"]
    ]
    assert [[line_to_id[n] for n in f["lines"]] for f in cli["flags"]] == [
        f["contact_ids"] for f in review["flags"]
    ]
    assert cli["record_retention"] == review["record_retention"]
