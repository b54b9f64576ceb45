"""Migrations: 0001 builds exactly the models' schema, and undoes it, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

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
    assert upgrade_to_head(bare) == head_revision() == "0001"
    assert current_revision(bare) == "0001" and is_up_to_date(bare)
    upgrade_to_head(bare)  # nothing pending: a no-op
    assert current_revision(bare) == "0001"


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
    pyproject = (package.parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    for pattern in (
        "store/migrations/*.py",
        "store/migrations/versions/*.py",
        "store/migrations/*.mako",
    ):
        assert f'"{pattern}"' in pyproject
