"""The first pages in a real browser: logging in (good and bad) and the language switch.

Expected words come from the message catalog, so the tests prove which language a page is in
without repeating its wording.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from xieshang.i18n import message, text
from xieshang.security.totp import totp_code
from xieshang.web.csrf import SESSION_COOKIE

from .conftest import LiveApp, Shots

HAN = re.compile("[\u4e00-\u9fff]")


def _fill_login(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("main form button[type=submit]").click()


def test_a_borrower_logs_in_through_the_form_and_sees_the_dashboard(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    borrower = live_app.login("borrower")
    _fill_login(page, borrower.email, borrower.password)
    page.wait_for_url("**/dashboard")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("main h1").inner_text() == text("web_dashboard_heading", "zh")
    # The session cookie is HttpOnly: the page's scripts cannot read it.
    hidden = [cookie["name"] for cookie in page.context.cookies() if cookie["httpOnly"]]
    assert SESSION_COOKIE in hidden
    visible = page.evaluate("document.cookie")
    assert not [name for name in hidden if f"{name}=" in visible]
    shots.save(page, "dashboard-zh")


def test_the_language_switch_changes_the_page_to_english_and_back(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    page.goto("/login")
    heading = page.locator("main h1")
    assert heading.inner_text() == text("web_login", "zh")
    page.locator("form.lang-switch button[value=en]").click()
    page.wait_for_load_state()
    assert heading.inner_text() == text("web_login", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("form.lang-switch button[value=en]").get_attribute("aria-pressed") == (
        "true"
    )
    shots.save(page, "login-en")
    # The choice is remembered (a cookie), not only for this one page.
    page.goto("/")
    assert page.locator("main h1").inner_text() == text("web_start_heading", "en")
    page.locator("form.lang-switch button[value=zh]").click()
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == text("web_start_heading", "zh")


def test_a_bad_login_shows_the_error_beside_the_password_and_keeps_the_email(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    borrower = live_app.login("borrower")
    _fill_login(page, borrower.email, "not-the-password")
    error = page.locator("#e-password")
    error.wait_for()
    assert error.inner_text() == message("auth.invalid_credentials", "zh")
    assert error.get_attribute("role") == "alert"
    password = page.locator("#f-password")
    assert password.get_attribute("aria-invalid") == "true"
    assert password.get_attribute("aria-describedby") == "e-password"
    assert password.input_value() == ""  # never sent back
    # The message sits in the password's own field box, right under the input.
    field = page.locator(".field.has-error")
    assert field.count() == 1 and field.locator("#f-password").count() == 1
    box_input, box_error = password.bounding_box(), error.bounding_box()
    assert box_input is not None and box_error is not None
    assert 0 <= box_error["y"] - (box_input["y"] + box_input["height"]) < 40
    assert page.locator("#f-email").input_value() == borrower.email
    assert page.url.endswith("/login")
    shots.save(page, "login-error-zh")


def test_a_new_borrower_signs_up_in_english_and_the_dashboard_shows_the_first_run_guide(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    page.goto("/signup")
    page.locator("form.lang-switch button[value=en]").click()
    page.wait_for_load_state()
    page.locator("#f-display_name").fill("Chen Jing")
    page.locator("#f-email").fill("chen.jing@example.test")
    page.locator("#f-password").fill("short")
    page.locator("main form button[type=submit]").click()
    # Refused on the server: the message beside the password, in English; the rest kept.
    error = page.locator("#e-password")
    error.wait_for()
    assert page.locator("#f-password").get_attribute("aria-invalid") == "true"
    said = error.inner_text()
    assert said and not HAN.search(said), said  # in English
    assert page.locator("#f-display_name").input_value() == "Chen Jing"
    assert page.locator("#f-email").input_value() == "chen.jing@example.test"
    page.locator("#f-password").fill("a calm and long passphrase 2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    steps = page.locator(".guide-card ol.guide > li strong").all_inner_texts()
    assert steps == [
        text(key, "en")
        for key in ("web_guide_finances", "web_guide_loans", "web_guide_plan", "web_guide_cases")
    ]
    shots.save(page, "dashboard-new-borrower-en")


@pytest.mark.parametrize(
    ("role", "home", "heading"),
    [
        ("counselor", "/clients", "web_clients_heading"),
        ("agent", "/desk", "web_desk_heading"),
        ("supervisor", "/desk", "web_desk_heading"),
    ],
)
def test_staff_log_in_with_their_authenticator_code_and_land_on_their_own_page(
    page: Page, live_app: LiveApp, shots: Shots, role: str, home: str, heading: str
) -> None:
    person = live_app.login(role)
    page.goto("/login")
    page.locator("#f-email").fill(person.email)
    page.locator("#f-password").fill(person.password)
    if person.totp_secret:
        page.locator("details.totp summary").click()
        # The next step's code: the demo confirmed enrolment with the current one, and a code
        # works once; the server accepts one step either side.
        code = totp_code(person.totp_secret, datetime.now(UTC) + timedelta(seconds=30))
        page.locator("#f-totp_code").fill(code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{home}")
    assert page.locator("main h1").inner_text() == text(heading, "zh")
    shots.save(page, f"{role}-home-zh")


def test_after_logging_out_the_dashboard_asks_for_a_login_and_returns_to_it_afterwards(
    page: Page, live_app: LiveApp
) -> None:
    borrower = live_app.login("borrower")
    _fill_login(page, borrower.email, borrower.password)
    page.wait_for_url("**/dashboard")
    page.locator("header form[action='/logout'] button").click()
    page.wait_for_url(f"{live_app.base_url}/")
    assert SESSION_COOKIE not in {cookie["name"] for cookie in page.context.cookies()}
    page.goto("/dashboard")
    page.wait_for_url("**/login?next=/dashboard")
    page.locator("#f-email").fill(borrower.email)
    page.locator("#f-password").fill(borrower.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    assert page.locator("main h1").inner_text() == text("web_dashboard_heading", "zh")
