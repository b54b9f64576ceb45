"""The dashboard's figures (services.overview): they agree with the plan's, a loan above the
legal cap is at risk, and once overdue for both reasons; a loan in negotiation stands where it
stood when its case was submitted, as the case and the loan page say; nobody else may read them,
and what a month asks only grows as the months go by."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.test_data_api import STATEMENT, private_loan_json
from support.api_people import START
from web.world import OWNER_LENDER_NAME, _borrower_with_case
from xieshang.domain.errors import DomainError
from xieshang.domain.loan import make_loan
from xieshang.domain.money import ZERO
from xieshang.domain.rates import add_months
from xieshang.i18n import text
from xieshang.services import cases, loans, overview, plans
from xieshang.services.loans import local_today

TODAY = local_today(START)


@pytest.fixture
def owner(people):
    person = people.logged_in("borrower")
    client = people.client
    url = f"?borrower_id={person.id}"
    put = client.put(f"/api/statement{url}", json=STATEMENT, headers=person.headers)
    assert put.status_code in (200, 201), put.text
    made = client.post(f"/api/loans{url}", json=private_loan_json(), headers=person.headers)
    assert made.status_code == 201, made.text
    return person


def test_the_totals_agree_with_the_plan_and_the_overdue_loan_is_at_risk(container, owner):
    seen = overview.borrower_overview(container.uow(), owner.actor, owner.id, as_of=TODAY)
    plan = plans.plan_for(container.uow(), owner.actor, owner.id, as_of=TODAY)
    assert seen.total_owed == plan.total_owed > ZERO
    assert seen.capacity == plan.capacity.repayment_capacity
    assert seen.loans == 1 and seen.has_statement
    (risky,) = seen.at_risk  # 砍头息 and a high rate: above the cap, not yet overdue
    assert risky.reasons == (overview.RISK_ABOVE_CAP,) and risky.above_cap > ZERO
    assert risky.days_overdue == 0 and seen.due_this_month == ZERO  # the last row is in August


def test_past_its_last_due_date_the_loan_is_overdue_and_owed_this_month(container, owner):
    later = date(2026, 9, 15)
    seen = overview.borrower_overview(container.uow(), owner.actor, owner.id, as_of=later)
    (risky,) = seen.at_risk
    assert risky.reasons == (overview.RISK_OVERDUE, overview.RISK_ABOVE_CAP)
    assert risky.days_overdue == (later - date(2026, 8, 1)).days
    assert seen.due_this_month > ZERO and seen.over_capacity


def test_a_loan_in_negotiation_keeps_the_arrears_it_had_when_its_case_was_submitted(
    container, people
):
    person = people.logged_in("borrower")
    lender = people.organisation("lender", "Lender Negotiating")
    loan_id, case_id = _borrower_with_case(people, person, OWNER_LENDER_NAME, lender)
    later = date(2026, 9, 15)  # past the loan's last due date (1 August)
    seen = overview.borrower_overview(container.uow(), person.actor, person.id, as_of=later)
    (risky,) = seen.at_risk
    # Submitted on TODAY, before anything was overdue: the arrears stay frozen there.
    assert risky.case_id == case_id and risky.loan_id == loan_id
    assert risky.reasons == (overview.RISK_ABOVE_CAP,) and risky.days_overdue == 0
    (case,) = cases.list_cases(
        container.uow(), person.actor, limit=10, offset=0, now=container.clock()
    )[0]
    assert case.frozen_on == TODAY
    detail = loans.get_loan(container.uow(), person.actor, loan_id, as_of=later)
    assert detail.standing is not None and detail.standing.position is not None
    assert risky.days_overdue == detail.standing.days_overdue
    assert seen.total_owed == detail.standing.position.total_owed


def test_the_dashboard_says_which_case_a_loan_is_negotiated_in(web, people):
    person = people.make("borrower")
    people.login(person)
    lender = people.organisation("lender", "Lender On The Dashboard")
    _, case_id = _borrower_with_case(people, person, OWNER_LENDER_NAME, lender)
    web.log_in(person)
    page = web.get("/dashboard").text
    assert text("web_dashboard_in_negotiation", "zh", id=case_id) in page


def test_a_loan_in_no_case_counts_its_arrears_to_the_day(container, owner):
    later = date(2026, 9, 15)
    (risky,) = overview.borrower_overview(
        container.uow(), owner.actor, owner.id, as_of=later
    ).at_risk
    assert risky.case_id is None and risky.days_overdue == (later - date(2026, 8, 1)).days


def test_another_borrower_cannot_read_the_overview(container, owner, people):
    stranger = people.logged_in("borrower")
    with pytest.raises(DomainError) as refused:
        overview.borrower_overview(container.uow(), stranger.actor, owner.id, as_of=TODAY)
    assert refused.value.code == "access.not_found"


def test_without_a_statement_there_is_no_capacity_and_nothing_is_over_it(container, people):
    person = people.logged_in("borrower")
    seen = overview.borrower_overview(container.uow(), person.actor, person.id, as_of=TODAY)
    assert seen.capacity is None and not seen.over_capacity
    assert seen.total_owed == ZERO and seen.at_risk == ()


LOAN = make_loan(
    id="1",
    lender="L",
    lender_type="bank",
    contract_date=date(2025, 1, 10),
    principal="24000",
    annual_rate="0.06",
    months=24,
    method="annuity",
    start=date(2025, 1, 10),
)


@given(st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=6))
def test_what_is_due_by_a_month_never_shrinks_as_months_pass(months, later):
    day = add_months(date(2025, 1, 10), months)
    assert overview.due_in_month(LOAN, day) <= overview.due_in_month(LOAN, add_months(day, later))
