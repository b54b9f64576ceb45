"""A small world for the data services' tests: a container on a temporary database (SQLite by
default, or any URL), and people in every role, written straight to the store (the accounts
service has its own tests).

Service tests run on both databases: a module imports the PostgreSQL fixtures from
``store.conftest`` and uses the ``container`` fixture of ``tests/services/conftest.py``
(``params=DATABASES``, ``database_url(request)``); it marks a test that never reaches the
database meaningfully (validation before any write) with ``SQLITE_ONLY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from xieshang.bootstrap import Container, build_container
from xieshang.services.access import Actor
from xieshang.settings import Settings
from xieshang.store.models import Organisation, User

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

DATABASES = ("sqlite", "postgresql")
#: Overrides a ``container`` fixture parametrised over ``DATABASES`` for one test.
SQLITE_ONLY = pytest.mark.parametrize("container", ["sqlite"], indirect=True)


def database_url(request: pytest.FixtureRequest) -> str:
    """The URL for the ``container`` fixture's parameter: "" (the container's own SQLite file)
    or the session's fresh PostgreSQL database (skipped, or failed under CI, if unreachable)."""
    return "" if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


def make_container(tmp_path: Path, database_url: str = "") -> Container:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        throwaway=True,
        max_upload_bytes=64 * 1024,
    )
    return build_container(settings, migrate=True, clock=lambda: NOW)


@dataclass(frozen=True)
class World:
    """Two borrowers, a counselor, two lender organisations (A, B) with an agent each."""

    borrower: Actor
    other_borrower: Actor
    counselor: Actor
    agent_a: Actor
    agent_b: Actor
    org_a: int
    org_b: int


def add_user(
    container: Container, email: str, role: str, organisation_id: int | None = None
) -> Actor:
    with container.uow() as uow:
        user = uow.users.add(
            User(
                email=email,
                display_name=email.split("@", maxsplit=1)[0],
                password_hash="not-a-real-hash",
                role=role,
                organisation_id=organisation_id,
            )
        )
        uow.commit()
        return Actor(user.id, role, organisation_id)


def add_lender(container: Container, name: str, licence_type: str = "small_loan") -> int:
    with container.uow() as uow:
        org = uow.organisations.add(
            Organisation(kind="lender", name=name, licence_type=licence_type)
        )
        uow.commit()
        return org.id


def make_world(container: Container) -> World:
    org_a = add_lender(container, "Lender A")
    org_b = add_lender(container, "Lender B")
    return World(
        borrower=add_user(container, "li.ming@example.com", "borrower"),
        other_borrower=add_user(container, "wang.fang@example.com", "borrower"),
        counselor=add_user(container, "zhao.counsel@example.com", "counselor"),
        agent_a=add_user(container, "agent@lender-a.example", "agent", org_a),
        agent_b=add_user(container, "agent@lender-b.example", "agent", org_b),
        org_a=org_a,
        org_b=org_b,
    )
