""" "Before you borrow" in the browser: an offer's true APR, monthly payment and legal check
against numbers worked out here independently (a 12-month equal-payment loan; an IRR found by
bisection), the plain verdict, what the offer does to the borrower's month, a refused form
keeping what was typed with the message beside the field, and nothing stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, localcontext

import pytest

from api.test_data_api import STATEMENT, private_loan_json
from xieshang.domain.errors import DomainError
from xieshang.services import loans, statements
from xieshang.services.statements import ExpenseLine, IncomeLine, StatementInput


def monthly_irr(received: Decimal, payment: Decimal, months: int) -> Decimal:
    """The monthly rate at which ``months`` payments are worth ``received`` (bisection)."""
    with localcontext() as ctx:
        ctx.prec = 40
        low, high = Decimal(0), Decimal(1)
        for _ in range(200):
            mid = (low + high) / 2
            worth = sum(payment / (1 + mid) ** k for k in range(1, months + 1))
            low, high = (mid, high) if worth > received else (low, mid)
        return low


def annuity_payment(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        exact = principal * monthly_rate / (1 - (1 + monthly_rate) ** -months)
    return exact.quantize(Decimal("0.01"))


def shown(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>\s*([^<]+?)\s*<', html)
    assert found, f"no #{element_id} on the page"
    return found.group(1)


def percent_shown(html: str, element_id: str) -> Decimal:
    return Decimal(shown(html, element_id).removesuffix("%"))


def choose(browser, lang: str) -> None:
    assert browser.post("/lang", {"lang": lang, "next": "/"}).status_code == 303


BANK_12 = {
    "lender_type": "bank",
    "principal": "10000",
    "received": "",
    "months": "12",
    "method": "annuity",
    "annual_rate": "12",
    "monthly_payment": "",
    "installment_fee": "",
}
# ¥10,000 in the contract, ¥9,000 received, ¥1,000 a month for a year: no rate stated.
SMALL_LOAN = {
    **BANK_12,
    "lender_type": "small_loan",
    "received": "9000",
    "annual_rate": "",
    "monthly_payment": "1000",
}


@pytest.fixture
def borrower(web, people):
    person = people.make("borrower")
    web.log_in(person)
    return person


def give_statement(container, person, clock) -> None:
    """Capacity ¥5,200: 8,000 income − 2,000 food − a 10 % buffer."""
    data = StatementInput(
        adults=1, incomes=[IncomeLine("wages", "8000")], expenses=[ExpenseLine("food", "2000")]
    )
    statements.put_statement(container.uow(), person.actor, person.id, data, now=clock())


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", ["借钱之前", "贷款方类型", "算一算"]), ("en", ["Before you borrow", "Kind of lender"])],
)
def test_the_calculator_renders_in_both_languages(web, borrower, lang, words):
    choose(web, lang)
    page = web.get("/check")
    assert page.status_code == 200
    assert all(w in page.text for w in words)
    assert 'id="verdict"' not in page.text


def test_a_twelve_month_bank_loan_at_12_percent_is_within_the_cap(web, borrower):
    page = web.post("/check", BANK_12)
    assert page.status_code == 200, page.text
    html = page.text
    payment = annuity_payment(Decimal(10000), Decimal("0.01"), 12)
    assert payment == Decimal("888.49")
    assert shown(html, "monthly-payment") == "¥888.49"
    irr = monthly_irr(Decimal(10000), payment, 12)
    assert abs(percent_shown(html, "true-apr") - irr * 1200) < Decimal("0.01")
    assert shown(html, "true-apr") == "12.00%" and shown(html, "legal-cap") == "24.00%"
    assert shown(html, "above-cap") == "¥0.00"
    # no statement yet: within the cap, and the borrower is asked for their finances
    assert "在法定利率上限之内。填写财务状况后" in shown(html, "verdict")


def test_fees_taken_off_first_make_an_offer_above_the_cap_do_not_sign(web, borrower):
    choose(web, "en")
    html = web.post("/check", SMALL_LOAN).text
    irr = monthly_irr(Decimal(9000), Decimal(1000), 12)  # on the money received
    assert Decimal("56.7") < irr * 1200 < Decimal("56.8")
    assert abs(percent_shown(html, "true-apr") - irr * 1200) < Decimal("0.02")
    assert shown(html, "monthly-payment") == "¥1,000.00"
    assert shown(html, "verdict") == "Above the legal interest cap — do not sign."
    assert shown(html, "legal-cap") == "24.00%"
    assert shown(html, "above-cap") != "¥0.00"
    assert "Under: " in html  # the rule's source is cited
    assert "The contract states" not in html  # it stated no rate: no "disclosure gap"


def test_a_payment_above_what_the_stated_rate_gives_is_counted_as_a_fee(web, borrower):
    offer = {**BANK_12, "lender_type": "consumer_finance", "monthly_payment": "1000"}
    html = web.post("/check", offer).text
    assert "每期计入的费用" in html and "¥111.51" in html  # 1,000 − 888.49
    assert "合同名义利率为年12.00%" in html  # the stated rate is far from the true one
    irr = monthly_irr(Decimal(10000), Decimal(1000), 12)
    assert abs(percent_shown(html, "true-apr") - irr * 1200) < Decimal("0.02")
    assert "不要签" in shown(html, "verdict")


def test_an_affordable_offer_leaves_room_in_the_borrowers_month(web, borrower, container, clock):
    give_statement(container, borrower, clock)
    html = web.post("/check", BANK_12).text
    assert shown(html, "capacity") == "¥5,200.00"
    assert shown(html, "with-offer") == "¥888.49"
    assert shown(html, "verdict") == "在法定上限之内，也在你的还款能力之内。"


def test_an_offer_over_the_borrowers_capacity_says_by_how_much(web, borrower, container, clock):
    give_statement(container, borrower, clock)
    choose(web, "en")
    html = web.post("/check", {**BANK_12, "principal": "100000"}).text
    payment = annuity_payment(Decimal(100000), Decimal("0.01"), 12)
    over = payment - Decimal(5200)
    assert over == Decimal("3684.88")
    assert shown(html, "with-offer") == "¥8,884.88"
    assert shown(html, "verdict").startswith("More than you can pay: ¥3,684.88 a month too much.")


@pytest.mark.parametrize(
    ("lang", "message"),
    [("zh", "请填写年利率或每月还款额"), ("en", "Enter the annual rate or the monthly payment")],
)
def test_a_refused_offer_keeps_what_was_typed_with_the_message_beside_the_field(
    web, borrower, lang, message
):
    choose(web, lang)
    refused = web.post(
        "/check", {**BANK_12, "annual_rate": "", "principal": "1万", "received": "8000"}
    )
    assert refused.status_code == 400
    html = refused.text
    assert message in shown(html, "e-annual_rate")
    assert shown(html, "e-principal")  # "1万" is not an amount
    assert 'aria-describedby="e-principal"' in html
    assert 'value="1万"' in html and 'value="8000"' in html
    assert '<option value="bank" selected>' in html
    assert 'id="verdict"' not in html


def test_a_payment_below_what_the_stated_rate_needs_is_refused_beside_the_payment(web, borrower):
    refused = web.post("/check", {**BANK_12, "monthly_payment": "800"})
    assert refused.status_code == 400
    assert "888.49" in shown(refused.text, "e-monthly_payment")


def test_checking_an_offer_stores_nothing(web, borrower, container):
    assert web.post("/check", BANK_12).status_code == 200
    found = loans.list_loans(container.uow(), borrower.actor, borrower.id, limit=10, offset=0)
    assert found.total == 0
    with pytest.raises(DomainError, match=r"access\.not_found"):
        statements.get_statement(container.uow(), borrower.actor, borrower.id)


def test_lender_staff_get_the_calculator_without_anyones_capacity(new_browser, people):
    org = people.organisation("lender", "Lender")
    agent = people.logged_in("agent", org)
    browser = new_browser()
    browser.log_in(agent)
    html = browser.post("/check", BANK_12).text
    assert shown(html, "verdict") == "在法定利率上限之内。"
    assert "对你每月还款能力的影响" not in html


def test_a_counselor_sees_the_chosen_clients_capacity(new_browser, people, container, clock):
    client = people.logged_in("borrower")
    give_statement(container, client, clock)
    counselor = people.logged_in("counselor", people.organisation("counseling", "Centre"))
    granted = people.client.post(
        "/api/sharing/grants", json={"counselor_id": counselor.id}, headers=client.headers
    )
    assert granted.status_code in (200, 201), granted.text
    browser = new_browser()
    browser.log_in(counselor)
    before = browser.post("/check", BANK_12).text  # no client chosen: no capacity
    assert 'id="capacity"' not in before
    assert browser.post(f"/clients/{client.id}/switch", {}).status_code == 303
    assert shown(browser.post("/check", BANK_12).text, "capacity") == "¥5,200.00"


def test_a_borrower_already_over_capacity_this_month_is_told_not_to_borrow_more(web, people, clock):
    person = people.logged_in("borrower")
    url = f"?borrower_id={person.id}"
    put = people.client.put(f"/api/statement{url}", json=STATEMENT, headers=person.headers)
    assert put.status_code in (200, 201), put.text
    made = people.client.post(f"/api/loans{url}", json=private_loan_json(), headers=person.headers)
    assert made.status_code == 201, made.text
    clock.now = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)  # the loan's rows are all overdue now
    web.log_in(person)
    html = web.post("/check", BANK_12).text
    due_now = Decimal(shown(html, "due-now").removeprefix("¥").replace(",", ""))
    capacity = Decimal(shown(html, "capacity").removeprefix("¥").replace(",", ""))
    assert due_now > capacity
    assert shown(html, "verdict") == "你本月的应还款已经超出还款能力，再借一笔只会更难——不要签。"
