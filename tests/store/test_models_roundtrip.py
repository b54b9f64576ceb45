"""Rows keep the domain's exactness: fen, rates, UTC instants, ciphertext only at rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from xieshang.domain.affordability import (
    Asset,
    AssetKind,
    Debt,
    Expense,
    ExpenseCategory,
    Household,
    Income,
    IncomeKind,
    make_statement,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.loan import Fee, FeeTiming, make_loan
from xieshang.domain.schedule import Installment
from xieshang.security.crypto import DecryptionError, KeyRing
from xieshang.store.convert import (
    loan_from_row,
    new_loan_row,
    new_statement_row,
    statement_from_row,
    update_loan_row,
    update_statement_row,
)
from xieshang.store.engine import make_engine
from xieshang.store.models import LoanRow, Role, StatementRow, User
from xieshang.store.rekey import reencrypt_all
from xieshang.store.schema_version import upgrade_to_head
from xieshang.store.types import (
    CipherMissingError,
    ExactDecimal,
    Fen,
    UTCDateTime,
    install_cipher,
)
from xieshang.store.unit_of_work import sql_unit_of_work_factory

ID_NUMBER = "11010119900307123X"
T0 = datetime(2024, 3, 7, 1, 2, 3, 456789, tzinfo=UTC)


def borrower(email: str = "li@example.com", **fields) -> User:
    values = {"display_name": "李明", "password_hash": "argon2id$x", "role": Role.BORROWER}
    return User(email=email, **(values | fields))


def contract_loan(**changes):
    loan = make_loan(
        id="L1",
        lender="某消费金融",
        lender_type="consumer_finance",
        contract_date=date(2024, 1, 31),
        principal="12345.67",
        annual_rate="0.094822",
        months=3,
        method="annuity",
        start=date(2024, 1, 31),
        day_count="act/365",
        fees=(
            Fee("service", Decimal("200.01"), FeeTiming.DEDUCTED_UPFRONT),
            Fee("monthly", Decimal("30"), FeeTiming.PER_INSTALLMENT),
            Fee("late", Decimal("15.50"), FeeTiming.AT_DATE, date(2024, 3, 1)),
        ),
        deducted_interest="0.01",
        overdue_rate="0.1425",
        default_charge="99.99",
        paid_installments=1,
    )
    return replace(loan, **changes) if changes else loan


def manual_loan():
    rows = (
        Installment(
            1,
            date(2024, 2, 29),
            Decimal("5100.00"),
            Decimal("5000.00"),
            Decimal("100.00"),
            Decimal("5000.00"),
        ),
        Installment(
            2,
            date(2024, 3, 31),
            Decimal("5050.00"),
            Decimal("5000.00"),
            Decimal("50.00"),
            Decimal("0.00"),
        ),
    )
    return make_loan(
        id="M",
        lender="某小贷",
        lender_type="small_loan",
        contract_date=date(2024, 1, 31),
        principal="10000",
        annual_rate="0.12",
        months=2,
        method="manual",
        start=date(2024, 1, 31),
        manual_rows=rows,
    )


def household_statement():
    return make_statement(
        Household(adults=2, children=1, other_dependents=1, province="四川", urban=True),
        incomes=[
            Income(IncomeKind.WAGES, Decimal("8000.01")),
            Income(IncomeKind.BUSINESS, Decimal("1200"), regular=False),
        ],
        expenses=[
            Expense(ExpenseCategory.FOOD, Decimal("2000.55")),
            Expense(ExpenseCategory.HOUSING, Decimal("1800")),
        ],
        assets=[
            Asset(AssetKind.CASH, Decimal("3000.10"), liquid=True),
            Asset(AssetKind.VEHICLE, Decimal("45000"), liquid=False),
        ],
        debts=[Debt("某银行信用卡", Decimal("20000.00"), Decimal("1000.00"), Decimal("0.18"))],
    )


# ---------------------------------------------------------------- column types, in isolation


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fen_columns_give_back_exactly_the_yuan_they_were_given(fen):
    yuan = Decimal(fen) / 100
    stored = Fen().process_bind_param(yuan, None)
    assert stored == fen
    assert Fen().process_result_value(stored, None) == yuan


@given(
    st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: len(str(d)) <= 64
    )
)
def test_rates_come_back_as_the_very_same_decimal(rate):
    stored = ExactDecimal().process_bind_param(rate, None)
    back = ExactDecimal().process_result_value(stored, None)
    assert back == rate and str(back) == str(rate)


def test_sub_fen_amounts_floats_and_infinities_are_refused_not_rounded():
    with pytest.raises(DomainError) as refused:
        Fen().process_bind_param(Decimal("0.001"), None)
    assert refused.value.code == "amount.sub_fen"
    for bad in (0.1, 1, "1.00"):
        with pytest.raises(TypeError):
            Fen().process_bind_param(bad, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Fen().process_bind_param(Decimal("Infinity"), None)
    with pytest.raises(TypeError):
        ExactDecimal().process_bind_param(0.18, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ExactDecimal().process_bind_param(Decimal("NaN"), None)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2024, 1, 1), None)


# ---------------------------------------------------------------- through the database


def test_money_rates_and_instants_survive_the_database_exactly(new_uow, engine):
    shanghai = timezone(timedelta(hours=8))
    loan = contract_loan()
    with new_uow() as uow:
        user = uow.users.add(borrower(created_at=T0.astimezone(shanghai)))
        row = uow.loans.add(new_loan_row(loan, borrower_id=user.id, now=T0))
        uow.commit()
        loan_id, user_id = row.id, user.id
    with new_uow() as uow:
        stored = uow.loans.get(loan_id)
        assert stored.principal == Decimal("12345.67")
        assert stored.annual_rate == Decimal("0.094822")
        assert stored.overdue_rate == Decimal("0.1425")
        assert stored.deducted_interest == Decimal("0.01")
        assert stored.created_at == T0 and stored.created_at.tzinfo is not None
        assert stored.created_at.utcoffset() == timedelta(0)
        assert uow.users.get(user_id).created_at == T0  # given in +08:00, same instant
        assert loan_from_row(stored) == replace(loan, id=str(loan_id))
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT principal, annual_rate FROM loans")).one()
    assert raw[0] == 1234567 and isinstance(raw[0], int)
    assert raw[1] == "0.094822"


def test_a_manual_schedule_and_a_statement_round_trip_through_the_domain(new_uow):
    loan, statement = manual_loan(), household_statement()
    with new_uow() as uow:
        user = uow.users.add(borrower())
        row = uow.loans.add(new_loan_row(loan, borrower_id=user.id))
        uow.statements.add(new_statement_row(statement, borrower_id=user.id))
        uow.commit()
        loan_id, user_id = row.id, user.id
    with new_uow() as uow:
        assert loan_from_row(uow.loans.get(loan_id)) == replace(loan, id=str(loan_id))
        assert statement_from_row(uow.statements.get_for_borrower(user_id)) == statement


def test_rewriting_a_loan_or_statement_replaces_its_child_rows_in_place(new_uow):
    with new_uow() as uow:
        user = uow.users.add(borrower())
        row = uow.loans.add(new_loan_row(contract_loan(), borrower_id=user.id))
        uow.statements.add(new_statement_row(household_statement(), borrower_id=user.id))
        uow.commit()
        loan_id, user_id = row.id, user.id
    fewer_fees = contract_loan(fees=(Fee("one", Decimal("1.00"), FeeTiming.PAID_UPFRONT),))
    smaller = make_statement(
        Household(adults=1), incomes=[Income(IncomeKind.PENSION, Decimal("3000"))]
    )
    with new_uow() as uow:
        update_loan_row(uow.loans.get(loan_id), fewer_fees)
        update_statement_row(uow.statements.get_for_borrower(user_id), smaller)
        uow.commit()
    with new_uow() as uow:
        assert loan_from_row(uow.loans.get(loan_id)).fees == fewer_fees.fees
        assert statement_from_row(uow.statements.get_for_borrower(user_id)) == smaller
    with new_uow() as uow:
        update_loan_row(uow.loans.get(loan_id), manual_loan())
        update_statement_row(uow.statements.get_for_borrower(user_id), household_statement())
        uow.commit()
    with new_uow() as uow:
        assert loan_from_row(uow.loans.get(loan_id)) == replace(manual_loan(), id=str(loan_id))
        assert statement_from_row(uow.statements.get_for_borrower(user_id)) == (
            household_statement()
        )


def test_a_sub_fen_amount_never_reaches_the_database(new_uow):
    with new_uow() as uow:
        user = uow.users.add(borrower())
        row = new_loan_row(contract_loan(), borrower_id=user.id)
        row.principal = Decimal("100.005")
        with pytest.raises(StatementError) as refused:
            uow.loans.add(row)
        assert isinstance(refused.value.orig, DomainError)


# ---------------------------------------------------------------- encryption at rest


def test_encrypted_columns_hold_ciphertext_and_read_back_as_plaintext(new_uow, engine):
    with new_uow() as uow:
        user = uow.users.add(
            borrower(
                id_number=ID_NUMBER,
                phone="13800138000",
                bank_account="6222020200112233445",
                totp_secret="JBSW",
            )
        )
        uow.commit()
        user_id = user.id
    with engine.connect() as conn:
        raw = conn.execute(
            text("SELECT id_number, phone, bank_account, totp_secret FROM users")
        ).one()
    for stored, plain in zip(
        raw, (ID_NUMBER, "13800138000", "6222020200112233445", "JBSW"), strict=True
    ):
        assert plain not in stored
    with new_uow() as uow:
        again = uow.users.get(user_id)
        assert (again.id_number, again.phone, again.bank_account, again.totp_secret) == (
            ID_NUMBER,
            "13800138000",
            "6222020200112233445",
            "JBSW",
        )


def test_the_plaintext_id_number_appears_nowhere_in_the_sqlite_file(sqlite_url, cipher):
    engine = make_engine(sqlite_url)
    install_cipher(engine, cipher)
    upgrade_to_head(engine)
    with sql_unit_of_work_factory(engine)() as uow:
        uow.users.add(borrower(id_number=ID_NUMBER, display_name=f"control {ID_NUMBER[::-1]}"))
        uow.commit()
    raw = engine.raw_connection()  # outside any transaction, as a checkpoint must be
    try:
        busy, _, _ = raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        raw.close()
    engine.dispose()
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    data = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert ID_NUMBER[::-1].encode() in data  # the check can see plaintext columns
    assert ID_NUMBER.encode() not in data


def test_a_ciphertext_moved_to_another_column_does_not_decrypt(new_uow, engine):
    with new_uow() as uow:
        uow.users.add(borrower(id_number=ID_NUMBER))
        uow.commit()
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET phone = id_number"))
    with new_uow() as uow, pytest.raises(DecryptionError):
        uow.users.get_by_email("li@example.com")


def test_an_engine_without_a_cipher_refuses_encrypted_columns(sqlite_url):
    engine = make_engine(sqlite_url)
    upgrade_to_head(engine)
    with sql_unit_of_work_factory(engine)() as uow:
        with pytest.raises(StatementError) as refused:
            uow.users.add(borrower(id_number=ID_NUMBER))
        assert isinstance(refused.value.orig, CipherMissingError)
    engine.dispose()


def test_emails_are_stored_lowercase(new_uow, engine):
    with new_uow() as uow:
        uow.users.add(borrower(email="  Li.Ming@Example.COM "))
        uow.commit()
    with engine.connect() as conn:
        assert conn.execute(select(User.__table__.c.email)).scalar_one() == "li.ming@example.com"


def test_a_statement_row_is_one_per_borrower_at_the_model_level():
    assert StatementRow.__table__.c.borrower_id.unique
    assert LoanRow.__table__.c.borrower_id.index


def test_rotating_the_key_rewrites_old_ciphertexts_so_the_old_key_can_go(db_url):
    old_spec, new_spec = KeyRing.generate_spec("old"), KeyRing.generate_spec("new")
    engine = make_engine(db_url)
    install_cipher(engine, KeyRing.parse(old_spec))
    upgrade_to_head(engine)
    with sql_unit_of_work_factory(engine)() as uow:
        uow.users.add(borrower(id_number=ID_NUMBER, phone="13800138000"))
        uow.users.add(borrower("wang@example.com"))  # no secrets: nothing to rotate
        uow.commit()
    with engine.connect() as conn:
        before = conn.execute(text("SELECT id_number FROM users WHERE id_number IS NOT NULL"))
        before_token = before.scalar_one()
    wrong_old = KeyRing.parse(f"{new_spec},{KeyRing.generate_spec('old')}")
    with pytest.raises(DecryptionError):
        reencrypt_all(engine, wrong_old)
    both = KeyRing.parse(f"{new_spec},{old_spec}")
    assert reencrypt_all(engine, both) == 2
    assert reencrypt_all(engine, both) == 0  # done: nothing left under the old key
    with engine.connect() as conn:
        after = conn.execute(text("SELECT id_number FROM users WHERE id_number IS NOT NULL"))
        after_token = after.scalar_one()
    assert after_token != before_token and ID_NUMBER not in after_token
    install_cipher(engine, KeyRing.parse(new_spec))  # the old key removed
    with sql_unit_of_work_factory(engine)() as uow:
        again = uow.users.get_by_email("li@example.com")
        assert (again.id_number, again.phone) == (ID_NUMBER, "13800138000")
    engine.dispose()
