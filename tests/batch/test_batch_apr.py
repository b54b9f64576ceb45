"""The batch APR equals ``domain.apr`` after the domain's rounding, and its root agrees with the
domain's unrounded root to far better than 1e-10."""

from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from xieshang.batch import LoanBatch, apr_of_flows, apr_of_schedules, schedules
from xieshang.batch.apr import APR_INVALID, APR_OK
from xieshang.domain.apr import apr_of_regular_flows
from xieshang.domain.money import to_fen
from xieshang.domain.schedule import Method
from xieshang.domain.solver import find_unit_rate

from .test_batch_schedule import books


def domain_figures(received_fen, payments_fen):
    d = apr_of_regular_flows(Decimal(received_fen) / 100, [Decimal(p) / 100 for p in payments_fen])
    return tuple(int(x.scaleb(12)) for x in (d.periodic_irr, d.apr_simple, d.apr_compound))


def flows_of(batch, i):
    return batch.row_payment[batch.rows_of(i)].tolist()


@settings(max_examples=60)
@given(
    books(methods=(Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY)),
    st.lists(st.integers(0, 50), min_size=6, max_size=6),
)
def test_batch_apr_equals_the_domain_after_rounding(terms, fee_per_mille):
    batch = schedules(LoanBatch.from_terms(terms))
    principal = np.array([to_fen(t[0]) for t in terms])
    fees = principal * np.array(fee_per_mille[: len(terms)]) // 1000
    received = principal - fees
    apr = apr_of_schedules(batch, received)
    for i in range(len(terms)):
        if batch.status[i] != 0:
            assert apr.status[i] == APR_INVALID
            continue
        payments = flows_of(batch, i)
        assert apr.status[i] == APR_OK
        mine = (int(apr.periodic_e12[i]), int(apr.simple_e12[i]), int(apr.compound_e12[i]))
        assert mine == domain_figures(int(received[i]), payments)
        flows = [(0, Decimal(int(received[i])))]
        flows += [(t, Decimal(-p)) for t, p in enumerate(payments, 1)]
        unrounded = find_unit_rate(flows)
        assert abs(Decimal(repr(float(apr.periodic_irr[i]))) - unrounded) < Decimal("1e-10")


def test_the_float_root_is_within_a_fraction_of_the_ambiguity_band():
    rng = np.random.default_rng(6)
    count = 300
    book = LoanBatch(
        principal=rng.integers(10_000, 100_000_000, count),
        rate=rng.integers(0, 36_000_001, count),
        months=rng.integers(1, 121, count),
        start=np.full(count, 19_753),
        method=rng.integers(0, 3, count),
    )
    batch = schedules(book)
    received = book.principal - book.principal // 50
    apr = apr_of_schedules(batch, received)
    worst = Decimal(0)
    for i in range(count):
        flows = [(0, Decimal(int(received[i])))]
        flows += [(t, Decimal(-p)) for t, p in enumerate(flows_of(batch, i), 1)]
        gap = abs(Decimal(repr(float(apr.periodic_irr[i]))) - find_unit_rate(flows))
        worst = max(worst, gap)
    assert worst < Decimal("5e-16")  # the band is 16 ulps-equivalents: far wider


def test_an_exact_tie_on_a_rounding_boundary_is_settled_as_the_domain_settles_it():
    # 8192 fen against 8193 fen a period later: ρ = 1/8192 = 0.0001220703125 exactly, half a
    # unit of 1e-12 — the float root, then double-double, find the tie; the domain decides it.
    apr = apr_of_flows(np.array([8192]), np.array([8193]), np.array([0]), np.array([1]))
    assert apr.refined[0]
    assert (int(apr.periodic_e12[0]), int(apr.simple_e12[0]), int(apr.compound_e12[0])) == (
        domain_figures(8192, [8193])
    )


def test_zero_negative_and_refused_flows():
    received = np.array([1200, 1200, 0, 1000, 1000])
    payments = np.array([400, 400, 400, 300, 300, 300, 100, 0, 0])
    loan = np.array([0, 0, 0, 1, 1, 1, 2, 3, 4])
    period = np.array([1, 2, 3, 1, 2, 3, 1, 1, 1])
    apr = apr_of_flows(received, payments, loan, period)
    assert apr.status.tolist() == [APR_OK, APR_OK, APR_INVALID, APR_INVALID, APR_INVALID]
    assert int(apr.periodic_e12[0]) == 0  # paid back exactly what was received
    assert (int(apr.periodic_e12[1]), int(apr.simple_e12[1]), int(apr.compound_e12[1])) == (
        domain_figures(1200, [300, 300, 300])  # a negative rate: through the domain
    )


def test_periods_must_be_one_to_n_for_every_loan():
    apr = apr_of_flows(np.array([100]), np.array([60, 60]), np.array([0, 0]), np.array([1, 1]))
    assert apr.status.tolist() == [APR_INVALID]


def test_rows_in_any_order_give_the_same_rates():
    terms = [
        (Decimal("5000"), Decimal("0.18"), 12, date(2024, 1, 31), Method.ANNUITY),
        (Decimal("800"), Decimal("0.3"), 5, date(2024, 1, 31), Method.EQUAL_PRINCIPAL),
    ]
    batch = schedules(LoanBatch.from_terms(terms))
    received = np.array([490_000, 80_000])
    apr = apr_of_schedules(batch, received)
    shuffled = np.random.default_rng(1).permutation(batch.rows)
    again = apr_of_flows(
        received, batch.row_payment[shuffled], batch.row_loan[shuffled], batch.row_n[shuffled]
    )
    assert again.periodic_e12.tolist() == apr.periodic_e12.tolist()
    assert apr.compound_e12.tolist() == [
        domain_figures(int(received[i]), flows_of(batch, i))[2] for i in range(2)
    ]


def test_a_long_loan_whose_float_root_lands_past_a_compound_boundary_is_settled_exactly():
    # 6 yuan at 6 %/yr over 342 months whose level is all interest: ρ is 0.005 exactly and
    # (1.005)^12 − 1 = 0.0616778118644995…, a hair below a rounding boundary, while the float
    # root (0.005 + 9e-17 after Horner over 342 periods) lands above it.
    payments = np.array([3] * 341 + [603])
    apr = apr_of_flows(np.array([600]), payments, np.zeros(342, dtype=np.int64), np.arange(1, 343))
    assert apr.refined[0]
    assert (int(apr.periodic_e12[0]), int(apr.simple_e12[0]), int(apr.compound_e12[0])) == (
        domain_figures(600, payments.tolist())
    )


def test_a_one_method_chunk_is_read_as_laid_out_and_gives_the_same_rates():
    rng = np.random.default_rng(3)
    count = 400
    book = LoanBatch(
        principal=np.concatenate([[0], rng.integers(1, 10**8, count - 1)]),  # one refused
        rate=rng.integers(0, 36_000_001, count),
        months=rng.integers(1, 61, count),
        start=np.full(count, 19_753),
        method=np.zeros(count, dtype=np.int64),
    )
    batch = schedules(book)
    assert batch.period_major
    received = book.principal - book.principal // 100
    fast = apr_of_schedules(batch, received)
    shuffled = rng.permutation(batch.rows)
    slow = apr_of_flows(
        np.where(batch.status == 0, received, 0),
        batch.row_payment[shuffled],
        batch.row_loan[shuffled],
        batch.row_n[shuffled],
    )
    for name in ("status", "periodic_e12", "simple_e12", "compound_e12", "refined"):
        assert getattr(fast, name).tolist() == getattr(slow, name).tolist()
    assert not schedules(book).loan_major().period_major
