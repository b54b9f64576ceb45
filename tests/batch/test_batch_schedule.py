"""The batch schedule kernels give, loan for loan and row for row, what ``build_schedule`` gives."""

import doctest
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.batch import (
    NOTE_LEVEL_ROUNDED_DOWN,
    STATUS_INVALID,
    STATUS_OK,
    STATUS_PAYMENT_EXCEEDS_BALANCE,
    LoanBatch,
    day_number,
    double_double,
    fixed_point,
    iter_chunks,
    iter_schedules,
    loans,
    schedule_kernel,
    schedules,
)
from xieshang.batch import apr as apr_module
from xieshang.domain.amortization import ScheduleOptions, build_schedule
from xieshang.domain.errors import DomainError
from xieshang.domain.money import RoundingPolicy, to_fen
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method

METHODS = (Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY, Method.BULLET)
MODES = ("half-up", "half-even", "down", "floor", "ceiling")

principals = st.one_of(
    st.integers(1, 1_000),  # fen: tiny loans meet the rounded-down level and refusals
    st.integers(1, 1_000_000_000),  # up to 10,000,000 yuan
)
rates = st.one_of(
    st.just(0),
    st.integers(0, 36_000_000),  # 0 … 36 % in units of 1e-8
    st.integers(36_000_000, 999_999_999),  # beyond 36 %, up to the domain's limit
)
months = st.one_of(st.integers(1, 36), st.integers(1, 360), st.sampled_from([1, 2, 360]))


@st.composite
def starts(draw):
    d = draw(st.dates(date(2000, 1, 1), date(2040, 12, 31)))
    if draw(st.booleans()):  # the month-end rule: days 29–31
        for day in (31, 30, 29):
            try:
                return d.replace(day=day)
            except ValueError:
                continue
    return d


@st.composite
def books(draw, methods=METHODS, max_loans=6):
    count = draw(st.integers(1, max_loans))
    terms = []
    for _ in range(count):
        terms.append(
            (
                Decimal(draw(principals)) / 100,
                Decimal(draw(rates)) / 100_000_000,
                draw(months),
                draw(starts()),
                draw(st.sampled_from(methods)),
            )
        )
    return terms


def domain_rows(schedule):
    return [
        (
            r.n,
            day_number(r.due_date),
            to_fen(r.interest),
            to_fen(r.principal),
            to_fen(r.payment),
            to_fen(r.balance),
        )
        for r in schedule.rows
    ]


def batch_rows(batch, i):
    at = batch.rows_of(i)
    return list(
        zip(
            batch.row_n[at].tolist(),
            batch.row_due[at].tolist(),
            batch.row_interest[at].tolist(),
            batch.row_principal[at].tolist(),
            batch.row_payment[at].tolist(),
            batch.row_balance[at].tolist(),
            strict=True,
        )
    )


def assert_equal_to_domain(terms, day_count, mode):
    policy = RoundingPolicy(mode)
    batch = schedules(LoanBatch.from_terms(terms), day_count=day_count, rounding=policy)
    options = ScheduleOptions(day_count=day_count, rounding=policy)
    for i, term in enumerate(terms):
        try:
            expected = build_schedule(*term, options)
        except DomainError as e:
            assert e.code == "schedule.payment_exceeds_balance"
            assert batch.status[i] == STATUS_PAYMENT_EXCEEDS_BALANCE
            assert batch.rows_of(i).size == 0
            continue
        assert batch.status[i] == STATUS_OK
        rows = batch_rows(batch, i)
        assert rows == domain_rows(expected), term
        assert sum(r[3] for r in rows) == to_fen(term[0])  # principal column sums exactly
        assert batch.total_interest[i] == to_fen(expected.total_interest)
        assert batch.total_payment[i] == to_fen(expected.total_payment)
        assert batch.rows_per_loan[i] == len(expected.rows)
        level_down = "note.level_rounded_down" in expected.notes
        assert bool(batch.notes[i] & NOTE_LEVEL_ROUNDED_DOWN) == level_down
        if term[4] is not Method.ANNUITY:
            assert batch.payment[i] == to_fen(expected.first_payment)
        elif len(expected.rows) >= 3 and "note.payment_below_interest" not in expected.notes:
            assert batch.payment[i] == to_fen(expected.regular_payment)


@settings(max_examples=120)
@given(books(), st.sampled_from(tuple(DayCount)))
def test_batch_rows_equal_the_domain_schedule_to_the_fen_for_every_method(terms, day_count):
    assert_equal_to_domain(terms, day_count, "half-up")


@settings(max_examples=40)
@given(books(), st.sampled_from(tuple(DayCount)), st.sampled_from(MODES))
def test_every_rounding_policy_rounds_as_the_domain_does(terms, day_count, mode):
    assert_equal_to_domain(terms, day_count, mode)


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 2_000).map(lambda fen: Decimal(fen) / 100),
            st.integers(0, 36_000_000).map(lambda x: Decimal(x) / 100_000_000),
            st.integers(100, 360),
            starts(),
            st.just(Method.ANNUITY),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_tiny_annuities_are_rounded_down_or_refused_exactly_as_the_domain_does(terms):
    assert_equal_to_domain(terms, DayCount.THIRTY_360, "half-up")


