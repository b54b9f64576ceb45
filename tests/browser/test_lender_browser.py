"""The lender's journey in a real browser: the agent logs in with the authenticator code, opens
a case from the queue, sees the evaluation, tries a counter-offer beyond policy and is refused
beside the builder; the supervisor finds the case among the approvals, sends the counter-offer
beyond policy (logged as approval), and the portfolio shows the organisation's figures.

The borrower is new (signed up through /signup with a unique e-mail) and submits a request
beyond the demo lender's policy through the API, so the test depends on no other test.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, APIResponse, Browser, Page, Playwright

from api.test_data_api import STATEMENT, private_loan_json
from xieshang.i18n import message, text
from xieshang.security.totp import STEP_SECONDS, totp_code, totp_step
from xieshang.services.demo import DemoLogin
from xieshang.services.loans import local_today

from .conftest import LiveApp, Shots

BORROWER_PASSWORD = "慢慢还清每一笔债务吧-2026"


def _fresh_code(live_app: LiveApp, person: DemoLogin) -> str:
    """A one-time code the server has not seen for ``person``: a step after the last one used
    (within the server's ±1 step), waiting for the next step when another test used it."""
    assert person.totp_secret is not None
    while True:
        with live_app.container.uow() as uow:
            user = uow.users.get_by_email(person.email)
            assert user is not None
            last = user.totp_last_step or 0
        now_step = totp_step(datetime.now(UTC))
        step = max(now_step, last + 1)
        if step <= now_step + 1:
            at = datetime.fromtimestamp(step * STEP_SECONDS, UTC)
            return totp_code(person.totp_secret, at)
        time.sleep(2)


def _staff_log_in(page: Page, live_app: LiveApp, person: DemoLogin) -> None:
    page.goto("/login")
    page.locator("#f-email").fill(person.email)
    page.locator("#f-password").fill(person.password)
    page.locator("details.totp summary").click()
    page.locator("#f-totp_code").fill(_fresh_code(live_app, person))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/desk")


def _ok(response: APIResponse) -> Any:
    assert response.status in (200, 201), response.text()
    return response.json()


def _borrower_with_request(
    page: Page, api: APIRequestContext, live_app: LiveApp, extra_months: int
) -> tuple[int, int, dict[str, str]]:
    """Sign up a new borrower (陈静) in the browser; through the API: their statement shared
    with the demo lender, a loan and a request for ``extra_months`` more months.  Returns
    (case id, loan id, the borrower's API authorisation header)."""
    email = f"chen.jing.{uuid.uuid4().hex[:10]}@browser.xieshang.test"
    page.goto("/signup")
    page.locator("#f-display_name").fill("陈静")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(BORROWER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    agent = live_app.login("agent")
    with live_app.container.uow() as uow:
        staff = uow.users.get_by_email(agent.email)
        assert staff is not None and staff.organisation_id is not None
        org = staff.organisation_id
    login = {"email": email, "password": BORROWER_PASSWORD, "kind": "api"}
    token = _ok(api.post("/api/auth/login", data=login))["token"]
    auth = {"Authorization": f"Bearer {token}"}
    _ok(api.put("/api/statement", data=STATEMENT, headers=auth))
    consent = {"organisation_id": org, "scope": "statement_summary"}
    _ok(api.post("/api/sharing/consents", data=consent, headers=auth))
    loan = _ok(api.post("/api/loans", data=private_loan_json(), headers=auth))
    opened = {"loan_ids": [loan["id"]], "lender_organisation_id": org}
    case = _ok(api.post("/api/cases", data=opened, headers=auth))
    today = local_today(live_app.container.clock()).isoformat()
    # The example loan has matured by now: its overdue principal joins the extension.
    extension = {"include_overdue_principal": True, "extra_months": extra_months}
    concessions = [{"kind": "extension", **extension}]
    request = [{"loan_id": str(loan["id"]), "concessions": concessions}]
    submit = {"terms": {"start": today, "loans": request}}
    _ok(api.post(f"/api/cases/{case['id']}/submit", data=submit, headers=auth))
    return int(case["id"]), int(loan["id"]), auth


@pytest.mark.browser
def test_an_agent_is_refused_beyond_policy_and_the_supervisor_sends_it_as_approval(
    page: Page,
    playwright: Playwright,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_app: LiveApp,
    shots: Shots,
) -> None:
    api = playwright.request.new_context(base_url=live_app.base_url)
    try:
        _journey(page, api, browser, browser_context_args, live_app, shots)
    finally:
        api.dispose()


def _journey(
    page: Page,
    api: APIRequestContext,
    browser: Browser,
    browser_context_args: dict[str, Any],
    live_app: LiveApp,
    shots: Shots,
) -> None:
    case_id, loan_id, borrower = _borrower_with_request(page, api, live_app, extra_months=48)
    page.context.clear_cookies()

    # The agent: queue → case view (the borrower masked, the evaluation, beyond policy).
    _staff_log_in(page, live_app, live_app.login("agent"))
    row_link = page.locator(f"main a[href='/desk/cases/{case_id}']")
    row = page.locator("main tr", has=page.locator(f"a[href='/desk/cases/{case_id}']"))
    assert row.locator("td").nth(1).inner_text() == "陈*"
    row_link.click()
    page.wait_for_url(f"**/desk/cases/{case_id}")
    heading = page.locator("main h1").inner_text()
    assert "陈*" in heading and "陈静" not in page.content()
    assert page.get_by_text(text("web_lender_statement_not_shared", "zh")).count() == 0
    assert page.get_by_text(text("web_lender_payment_to_capacity", "zh")).count() > 0
    warning = text("web_lender_beyond_policy", "zh", role=text("web_lender_role_supervisor", "zh"))
    assert page.get_by_text(warning).first.is_visible()
    # The builder holds the suggestion within policy; the agent asks for 48 months anyway.
    extension = page.locator(f"#f-l{loan_id}_extension")
    assert extension.input_value() == "36"
    extension.fill("48")
    page.locator("form.builder button[type=submit]").click()
    page.wait_for_load_state()
    refusal = page.locator("#e-terms")
    expected = message(
        "policy.approval_required",
        "zh",
        role=text("web_lender_role_supervisor", "zh"),
        codes=text("web_lender_limit_extension_too_long", "zh"),
    )
    assert refusal.inner_text() == expected
    assert page.locator(f"#f-l{loan_id}_extension").input_value() == "48"
    shots.save(page, "lender-case-zh")

    # The supervisor: approvals → the same case → the counter-offer beyond policy goes out.
    context = browser.new_context(**browser_context_args)
    try:
        boss = context.new_page()
        _staff_log_in(boss, live_app, live_app.login("supervisor"))
        boss.locator("main a[href='/desk/approvals']").click()
        boss.wait_for_url("**/desk/approvals")
        boss.locator(f"main a[href='/desk/cases/{case_id}']").click()
        boss.wait_for_url(f"**/desk/cases/{case_id}")
        boss.locator(f"#f-l{loan_id}_extension").fill("48")
        boss.locator("form.builder button[type=submit]").click()
        boss.wait_for_url(f"**/desk/cases/{case_id}#offers")
        newest = boss.locator("article.offer-card").first  # newest first
        assert text("cases_side_lender", "zh") in newest.locator("dl").first.inner_text()
        assert boss.locator("#e-terms").count() == 0
        with live_app.container.uow() as uow:
            entries = uow.case_events.list_for_case(case_id)
        approvals = [e.body for e in entries if e.body.get("approval") == "beyond_policy"]
        assert [(a["role"], list(a["limits"])) for a in approvals] == [
            ("supervisor", ["policy.extension_too_long"])
        ]

        # The borrower accepts; the supervisor signs for the lender on the page, the borrower
        # through the API; the agent posts the first payment.
        _ok(api.post(f"/api/cases/{case_id}/accept", data={}, headers=borrower))
        boss.goto(f"/desk/cases/{case_id}")
        boss.locator("#f-consent").check()
        boss.locator("#f-password").fill(live_app.login("supervisor").password)
        boss.locator("form.sign button[type=submit]").click()
        boss.wait_for_url(f"**/desk/cases/{case_id}#agreement")
        signed = text("web_lender_signed_by_lender", "zh")
        assert boss.locator("#agreement").get_by_text(signed).count() == 1
        agreement = _ok(api.get(f"/api/cases/{case_id}/agreement", headers=borrower))
        signature = {
            "document_sha256": agreement["document_sha256"],
            "consent": agreement["consent_text"],
            "password": BORROWER_PASSWORD,
        }
        _ok(api.post(f"/api/cases/{case_id}/agreement/sign", data=signature, headers=borrower))

        page.goto(f"/desk/cases/{case_id}")
        page.locator("#f-amount").fill("500")
        page.locator("#f-channel").select_option("alipay")
        page.locator("#f-external_ref").fill("ALI-2026-0001")
        page.locator("form.pay button[type=submit]").click()
        page.wait_for_url(f"**/desk/cases/{case_id}#payments")
        payments = page.locator("#payments")
        assert payments.get_by_text("ALI-2026-0001").count() == 1
        assert payments.get_by_text("¥500.00").count() >= 1
        shots.save(page, "lender-payments-zh")

        boss.goto("/portfolio")
        assert boss.locator("main h1").inner_text() == text("web_lender_portfolio_heading", "zh")
        assert boss.locator("main svg.chart").count() == 2
        repaying = boss.locator("td[data-state=active]").inner_text()
        assert int(repaying) >= 1
        shots.save(boss, "portfolio-zh")
    finally:
        context.close()
