"""The collection-conduct log in a real browser: a new borrower records a call made at 23:30
China time (a refused first try keeps what was typed), sees it flagged under the quiet-hours
rule with the rule cited, and opens the complaint draft built from it (and downloads the PDF).
Expected words come from the message catalog and the rules' data."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from xieshang.data.conduct import load_conduct_rules
from xieshang.i18n import message, text

from .conftest import LiveApp, Shots
from .test_page_health import Troubles

PHONE = {"width": 360, "height": 780}
DESK = {"width": 1280, "height": 900}
ORG = "夜里来电的催收公司"
CALLER = "自称法务部的赵先生"


def _sign_up(page: Page) -> None:
    page.goto("/signup")
    page.locator("#f-display_name").fill("夜间来电的借款人")
    page.locator("#f-email").fill(f"conduct-{uuid.uuid4().hex[:12]}@example.test")
    page.locator("#f-password").fill("一个足够长的密码-conduct-2026")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")


def _fits_a_phone(page: Page) -> bool:
    page.set_viewport_size(PHONE)
    try:
        return int(page.evaluate("document.documentElement.scrollWidth")) <= PHONE["width"]
    finally:
        page.set_viewport_size(DESK)


def test_a_new_borrower_records_a_late_call_sees_it_flagged_and_opens_the_complaint_draft(
    page: Page, live_app: LiveApp, shots: Shots
) -> None:
    rules = load_conduct_rules()
    assert rules.quiet_hours is not None
    local_now = live_app.container.clock().astimezone(ZoneInfo(rules.timezone))
    yesterday = (local_now - timedelta(days=1)).date()
    late = f"{yesterday.isoformat()}T23:30"

    troubles = Troubles()
    troubles.watch(page)
    _sign_up(page)
    page.locator("nav a[href='/conduct']").click()
    page.wait_for_url("**/conduct")
    assert page.locator("main h1").inner_text() == text("web_conduct_heading", "zh")
    page.locator("main a[href='/conduct/new']").click()
    page.wait_for_url("**/conduct/new")

    # First try without the organisation: refused beside that field, the rest kept.
    page.locator("#f-at").fill(late)
    page.locator("#f-caller").fill(CALLER)
    page.locator("#f-note").fill("说再不还钱就打给我的父母")
    page.locator("#f-channel").select_option("call")
    page.locator("main form button[type=submit]").click()
    error = page.locator("#e-organisation")
    error.wait_for()
    assert error.inner_text() == message("conduct.field_required", "zh", field="organisation")
    assert page.locator("#f-organisation").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-at").input_value() == late
    assert page.locator("#f-caller").input_value() == CALLER
    assert page.locator("#f-note").input_value() == "说再不还钱就打给我的父母"
    shots.save(page, "conduct-new-refused-zh")

    # Typed in and sent from the keyboard.
    page.locator("#f-organisation").fill(ORG)
    page.locator("#f-organisation").press("Enter")
    page.wait_for_url("**/conduct?recorded=*")
    flag = page.locator(".conduct-flag").first
    assert message("conduct.quiet_hours", "zh") in flag.inner_text()
    assert rules.quiet_hours.rule.citation_zh in flag.inner_text()
    row = page.locator("tr[aria-current='true']")
    assert "23:30" in row.inner_text() and CALLER in row.inner_text()
    assert page.locator("[role=status]").first.inner_text() == text(
        "web_conduct_recorded_flagged", "zh"
    )
    shots.save(page, "conduct-zh")

    # At 360 px the log scrolls inside its frame, not the page sideways.
    assert _fits_a_phone(page)

    page.locator("main a[href='/conduct/complaint']").click()
    page.wait_for_url("**/conduct/complaint")
    letter = page.locator("article.letter")
    letter.wait_for()
    said = letter.inner_text()
    assert ORG in said and f"{yesterday.isoformat()} 23:30" in said and CALLER in said
    assert rules.quiet_hours.rule.citation_zh in said
    shots.save(page, "conduct-complaint-zh")
    assert _fits_a_phone(page)
    with page.expect_download() as download:
        page.locator("main a", has_text=text("web_conduct_download_pdf", "zh")).click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.goto("/conduct/new")
    assert _fits_a_phone(page)
    # The same log in English.
    page.goto("/conduct")
    page.locator("form.lang-switch button[value=en]").click()
    page.wait_for_load_state()
    assert page.locator("main h1").inner_text() == text("web_conduct_heading", "en")
    flag = page.locator(".conduct-flag").first.inner_text()
    assert message("conduct.quiet_hours", "en") in flag
    assert rules.quiet_hours.rule.citation_en in flag
    shots.save(page, "conduct-en")
    # No script or style refused, no asset missing; the one 400 is the refused first try.
    expected = "/conduct/new"
    assert [t for t in troubles.found if expected not in t or "400" not in t] == []