def test_a_rounded_down_level_and_a_refusal_are_both_met():
    terms = [
        (Decimal("2.61"), Decimal("0.07"), 120, date(2024, 1, 31), Method.ANNUITY),
        (Decimal("0.75"), Decimal("0.04"), 189, date(2024, 1, 31), Method.ANNUITY),
        (Decimal("12.34"), Decimal("0.2"), 240, date(2024, 1, 31), Method.ANNUITY),
    ]
    batch = schedules(LoanBatch.from_terms(terms))
    assert batch.status.tolist()[:2] == [STATUS_PAYMENT_EXCEEDS_BALANCE, STATUS_OK]
    assert batch.notes[1] & NOTE_LEVEL_ROUNDED_DOWN
    assert_equal_to_domain(terms, DayCount.THIRTY_360, "half-up")


def test_the_docstring_examples_of_the_batch_modules_run():
    for module in (loans, fixed_point, schedule_kernel, apr_module, double_double):
        assert doctest.testmod(module).failed == 0


def random_book(count, seed=6):
    rng = np.random.default_rng(seed)
    return LoanBatch(
        principal=rng.integers(1, 1_000_000_001, count),
        rate=rng.integers(0, 36_000_001, count),
        months=rng.integers(1, 361, count),
        start=rng.integers(10_957, 25_567, count),
        method=rng.integers(0, 4, count),
    )


def test_every_schedule_of_a_large_chunk_sums_exactly_and_runs_down_to_zero():
    book = random_book(20_000)
    batch = schedules(book).loan_major()
    ok = batch.status == STATUS_OK
    principal_sum = np.bincount(batch.row_loan, weights=None, minlength=len(book))
    assert principal_sum.tolist() == batch.rows_per_loan.tolist()  # rows counted per loan
    ends = np.cumsum(batch.rows_per_loan)[ok] - 1
    assert (batch.row_balance[ends] == 0).all()
    paid = np.zeros(len(book), dtype=np.int64)
    np.add.at(paid, batch.row_loan, batch.row_principal)
    assert (paid[ok] == book.principal[ok]).all()
    assert (batch.row_payment == batch.row_principal + batch.row_interest).all()
    assert (batch.row_interest >= 0).all() and (batch.row_principal >= 0).all()
    assert (batch.total_payment[ok] == book.principal[ok] + batch.total_interest[ok]).all()


def test_a_book_streamed_in_chunks_gives_the_same_schedules_as_one_chunk():
    book = random_book(3_000, seed=7)
    whole = schedules(book).loan_major()
    parts = list(iter_schedules(iter_chunks(book, 701)))
    assert [p.index[0] for p in parts] == list(range(0, 3_000, 701))
    joined = np.concatenate([p.loan_major().row_payment for p in parts])
    assert joined.tolist() == whole.row_payment.tolist()
    assert np.concatenate([p.payment for p in parts]).tolist() == whole.payment.tolist()


def test_terms_the_domain_refuses_are_marked_and_do_not_stop_the_others():
    book = LoanBatch(
        principal=np.array([0, 100_00, -5, 100_00, 100_00, 100_00]),
        rate=np.array([10**7, 10**9, 10**7, -1, 10**7, 10**7]),
        months=np.array([12, 12, 12, 12, 0, 601]),
        start=np.full(6, 19_753),
        method=np.array([0, 1, 2, 3, 0, 9]),
    )
    batch = schedules(book)
    assert batch.status.tolist() == [STATUS_INVALID] * 6  # 1000 % is the domain's limit too
    assert batch.rows == 0
    good = LoanBatch.from_terms(
        [(Decimal("100"), Decimal("0.12"), 3, date(2024, 1, 1), Method.EQUAL_PRINCIPAL)]
    )
    mixed = LoanBatch(
        *(np.concatenate([getattr(book, c), getattr(good, c)]) for c in LoanBatch.__slots__)
    )
    out = schedules(mixed)
    assert out.status.tolist() == [STATUS_INVALID] * 6 + [STATUS_OK]
    assert out.row_payment[out.rows_of(6)].tolist() == [3433, 3400, 3367]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("day_count", tuple(DayCount))
def test_a_principal_beyond_int64_products_goes_through_the_domain_and_still_agrees(
    method, day_count
):
    # 900,000,000 yuan at 900 %: balance × rate no longer fits in int64 fen × 1e-8.
    terms = [
        (Decimal("900000000.01"), Decimal("9.00000001"), 7, date(2024, 1, 31), method),
        (Decimal("1000.00"), Decimal("0.12"), 3, date(2024, 1, 31), method),
    ]
    assert_equal_to_domain(terms, day_count, "half-up")


def test_rates_finer_than_the_kernel_unit_are_refused_rather_than_cut():
    with pytest.raises(DomainError) as e:
        LoanBatch.from_terms(
            [(Decimal("1"), Decimal("0.123456789"), 3, date(2024, 1, 1), Method.ANNUITY)]
        )
    assert e.value.code == "rate.too_precise"
