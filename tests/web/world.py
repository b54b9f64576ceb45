"""A small world for page tests: two borrowers, each with a loan, a statement and a case
submitted to a lender here; agents of that lender and of another; a counselor with a grant
from the owner and one without.  Made through the API as each person (bearer tokens)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.test_data_api import STATEMENT, private_loan_json
from support.api_people import START, People, Person
from xieshang.services.loans import local_today

OWNER_LENDER_NAME = "车主的出借人甲"
OTHER_LENDER_NAME = "别人的出借人乙"


@dataclass
class PageWorld:
    people: dict[str, Person]
    cases: dict[str, int]  # owner, other_borrower → their case id
    loans: dict[str, int]  # owner, other_borrower → the loan in that case
    # owner, other_borrower → a PDF attached to that loan
    documents: dict[str, int] = field(default_factory=dict)


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def _borrower_with_case(
    people: People, person: Person, lender_name: str, org: int
) -> tuple[int, int]:
    """(loan id, case id)"""
    client = people.client
    owner = person.headers
    _ok(client.put(f"/api/statement?borrower_id={person.id}", json=STATEMENT, headers=owner))
    loan = _ok(
        client.post(
            f"/api/loans?borrower_id={person.id}",
            json={**private_loan_json(), "lender": lender_name},
            headers=owner,
        )
    )
    case = _ok(
        client.post(
            "/api/cases",
            json={"loan_ids": [loan["id"]], "lender_organisation_id": org},
            headers=owner,
        )
    )
    terms = {
        "start": local_today(START).isoformat(),
        "loans": [
            {"loan_id": str(loan["id"]), "concessions": [{"kind": "extension", "extra_months": 6}]}
        ],
    }
    _ok(client.post(f"/api/cases/{case['id']}/submit", json={"terms": terms}, headers=owner))
    return int(loan["id"]), int(case["id"])


# The smallest file the upload check takes for a PDF.
SMALL_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _loan_document(people: People, person: Person, loan_id: int) -> int:
    found = _ok(
        people.client.post(
            "/api/documents",
            files={"file": ("合同.pdf", SMALL_PDF, "application/pdf")},
            data={"kind": "contract", "loan_id": str(loan_id)},
            headers=person.headers,
        )
    )
    return int(found["id"])


def make_world(people: People) -> PageWorld:
    lender = people.organisation("lender", "Lender Here")
    other_lender = people.organisation("lender", "Lender Elsewhere")
    counseling = people.organisation("counseling", "Counseling Centre")
    who = {
        "owner": people.logged_in("borrower"),
        "other_borrower": people.logged_in("borrower"),
        "agent": people.logged_in("agent", lender),
        "supervisor": people.logged_in("supervisor", lender),
        "other_agent": people.logged_in("agent", other_lender),
        "counselor": people.logged_in("counselor", counseling),
        "other_counselor": people.logged_in("counselor", counseling),
    }
    made = {
        "owner": _borrower_with_case(people, who["owner"], OWNER_LENDER_NAME, lender),
        "other_borrower": _borrower_with_case(
            people, who["other_borrower"], OTHER_LENDER_NAME, other_lender
        ),
    }
    _ok(
        people.client.post(
            "/api/sharing/grants",
            json={"counselor_id": who["counselor"].id},
            headers=who["owner"].headers,
        )
    )
    return PageWorld(
        who,
        cases={k: case for k, (_, case) in made.items()},
        loans={k: loan for k, (loan, _) in made.items()},
        documents={k: _loan_document(people, who[k], loan) for k, (loan, _) in made.items()},
    )
