"""The loan service: every example loan file round-trips through the store exactly (on SQLite
and PostgreSQL), GET computes what the CLI computes, and only the owner, a granted counselor
and consented lender staff can see a loan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, make_container, make_world
from support.loan_inputs import EXAMPLES, example, loan_input
from xieshang.domain.errors import DomainError
from xieshang.services import sharing
from xieshang.services.loans import (
    create_loan,
    delete_loan,
    get_loan,
    list_loans,
    local_today,
    update_loan,
)
from xieshang.services.planning import check_loan
from xieshang.services.situation import read_loan

TODAY = local_today(NOW)


@pytest.fixture
def container(tmp_path):
    built = make_container(tmp_path)
    yield built
    built.close()


@pytest.fixture
def world(container):
    return make_world(container)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_every_example_loan_round_trips_exactly_through_the_store(request, tmp_path, database):
    url = "" if database == "sqlite" else request.getfixturevalue("postgres_url")
    container = make_container(tmp_path, url)
    try:
        world = make_world(container)
        for path in sorted(EXAMPLES.glob("*.toml")):
            raw = example(path.name)
            created = create_loan(
                container.uow(), world.borrower, world.borrower.user_id, loan_input(raw), now=NOW
            )
            expected = replace(read_loan(raw, "loan"), id=str(created.id))
            assert created.loan == expected, path.name
            detail = get_loan(container.uow(), world.borrower, created.id, as_of=TODAY)
            assert detail.view.loan == expected, path.name
    finally:
        container.close()


def test_the_private_loan_gets_the_clis_legal_finding(container, world):
    created = create_loan(
        container.uow(),
        world.borrower,
        world.borrower.user_id,
        loan_input(example("private-loan.toml")),
        now=NOW,
    )
    detail = get_loan(container.uow(), world.borrower, created.id, as_of=TODAY)
    a = detail.assessment
    assert a.cap == Decimal("0.12")
    assert a.amount_above_cap == Decimal("6902.37")
    assert a.charges_total == Decimal("12200.00")
    assert a.findings[0].code == "law.above_cap"
    assert detail.standing is not None
    # The same numbers as the CLI's service on the file itself.
    cli_assessment, cli_standing = check_loan(
        read_loan(example("private-loan.toml"), "loan"), as_of=TODAY
    )
    assert a.amount_above_cap == cli_assessment.amount_above_cap
    assert detail.standing.legally_protected_total == cli_standing.legally_protected_total
    assert len(detail.schedule.rows) == 12


def test_a_loan_not_started_yet_has_an_assessment_but_no_standing(container, world):
    raw = example("bank-loan.toml")
    later = loan_input(raw, start=TODAY.replace(year=TODAY.year + 1), contract_date=TODAY)
    later = replace(later, first_due=None)
    created = create_loan(container.uow(), world.borrower, world.borrower.user_id, later, now=NOW)
    detail = get_loan(container.uow(), world.borrower, created.id, as_of=TODAY)
    assert detail.standing is None and detail.schedule.rows


def test_loans_list_in_pages_with_the_total(container, world):
    raw = example("bank-loan.toml")
    ids = [
        create_loan(
            container.uow(), world.borrower, world.borrower.user_id, loan_input(raw), now=NOW
        ).id
        for _ in range(3)
    ]
    page = list_loans(container.uow(), world.borrower, world.borrower.user_id, limit=2, offset=0)
    assert page.total == 3 and [v.id for v in page.items] == ids[:2]
    rest = list_loans(container.uow(), world.borrower, world.borrower.user_id, limit=2, offset=2)
    assert [v.id for v in rest.items] == ids[2:]


def test_an_update_replaces_the_terms_and_a_delete_removes_the_loan(container, world):
    raw = example("online-micro-lender.toml")
    created = create_loan(
        container.uow(), world.borrower, world.borrower.user_id, loan_input(raw), now=NOW
    )
    changed = update_loan(
        container.uow(),
        world.borrower,
        created.id,
        loan_input(raw, paid_installments=2, fees=()),
        now=NOW,
    )
    assert changed.loan.paid_installments == 2 and changed.loan.fees == ()
    delete_loan(container.uow(), world.borrower, created.id)
    with pytest.raises(DomainError) as caught:
        get_loan(container.uow(), world.borrower, created.id, as_of=TODAY)
    assert caught.value.code == "access.not_found"


def test_bad_loans_are_refused_by_field_before_anything_is_stored(container, world):
    raw = example("bank-loan.toml")
    for data, field in (
        (loan_input(raw, principal="-1"), "principal"),
        (loan_input(raw, annual_rate="abc"), "annual_rate"),
        (loan_input(raw, lender_type="loan shark"), "lender_type"),
        (loan_input(raw, lender_organisation_id=999), "lender_organisation_id"),
    ):
        with pytest.raises(DomainError) as caught:
            create_loan(container.uow(), world.borrower, world.borrower.user_id, data, now=NOW)
        assert caught.value.field == field
    page = list_loans(container.uow(), world.borrower, world.borrower.user_id, limit=10, offset=0)
    assert page.total == 0


def test_only_the_owner_a_granted_counselor_and_consented_staff_see_a_loan(container, world):
    created = create_loan(
        container.uow(),
        world.borrower,
        world.borrower.user_id,
        loan_input(example("bank-loan.toml")),
        now=NOW,
    )

    def sees(actor) -> bool:
        try:
            get_loan(container.uow(), actor, created.id, as_of=TODAY)
        except DomainError as error:
            assert error.code == "access.not_found"
            return False
        return True

    assert sees(world.borrower)
    assert not any(
        sees(a) for a in (world.other_borrower, world.counselor, world.agent_a, world.agent_b)
    )
    sharing.grant_counselor(
        container.uow(), world.borrower, now=NOW, counselor_id=world.counselor.user_id
    )
    sharing.give_consent(
        container.uow(), world.borrower, organisation_id=world.org_a, scope="loans", now=NOW
    )
    assert sees(world.counselor) and sees(world.agent_a)
    assert not sees(world.agent_b) and not sees(world.other_borrower)
    # Staff read but never write: they learn nothing new from a 403 they could read anyway.
    with pytest.raises(DomainError) as caught:
        delete_loan(container.uow(), world.agent_a, created.id)
    assert caught.value.code == "access.forbidden"
    with pytest.raises(DomainError) as other:
        delete_loan(container.uow(), world.other_borrower, created.id)
    assert other.value.code == "access.not_found"


def test_dates_outside_the_calendar_a_loan_can_use_are_refused_by_field(container, world):
    raw = example("bank-loan.toml")
    for data, field in (
        (loan_input(raw, start=date(9999, 6, 1)), "start"),
        (loan_input(raw, contract_date=date(1, 1, 1)), "contract_date"),
    ):
        with pytest.raises(DomainError) as caught:
            create_loan(container.uow(), world.borrower, world.borrower.user_id, data, now=NOW)
        assert (caught.value.code, caught.value.field) == ("date.out_of_range", field)
