"""A borrower's case with an external platform in a real browser: a new borrower (signed up
through /signup, their loan entered through the service layer) opens the case, submits a
proposal, logs a call, records the platform's counter-offer, accepts it, signs the agreement
and records the platform's signature, records a payment, and downloads the evidence bundle —
which verifies offline with the instance's public key.  The pages fit a 360 px screen."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path

from playwright.sync_api import Page

from xieshang.i18n import text
from xieshang.services import agreements, loans, payments
from xieshang.services.access import Actor
from xieshang.services.evidence_bundles import verify_evidence_bundle
from xieshang.services.loans import LoanInput, local_today
from xieshang.services.sessions import actor_for

from .conftest import LiveApp, Shots

PASSWORD = "一个足够长的密码-cases-2026"
PLATFORM = "某网贷平台"


def zh(key: str, **params: object) -> str:
    return text(key, "zh", **params)


def _new_borrower_with_loan(page: Page, live_app: LiveApp) -> tuple[Actor, int]:
    email = f"cases-{uuid.uuid4().hex[:10]}@browser.xieshang.test"
    page.goto("/signup")
    page.locator("#f-display_name").fill("赵磊")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")
    container = live_app.container
    with container.uow() as uow:
        user = uow.users.get_by_email(email)
        assert user is not None
        actor = actor_for(user)
    loan = loans.create_loan(
        container.uow(),
        actor,
        actor.user_id,
        LoanInput(
            lender="某网络小额贷款有限公司",
            lender_type="small_loan",
            contract_date=date(2026, 1, 10),
            start=date(2026, 1, 10),
            principal="20000",
            annual_rate="18",
            months=12,
            method="annuity",
            overdue_rate="27",
            paid_installments=8,
        ),
        now=container.clock(),
    )
    return actor, loan.id


def test_a_new_borrower_negotiates_with_an_external_platform_and_downloads_the_evidence(
    page: Page, live_app: LiveApp, shots: Shots, tmp_path: Path
) -> None:
    actor, loan_id = _new_borrower_with_loan(page, live_app)
    container = live_app.container

    # Open the case with the external platform.
    page.goto("/cases")
    page.get_by_role("link", name=zh("web_cases_new")).click()
    page.wait_for_url("**/cases/new")
    page.locator(f"#f-loan-{loan_id}").check()
    page.locator("#f-external").check()
    page.locator("#f-external_platform").fill(PLATFORM)
    page.get_by_role("button", name=zh("web_cases_open")).click()
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    case_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("main h1").inner_text() == zh(
        "cases_header", id=case_id, counterparty=PLATFORM
    )

    # The borrower's proposal: twelve more months.
    page.locator(f"#f-months_{loan_id}").fill("12")
    page.get_by_role("button", name=zh("web_cases_submit")).click()
    page.wait_for_url(f"**/cases/{case_id}#offers-heading")
    assert page.locator(".case-state").inner_text() == zh("case_state_submitted")

    # A call with the platform.
    page.locator("#f-note_kind-call_note").check()
    page.locator("#f-note_text").fill("对方同意展期，但只能 6 个月")
    page.locator("#f-note_person").fill("客服王")
    page.locator("#f-note_channel").select_option("phone")
    page.locator("#f-note_result").fill("等书面方案")
    page.get_by_role("button", name=zh("web_cases_add_note")).click()
    page.wait_for_url(f"**/cases/{case_id}#timeline-heading")
    call = page.locator(".tl-call_note")
    assert "客服王" in call.inner_text() and "对方同意展期" in call.inner_text()

    # The platform's counter-offer: six months.
    page.locator(f"#f-months_{loan_id}").fill("6")
    page.get_by_role("button", name=zh("web_cases_record_platform_offer")).click()
    page.wait_for_url(f"**/cases/{case_id}#offers-heading")
    assert page.locator("#offer-2").is_visible()
    assert zh("web_offer_verdict") in page.locator("#offer-2").inner_text()
    assert page.locator(".tl-counter_offer .tl-who").inner_text() == zh("web_tl_by_platform")
    shots.save(page, "case-timeline-zh")

    # Accept; sign; record the platform's signature.
    page.get_by_role("button", name=zh("web_cases_accept")).click()
    page.wait_for_url(f"**/cases/{case_id}/agreement")
    assert page.locator(".agreement-doc").inner_text().strip()
    shots.save(page, "agreement-zh")
    page.locator("#f-consent-borrower").check()
    page.locator("#f-password-borrower").fill(PASSWORD)
    page.get_by_role("button", name=zh("web_cases_sign"), exact=True).click()
    page.wait_for_url(f"**/cases/{case_id}/agreement")
    page.locator("#f-consent-platform").check()
    page.locator("#f-password-platform").fill(PASSWORD)
    page.get_by_role("button", name=zh("web_cases_sign_platform")).click()
    page.wait_for_url(f"**/cases/{case_id}/agreement")
    assert zh("web_cases_agreement_sealed") in page.locator("main").inner_text()
    deal = agreements.get_agreement(container.uow(), actor, case_id)
    assert deal.status == "sealed" and len(deal.signatures) == 2

    # A payment of the first installment.
    page.get_by_role("link", name=zh("web_cases_back_to_case", id=case_id)).click()
    page.wait_for_url(f"**/cases/{case_id}")
    today = local_today(container.clock())
    ledger = payments.ledger_view(container.uow(), actor, case_id, today=today)
    first = ledger.installments[0].due
    page.locator("#f-amount").fill(f"{first}")
    page.locator("#f-external_ref").fill("TX-browser-1")
    page.get_by_role("button", name=zh("web_cases_record_payment")).click()
    page.wait_for_url(f"**/cases/{case_id}#ledger-heading")
    assert page.locator(".case-state").inner_text() == zh("case_state_active")
    assert "TX-browser-1" in page.locator("section[aria-labelledby=ledger-heading]").inner_text()

    # The evidence bundle verifies offline.
    with page.expect_download() as download:
        page.get_by_role("link", name=zh("web_cases_bundle")).click()
    saved = tmp_path / "bundle.zip"
    download.value.save_as(saved)
    report = verify_evidence_bundle(
        saved.read_bytes(), public_key_pem=container.instance_key.public_key_pem()
    )
    assert report.ok, report.failure

    # At 360 px the case page does not scroll sideways.
    page.set_viewport_size({"width": 360, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
