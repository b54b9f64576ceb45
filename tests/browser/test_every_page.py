"""Every page each kind of user can reach by following links — found by walking them, so a page
added later is checked too — loads with nothing refused by the Content-Security-Policy, no
script error or missing asset, gives every control a label and every link a name, keeps text
contrast at WCAG AA, and fits a 360-pixel phone without sideways scrolling."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from .conftest import LiveApp, Shots, log_in
from .crawl import accessibility_problems, crawl
from .test_page_health import PHONE, Troubles

DESKTOP = {"width": 1280, "height": 900}


def _borrower(page: Page, live_app: LiveApp) -> str:
    log_in(page, live_app.login("borrower"), lands_on="/dashboard")
    return "/dashboard"


def _counselor(page: Page, live_app: LiveApp) -> str:
    log_in(page, live_app.login("counselor"), lands_on="/clients")
    # Work on the demo borrower's file, so her pages are reachable too.
    page.locator("main form[action$='/switch'] button").first.click()
    page.wait_for_load_state()
    return "/clients"


def _staff(role: str) -> Callable[[Page, LiveApp], str]:
    def start(page: Page, live_app: LiveApp) -> str:
        log_in(page, live_app.new_staff(role), lands_on="/desk")
        return "/desk"

    return start


ROLES = {
    "borrower": _borrower,
    "counselor": _counselor,
    "agent": _staff("agent"),
    "supervisor": _staff("supervisor"),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_user_can_reach_is_whole_accessible_and_fits_a_phone(
    page: Page, live_app: LiveApp, shots: Shots, role: str
) -> None:
    start = ROLES[role](page, live_app)
    troubles = Troubles()
    troubles.watch(page)
    problems: list[str] = []
    visited = crawl(page, start)
    assert len(visited) >= 3, visited  # the walk really went somewhere
    for path in visited:
        page.set_viewport_size(DESKTOP)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        problems += [f"{path}: {problem}" for problem in accessibility_problems(page)]
        page.set_viewport_size(PHONE)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{path}: {overflow} px wider than a 360 px phone")
    problems += troubles.found
    print(f"{role}: {len(visited)} pages walked: {', '.join(visited)}")
    assert problems == []
