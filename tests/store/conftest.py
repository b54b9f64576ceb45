"""Database fixtures for the store tests: ``sqlite_url``, ``postgres_url`` and ``db_url`` (both).

PostgreSQL: one uniquely named database per test session on the server at
``XIESHANG_TEST_POSTGRES_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres),
dropped at the end; each test gets an empty ``public`` schema.  An unreachable server fails the
test when ``CI=true`` and skips it (saying why) elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from xieshang.security.crypto import KeyRing
from xieshang.store.engine import make_engine
from xieshang.store.fakes import FakeUnitOfWork, Memory
from xieshang.store.schema_version import upgrade_to_head
from xieshang.store.types import install_cipher
from xieshang.store.unit_of_work import UnitOfWork, sql_unit_of_work_factory

ADMIN_URL = os.environ.get(
    "XIESHANG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)

URL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_url"}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL not reachable ({reason}); set CI=true to make this a failure")


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    name = f"xieshang_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        _unavailable(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url(_postgres_database: str) -> str:
    """The session's test database, emptied for this test."""
    engine = create_engine(_postgres_database)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return _postgres_database


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'xieshang.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> str:
    return request.getfixturevalue(URL_FIXTURES[request.param])


@pytest.fixture
def cipher() -> KeyRing:
    return KeyRing.parse(KeyRing.generate_spec("test"))


@pytest.fixture
def engine(db_url: str, cipher: KeyRing) -> Iterator[Engine]:
    """A migrated database with a cipher installed (as the composition root builds it)."""
    built = make_engine(db_url)
    install_cipher(built, cipher)
    upgrade_to_head(built)
    yield built
    built.dispose()


@pytest.fixture
def new_uow(engine: Engine) -> Callable[[], UnitOfWork]:
    return sql_unit_of_work_factory(engine)


@pytest.fixture(params=["sqlite", "postgresql", "fake"])
def any_uow(request, cipher: KeyRing) -> Iterator[Callable[[], UnitOfWork]]:
    """A unit-of-work factory over SQLite, PostgreSQL or the in-memory fake: the contract
    tests run on all three."""
    if request.param == "fake":
        memory = Memory()
        yield lambda: FakeUnitOfWork(memory)
        return
    built = make_engine(request.getfixturevalue(URL_FIXTURES[request.param]))
    install_cipher(built, cipher)
    upgrade_to_head(built)
    yield sql_unit_of_work_factory(built)
    built.dispose()
