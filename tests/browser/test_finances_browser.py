"""The finances pages and "Before you borrow" in a real browser: a new borrower fills in the
statement (adding an income row without JavaScript), a bad amount is refused beside its field
with everything typed kept, saving shows the capacity the services compute; the printable
statement leaves the navigation out when printed; an offer is checked with a plain verdict."""

from __future__ import annotations

import uuid
from decimal import Decimal

from playwright.sync_api import ConsoleMessage, Page

from xieshang.i18n import text
from xieshang.services import statements
from xieshang.services.sessions import actor_for

from .conftest import LiveApp, Shots, log_in


def watch_troubles(page: Page) -> list[str]:
    """Console errors and warnings (CSP refusals among them) and script errors, as they come;
    not the 400 of a refused form, which is how the server answers one."""
    found: list[str] = []

    def console(m: ConsoleMessage) -> None:
        if m.type in ("error", "warning") and "status of 400" not in m.text:
            found.append(f"{m.type}: {m.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"script error: {error}"))
    return found


def sign_up(page: Page) -> str:
    email = f"finances-{uuid.uuid4().hex[:10]}@browser.xieshang.test"
    page.goto("/signup")
    page.locator("#f-display_name").fill("王芳")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill("一个足够长的密码-finances-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    return email


def test_a_new_borrower_fills_in_the_statement_and_sees_the_capacity(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    troubles = watch_troubles(page)
    email = sign_up(page)
    page.locator("nav a[href='/finances']").click()
    page.wait_for_url("**/finances")
    assert page.locator("main h1").inner_text() == text("web_finances_title", "zh")
    page.locator("#f-adults").fill("2")
    page.locator("#f-children").fill("1")
    page.locator("#f-province").select_option("广东省")
    page.locator("#f-income-0-amount").fill("8500")
    # Another income row, by a form button (no script): what was typed stays.
    page.get_by_role("button", name=text("web_finances_add_income", "zh")).click()
    page.locator("#f-income-1-amount").wait_for()
    assert page.locator("#f-income-0-amount").input_value() == "8500"
    page.locator("#f-income-1-amount").fill("3200")
    page.locator("#f-expense-food").fill("2600")
    page.locator("#f-expense-housing").fill("2800")
    page.locator("#f-expense-other").fill("200")
    # The estimate as one types (finances.js): 11,700 − 5,400 essential − 1,170 buffer; "other"
    # spending is not essential.
    live = page.locator("#live-capacity")
    assert live.is_visible() and "¥5,130.00" in live.inner_text()
    page.locator("#f-income-1-regular").uncheck()  # irregular income does not count
    assert "¥2,250.00" in live.inner_text()  # 8,500 − 5,400 − 850
    page.locator("#f-income-1-regular").check()
    page.locator("#f-asset-0-value").fill("六千")
    page.get_by_role("button", name=text("web_finances_save", "zh"), exact=True).click()

    error = page.locator("#e-asset-0-value")
    error.wait_for()
    assert "不是有效金额" in error.inner_text()
    assert page.locator("#f-asset-0-value").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-asset-0-value").input_value() == "六千"
    assert page.locator("#f-income-1-amount").input_value() == "3200"
    assert page.locator("#f-expense-housing").input_value() == "2800"
    assert page.locator("#f-province").input_value() == "广东省"
    shots.save(page, "finances-refused-zh")

    page.locator("#f-asset-0-value").fill("6000")
    page.locator("#f-asset-0-liquid").check()
    page.get_by_role("button", name=text("web_finances_save", "zh"), exact=True).click()
    page.wait_for_url("**/finances?saved=1")
    assert page.get_by_role("status").first.inner_text() == text("web_finances_saved", "zh")

    with live_app.container.uow() as uow:
        user = uow.users.get_by_email(email)
        assert user is not None
        actor = actor_for(user)
    view = statements.get_statement(live_app.container.uow(), actor, actor.user_id)
    # 8,500 + 3,200 regular income − 5,400 essential spending − a 10 % buffer of 1,170
    assert view.capacity.repayment_capacity == Decimal("5130.00")
    assert page.locator("#capacity-value").inner_text() == "¥5,130.00"
    assert page.locator("#capacity-heading + * svg[role=img], .capacity-card svg").count() == 1
    shots.save(page, "finances-zh")

    # At 360 px the page does not scroll sideways (the tables scroll inside their frame).
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shots.save(page, "finances-360-zh")
    assert troubles == []


def test_the_printable_statement_leaves_the_navigation_out_when_printed(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    troubles = watch_troubles(page)
    log_in(page, live_app.login("borrower"), lands_on="/dashboard")
    page.goto("/finances/print")
    assert page.locator("main h1").inner_text() == text("web_print_title", "zh")
    print_button = page.get_by_role("button", name=text("web_print_button", "zh"))
    assert print_button.is_visible()  # shown by /static/finances.js
    assert page.locator("header.top").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not print_button.is_visible()
    assert page.locator("#print-capacity").is_visible()
    shots.save(page, "statement-print-zh")
    assert troubles == []


def test_an_offer_above_the_cap_gets_a_plain_do_not_sign(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    log_in(page, live_app.login("borrower"), lands_on="/dashboard")
    page.locator("nav a[href='/check']").click()
    page.wait_for_url("**/check")
    page.locator("#f-lender_type").select_option("small_loan")
    page.locator("#f-principal").fill("10000")
    page.locator("#f-received").fill("9000")
    page.locator("#f-months").fill("12")
    page.locator("#f-monthly_payment").fill("1000")
    page.locator("#f-months").press("Enter")  # the keyboard submits the form
    page.locator("#verdict").wait_for()
    assert page.locator("#verdict").inner_text().strip() == text(
        "web_check_verdict_above_cap", "zh"
    )
    assert page.locator("#true-apr").inner_text() == "56.75%"
    assert page.locator("#capacity").is_visible()  # the demo borrower has a statement
    assert page.locator("#f-received").input_value() == "9000"
    shots.save(page, "check-zh")
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
