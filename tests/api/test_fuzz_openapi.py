"""Property-based fuzzing of the whole API from its OpenAPI schema (Schemathesis).

Every operation gets generated requests — valid and invalid — as an authenticated borrower who
owns some data.  The checks: never a 5xx; documented responses match their schema and
content type.  CI runs a short pass (``XIESHANG_FUZZ_EXAMPLES``,
default 20 per operation); a long run:
``XIESHANG_FUZZ_EXAMPLES=1000 .venv/bin/pytest tests/api/test_fuzz_openapi.py``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from api.test_data_api import STATEMENT, private_loan_json
from xieshang.api.app import create_app
from xieshang.services.loans import local_today

EXAMPLES = int(os.environ.get("XIESHANG_FUZZ_EXAMPLES", "20"))
# The schema does not depend on the container, so operations are listed from a bare app.
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", create_app())
OPERATIONS = {
    f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in SCHEMA.get_all_operations())
}
# Operations that would end the session the others use: fuzzed without credentials.
NO_CREDENTIALS = {"POST /api/auth/logout", "POST /api/auth/logout-all"}


@pytest.fixture
def borrower_app(api, people) -> tuple[Any, dict[str, str]]:
    borrower = people.logged_in("borrower")
    h = borrower.headers
    api.put("/api/statement", json=STATEMENT, headers=h)
    loan = api.post("/api/loans", json=private_loan_json(), headers=h).json()["id"]
    # A submitted case (id 1, as fuzzed ids often are) with an offer, so the case routes are
    # fuzzed past "not found".
    case = api.post(
        "/api/cases", json={"loan_ids": [loan], "external_platform": "某平台"}, headers=h
    ).json()["id"]
    start = local_today(people.clock()).isoformat()
    offer = {"start": start, "loans": [{"loan_id": str(loan), "concessions": []}]}
    api.post(f"/api/cases/{case}/submit", json={"terms": offer}, headers=h)
    return api.app, dict(h)


def test_every_operation_of_the_schema_is_fuzzed():
    assert len(OPERATIONS) >= 20


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_operation_answers_with_a_server_error(label, borrower_app):
    app, headers = borrower_app
    operation = OPERATIONS[label]
    use = {} if label in NO_CREDENTIALS else headers
    seen: list[int] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def probe(case: Any) -> None:
        response = case.call(app=app, headers={**(case.headers or {}), **use})
        seen.append(response.status_code)
        assert response.status_code < 500, (
            f"{label} answered {response.status_code}: {response.text[:500]}"
        )
        # Documented responses must match their schema and content type.
        case.validate_response(
            response, checks=(content_type_conformance, response_schema_conformance)
        )

    probe()
    assert seen
