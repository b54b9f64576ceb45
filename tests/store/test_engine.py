"""Engines: SQLite pragmas, writers serialised by BEGIN IMMEDIATE, durability checks."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event
from sqlalchemy.exc import OperationalError

from xieshang.settings import Settings
from xieshang.store.engine import (
    DurabilityError,
    check_durability,
    create_engine_for,
    durability_problems,
    make_engine,
    normalise_url,
)


def test_sqlite_connections_use_wal_full_sync_foreign_keys_and_a_busy_timeout(sqlite_url):
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar_one()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 5000
    engine.dispose()


def test_the_sqlite_files_parent_folder_is_created(tmp_path):
    path = tmp_path / "deep" / "er" / "x.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect():
        pass
    assert path.exists()
    engine.dispose()


def test_settings_build_a_checked_engine_on_a_file_in_the_data_folder(tmp_path):
    engine = create_engine_for(Settings(data_dir=tmp_path / "home"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    assert (tmp_path / "home" / "xieshang.sqlite3").exists()
    engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["postgresql://u@h:5432/x", "postgres://u@h/x", "postgresql+psycopg://u@h/x"],
)
def test_postgresql_urls_are_routed_to_psycopg_3(url):
    assert normalise_url(url).drivername == "postgresql+psycopg"


def test_an_unknown_database_url_is_refused():
    with pytest.raises(ValueError, match="unsupported"):
        make_engine("mysql://u@h/x")


def test_a_wal_full_sqlite_engine_passes_the_durability_check(sqlite_url):
    engine = make_engine(sqlite_url)
    check_durability(engine)
    assert durability_problems(engine) == []
    engine.dispose()


def test_a_sqlite_database_not_in_wal_mode_is_refused_with_the_fix_named(tmp_path):
    plain = create_engine(f"sqlite:///{tmp_path / 'plain.sqlite3'}")  # rollback journal
    with pytest.raises(DurabilityError) as refused:
        check_durability(plain)
    message = str(refused.value)
    assert "journal_mode is 'delete', not WAL" in message
    assert "make_engine" in message
    assert "XIESHANG_THROWAWAY" in message
    plain.dispose()


def test_a_wal_sqlite_database_with_normal_sync_is_refused(tmp_path):
    lax = create_engine(f"sqlite:///{tmp_path / 'lax.sqlite3'}")

    @event.listens_for(lax, "connect")
    def _lax(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA synchronous = NORMAL")

    with pytest.raises(DurabilityError, match="synchronous is 1, not FULL"):
        check_durability(lax)
    lax.dispose()


def test_a_throwaway_engine_is_let_through_even_in_memory():
    engine = make_engine("sqlite://", throwaway=True)
    check_durability(engine)
    with pytest.raises(DurabilityError, match="not WAL"):
        check_durability(engine, throwaway=False)
    engine.dispose()


def test_postgresql_passes_with_the_servers_defaults_and_is_refused_without_sync_commit(
    postgres_url,
):
    engine = make_engine(postgres_url)
    check_durability(engine)
    engine.dispose()

    lax = make_engine(postgres_url)

    @event.listens_for(lax, "connect")
    def _no_sync(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
        dbapi_connection.commit()

    with pytest.raises(DurabilityError, match="synchronous_commit is off"):
        check_durability(lax)
    lax.dispose()


def _counter_engine(url: str):
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (1, 0)")
    return engine


def test_a_second_writer_waits_for_the_first_instead_of_failing(sqlite_url):
    engine = _counter_engine(sqlite_url)
    first_has_lock, times, errors = threading.Event(), {}, []

    def first():
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("UPDATE counter SET n = n + 1")
                first_has_lock.set()
                time.sleep(0.4)
            times["first_committed"] = time.monotonic()
        except Exception as error:
            errors.append(error)

    def second():
        first_has_lock.wait()
        try:
            with engine.begin() as conn:  # BEGIN IMMEDIATE waits on the busy timeout
                times["second_began"] = time.monotonic()
                conn.exec_driver_sql("UPDATE counter SET n = n + 1")
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert times["second_began"] >= times["first_committed"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar_one() == 2
    engine.dispose()


def test_concurrent_read_modify_write_loses_no_update_and_never_reports_locked(sqlite_url):
    engine = _counter_engine(sqlite_url)
    errors: list[Exception] = []

    def worker():
        for _ in range(25):
            try:
                with engine.begin() as conn:
                    n = conn.exec_driver_sql("SELECT n FROM counter").scalar_one()
                    conn.exec_driver_sql("UPDATE counter SET n = ?", (n + 1,))
            except Exception as error:
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar_one() == 100
    engine.dispose()


def test_a_deferred_transaction_that_read_before_another_commit_cannot_write(sqlite_url):
    """Why every transaction begins IMMEDIATE: the deferred kind fails instead of waiting."""
    engine = _counter_engine(sqlite_url)
    reader = engine.connect().execution_options(sqlite_begin="DEFERRED")
    tx = reader.begin()
    assert reader.exec_driver_sql("SELECT n FROM counter").scalar_one() == 0
    with engine.begin() as other:
        other.exec_driver_sql("UPDATE counter SET n = 5")
    with pytest.raises(OperationalError, match="locked"):
        reader.exec_driver_sql("UPDATE counter SET n = n + 1")
    tx.rollback()
    reader.close()
    engine.dispose()


def test_a_bad_begin_mode_is_refused(sqlite_url):
    engine = make_engine(sqlite_url)
    conn = engine.connect().execution_options(sqlite_begin="SOMETIMES")
    with pytest.raises(ValueError, match="sqlite_begin"):
        conn.exec_driver_sql("SELECT 1")
    conn.close()
    engine.dispose()


def test_an_in_memory_database_is_shared_by_every_checkout():
    engine = make_engine("sqlite://", throwaway=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one() == 0
    engine.dispose()


def test_no_engine_is_built_at_import_time():
    source = Path(__file__).resolve().parents[2] / "src" / "xieshang" / "store"
    for path in source.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(("engine =", "ENGINE =", "SessionLocal")):
                raise AssertionError(f"{path.name}: module-level engine: {line}")
