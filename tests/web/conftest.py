"""Fixtures for the web pages: the API tests' container, clock and people (tests/api/conftest.py),
and browser-like clients that keep cookies, do not follow redirects, and log in through the
login form.

``web``          A ``Browser`` on a fresh client (https, so the Secure cookies come back).
``new_browser``  A factory for more of them (one per person).
``Browser``      ``.get(path)``, ``.post(path, data)`` (adds this page's CSRF token unless
                 ``csrf=False`` or a ``csrf_token`` is given), ``.token`` (the token from the
                 last page seen, or fetched from ``/``), ``.log_in(person)`` (lender staff
                 are enrolled in TOTP and send a fresh code).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api import conftest as api_fixtures
from support.api_people import People, Person

# The API tests' fixtures, shared (same container, clock and people).
api_db = api_fixtures.api_db
clock = api_fixtures.clock
container = api_fixtures.container
new_client = api_fixtures.new_client
people = api_fixtures.people

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def all_routes(routes: Any) -> Iterator[Any]:
    """Every route of an app, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from all_routes(inner.routes)
        else:
            yield route


def page_routes(app: Any) -> set[tuple[str, str]]:
    """(method, path) of every route whose endpoint is in the web face."""
    found = set()
    for route in all_routes(app.routes):
        if getattr(getattr(route, "endpoint", None), "__module__", "").startswith("xieshang.web."):
            found |= {(m, route.path) for m in route.methods if m != "HEAD"}
    return found


def csrf_token_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


class Browser:
    def __init__(self, client: TestClient, people: People) -> None:
        self.client, self.people = client, people
        self.last_html = ""

    def get(self, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {"Accept": BROWSER_ACCEPT})
        response = self.client.get(path, follow_redirects=False, **kwargs)
        if "text/html" in response.headers.get("content-type", ""):
            self.last_html = response.text
        return response

    @property
    def token(self) -> str:
        if not TOKEN.search(self.last_html):
            self.get("/")
        return csrf_token_of(self.last_html)

    def post(self, path: str, data: dict[str, str] | None = None, *, csrf: bool = True) -> Any:
        form = dict(data or {})
        if csrf and "csrf_token" not in form:
            form["csrf_token"] = self.token
        response = self.client.post(
            path, data=form, headers={"Accept": BROWSER_ACCEPT}, follow_redirects=False
        )
        # A redirect may follow a login or logout, which changes the token: fetch it anew.
        is_html = "text/html" in response.headers.get("content-type", "")
        self.last_html = response.text if is_html else ""
        return response

    def log_in(self, person: Person) -> Any:
        if person.role in ("agent", "supervisor") and person.totp_secret is None:
            self.people.enrol_totp(person)
        self.get("/login")
        form = {"email": person.email, "password": person.password}
        if person.totp_secret is not None:
            form["totp_code"] = self.people.next_code(person)
        response = self.post("/login", form)
        assert response.status_code == 303, response.text
        return response


@pytest.fixture
def new_browser(new_client: Callable[[], TestClient], people: People) -> Callable[[], Browser]:
    return lambda: Browser(new_client(), people)


@pytest.fixture
def web(new_browser: Callable[[], Browser]) -> Browser:
    return new_browser()
