"""The statement of finances in the browser: the form in both languages with the national
reference figure beside each spending category, saving and reading back, the capacity the
services compute (and a hand-checked one), a refused form keeping what was typed with the
message beside the field, adding a row and working the capacity out without saving, debts
entered elsewhere kept, the printable statement, and a counselor working on a client's file."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from xieshang.domain.errors import DomainError
from xieshang.services import profile, statements
from xieshang.services.statements import DebtLine, ExpenseLine, IncomeLine, StatementInput

# 2024 national per-capita consumption (NBS), yuan per person per year: the newest year whose
# eight categories are all shipped.  Food: 8,411 a year.
FOOD_2024_PER_YEAR = Decimal(8411)


def value_of(html: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}"[^>]*? value="([^"]*)"', html)
    assert found, f"no input {name}"
    return found.group(1)


def shown_capacity(html: str) -> str:
    found = re.search(r'id="capacity-value">([^<]+)<', html)
    assert found, "no capacity figure on the page"
    return found.group(1)


def choose(browser, lang: str) -> None:
    assert browser.post("/lang", {"lang": lang, "next": "/"}).status_code == 303


GOOD = {
    "action": "save",
    "adults": "1",
    "children": "0",
    "other_dependents": "0",
    "province": "",
    "urban": "",
    "income-0-kind": "wages",
    "income-0-amount": "8000",
    "income-0-regular": "1",
    "income-1-kind": "other",
    "income-1-amount": "500",
    "expense-food": "2000",
    "expense-other": "300",
    "asset-0-kind": "cash",
    "asset-0-value": "1,500",
    "asset-0-liquid": "1",
}


@pytest.fixture
def borrower(web, people):
    person = people.make("borrower")
    web.log_in(person)
    return person


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", ["我的财务状况", "食品烟酒", "试算还款能力"]),
        ("en", ["My finances", "Food, drink", "Work out capacity"]),
    ],
)
def test_a_new_borrower_sees_the_empty_form_with_a_reference_figure_beside_each_category(
    web, borrower, lang, words
):
    choose(web, lang)
    page = web.get("/finances")
    assert page.status_code == 200
    assert all(w in page.text for w in words)
    # one adult: 8,411 a year ÷ 12 = 700.916… → ¥700.92, beside the food row
    food_row = page.text.split('name="expense-food"')[1].split("</tr>")[0]
    assert "¥700.92" in food_row
    assert "¥" + f"{(FOOD_2024_PER_YEAR / 12).quantize(Decimal('0.01')):,}" == "¥700.92"
    # categories outside the survey have no reference figure
    insurance_row = page.text.split('name="expense-insurance"')[1].split("</tr>")[0]
    assert "—" in insurance_row
    assert 'id="capacity-value"' not in page.text  # nothing saved, no capacity yet


def test_the_reference_figures_follow_the_household_size(web, borrower):
    web.post("/finances", {**GOOD, "adults": "2", "children": "1", "action": "add_income"})
    food_row = web.last_html.split('name="expense-food"')[1].split("</tr>")[0]
    assert "¥2,102.75" in food_row  # 8,411 × 3 ÷ 12


def test_saving_redirects_and_the_page_reads_the_statement_back_with_the_services_capacity(
    web, borrower, container
):
    saved = web.post("/finances", GOOD)
    assert saved.status_code == 303 and saved.headers["location"] == "/finances?saved=1"
    page = web.get(saved.headers["location"]).text
    assert "已保存" in page
    assert value_of(page, "income-0-amount") == "8000.00"
    assert value_of(page, "income-1-amount") == "500.00"
    assert 'name="income-1-regular" value="1" checked' not in page  # irregular stays so
    assert value_of(page, "expense-food") == "2000.00"
    assert value_of(page, "asset-0-value") == "1500.00"
    view = statements.get_statement(container.uow(), borrower.actor, borrower.id)
    assert view.capacity.repayment_capacity == Decimal("5200.00")  # 8000 − 2000 − 10 % of 8000
    assert shown_capacity(page) == "¥5,200.00"
    chart = page.split('id="capacity-value"')[1].split("</svg>")[0]
    assert 'role="img"' in chart and "¥8,000.00" in chart and "¥800.00" in chart  # the buffer
    assert [(x.kind.value, x.regular) for x in view.statement.incomes] == [
        ("wages", True),
        ("other", False),
    ]


def test_the_dashboard_shows_the_same_capacity_as_the_finances_page(web, borrower):
    web.post("/finances", GOOD)
    finances = shown_capacity(web.get("/finances").text)
    assert finances in web.get("/dashboard").text


@pytest.mark.parametrize(
    ("lang", "message"), [("zh", "不是有效金额"), ("en", "is not a valid amount")]
)
def test_a_refused_form_keeps_what_was_typed_and_says_why_beside_the_field(
    web, borrower, container, lang, message
):
    choose(web, lang)
    form = {**GOOD, "income-1-amount": "5百", "children": "two", "expense-food": "2100"}
    refused = web.post("/finances", form)
    assert refused.status_code == 400
    html = refused.text
    beside = re.search(r'id="e-income-1-amount"[^>]*>([^<]+)<', html)
    assert beside and message in beside.group(1)
    assert 'name="income-1-amount" value="5百"' in html
    assert 'aria-invalid="true" aria-describedby="e-income-1-amount"' in html
    assert 'id="e-children"' in html and value_of(html, "children") == "two"
    assert value_of(html, "expense-food") == "2100" and value_of(html, "income-0-amount") == "8000"
    with pytest.raises(DomainError):  # nothing was saved
        statements.get_statement(container.uow(), borrower.actor, borrower.id)


def test_a_household_without_an_adult_is_refused_beside_the_adults(web, borrower):
    refused = web.post("/finances", {**GOOD, "adults": "0"})
    assert refused.status_code == 400
    assert 'id="e-adults"' in refused.text and "至少需要一名成年人" in refused.text


def test_a_negative_amount_is_refused_beside_its_category(web, borrower):
    refused = web.post("/finances", {**GOOD, "expense-housing": "-5"})
    assert refused.status_code == 400
    beside = re.search(r'id="e-expense-housing"[^>]*>([^<]+)<', refused.text)
    assert beside and "居住支出不能为负数" in beside.group(1)


def test_adding_a_row_keeps_the_form_and_saves_nothing(web, borrower, container):
    page = web.post("/finances", {**GOOD, "action": "add_income", "income-1-amount": "oops"})
    assert page.status_code == 200
    assert value_of(page.text, "income-1-amount") == "oops"  # not checked yet
    assert value_of(page.text, "income-2-amount") == ""  # the new blank row
    assert 'name="income-3-amount"' not in page.text
    with pytest.raises(DomainError):
        statements.get_statement(container.uow(), borrower.actor, borrower.id)


def test_working_out_the_capacity_shows_the_figure_without_saving(web, borrower, container):
    page = web.post("/finances", {**GOOD, "action": "preview", "expense-food": "3000"})
    assert page.status_code == 200
    assert shown_capacity(page.text) == "¥4,200.00" and "还没有保存" in page.text
    with pytest.raises(DomainError):
        statements.get_statement(container.uow(), borrower.actor, borrower.id)


def test_debts_entered_elsewhere_are_kept_when_the_form_is_saved(web, borrower, container, clock):
    data = StatementInput(
        adults=1,
        incomes=[IncomeLine("wages", "6000")],
        expenses=[ExpenseLine("food", "1000")],
        debts=[DebtLine("某银行", "20000", "900", "7.2")],
    )
    statements.put_statement(container.uow(), borrower.actor, borrower.id, data, now=clock())
    assert "1 笔在别处登记的债务" in web.get("/finances").text
    assert web.post("/finances", GOOD).status_code == 303
    view = statements.get_statement(container.uow(), borrower.actor, borrower.id)
    (debt,) = view.statement.debts
    assert (debt.creditor, debt.balance, debt.annual_rate) == (
        "某银行",
        Decimal("20000.00"),
        Decimal("0.072"),
    )
    assert view.statement.incomes[0].monthly_amount == Decimal("8000.00")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_printable_statement_shows_the_saved_figures_and_the_capacity(
    web, borrower, container, lang
):
    web.post("/finances", GOOD)
    choose(web, lang)
    page = web.get("/finances/print")
    assert page.status_code == 200
    html = page.text
    assert ("财务状况说明" if lang == "zh" else "Statement of finances") in html
    assert ("2026年3月2日" if lang == "zh" else "2 Mar 2026") in html
    assert re.search(r'id="print-capacity">¥5,200.00<', html)
    assert "¥8,500.00" in html  # incomes, both rows
    assert "¥2,300.00" in html  # spending
    assert '<script src="/static/finances.js" defer></script>' in html
    name = profile.me(container.uow, borrower.actor).user.display_name
    assert ("借款人：" if lang == "zh" else "Borrower: ") + name in html


def test_the_print_stylesheet_leaves_out_the_navigation(web):
    css = web.get("/static/app.css").text
    media = css.split("@media print")[1]
    assert ".top" in media and "display: none" in media
    js = web.get("/static/finances.js")
    assert js.status_code == 200 and "window.print()" in js.text


def test_the_printable_statement_says_when_nothing_is_saved(web, borrower):
    page = web.get("/finances/print")
    assert page.status_code == 200 and "还没有保存财务状况" in page.text


def test_a_counselor_works_on_the_chosen_clients_statement(new_browser, people, container):
    client = people.logged_in("borrower")
    org = people.organisation("counseling", "Centre")
    counselor = people.logged_in("counselor", org)
    granted = people.client.post(
        "/api/sharing/grants", json={"counselor_id": counselor.id}, headers=client.headers
    )
    assert granted.status_code in (200, 201), granted.text
    browser = new_browser()
    browser.log_in(counselor)
    assert browser.get("/finances").headers["location"] == "/clients"  # none chosen yet
    assert browser.post(f"/clients/{client.id}/switch", {}).status_code == 303
    assert browser.post("/finances", GOOD).status_code == 303
    view = statements.get_statement(container.uow(), client.actor, client.id)
    assert view.capacity.repayment_capacity == Decimal("5200.00")
    assert shown_capacity(browser.get("/finances").text) == "¥5,200.00"
    printed = browser.get("/finances/print").text  # the client's statement, with their name
    assert re.search(r'id="print-capacity">¥5,200.00<', printed)
    assert client.email not in printed


def test_a_household_count_past_a_hundred_is_refused_beside_it_in_english(web, borrower):
    choose(web, "en")
    refused = web.post("/finances", {**GOOD, "other_dependents": "101"})
    assert refused.status_code == 400
    beside = re.search(r'id="e-other_dependents"[^>]*>([^<]+)<', refused.text)
    assert beside and "must be between 0 and 100 (got 101)" in beside.group(1)
