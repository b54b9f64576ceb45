"""The borrower's whole journey in a real browser, from an empty account, only through the
pages and in English: sign up → the statement of finances → a loan with its contract uploaded →
a plan → "open cases" from the plan (the lender is not on the instance: an external platform) →
the plan's request sent → a call logged → the platform's counter-offer recorded → accepted →
both signatures → a payment → the evidence bundle downloaded, which verifies offline with the
instance's key.

Expected words come from the message catalog, so the test proves the language without
repeating the wording.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Page

from xieshang.i18n import text
from xieshang.services import payments
from xieshang.services.evidence_bundles import verify_evidence_bundle
from xieshang.services.loans import local_today
from xieshang.services.sessions import actor_for

from .conftest import LiveApp, Shots
from .test_loans_browser import tiny_pdf

PASSWORD = "a long enough password for the journey 2026"
LENDER = "Quick Cash Online Lending Co."


def en(key: str, **params: object) -> str:
    return text(key, "en", **params)


def _sign_up_in_english(page: Page) -> str:
    email = f"journey-{uuid.uuid4().hex[:10]}@browser.xieshang.test"
    page.goto("/signup")
    page.locator("form.lang-switch button[value=en]").click()
    page.wait_for_url("**/signup")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("#f-display_name").fill("Chen Jing")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    return email


def _statement(page: Page) -> None:
    page.locator("nav a[href='/finances']").click()
    page.wait_for_url("**/finances")
    page.locator("#f-adults").fill("2")
    page.locator("#f-children").fill("1")
    page.locator("#f-province").select_option("广东省")
    page.locator("#f-income-0-amount").fill("9000")
    page.locator("#f-expense-food").fill("2200")
    page.locator("#f-expense-housing").fill("2500")
    page.get_by_role("button", name=en("web_finances_save"), exact=True).click()
    page.wait_for_url("**/finances?saved=1")


def _loan_with_contract(page: Page, tmp_path: Path) -> int:
    page.locator("nav a[href='/loans']").click()
    page.locator("main a[href='/loans/new']").click()
    page.wait_for_url("**/loans/new")
    page.locator("#f-lender").fill(LENDER)
    page.locator("#f-lender_type").select_option("small_loan")
    page.locator("#f-contract_date").fill("2026-01-10")
    page.locator("#f-start").fill("2026-01-10")
    page.locator("#f-principal").fill("20000")
    page.locator("#f-annual_rate").fill("18")
    page.locator("#f-months").fill("12")
    page.locator("#f-paid_installments").fill("8")
    page.locator("form.loan-form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/loans/\d+$"))
    loan_id = int(page.url.rsplit("/", 1)[1])
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(tiny_pdf("Loan contract, Quick Cash"))
    page.locator("#f-kind").select_option("contract")
    page.locator("#f-file").set_input_files(str(contract))
    page.locator("form.upload button[type=submit]").click()
    page.wait_for_url("**#documents")
    assert page.locator("table.documents", has_text="contract.pdf").is_visible()
    return loan_id


def test_a_new_borrower_goes_from_an_empty_account_to_a_verified_evidence_bundle(
    page: Page, live_app: LiveApp, shots: Shots, tmp_path: Path
) -> None:
    container = live_app.container
    email = _sign_up_in_english(page)
    # An empty account is shown the way: finances → loans → plan → cases.
    assert en("web_guide_heading") in page.locator("main").inner_text()
    _statement(page)
    loan_id = _loan_with_contract(page, tmp_path)

    # The plan, then one case per lender from it: the lender is not on the instance.
    page.locator("nav a[href='/plans']").click()
    page.wait_for_url("**/plans")
    shots.save(page, "journey-plan-en")
    page.get_by_role("button", name=en("web_plans_open")).click()
    page.wait_for_url(re.compile(r".*/cases\?plan="))
    page.locator("main table a[href^='/cases/']").first.click()
    page.wait_for_url(re.compile(r".*/cases/\d+\?plan="))
    found = re.search(r"/cases/(\d+)", page.url)
    assert found is not None
    case_id = int(found.group(1))
    assert page.locator("main h1").inner_text() == en(
        "cases_header", id=case_id, counterparty=LENDER
    )

    # The plan's request, sent as planned; then a call with the platform.
    assert LENDER in page.locator("section.from-plan").inner_text()
    page.get_by_role("button", name=en("web_cases_from_plan_send")).click()
    page.wait_for_url(f"**/cases/{case_id}#offers-heading")
    assert page.locator(".case-state").inner_text() == en("case_state_submitted")
    page.locator("#f-note_kind-call_note").check()
    page.locator("#f-note_text").fill("They can extend, but only by six months")
    page.locator("#f-note_person").fill("Agent Wang")
    page.locator("#f-note_channel").select_option("phone")
    page.locator("#f-note_result").fill("They will send it in writing")
    page.get_by_role("button", name=en("web_cases_add_note")).click()
    page.wait_for_url(f"**/cases/{case_id}#timeline-heading")
    assert "Agent Wang" in page.locator(".tl-call_note").inner_text()

    # The platform's counter-offer (six months), accepted, signed by both.
    page.locator(f"#f-months_{loan_id}").fill("6")
    page.get_by_role("button", name=en("web_cases_record_platform_offer")).click()
    page.wait_for_url(f"**/cases/{case_id}#offers-heading")
    assert en("web_offer_verdict") in page.locator("#offer-2").inner_text()
    shots.save(page, "journey-case-en")
    page.get_by_role("button", name=en("web_cases_accept")).click()
    page.wait_for_url(f"**/cases/{case_id}/agreement")
    page.locator("#f-consent-borrower").check()
    page.locator("#f-password-borrower").fill(PASSWORD)
    page.get_by_role("button", name=en("web_cases_sign"), exact=True).click()
    page.wait_for_url(f"**/cases/{case_id}/agreement")
    page.locator("#f-consent-platform").check()
    page.locator("#f-password-platform").fill(PASSWORD)
    page.get_by_role("button", name=en("web_cases_sign_platform")).click()
    page.wait_for_url(f"**/cases/{case_id}/agreement")
    assert en("web_cases_agreement_sealed") in page.locator("main").inner_text()

    # The first installment paid.
    page.get_by_role("link", name=en("web_cases_back_to_case", id=case_id)).click()
    page.wait_for_url(f"**/cases/{case_id}")
    with container.uow() as uow:
        user = uow.users.get_by_email(email)
        assert user is not None
        actor = actor_for(user)
    ledger = payments.ledger_view(
        container.uow(), actor, case_id, today=local_today(container.clock())
    )
    page.locator("#f-amount").fill(f"{ledger.installments[0].due}")
    page.locator("#f-external_ref").fill("JOURNEY-TX-1")
    page.get_by_role("button", name=en("web_cases_record_payment")).click()
    page.wait_for_url(f"**/cases/{case_id}#ledger-heading")
    assert page.locator(".case-state").inner_text() == en("case_state_active")
    shots.save(page, "journey-repaying-en")

    # The evidence bundle: downloaded, and it verifies offline.
    with page.expect_download() as download:
        page.get_by_role("link", name=en("web_cases_bundle")).click()
    saved = tmp_path / "bundle.zip"
    download.value.save_as(saved)
    report = verify_evidence_bundle(
        saved.read_bytes(), public_key_pem=container.instance_key.public_key_pem()
    )
    assert report.ok, report.failure
