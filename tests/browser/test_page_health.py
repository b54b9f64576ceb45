"""What only a browser sees: no script or style refused by the Content-Security-Policy, no asset
missing, no console error, and no sideways scrolling on a 360 px phone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response

from .conftest import LOCALE, LiveApp, Shots

PUBLIC_PAGES = ("/", "/login", "/signup")
PHONE = {"width": 360, "height": 740}


@dataclass
class Troubles:
    """Everything that went wrong while pages loaded, in words."""

    found: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"script error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message: ConsoleMessage) -> None:
        # CSP refusals (inline script or style, a foreign host) are reported as console errors.
        if message.type in ("error", "warning"):
            where = message.location.get("url", "")
            self.found.append(f"console {message.type}: {message.text} ({where})")

    def _failed(self, request: Request) -> None:
        if request.failure == "net::ERR_ABORTED":
            return  # cancelled by the next navigation (an icon still loading), not refused
        self.found.append(f"failed: {request.url} ({request.failure})")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.found.append(f"{response.status}: {response.url}")


@pytest.fixture
def troubles(page: Page) -> Troubles:
    watcher = Troubles()
    watcher.watch(page)
    return watcher


def _log_in(page: Page, live_app: LiveApp) -> None:
    borrower = live_app.login("borrower")
    page.goto("/login")
    page.locator("#f-email").fill(borrower.email)
    page.locator("#f-password").fill(borrower.password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard")


def test_public_pages_and_the_dashboard_load_without_a_refused_or_missing_resource(
    page: Page, live_app: LiveApp, troubles: Troubles
) -> None:
    for path in PUBLIC_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        # The stylesheet really applied (a refused or missing one leaves the default serif).
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != "serif"
    _log_in(page, live_app)
    page.wait_for_load_state("networkidle")
    assert troubles.found == []


@pytest.fixture
def phone(browser: Browser, live_app: LiveApp) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, locale=LOCALE, base_url=live_app.base_url, is_mobile=True
    )
    yield context.new_page()
    context.close()


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_the_pages_fit_a_360_pixel_phone_without_sideways_scrolling(
    phone: Page, live_app: LiveApp, shots: Shots
) -> None:
    for path in PUBLIC_PAGES:
        phone.goto(path)
        assert _overflow(phone) <= 0, path
    _log_in(phone, live_app)
    assert _overflow(phone) <= 0, "/dashboard"
    shots.save(phone, "dashboard-zh-360px")
