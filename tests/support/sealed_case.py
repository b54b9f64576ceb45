"""A case taken to a sealed agreement through the services, for the repayment tests: the
borrower submits, the other side counters (an agent here, or the borrower recording an external
platform), the borrower accepts, both sign after re-entering their password."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from support.loan_inputs import example, loan_input
from xieshang.bootstrap import Container
from xieshang.documents.agreement import consent_text
from xieshang.domain.agreement import CombinedSchedule, schedule_from_record
from xieshang.domain.ledger import apply_payments, check_invariants
from xieshang.security.passwords import PasswordPolicy, hash_password
from xieshang.services import agreements, cases, negotiation
from xieshang.services.access import Actor
from xieshang.services.loans import create_loan, local_today
from xieshang.services.repayment import domain_payments, rules_of

SEAL_PASSWORD = "correct horse battery staple 2026"


def offer_terms(loan_id: int, start: date, *, months: int = 6, grace_days: int = 3) -> dict:
    return {
        "start": start.isoformat(),
        "grace_days": grace_days,
        "breach_rule": {"max_overdue_installments": 2, "max_days_overdue": 45},
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
class SealedCase:
    case_id: int
    loan_id: int
    schedule: CombinedSchedule

    @property
    def dues(self) -> list[tuple[date, Decimal]]:
        return [(r.due_date, r.payment) for r in self.schedule.schedule.rows]


def set_password(container: Container, *actors: Actor) -> None:
    with container.uow() as uow:
        for actor in actors:
            uow.users.get(actor.user_id).password_hash = hash_password(
                SEAL_PASSWORD, policy=PasswordPolicy.cheap_for_tests()
            )
        uow.commit()


def sealed_case(
    container: Container,
    borrower: Actor,
    *,
    now: datetime,
    agent: Actor | None = None,
    organisation_id: int | None = None,
    months: int = 6,
    grace_days: int = 3,
    password: str | None = None,
) -> SealedCase:
    """A sealed agreement with the lender here (``agent`` and ``organisation_id``) or with an
    external platform (neither).  Both sign with ``password`` (the accounts' own), or with
    ``SEAL_PASSWORD`` set on them first."""
    uow, sign = container.uow, container.instance_key.sign
    if password is None:
        set_password(container, borrower, *([agent] if agent else []))
    loan = create_loan(
        uow(),
        borrower,
        borrower.user_id,
        loan_input(example("online-micro-lender.toml"), lender_organisation_id=organisation_id),
        now=now,
    )
    external = agent is None
    case = cases.open_case(
        uow(),
        borrower,
        borrower.user_id,
        loan_ids=[loan.id],
        lender_organisation_id=None if external else organisation_id,
        external_platform="某网贷平台" if external else None,
        now=now,
        sign=sign,
    )
    today = local_today(now)
    terms = offer_terms(loan.id, today, months=months, grace_days=grace_days)
    cases.submit_case(uow(), borrower, case.id, terms=terms, now=now, sign=sign)
    lender = borrower if external else agent
    assert lender is not None
    negotiation.counter_offer(
        uow(), lender, case.id, terms=terms, for_platform=external, now=now, sign=sign
    )
    negotiation.accept_offer(uow(), container.blobs, borrower, case.id, now=now, sign=sign)
    deal = agreements.get_agreement(uow(), borrower, case.id)
    for signer, for_platform in ((borrower, False), (lender, external)):
        agreements.sign_agreement(
            uow(),
            container.blobs,
            signer,
            case.id,
            document_sha256=deal.document_sha256,
            consent=consent_text(deal.lang),
            password=password or SEAL_PASSWORD,
            for_platform=for_platform,
            now=now,
            key=container.instance_key,
        )
    with uow() as u:
        row = u.agreements.current(case.id)
        schedule = schedule_from_record(json.loads(row.terms)["schedule"])
    return SealedCase(case.id, loan.id, schedule)


def invariants_hold(container: Container, case_id: int) -> Any:
    """Replay the stored payments independently of the service; the invariants must hold."""
    with container.uow() as uow:
        agreement = uow.agreements.current(case_id)
        rules = rules_of(agreement)
        payments = domain_payments(uow.payments.list_for_agreement(agreement.id))
    state = apply_payments(rules.schedule.schedule, payments, order=rules.order)
    assert check_invariants(rules.schedule.schedule, payments, state, order=rules.order) == ()
    return state
