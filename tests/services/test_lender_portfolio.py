"""The desk's read-only figures through the services (SQLite): borrowers masked for their
lender's staff only, the portfolio counted by state, and the offers waiting for an approver —
and reading any of them changes nothing."""

from __future__ import annotations

import pytest

from support.data_world import NOW, make_container, make_world
from support.loan_inputs import example, loan_input
from xieshang.domain.errors import DomainError
from xieshang.services import cases, portfolio
from xieshang.services.loans import create_loan, local_today

TODAY = local_today(NOW)


@pytest.fixture
def desk(tmp_path):
    container = make_container(tmp_path)
    world = make_world(container)
    yield container, world
    container.close()


def _submitted(container, world, borrower, months: int) -> int:
    loan = create_loan(
        container.uow(),
        borrower,
        borrower.user_id,
        loan_input(example("online-micro-lender.toml"), lender_organisation_id=world.org_a),
        now=NOW,
    )
    case = cases.open_case(
        container.uow(),
        borrower,
        borrower.user_id,
        loan_ids=[loan.id],
        lender_organisation_id=world.org_a,
        now=NOW,
    )
    extension = {"kind": "extension", "extra_months": months, "include_overdue_principal": True}
    request = [{"loan_id": str(loan.id), "concessions": [extension]}]
    terms = {"start": TODAY.isoformat(), "loans": request}
    cases.submit_case(container.uow(), borrower, case.id, terms=terms, now=NOW)
    return case.id


def test_staff_see_their_own_borrowers_masked_and_nobody_elses(desk):
    container, world = desk
    _submitted(container, world, world.borrower, 6)
    ids = [world.borrower.user_id, world.other_borrower.user_id]
    assert portfolio.borrower_labels(container.uow(), world.agent_a, ids) == {
        world.borrower.user_id: "L*"
    }
    assert portfolio.borrower_labels(container.uow(), world.agent_b, ids) == {}
    with pytest.raises(DomainError) as refused:
        portfolio.borrower_labels(container.uow(), world.borrower, ids)
    assert refused.value.code == "access.forbidden"


def test_the_portfolio_counts_the_organisations_cases_and_only_its_staff_get_it(desk):
    container, world = desk
    _submitted(container, world, world.borrower, 6)
    _submitted(container, world, world.other_borrower, 6)
    figures = portfolio.portfolio_figures(container.uow(), world.agent_a, now=NOW)
    assert figures.cases == 2
    assert dict(figures.by_state)["submitted"] == 2
    assert figures.acceptance_rate is None and figures.on_track_rate is None
    assert portfolio.portfolio_figures(container.uow(), world.agent_b, now=NOW).cases == 0
    for outsider in (world.borrower, world.counselor):
        with pytest.raises(DomainError):
            portfolio.portfolio_figures(container.uow(), outsider, now=NOW)


def test_only_an_offer_beyond_policy_waits_for_approval_and_reading_changes_nothing(desk):
    container, world = desk
    within = _submitted(container, world, world.borrower, 6)
    beyond = _submitted(container, world, world.other_borrower, 48)
    with container.uow() as uow:
        before = {c: len(uow.case_events.list_for_case(c)) for c in (within, beyond)}
    waiting = portfolio.awaiting_approval(container.uow(), world.agent_a, now=NOW)
    assert [w.case.id for w in waiting] == [beyond]
    assert [b["code"] for b in waiting[0].evaluation.breaches] == ["policy.extension_too_long"]
    assert waiting[0].borrower == "W*"
    assert portfolio.awaiting_approval(container.uow(), world.agent_b, now=NOW) == []
    with container.uow() as uow:
        assert {c: len(uow.case_events.list_for_case(c)) for c in (within, beyond)} == before
