"""Real-browser tests: the live app under uvicorn, driven by Debian's Chromium through Playwright.

Fixtures
--------
``live_app``  (package) The real app — ``build_container`` on a temporary data folder with
              throwaway settings (plain-http cookies), migrated, with the demo people and the
              example borrower's data loaded by the demo service — served by uvicorn in a
              background thread on a free loopback port.  A ``LiveApp``: ``.base_url``
              (``http://127.0.0.1:PORT``), ``.login(role) -> DemoLogin``, ``.new_staff(role)``
              (a fresh TOTP-enrolled agent or supervisor of the demo lender) and ``.container``.
``log_in(page, person, lands_on=…)``  Logs in through the form (TOTP code for staff).
``browser``   (package; pytest-playwright's, re-scoped: see below) Chromium launched from
              ``CHROMIUM`` (``/usr/bin/chromium``, Debian's package) headless with
              ``CHROMIUM_ARGS``; Playwright cannot download its own browser builds here.
              Missing Chromium: a failure when ``CI=true``, a skip naming the package elsewhere.
``page``      (from pytest-playwright) A fresh context per test with locale ``zh-CN`` and the live
              app as ``base_url`` (so ``page.goto("/login")`` works).
``shots``     ``shots.save(page, "name") -> Path`` saves a full-page screenshot under
              ``ARTIFACTS`` (``tests/browser/artifacts/``, git-ignored); the folder is printed at
              the end of the run.  A failing test's screenshot goes to ``artifacts/failures/``.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright

import xieshang
from xieshang.api.app import create_app
from xieshang.bootstrap import Container, build_container
from xieshang.cli.common import read_toml_file
from xieshang.security.passwords import PasswordPolicy
from xieshang.security.totp import totp_code
from xieshang.services.accounts import create_account
from xieshang.services.demo import DEMO_PASSWORD, DemoLogin, load_demo
from xieshang.services.demo import LENDER as DEMO_LENDER
from xieshang.services.profile import confirm_totp, enrol_totp
from xieshang.services.sessions import actor_for
from xieshang.services.situation import read_situation
from xieshang.settings import Settings

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path(os.environ.get("XIESHANG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCALE = "zh-CN"
STARTUP_SECONDS = 30.0


def pytest_configure(config: pytest.Config) -> None:
    # pytest-playwright keeps a failing test's screenshot in --output ("test-results" in the
    # working folder unless given): keep ours beside the other artifacts instead.
    if config.getoption("--output", default=None) == "test-results":
        config.option.output = str(ARTIFACTS / "failures")
    if config.getoption("--screenshot", default=None) == "off":
        config.option.screenshot = "only-on-failure"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# Set-up costs, printed at the end of the run (reported, never asserted).
TIMINGS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        spent = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in TIMINGS.items())
        terminalreporter.write_line(f"browser tests: {spent}")
    if ARTIFACTS.is_dir() and any(ARTIFACTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")


# ---------------------------------------------------------------------------------------------
# The live app


@dataclass(frozen=True)
class LiveApp:
    base_url: str
    logins: tuple[DemoLogin, ...]
    container: Container

    def login(self, role: str) -> DemoLogin:
        """The first demo login with ``role`` (borrower: 李明 Li Ming)."""
        return next(login for login in self.logins if login.role == role)

    def new_staff(self, role: str) -> DemoLogin:
        """A new agent or supervisor of the demo lender, TOTP enrolled: a one-time code works
        once per person, so a test that logs staff in uses its own (no test waits for the next
        30-second step because another test used this one)."""
        staff_number = next(_STAFF_NUMBERS)
        email = f"{role}-{staff_number}@browser.xieshang.test"
        now = self.container.clock()
        with self.container.uow() as uow:
            org = uow.organisations.get_by_name(DEMO_LENDER)
            assert org is not None, "the demo lender is missing"
            org_id = org.id
        create_account(
            self.container.uow,
            email=email,
            password=DEMO_PASSWORD,
            display_name=f"{role} {staff_number}",
            role=role,
            organisation_id=org_id,
            policy=self.container.password_policy,
            now=now,
        )
        with self.container.uow() as uow:
            user = uow.users.get_by_email(email)
            assert user is not None
            actor = actor_for(user)
        enrolment = enrol_totp(self.container.uow, actor)
        confirm_totp(self.container.uow, actor, totp_code(enrolment.secret, now), now=now)
        return DemoLogin(role, email, DEMO_PASSWORD, enrolment.secret)


_STAFF_NUMBERS = itertools.count(1)


def log_in(page: Page, person: DemoLogin, *, lands_on: str) -> None:
    """Log ``person`` in through the login form (with the authenticator code for staff: the
    next step's, as enrolment used the current one) and wait for ``lands_on``."""
    page.goto("/login")
    page.locator("#f-email").fill(person.email)
    page.locator("#f-password").fill(person.password)
    if person.totp_secret:
        page.locator("details.totp summary").click()
        code = totp_code(person.totp_secret, datetime.now(UTC) + timedelta(seconds=30))
        page.locator("#f-totp_code").fill(code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{lands_on}")


def _wait_healthy(url: str, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the app's server thread stopped while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {STARTUP_SECONDS:.0f} s: {last}")


@pytest.fixture(scope="package")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    started = time.perf_counter()
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    # Plain http on loopback: the session cookie must not be Secure or the browser drops it.
    settings = Settings(data_dir=data_dir, throwaway=True, cookie_secure=False)
    container = build_container(
        settings, migrate=True, password_policy=PasswordPolicy.cheap_for_tests()
    )
    examples = Path(xieshang.__file__).resolve().parent / "examples"
    situation = read_situation(
        read_toml_file(examples / "situation.toml"), lambda n: read_toml_file(examples / n)
    )
    logins = load_demo(
        container.uow,
        situation,
        now=container.clock(),
        policy=container.password_policy,
        request=read_toml_file(examples / "offer-terms.toml"),
        sign=container.instance_key.sign,
    )

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # a free port, held from here on: no race with other runs
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(container), log_level="warning", lifespan="off", proxy_headers=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-app", daemon=True
    )
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(f"{base_url}/healthz", thread)
        TIMINGS["app with demo data ready"] = time.perf_counter() - started
        yield LiveApp(base_url=base_url, logins=logins, container=container)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        container.close()


# ---------------------------------------------------------------------------------------------
# The browser (pytest-playwright's fixtures, pointed at Debian's Chromium)


def _require_chromium() -> None:
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = (
        f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package "
        "(scripts/bootstrap --dev does, as root)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"the browser tests need Chromium in CI: {reason}", pytrace=False)
    pytest.skip(f"{reason}; set CI=true to make this a failure")


# Playwright's synchronous API keeps an asyncio loop marked as running in the main thread while
# it is started, and other tests (PDF sealing, payments) call asyncio.run(): so Playwright, the
# browser and the app live for this package only ("package" scope) and stop before the next
# package's tests — pytest-playwright's session-scoped versions of these are replaced here.


@pytest.fixture(scope="package")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Playwright]:
    _require_chromium()
    started = sync_playwright().start()
    if _pw_api_request_contexts:  # --tracing: pytest-playwright records API requests too
        _pw_api_request_contexts.instrument(started)
    yield started
    started.stop()


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    browser_type: BrowserType = getattr(playwright, browser_name)
    return browser_type


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="package")
def launch_browser(
    browser_type_launch_args: dict[str, Any], browser_type: BrowserType
) -> Callable[..., Browser]:
    def launch(**kwargs: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[[], Browser]) -> Iterator[Browser]:
    """Chromium, launched once for the package (timed)."""
    started = time.perf_counter()
    launched = launch_browser()
    TIMINGS["Chromium launched"] = time.perf_counter() - started
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def base_url(live_app: LiveApp) -> str:
    """Replaces pytest-playwright's ``--base-url`` option: the live app's address."""
    return live_app.base_url


@pytest.fixture(scope="package")
def browser_context_args(base_url: str) -> dict[str, Any]:
    return {"base_url": base_url, "locale": LOCALE, "viewport": {"width": 1280, "height": 900}}


class Shots:
    """Screenshots kept as artifacts of the run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def save(
        self, page: Page, name: str, *, selector: str | None = None, full_page: bool = True
    ) -> Path:
        """The page (whole, or what the window shows), or the first element matching
        ``selector``; returns the PNG's path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.png"
        if selector is None:
            page.screenshot(path=str(path), full_page=full_page)
        else:
            page.locator(selector).first.screenshot(path=str(path))
        return path


@pytest.fixture
def shots() -> Shots:
    return Shots(ARTIFACTS)
