"""Database engines: SQLite (the embedded default) and PostgreSQL, opened so data survives.

SQLite is opened in WAL mode with ``synchronous=FULL`` (a committed transaction survives a power
cut, not only a crash of the process), foreign keys enforced and a busy timeout.  pysqlite's own
transaction handling is switched off (it issues ``BEGIN`` lazily and deferred, and commits
behind our back before DDL); instead every transaction starts with ``BEGIN IMMEDIATE``, which
takes the write lock up front.  Two writers therefore queue on the busy timeout instead of both
reading, then one failing with "database is locked" when it tries to write (a deferred
transaction cannot wait for the lock once it has read).  Readers are not blocked in WAL mode; a
connection can ask for a deferred ``BEGIN`` with the execution option ``sqlite_begin="DEFERRED"``.

PostgreSQL is reached through psycopg 3; ``postgresql://`` and ``postgres://`` URLs are rewritten
to ``postgresql+psycopg://``.

``check_durability`` refuses an engine that would lose committed data (SQLite not in WAL+FULL,
PostgreSQL with ``fsync`` or ``synchronous_commit`` or ``full_page_writes`` off), unless the
engine is a throwaway one (tests, demos in memory).  No engine is ever built at import time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

BUSY_TIMEOUT_MS = 15_000
THROWAWAY_KEY = "xieshang_throwaway"  # an execution option: travels with the engine
BEGIN_OPTION = "sqlite_begin"
_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


class EngineSettings(Protocol):
    """What building an engine needs from ``xieshang.settings.Settings`` (structural, so the
    store does not import the composition root's module)."""

    @property
    def effective_database_url(self) -> str: ...

    @property
    def throwaway(self) -> bool: ...


class DurabilityError(RuntimeError):
    """The database is configured so that committed data could be lost; the message says how
    to fix it."""


def normalise_url(url: str | URL) -> URL:
    """The URL with PostgreSQL routed to psycopg 3.

    >>> normalise_url("postgresql://u@db:5432/x").drivername
    'postgresql+psycopg'
    >>> normalise_url("postgres://u@db/x").drivername
    'postgresql+psycopg'
    >>> normalise_url("sqlite:///tmp/x.sqlite3").drivername
    'sqlite'
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(url: str | URL, *, throwaway: bool = False, echo: bool = False) -> Engine:
    """An engine for ``url`` with Xieshang's connection rules installed.

    A SQLite file's parent folder is created (owner-only).  ``throwaway`` marks an engine whose
    data may be lost (tests, an in-memory demo): ``check_durability`` then lets it through.
    """
    parsed = normalise_url(url)
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo}
    if backend == "sqlite":
        if is_sqlite_memory(parsed):
            # One shared connection, or every checkout would see a new empty database.
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False}
        else:
            folder = Path(parsed.database or "").expanduser().parent
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = create_engine(parsed, **kwargs)
        _install_sqlite_rules(engine)
    elif backend == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    else:
        raise ValueError(f"unsupported database URL {parsed.render_as_string(hide_password=True)}")
    engine.update_execution_options(**{THROWAWAY_KEY: throwaway})
    return engine


def create_engine_for(settings: EngineSettings) -> Engine:
    """The instance's engine from its settings, checked for durability (unless throwaway)."""
    engine = make_engine(settings.effective_database_url, throwaway=settings.throwaway)
    try:
        check_durability(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _install_sqlite_rules(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Stop pysqlite from opening and committing transactions itself; see the module doc.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")  # "memory" for :memory:, checked later
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = str(conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")).upper()
        if mode not in _BEGIN_MODES:
            raise ValueError(f"{BEGIN_OPTION} must be one of {sorted(_BEGIN_MODES)}, not {mode}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_throwaway(engine: Engine) -> bool:
    return bool(engine.get_execution_options().get(THROWAWAY_KEY, False))


def durability_problems(engine: Engine) -> list[str]:
    """Each setting that could lose committed data, with the fix, as a sentence."""
    backend = engine.dialect.name
    with engine.connect() as conn:
        if backend == "sqlite":
            return sqlite_problems(
                str(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()),
                int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one()),
            )
        if backend == "postgresql":
            return postgres_problems(
                {
                    name: str(conn.execute(text(f"SHOW {name}")).scalar_one())
                    for name in ("fsync", "synchronous_commit", "full_page_writes")
                }
            )
    return [f"unsupported database backend {backend}"]


def sqlite_problems(journal_mode: str, synchronous: int) -> list[str]:
    """SQLite settings that could lose data (``synchronous``: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA).

    >>> sqlite_problems("wal", 2)
    []
    >>> sqlite_problems("delete", 1)[0].split(";")[0]
    "SQLite journal_mode is 'delete', not WAL"
    """
    out = []
    if journal_mode.lower() != "wal":
        out.append(
            f"SQLite journal_mode is {journal_mode.lower()!r}, not WAL; put the database file on "
            "a local disk that supports WAL (not a network share) and open it with "
            "xieshang.store.engine.make_engine, which sets PRAGMA journal_mode=WAL"
        )
    if synchronous < 2:
        out.append(
            f"SQLite synchronous is {synchronous}, not FULL (2); open the database with "
            "xieshang.store.engine.make_engine, which sets PRAGMA synchronous=FULL"
        )
    return out


def postgres_problems(values: dict[str, str]) -> list[str]:
    """PostgreSQL settings that could lose committed data.

    >>> postgres_problems({"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"})
    []
    >>> postgres_problems({"fsync": "off", "synchronous_commit": "local"})
    ['PostgreSQL fsync is off; set fsync = on in postgresql.conf and reload it']
    """
    out = []
    if values.get("fsync", "on").lower() == "off":
        out.append("PostgreSQL fsync is off; set fsync = on in postgresql.conf and reload it")
    if values.get("synchronous_commit", "on").lower() == "off":
        out.append(
            "PostgreSQL synchronous_commit is off; set synchronous_commit = on in "
            "postgresql.conf (and remove any ALTER ROLE/DATABASE ... SET synchronous_commit = off)"
        )
    if values.get("full_page_writes", "on").lower() == "off":
        out.append(
            "PostgreSQL full_page_writes is off; set full_page_writes = on in postgresql.conf "
            "and reload the server"
        )
    return out


def check_durability(engine: Engine, *, throwaway: bool | None = None) -> None:
    """Refuse (``DurabilityError``) an engine that could lose committed data.

    ``throwaway`` defaults to how the engine was made (``make_engine(..., throwaway=True)``);
    a throwaway engine is never refused.
    """
    if is_throwaway(engine) if throwaway is None else throwaway:
        return
    problems = durability_problems(engine)
    if problems:
        raise DurabilityError(
            "Refusing to use a database that could lose committed data: "
            + "; ".join(problems)
            + ". (For a disposable test database set XIESHANG_THROWAWAY=1.)"
        )
