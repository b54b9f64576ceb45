"""Alembic environment, wired to the models' metadata; configured in code (no alembic.ini).

``schema_version`` builds the Alembic ``Config`` and passes the open connection in
``config.attributes["connection"]``, so migrations run inside the caller's transaction on the
engine Xieshang built (SQLite's ``BEGIN IMMEDIATE`` and pragmas included): on SQLite and
PostgreSQL alike, DDL is transactional and a failed upgrade leaves the schema as it was.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from xieshang.store.models import metadata


def run_online(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        # SQLite cannot ALTER most things: later migrations rebuild tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "run migrations through xieshang.store.schema_version (or `xieshang db`)"
        )
    run_online(connection)
