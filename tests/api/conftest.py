"""Fixtures for API tests: a real container and app on a temporary database, people in every role.

Fixtures
--------
``clock``      A ``Clock`` (callable, returns an aware UTC datetime) starting at ``START``;
               ``clock.advance(minutes=31)`` moves it.  The container and every service use it.
``api_db``     The database URL: ``""`` (the embedded SQLite file under the test's data folder —
               the default) or a fresh PostgreSQL database.  Run a test on both with
               ``@BOTH_DATABASES`` (``from support.api_people import BOTH_DATABASES``), i.e.
               ``pytest.mark.parametrize("api_db", ["sqlite", "postgresql"], indirect=True)``.
               PostgreSQL unreachable: skipped locally, a failure when ``CI=true``.
``container``  ``build_container(settings, migrate=True, password_policy=cheap, clock=clock)``
               with ``throwaway=True``, ``cookie_secure=True`` and otherwise default settings
               (5 failures / 15 minutes throttle, 30 min idle, 12 h absolute).
``api``        ``TestClient(create_app(container), base_url="https://testserver")`` (https, so
               the Secure session cookie is sent back).  Cookies persist on this client: for
               bearer-only calls pass ``headers=person.headers``; for several cookie users
               make more clients with ``new_client()``.
``new_client`` A factory for more clients on the same app.
``people``     A ``People`` factory (``support.api_people``):
               ``people.organisation("lender", "Lender A", "small_loan") -> int``;
               ``people.make(role, organisation_id=None, email=None) -> Person`` creates the
               account through the accounts service (password ``PASSWORD``);
               ``people.login(person) -> Person`` logs in over the API (kind "api") and returns
               it with ``.headers`` (``Authorization: Bearer …``) and ``.actor``; lender staff
               are enrolled in TOTP first and log in with a fresh code;
               ``people.logged_in(role, organisation_id=None) -> Person`` does both.
               Staff need an organisation of the right kind: agent/supervisor a lender,
               counselor a counseling organisation (``people.organisation("counseling", …)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.api_people import START, Clock, People
from xieshang.api.app import create_app
from xieshang.bootstrap import Container, build_container
from xieshang.security.passwords import PasswordPolicy
from xieshang.settings import Settings

BASE_URL = "https://testserver"


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def api_db(request: pytest.FixtureRequest) -> str:
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        return ""
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def container(tmp_path, clock: Clock, api_db: str) -> Iterator[Container]:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=api_db, throwaway=True, cookie_secure=True
    )
    built = build_container(
        settings, migrate=True, password_policy=PasswordPolicy.cheap_for_tests(), clock=clock
    )
    yield built
    built.close()


@pytest.fixture
def new_client(container: Container) -> Iterator[Callable[[], TestClient]]:
    app = create_app(container)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, base_url=BASE_URL)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(new_client: Callable[[], TestClient]) -> TestClient:
    return new_client()


@pytest.fixture
def people(container: Container, new_client: Callable[[], TestClient], clock: Clock) -> People:
    return People(container, new_client(), clock)
