"""People for API tests (see tests/api/conftest.py): a controllable clock and accounts in every
role, created through the accounts service and logged in through the API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from xieshang.bootstrap import Container
from xieshang.security.totp import STEP_SECONDS, totp_code, totp_step
from xieshang.services import accounts, organisations, profile
from xieshang.services.access import Actor

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "慢慢还清每一笔债务吧-2026"
BOTH_DATABASES = pytest.mark.parametrize("api_db", ["sqlite", "postgresql"], indirect=True)
_SYSTEM = Actor(user_id=0, role="admin")  # the composition root acting for the tests


class Clock:
    """A clock the tests move: ``clock()`` is now, ``clock.advance(minutes=5)`` moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Person:
    id: int
    email: str
    role: str
    organisation_id: int | None
    password: str = PASSWORD
    totp_secret: str | None = None
    token: str | None = None
    last_step: int | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.role, self.organisation_id)


class People:
    def __init__(self, container: Container, client: TestClient, clock: Clock) -> None:
        self.container, self.client, self.clock = container, client, clock
        self._numbers = itertools.count(1)

    def organisation(self, kind: str, name: str, licence_type: str | None = None) -> int:
        if kind == "lender" and licence_type is None:
            licence_type = "small_loan"
        view = organisations.create_organisation(
            self.container.uow,
            _SYSTEM,
            kind=kind,
            name=name,
            licence_type=licence_type,
            now=self.clock(),
        )
        return view.id

    def make(
        self, role: str, organisation_id: int | None = None, email: str | None = None
    ) -> Person:
        address = email or f"{role}{next(self._numbers)}@example.com"
        view = accounts.create_account(
            self.container.uow,
            email=address,
            password=PASSWORD,
            display_name=address.split("@", maxsplit=1)[0],
            role=role,
            organisation_id=organisation_id,
            policy=self.container.password_policy,
            now=self.clock(),
        )
        return Person(view.id, view.email, role, organisation_id)

    def enrol_totp(self, person: Person) -> str:
        """Enable TOTP for ``person`` through the service (as the enrolment endpoints do)."""
        enrolment = profile.enrol_totp(self.container.uow, person.actor)
        step = totp_step(self.clock())
        profile.confirm_totp(
            self.container.uow,
            person.actor,
            totp_code(enrolment.secret, self.clock()),
            now=self.clock(),
        )
        person.totp_secret, person.last_step = enrolment.secret, step
        return enrolment.secret

    def next_code(self, person: Person) -> str:
        """A code the server has not seen: the next step within its ±1 window, moving the
        clock on by one step when that window is used up."""
        assert person.totp_secret is not None
        now_step = totp_step(self.clock())
        step = max(now_step - 1, (person.last_step or 0) + 1)
        if step > now_step + 1:
            self.clock.advance(seconds=STEP_SECONDS)
            return self.next_code(person)
        person.last_step = step
        return totp_code(person.totp_secret, datetime.fromtimestamp(step * STEP_SECONDS, UTC))

    def login(self, person: Person) -> Person:
        if person.role in ("agent", "supervisor") and person.totp_secret is None:
            self.enrol_totp(person)
        body: dict[str, str] = {"email": person.email, "password": person.password, "kind": "api"}
        if person.totp_secret is not None:
            body["totp_code"] = self.next_code(person)
        response = self.client.post("/api/auth/login", json=body)
        assert response.status_code == 200, response.text
        person.token = response.json()["token"]
        person.headers = {"Authorization": f"Bearer {person.token}"}
        return person

    def logged_in(self, role: str, organisation_id: int | None = None) -> Person:
        return self.login(self.make(role, organisation_id))
