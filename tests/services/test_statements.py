"""The statement service on SQLite and PostgreSQL: validation through the domain,
capacity with the reference living costs, itemised lines only for the borrower and a granted
counselor, the summary only for lender staff with a ``statement_summary`` consent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, SQLITE_ONLY
from xieshang.domain.errors import DomainError
from xieshang.services import sharing
from xieshang.services.statements import (
    AssetLine,
    DebtLine,
    ExpenseLine,
    IncomeLine,
    StatementInput,
    get_statement,
    put_statement,
)

EXAMPLE = StatementInput(
    adults=2,
    children=1,
    province="广东省",
    urban=True,
    incomes=(
        IncomeLine("wages", "8500"),
        IncomeLine("wages", "3200"),
        IncomeLine("other", "800", regular=False),
    ),
    expenses=(
        ExpenseLine("food", "2600"),
        ExpenseLine("housing", "2800"),
        ExpenseLine("clothing", "200"),
        ExpenseLine("household", "300"),
        ExpenseLine("transport_communication", "500"),
        ExpenseLine("health_care", "300"),
        ExpenseLine("childcare", "600"),
        ExpenseLine("education_culture_recreation", "300"),
        ExpenseLine("other", "200"),
    ),
    assets=(AssetLine("cash", "6000", liquid=True), AssetLine("vehicle", "30000")),
    debts=(DebtLine("某银行", "12000", "1100", "18"),),
)


def test_a_borrower_stores_a_statement_and_reads_back_every_line_with_its_capacity(
    container, world
):
    view, created = put_statement(
        container.uow(), world.borrower, world.borrower.user_id, EXAMPLE, now=NOW
    )
    assert created
    again = get_statement(container.uow(), world.borrower, world.borrower.user_id)
    assert again.statement == view.statement
    assert again.statement is not None
    assert [i.monthly_amount for i in again.statement.incomes] == [
        Decimal("8500.00"),
        Decimal("3200.00"),
        Decimal("800.00"),
    ]
    # Regular income 11,700; own essentials 7,300; buffer 10 % = 1,170 → 3,230 a month.
    assert again.capacity.monthly_income == Decimal("11700.00")
    assert again.capacity.repayment_capacity == Decimal("3230.00")
    assert again.capacity.reference is not None  # the shipped living costs are shown beside
    assert again.summary.debts_balance == Decimal("12000.00")
    assert again.statement.debts[0].annual_rate == Decimal("0.18")


def test_replacing_a_statement_keeps_one_row_and_the_new_lines(container, world):
    put_statement(container.uow(), world.borrower, world.borrower.user_id, EXAMPLE, now=NOW)
    shorter = StatementInput(adults=1, incomes=(IncomeLine("pension", "3000"),))
    _, created = put_statement(
        container.uow(), world.borrower, world.borrower.user_id, shorter, now=NOW
    )
    assert not created
    read = get_statement(container.uow(), world.borrower, world.borrower.user_id)
    assert read.statement is not None
    assert read.statement.expenses == () and len(read.statement.incomes) == 1
    assert read.summary.household_persons == 1


# The domain refuses these before any write: the database adds nothing, so SQLite suffices.
@SQLITE_ONLY
@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        (StatementInput(adults=0), "household.no_adults", "household.adults"),
        (
            StatementInput(adults=1, incomes=(IncomeLine("salary", "1"),)),
            "income.kind_unknown",
            "incomes[0].kind",
        ),
        (
            StatementInput(adults=1, expenses=(ExpenseLine("food", "-5"),)),
            "amount.negative",
            "expenses[0].monthly",
        ),
        (
            StatementInput(adults=1, expenses=(ExpenseLine("yachts", "5"),)),
            "expense.category_unknown",
            "expenses[0].category",
        ),
        (StatementInput(adults=1, assets=(AssetLine("cash", "a lot"),)), None, "assets[0].value"),
    ],
)
def test_bad_statements_are_refused_by_name_and_nothing_is_stored(
    container, world, data, code, field
):
    with pytest.raises(DomainError) as caught:
        put_statement(container.uow(), world.borrower, world.borrower.user_id, data, now=NOW)
    if code is not None:
        assert caught.value.code == code
    assert caught.value.field == field
    with pytest.raises(DomainError) as missing:
        get_statement(container.uow(), world.borrower, world.borrower.user_id)
    assert missing.value.code == "access.not_found"


def test_another_borrower_cannot_read_or_write_the_statement(container, world):
    put_statement(container.uow(), world.borrower, world.borrower.user_id, EXAMPLE, now=NOW)
    for call in (
        lambda: get_statement(container.uow(), world.other_borrower, world.borrower.user_id),
        lambda: put_statement(
            container.uow(), world.other_borrower, world.borrower.user_id, EXAMPLE, now=NOW
        ),
    ):
        with pytest.raises(DomainError) as caught:
            call()
        assert caught.value.code == "access.not_found"


def test_a_counselor_sees_every_line_only_while_granted(container, world):
    put_statement(container.uow(), world.borrower, world.borrower.user_id, EXAMPLE, now=NOW)
    with pytest.raises(DomainError):
        get_statement(container.uow(), world.counselor, world.borrower.user_id)
    grant, _ = sharing.grant_counselor(
        container.uow(), world.borrower, now=NOW, counselor_email="zhao.counsel@example.com"
    )
    seen = get_statement(container.uow(), world.counselor, world.borrower.user_id)
    assert seen.itemised
    sharing.revoke_grant(container.uow(), world.borrower, grant.id, now=NOW)
    with pytest.raises(DomainError) as caught:
        get_statement(container.uow(), world.counselor, world.borrower.user_id)
    assert caught.value.code == "access.not_found"


def test_lender_staff_see_only_the_summary_and_only_with_their_organisations_consent(
    container, world
):
    put_statement(container.uow(), world.borrower, world.borrower.user_id, EXAMPLE, now=NOW)
    with pytest.raises(DomainError):
        get_statement(container.uow(), world.agent_a, world.borrower.user_id)
    sharing.give_consent(
        container.uow(),
        world.borrower,
        organisation_id=world.org_a,
        scope="statement_summary",
        now=NOW,
    )
    seen = get_statement(container.uow(), world.agent_a, world.borrower.user_id)
    assert seen.statement is None and not seen.itemised
    assert seen.capacity.repayment_capacity == Decimal("3230.00")
    assert dict(seen.summary.expenses_by_category)["food"] == Decimal("2600.00")
    with pytest.raises(DomainError) as other_org:
        get_statement(container.uow(), world.agent_b, world.borrower.user_id)
    assert other_org.value.code == "access.not_found"
    with pytest.raises(DomainError) as write:
        put_statement(container.uow(), world.agent_a, world.borrower.user_id, EXAMPLE, now=NOW)
    assert write.value.code in ("access.not_found", "access.forbidden")
