"""Migrations: they build exactly the models' schema, and undo it, on both databases; 0002
lets documents be statements without losing the rows 0001 stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Integer,
    String,
    column,
    insert,
    inspect,
    select,
    table,
    text,
)
from sqlalchemy.exc import IntegrityError

import xieshang
from xieshang.store.engine import make_engine
from xieshang.store.models import metadata
from xieshang.store.schema_version import (
    MIGRATIONS,
    SchemaOutOfDateError,
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    require_up_to_date,
    upgrade_to_head,
)


@pytest.fixture
def bare(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def schema_diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata)


def test_a_new_database_is_behind_and_upgrading_brings_it_to_head(bare):
    assert current_revision(bare) is None and not is_up_to_date(bare)
    assert upgrade_to_head(bare) == head_revision() == "0006"
    assert current_revision(bare) == "0006" and is_up_to_date(bare)
    upgrade_to_head(bare)  # nothing pending: a no-op
    assert current_revision(bare) == "0006"


def test_the_migrated_schema_equals_the_models_metadata(bare):
    upgrade_to_head(bare)
    assert schema_diff(bare) == []


def test_the_comparison_would_notice_a_missing_table(bare):
    upgrade_to_head(bare)
    with bare.begin() as conn:
        conn.execute(text("DROP TABLE login_attempts"))
    assert any(d[0] == "add_table" for d in schema_diff(bare))


def test_downgrading_to_base_removes_every_table(bare):
    upgrade_to_head(bare)
    downgrade(bare, "base")
    assert current_revision(bare) is None
    assert set(inspect(bare).get_table_names()) <= {"alembic_version"}
    upgrade_to_head(bare)  # and it can be built again
    assert schema_diff(bare) == []


def test_the_app_refuses_a_database_that_is_behind_and_names_the_command(bare):
    with pytest.raises(SchemaOutOfDateError, match="run `xieshang db upgrade`"):
        require_up_to_date(bare)
    upgrade_to_head(bare)
    require_up_to_date(bare)


def test_a_database_from_a_newer_version_is_refused_without_suggesting_upgrade(bare):
    upgrade_to_head(bare)
    with bare.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaOutOfDateError, match="newer Xieshang") as refused:
        require_up_to_date(bare)
    assert "db upgrade" not in str(refused.value)


def test_the_migrations_ship_inside_the_package_and_are_declared_as_package_data():
    package = Path(xieshang.__file__).resolve().parent
    assert package / "store" / "migrations" == MIGRATIONS
    assert (MIGRATIONS / "env.py").exists() and (MIGRATIONS / "script.py.mako").exists()
    assert (MIGRATIONS / "versions" / "0001_initial.py").exists()
    assert (MIGRATIONS / "versions" / "0002_document_kind_statement.py").exists()
    assert (MIGRATIONS / "versions" / "0003_cases.py").exists()
    assert (MIGRATIONS / "versions" / "0004_negotiation.py").exists()
    assert (MIGRATIONS / "versions" / "0005_calendar_feeds.py").exists()
    pyproject = (package.parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    for pattern in (
        "store/migrations/*.py",
        "store/migrations/versions/*.py",
        "store/migrations/*.mako",
    ):
        assert f'"{pattern}"' in pyproject


# The two tables as 0001 and 0002 have them (written without the models, which follow head).
USERS = table(
    "users",
    column("id", Integer),
    column("email", String),
    column("display_name", String),
    column("password_hash", String),
    column("role", String),
    column("totp_enabled", Boolean),
    column("disabled", Boolean),
    column("created_at", DateTime(timezone=True)),
)
DOCUMENTS = table(
    "documents",
    column("id", Integer),
    column("owner_id", Integer),
    column("sha256", String),
    column("kind", String),
    column("media_type", String),
    column("size", BigInteger),
    column("filename", String),
    column("loan_id", Integer),
    column("created_at", DateTime(timezone=True)),
)
STORED_AT = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)


def add_borrower(engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(USERS).values(
                id=1,
                email="li.ming@example.com",
                display_name="李明",
                password_hash="not-a-real-hash",
                role="borrower",
                totp_enabled=False,
                disabled=False,
                created_at=STORED_AT,
            )
        )


def add_document(engine, document_id: int, kind: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(DOCUMENTS).values(
                id=document_id,
                owner_id=1,
                sha256=f"{document_id:064x}",
                kind=kind,
                media_type="application/pdf",
                size=1234,
                filename="对账单.pdf",
                loan_id=None,
                created_at=STORED_AT,
            )
        )


def documents(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(DOCUMENTS).order_by(DOCUMENTS.c.id))]


def check_names(engine) -> set[str | None]:
    return {c["name"] for c in inspect(engine).get_check_constraints("documents")}


DOCUMENT_CHECKS = {
    "ck_documents_kind",
    "ck_documents_sha256_length",
    "ck_documents_size_not_negative",
}


def test_a_database_at_0001_keeps_its_documents_through_0002_which_accepts_statements(bare):
    upgrade_to_head(bare)
    downgrade(bare, "0001")
    add_borrower(bare)
    add_document(bare, 1, "receipt")
    with pytest.raises(IntegrityError):
        add_document(bare, 2, "statement")  # 0001 does not know the kind
    before = documents(bare)
    assert upgrade_to_head(bare) == "0006"
    assert documents(bare) == before
    add_document(bare, 2, "statement")
    assert [row[3] for row in documents(bare)] == ["receipt", "statement"]
    # The constraint kept its name, and the table rebuilt on SQLite kept its other checks.
    assert check_names(bare) == DOCUMENT_CHECKS
    with pytest.raises(IntegrityError):
        add_document(bare, 3, "selfie")
    assert schema_diff(bare) == []


def test_downgrading_0002_relabels_statements_as_other_and_keeps_every_row(bare):
    upgrade_to_head(bare)
    add_borrower(bare)
    add_document(bare, 1, "statement")
    add_document(bare, 2, "contract")
    downgrade(bare, "0001")
    assert current_revision(bare) == "0001"
    assert [(row[0], row[3]) for row in documents(bare)] == [(1, "other"), (2, "contract")]
    assert check_names(bare) == DOCUMENT_CHECKS
    with pytest.raises(IntegrityError):
        add_document(bare, 3, "statement")
