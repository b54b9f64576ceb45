"""The agreement, letter and bundle routes' rows of the authorisation matrix, and the case they
act on: the owner's case with the consented lender, negotiated through the services to an
agreement awaiting signatures, with its letters generated and the Chinese hardship statement
sent (so its reader may be the lender's agent).

Both parties may read the agreement, its renderings, the sent letter and the bundle, and sign;
only the owner generates, edits and sends letters; nobody else gets anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api.test_data_api import private_loan_json
from support.api_people import PASSWORD
from xieshang.services import cases, negotiation, request_package
from xieshang.services.loans import local_today

OWNER = frozenset({"owner"})
OWNER_AND_LENDER = frozenset({"owner", "consented_agent"})
CASE = "agreement_case"


def _url(rest: str) -> Callable[[Any], str]:
    return lambda w: f"/api/cases/{w.ids[CASE]}{rest}"


def _sign(world: Any, caller: str) -> Any:
    """Sign with the digest and consent the owner reads (a stranger cannot read them)."""
    agreement = world.api.get(_url("/agreement")(world), headers=world.headers("owner")).json()
    body = {
        "document_sha256": agreement["document_sha256"],
        "consent": agreement["consent_text"],
        "password": PASSWORD,
    }
    return world.api.post(_url("/agreement/sign")(world), headers=world.headers(caller), json=body)


def agreement_calls(call: Callable[..., Any], request: Callable[..., Any]) -> tuple[Any, ...]:
    """The rows, built with the matrix's ``Call`` and ``_request``."""
    path = "/api/cases/{case_id}"

    def row(method: str, rest: str, allowed: frozenset[str], query: str = "", **body: Any) -> Any:
        return call(method, path + rest, allowed, request(method, _url(rest + query), **body))

    kind = "/letters/{kind}"
    return (
        row("GET", "/agreement", OWNER_AND_LENDER),
        row("GET", "/agreement.pdf", OWNER_AND_LENDER),
        row("GET", "/agreement.html", OWNER_AND_LENDER, "?lang=en"),
        row("GET", "/agreement.txt", OWNER_AND_LENDER),
        call("POST", path + "/agreement/sign", OWNER_AND_LENDER, _sign),
        row("GET", "/bundle.zip", OWNER_AND_LENDER),
        row("POST", "/letters", OWNER, json={"reason": "失业"}),
        row("GET", "/letters", OWNER_AND_LENDER),
        # the Chinese hardship statement was sent in the world: its reader may be the agent
        call(
            "GET",
            path + kind,
            OWNER_AND_LENDER,
            request("GET", _url("/letters/hardship_statement?lang=zh")),
        ),
        call(
            "PUT",
            path + kind,
            OWNER,
            request("PUT", _url("/letters/request_letter?lang=en"), json={"text": "Dear Sir"}),
        ),
        call(
            "POST",
            path + kind + "/send",
            OWNER,
            request("POST", _url("/letters/request_letter/send?lang=zh")),
        ),
    )


def agreement_case(people: Any, callers: dict[str, Any], lender: int) -> dict[str, int]:
    """The owner's case with ``lender``, agreed and awaiting signatures; its letters made and
    the Chinese hardship statement sent."""
    container, owner, agent = people.container, callers["owner"], callers["consented_agent"]
    loan = people.client.post("/api/loans", json=private_loan_json(), headers=owner.headers)
    assert loan.status_code == 201, loan.text
    loan_id, now = int(loan.json()["id"]), people.clock()
    terms = {
        "start": local_today(now).isoformat(),
        "loans": [
            {"loan_id": str(loan_id), "concessions": [{"kind": "extension", "extra_months": 6}]}
        ],
    }
    case = cases.open_case(
        container.uow(),
        owner.actor,
        owner.id,
        loan_ids=[loan_id],
        lender_organisation_id=lender,
        now=now,
    )
    cases.submit_case(container.uow(), owner.actor, case.id, terms=terms, now=now)
    negotiation.counter_offer(container.uow(), agent.actor, case.id, terms=terms, now=now)
    negotiation.accept_offer(container.uow(), container.blobs, owner.actor, case.id, now=now)
    request_package.generate_letters(container.uow(), owner.actor, case.id, now=now)
    request_package.send_letter(
        container.uow(),
        container.blobs,
        owner.actor,
        case.id,
        "hardship_statement",
        lang="zh",
        now=now,
    )
    return {CASE: case.id}
