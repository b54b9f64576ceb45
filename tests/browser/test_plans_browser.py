"""The plan builder in a real browser: a new borrower (signed up through the form; her statement
and two loans entered over the API) builds a plan, keeps it, changes the strategy and compares
the plans side by side — the table and the server-drawn charts, also at 360 px."""

from __future__ import annotations

import uuid

from playwright.sync_api import ConsoleMessage, Page

from api.test_data_api import STATEMENT, private_loan_json
from xieshang.i18n import text

from .conftest import LiveApp, Shots

PASSWORD = "a calm and long passphrase 2026"
SECOND_LOAN = {
    "lender": "某消费金融公司",
    "lender_type": "consumer_finance",
    "contract_date": "2025-12-10",
    "start": "2025-12-10",
    "principal": "36000",
    "annual_rate": "23.5",
    "months": 24,
    "method": "annuity",
    "paid_installments": 8,
}


def _sign_up_with_two_loans(page: Page) -> list[str]:
    """A fresh borrower, logged in in ``page``; her loans' ids."""
    email = f"plan-{uuid.uuid4().hex[:12]}@example.test"
    page.goto("/signup")
    page.locator("#f-display_name").fill("王芳")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    api = page.context.request
    login = api.post("/api/auth/login", data={"email": email, "password": PASSWORD, "kind": "api"})
    assert login.ok, login.text()
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    assert api.put("/api/statement", data=STATEMENT, headers=headers).ok
    ids = []
    for body in (private_loan_json(), SECOND_LOAN):
        made = api.post("/api/loans", data=body, headers=headers)
        assert made.status == 201, made.text()
        ids.append(str(made.json()["id"]))
    return ids


def test_a_new_borrower_builds_a_plan_and_compares_it_with_the_others(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    private, consumer = _sign_up_with_two_loans(page)
    page.goto("/plans")
    assert page.locator("main h1").inner_text() == text("web_plans_heading", "zh")
    suggested = page.locator("#plan-monthly").inner_text()
    assert suggested.startswith("¥")

    # Ask the consumer-finance company for an interest stop over 36 installments.
    page.select_option(f"#f-kind_{consumer}", "interest_stop")
    page.locator(f"#f-months_{consumer}").fill("36")
    page.locator("form.plan-form button[type=submit]").click()
    page.wait_for_url(f"**/plans?*kind_{consumer}=interest_stop*")
    assert page.locator(f"#f-months_{consumer}").input_value() == "36"
    assert "停息分 36 期" in page.locator("#result-heading ~ .table-wrap").inner_text()
    shots.save(page, "plan-builder-zh")

    # A bad number is refused beside its field, what was typed kept.
    page.locator(f"#f-months_{consumer}").fill("-2")
    page.locator("form.plan-form button[type=submit]").click()
    error = page.locator(f"#e-months_{consumer}")
    error.wait_for()
    assert page.locator(f"#f-months_{consumer}").input_value() == "-2"
    assert page.locator(f"#f-months_{consumer}").get_attribute("aria-invalid") == "true"
    page.locator(f"#f-months_{consumer}").fill("36")
    page.locator("form.plan-form button[type=submit]").click()
    page.locator("#plan-monthly").wait_for()

    # Keep this plan, then try another strategy with the private loan kept as contracted.
    page.get_by_role("link", name=text("web_plans_keep", "zh")).click()
    page.wait_for_url("**compare=*")
    page.select_option("#f-strategy", "avalanche")
    page.select_option(f"#f-kind_{private}", "keep")
    page.locator("form.plan-form button[type=submit]").click()
    page.wait_for_url("**strategy=avalanche*")
    page.get_by_role("link", name=text("web_plans_compare", "zh")).click()
    page.wait_for_url("**/plans/compare?*")

    rows = page.locator("table.compare tbody tr")
    names = [rows.nth(i).locator("th").inner_text() for i in range(rows.count())]
    assert names[:2] == [text("web_plans_contracts", "zh"), text("web_plans_builder_plan", "zh")]
    assert names[-1] == text("web_plans_variant", "zh", n=1)
    assert len(names) == 7  # contracts, mine, four strategies' suggestions, the kept plan
    charts = page.locator("svg.chart")
    assert charts.count() == 2 and charts.first.is_visible()
    assert charts.first.locator("title").first.text_content() == text(
        "web_plans_chart_monthly", "zh"
    )
    shots.save(page, "plan-compare-zh")

    # On a phone the page does not scroll sideways: the wide table scrolls in its frame.
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shots.save(page, "plan-compare-360-zh")


def test_the_demo_borrowers_six_loans_compare_cleanly_in_english(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    troubles: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):  # CSP refusals are console errors
            troubles.append(f"{message.type}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: troubles.append(f"script error: {error}"))
    borrower = live_app.login("borrower")
    page.goto("/login")
    page.locator("form.lang-switch button[value=en]").click()
    page.wait_for_load_state()
    page.locator("#f-email").fill(borrower.email)
    page.locator("#f-password").fill(borrower.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    page.goto("/plans")
    assert page.locator("main h1").inner_text() == text("web_plans_heading", "en")
    assert page.locator("fieldset.loan-choice").count() >= 1
    page.get_by_role("link", name=text("web_plans_compare", "en")).click()
    page.wait_for_url("**/plans/compare?*")
    assert page.locator("table.compare tbody tr").count() == 6
    assert page.locator("svg.chart").count() == 2
    shots.save(page, "plan-compare-en")
    assert troubles == []
