"""A real case taken through the services for the request-package, agreement and export tests:
the borrower (with a stored statement) opens a case of one loan with Lender A here, submits a
request, the agent counters, the borrower accepts, both sign after re-entering their password,
and the borrower records a payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from support.data_world import NOW, World
from support.loan_inputs import example, loan_input
from xieshang.bootstrap import Container
from xieshang.documents.agreement import consent_text
from xieshang.security.passwords import hash_password
from xieshang.services import agreements, cases, negotiation
from xieshang.services.access import Actor
from xieshang.services.loans import create_loan, local_today
from xieshang.services.statements import (
    AssetLine,
    ExpenseLine,
    IncomeLine,
    StatementInput,
    put_statement,
)

PASSWORD = "correct horse battery staple 2026"
TODAY = local_today(NOW)
STATEMENT = StatementInput(
    adults=2,
    children=1,
    province="广东省",
    urban=True,
    incomes=(IncomeLine("wages", "8500"), IncomeLine("wages", "3200")),
    expenses=(
        ExpenseLine("food", "2600"),
        ExpenseLine("housing", "2800"),
        ExpenseLine("transport_communication", "500"),
        ExpenseLine("health_care", "300"),
    ),
    assets=(AssetLine("cash", "6000", liquid=True),),
)


def terms(loan_id: int, months: int, start: date = TODAY) -> dict:
    return {
        "start": start.isoformat(),
        "grace_days": 3,
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
    }


@dataclass(frozen=True)
class Negotiated:
    case_id: int
    loan_id: int


def set_passwords(container: Container, *actors: Actor) -> None:
    with container.uow() as uow:
        for actor in actors:
            uow.users.get(actor.user_id).password_hash = hash_password(PASSWORD)
        uow.commit()


def submitted_case(container: Container, world: World, *, now: datetime = NOW) -> Negotiated:
    """The borrower's statement and micro-lender loan, and a case with Lender A, submitted."""
    uow, b, sign = container.uow, world.borrower, container.instance_key.sign
    set_passwords(container, b, world.agent_a)
    put_statement(uow(), b, b.user_id, STATEMENT, now=now)
    loan = create_loan(
        uow(),
        b,
        b.user_id,
        loan_input(example("online-micro-lender.toml"), lender_organisation_id=world.org_a),
        now=now,
    )
    case = cases.open_case(
        uow(), b, b.user_id, loan_ids=[loan.id], lender_organisation_id=world.org_a, now=now
    )
    cases.submit_case(
        uow(), b, case.id, terms=terms(loan.id, 12, local_today(now)), now=now, sign=sign
    )
    return Negotiated(case.id, loan.id)


def sign_both(container: Container, world: World, case_id: int, *, now: datetime = NOW) -> None:
    deal = agreements.get_agreement(container.uow(), world.borrower, case_id)
    for signer in (world.borrower, world.agent_a):
        agreements.sign_agreement(
            container.uow(),
            container.blobs,
            signer,
            case_id,
            document_sha256=deal.document_sha256,
            consent=consent_text(deal.lang),
            password=PASSWORD,
            now=now,
            key=container.instance_key,
        )


def agreed_case(container: Container, world: World, *, now: datetime = NOW) -> Negotiated:
    """Submitted, countered by the agent and accepted by the borrower: awaiting signatures."""
    made = submitted_case(container, world, now=now)
    uow, sign = container.uow, container.instance_key.sign
    negotiation.counter_offer(
        uow(),
        world.agent_a,
        made.case_id,
        terms=terms(made.loan_id, 6, local_today(now)),
        now=now,
        sign=sign,
    )
    negotiation.accept_offer(uow(), container.blobs, world.borrower, made.case_id, now=now)
    return made
