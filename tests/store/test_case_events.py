"""Cases and their evidence log in the store: entries read back verify as a chain, the database
refuses to change or remove a log row (triggers on SQLite and PostgreSQL), and the repositories
keep one contract on SQLite, PostgreSQL and the fake."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from xieshang.domain.evidence import LogEntry, append, verify_chain
from xieshang.domain.loan import make_loan
from xieshang.store.convert import new_loan_row
from xieshang.store.engine import make_engine
from xieshang.store.models import CaseRow, Organisation, OrganisationKind, Role, User
from xieshang.store.repositories import ConflictError, case_log_id
from xieshang.store.schema_version import (
    current_revision,
    downgrade,
    head_revision,
    upgrade_to_head,
)

T0 = datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=UTC)


def user(email: str, role: str = Role.BORROWER, **fields) -> User:
    return User(email=email, display_name="李明", password_hash="h", role=role, **fields)


def loan_row(borrower_id: int, n: int = 1):
    loan = make_loan(
        id=f"L{n}",
        lender="某小贷",
        lender_type="small_loan",
        contract_date=date(2024, 1, 5),
        principal=Decimal(1000 * n),
        annual_rate="0.24",
        months=6,
        method="annuity",
        start=date(2024, 1, 5),
    )
    return new_loan_row(loan, borrower_id=borrower_id)


def three_entries(case_id: int) -> list[LogEntry]:
    log_id = case_log_id(case_id)
    first = append(
        None,
        case_id=log_id,
        kind="message",
        at=T0,
        actor="borrower:1",
        body={"text": "您好，我申请协商还款。", "amount": Decimal("1200.50")},
    )
    second = append(
        first,
        case_id=log_id,
        kind="call_note",
        at=T0 + timedelta(hours=1),
        actor="borrower:1",
        body={"channel": "phone", "person": "客服王", "result": "待回复", "on": date(2026, 3, 1)},
    )
    third = append(
        second,
        case_id=log_id,
        kind="offer",
        at=T0 + timedelta(days=1),
        actor="platform:某小贷",
        body={"months": 24, "waive_penalty": True, "note": None, "steps": [1, 2, 3]},
    )
    return [first, second, third]


def new_case(uow, *, platform: str | None = "某网贷平台") -> CaseRow:
    borrower = uow.users.add(user("b@example.com"))
    return uow.cases.add(CaseRow(borrower_id=borrower.id, external_platform=platform))


# ---------------------------------------------------------------- the log, everywhere


def test_three_appended_entries_read_back_as_a_chain_that_verifies(any_uow):
    with any_uow() as uow:
        case = new_case(uow)
        entries = three_entries(case.id)
        for entry in entries:
            assert uow.case_events.append(case.id, entry) == entry
        uow.commit()
        case_id = case.id
    with any_uow() as uow:
        stored = uow.case_events.list_for_case(case_id)
        assert stored == tuple(entries)
        report = verify_chain(stored)
        assert report.ok and report.length == 3 and report.head == entries[-1].hash
        assert uow.case_events.head(case_id) == entries[-1]
        assert stored[0].at == T0  # microseconds and UTC survive the round trip
        assert stored[0].body["amount"] == "1200.50"


def test_an_empty_log_has_no_head(any_uow):
    with any_uow() as uow:
        case = new_case(uow)
        assert uow.case_events.head(case.id) is None
        assert uow.case_events.list_for_case(case.id) == ()


def test_an_entry_built_on_a_stale_head_is_a_chain_conflict(any_uow):
    with any_uow() as uow:
        case = new_case(uow)
        first, second, third = three_entries(case.id)
        with pytest.raises(ConflictError) as refused:
            uow.case_events.append(case.id, second)  # the log is empty: seq 1 comes first
        assert refused.value.constraint == "case_events_chain"
        uow.case_events.append(case.id, first)
        with pytest.raises(ConflictError):
            uow.case_events.append(case.id, third)
        assert uow.case_events.list_for_case(case.id) == (first,)


def test_an_entry_of_another_case_is_refused(any_uow):
    with any_uow() as uow:
        case = new_case(uow)
        with pytest.raises(ValueError, match="appended to case"):
            uow.case_events.append(case.id, three_entries(case.id + 1)[0])


def test_a_case_with_a_log_cannot_be_deleted_nor_its_borrower(any_uow):
    with any_uow() as uow:
        case = new_case(uow)
        uow.case_events.append(case.id, three_entries(case.id)[0])
        uow.commit()
        ids = (case.id, case.borrower_id)
    with any_uow() as uow:
        with pytest.raises(ConflictError) as refused:
            uow.cases.delete(uow.cases.get(ids[0]))
        assert refused.value.kind == "foreign_key"
    with any_uow() as uow, pytest.raises(ConflictError):
        uow.users.delete(uow.users.get(ids[1]))
    with any_uow() as uow:
        assert len(uow.case_events.list_for_case(ids[0])) == 1


def test_a_case_has_exactly_one_counterparty(any_uow):
    with any_uow() as uow:
        org = uow.organisations.add(
            Organisation(kind=OrganisationKind.LENDER, name="某小贷", licence_type="small_loan")
        )
        borrower = uow.users.add(user("b@example.com"))
        uow.commit()
        ids = (org.id, borrower.id)
    for fields in ({}, {"lender_organisation_id": ids[0], "external_platform": "某平台"}):
        with any_uow() as uow:
            with pytest.raises(ConflictError) as refused:
                uow.cases.add(CaseRow(borrower_id=ids[1], **fields))
            assert refused.value.constraint == "ck_cases_one_counterparty"
    with any_uow() as uow:
        here = uow.cases.add(CaseRow(borrower_id=ids[1], lender_organisation_id=ids[0]))
        there = uow.cases.add(CaseRow(borrower_id=ids[1], external_platform="某平台"))
        assert (here.state, here.round, there.lender_organisation_id) == ("draft", 1, None)


def test_cases_are_listed_per_borrower_and_per_organisation_and_found_by_loan(any_uow):
    with any_uow() as uow:
        org = uow.organisations.add(
            Organisation(kind=OrganisationKind.LENDER, name="某小贷", licence_type="small_loan")
        )
        a = uow.users.add(user("a@example.com"))
        b = uow.users.add(user("b@example.com"))
        cases = [
            uow.cases.add(CaseRow(borrower_id=a.id, lender_organisation_id=org.id)),
            uow.cases.add(CaseRow(borrower_id=a.id, external_platform="某平台")),
            uow.cases.add(CaseRow(borrower_id=b.id, lender_organisation_id=org.id)),
        ]
        loans = [uow.loans.add(loan_row(a.id, n)) for n in (1, 2)]
        uow.cases.add_loan(cases[0].id, loans[1].id)
        uow.cases.add_loan(cases[0].id, loans[0].id)
        uow.cases.add_loan(cases[1].id, loans[0].id)
        uow.commit()
        ids = [c.id for c in cases], [loan.id for loan in loans], a.id, org.id
    case_ids, loan_ids, a_id, org_id = ids
    with any_uow() as uow:
        page = uow.cases.list_for_borrower(a_id, limit=1, offset=1)
        assert [c.id for c in page.items] == [case_ids[1]] and page.total == 2
        assert not page.has_more
        by_org = uow.cases.list_for_organisation(org_id)
        assert [c.id for c in by_org.items] == [case_ids[0], case_ids[2]]
        assert uow.cases.loan_ids(case_ids[0]) == (loan_ids[1], loan_ids[0])
        assert [c.id for c in uow.cases.list_for_loan(loan_ids[0])] == case_ids[:2]
        assert uow.cases.list_for_loan(loan_ids[1])[0].id == case_ids[0]
        with pytest.raises(ConflictError) as refused:
            uow.cases.add_loan(case_ids[0], loan_ids[0])
        assert refused.value.constraint == "uq_case_loans_case_id_loan_id"
    with any_uow() as uow:
        with pytest.raises(ConflictError) as refused:  # a loan under negotiation stays
            uow.loans.delete(uow.loans.get(loan_ids[0]))
        assert refused.value.kind == "foreign_key"


# ---------------------------------------------------------------- the database's own refusals


@pytest.fixture
def logged_case(new_uow) -> tuple[int, list[LogEntry]]:
    with new_uow() as uow:
        case = new_case(uow)
        entries = three_entries(case.id)
        for entry in entries:
            uow.case_events.append(case.id, entry)
        uow.commit()
        return case.id, entries


def raw_rows(engine, case_id: int) -> list[tuple]:
    with engine.connect() as conn:
        query = text("SELECT seq, kind, body, prev_hash, hash FROM case_events WHERE case_id = :c")
        return [tuple(r) for r in conn.execute(query.bindparams(c=case_id))]


@pytest.mark.parametrize(
    "statement",
    [
        'UPDATE case_events SET body = \'{"text":"改过"}\' WHERE case_id = :c AND seq = 2',
        "UPDATE case_events SET seq = seq + 10 WHERE case_id = :c",
        "DELETE FROM case_events WHERE case_id = :c AND seq = 3",
        "DELETE FROM case_events",
    ],
)
def test_the_database_refuses_to_change_or_remove_a_log_row(engine, logged_case, statement):
    case_id, _entries = logged_case
    before = raw_rows(engine, case_id)
    clause = text(statement).bindparams(c=case_id) if ":c" in statement else text(statement)
    with pytest.raises(DatabaseError, match="case_events is append-only"), engine.begin() as conn:
        conn.execute(clause)
    assert raw_rows(engine, case_id) == before
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM case_events")).scalar_one()
    assert count == 3


def test_postgresql_refuses_to_truncate_the_log(engine, logged_case):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE trigger covers a full delete)")
    with pytest.raises(DatabaseError, match="case_events is append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE case_events CASCADE"))
    assert len(raw_rows(engine, logged_case[0])) == 3


def test_the_database_refuses_a_second_entry_with_the_same_seq(engine, logged_case):
    case_id, entries = logged_case
    forged = entries[2]
    with pytest.raises(DatabaseError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO case_events (case_id, seq, kind, at, actor, body, prev_hash, hash)"
                " VALUES (:c, 3, 'message', :at, 'x', '{}', :prev, :hash)"
            ).bindparams(c=case_id, at=T0, prev=forged.prev_hash, hash="f" * 64)
        )
    assert len(raw_rows(engine, case_id)) == 3


def next_entry(head: LogEntry, case_id: int, actor: str) -> LogEntry:
    at = T0 + timedelta(days=2)
    return append(head, case_id=case_log_id(case_id), kind="message", at=at, actor=actor, body={})


def test_an_append_on_a_head_that_moved_since_it_was_read_is_a_conflict(new_uow, logged_case):
    case_id, entries = logged_case
    with new_uow() as first:
        mine = next_entry(first.case_events.head(case_id), case_id, "a")
        first.case_events.append(case_id, mine)
        first.commit()
    with new_uow() as late, pytest.raises(ConflictError) as refused:
        late.case_events.append(case_id, next_entry(entries[-1], case_id, "b"))
    assert refused.value.constraint == "case_events_chain"


def waiting_on_a_lock(engine) -> int:
    query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    with engine.connect() as conn:
        return int(conn.execute(text(query)).scalar_one())


def test_two_transactions_appending_the_same_seq_at_once_end_in_one_unique_conflict(
    engine, new_uow, logged_case
):
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises write transactions: the second one cannot start")
    case_id, entries = logged_case
    outcome: list[BaseException | None] = []

    def second_append() -> None:
        with new_uow() as second:
            try:
                second.case_events.append(case_id, next_entry(entries[-1], case_id, "b"))
                second.commit()
                outcome.append(None)
            except ConflictError as error:
                outcome.append(error)

    with new_uow() as first:
        first.case_events.append(case_id, next_entry(entries[-1], case_id, "a"))
        worker = threading.Thread(target=second_append)
        worker.start()  # its head is still seq 3; its insert waits on our uncommitted seq 4
        deadline = time.monotonic() + 10
        while not waiting_on_a_lock(engine) and time.monotonic() < deadline:
            time.sleep(0.01)
        first.commit()
    worker.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError)
    assert outcome[0].constraint == "uq_case_events_case_id_seq"
    with new_uow() as uow:
        stored = uow.case_events.list_for_case(case_id)
        assert verify_chain(stored).ok and [e.actor for e in stored[3:]] == ["a"]


# ---------------------------------------------------------------- migration 0003


def trigger_names(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        return {str(name) for name in conn.execute(text(query)).scalars()}


CASE_TABLES = {"cases", "case_loans", "case_events"}


def test_0003_upgrades_from_0002_and_downgrades_back_with_its_triggers(db_url):
    engine = make_engine(db_url)
    try:
        upgrade_to_head(engine)
        downgrade(engine, "0002")
        assert current_revision(engine) == "0002"
        assert not CASE_TABLES & set(inspect(engine).get_table_names())
        assert trigger_names(engine) == set()
        assert upgrade_to_head(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= CASE_TABLES
        expected = (
            {"case_events_no_update", "case_events_no_delete"}
            if engine.dialect.name == "sqlite"
            else {"case_events_no_change", "case_events_no_truncate"}
        )
        assert trigger_names(engine) >= expected
    finally:
        engine.dispose()
