"""The full exactness check of the batch kernels against the Decimal domain.

Run: ``.venv/bin/python bench/exactness_batch.py [--loans 100000] [--workers 2] [--seed 6]``.

For each method (annuity, equal principal, interest only, bullet) ``--loans`` random loans —
principal 1 fen … 10,000,000 yuan (log-uniform, one in ten below 10 yuan), rate 0 … 36 % (one
in twenty 0, one in ten up to 100 %) with up to 8 decimals, terms 1 … 360 months (most
consumer terms up to 36, a third longer), start dates 2000–2040 with many on the 29th–31st —
go through ``xieshang.batch.schedules`` in chunks (day count 30/360, act/360, act/365 in turn;
every fifth chunk another rounding policy), and every loan is compared with
``build_schedule``: each row (due date, interest, principal, payment, balance), the per-loan
payment, totals and refusals.  Then the APR of every monthly schedule on the money received
(net of a random upfront fee for half of them) from ``apr_of_schedules`` against
``apr_of_regular_flows``: periodic, simple and compound rate after the domain's rounding, and
the largest gap between the unrounded float root and the domain's rounded rate.

Prints the mismatch counts (all must be 0), the batch time and the domain's time.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from xieshang.batch import LoanBatch, apr_of_schedules, day_number, schedules
from xieshang.batch.loans import METHOD_CODES
from xieshang.domain.amortization import ScheduleOptions, build_schedule
from xieshang.domain.apr import apr_of_regular_flows
from xieshang.domain.errors import DomainError
from xieshang.domain.money import RoundingPolicy, to_fen
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method

CHUNK = 5_000
DAY_COUNTS = (DayCount.THIRTY_360, DayCount.ACT_360, DayCount.ACT_365)
MODES = ("half-up", "half-even", "down", "floor", "ceiling")
METHODS = (Method.ANNUITY, Method.EQUAL_PRINCIPAL, Method.INTEREST_ONLY, Method.BULLET)


def random_loans(rng: np.random.Generator, count: int, method: Method) -> LoanBatch:
    principal = np.exp(rng.uniform(np.log(1e4), np.log(1e9), count)).astype(np.int64)
    tiny = rng.random(count) < 0.1
    principal[tiny] = rng.integers(1, 1000, tiny.sum())
    rate = rng.integers(0, 36_000_001, count)
    rate[rng.random(count) < 0.05] = 0
    high = rng.random(count) < 0.1
    rate[high] = rng.integers(36_000_000, 100_000_001, high.sum())
    short = rng.random(count) < 0.67
    months = np.where(short, rng.integers(1, 37, count), rng.integers(37, 361, count))
    start = rng.integers(day_number_of(2000), day_number_of(2041), count)
    month_end = rng.random(count) < 0.3
    days = start.astype("datetime64[D]")
    first = days.astype("datetime64[M]")
    length = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(int)
    wanted = rng.integers(29, 32, count)
    shifted = first.astype("datetime64[D]").astype(np.int64) + np.minimum(wanted, length) - 1
    start = np.where(month_end, shifted, start)
    code = np.full(count, METHOD_CODES[method])
    return LoanBatch(principal, rate, months, start, code)


def day_number_of(year: int) -> int:
    return int(np.datetime64(f"{year}-01-01", "D").astype(np.int64))


@dataclass
class Counts:
    loans: int = 0
    rows: int = 0
    refused: int = 0
    row_mismatch: int = 0
    payment_mismatch: int = 0
    total_mismatch: int = 0
    status_mismatch: int = 0
    sum_mismatch: int = 0
    apr_checked: int = 0
    apr_mismatch: int = 0
    apr_max_gap: float = 0.0
    domain_seconds: float = 0.0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            if name == "apr_max_gap":
                self.apr_max_gap = max(self.apr_max_gap, other.apr_max_gap)
            else:
                setattr(self, name, getattr(self, name) + getattr(other, name))


def settings(chunk_no: int) -> tuple[DayCount, RoundingPolicy]:
    mode = MODES[(chunk_no // 5) % len(MODES)] if chunk_no % 5 == 4 else "half-up"
    return DAY_COUNTS[chunk_no % 3], RoundingPolicy(mode)


def check_chunk(job: tuple[int, int, int, int]) -> Counts:
    seed, method_no, chunk_no, size = job
    method = METHODS[method_no]
    rng = np.random.default_rng([seed, method_no, chunk_no])
    loans = random_loans(rng, size, method)
    day_count, policy = settings(chunk_no)
    batch = schedules(loans, day_count=day_count, rounding=policy).loan_major()
    fee = np.where(rng.random(size) < 0.5, 0, (loans.principal * rng.uniform(0, 0.05, size)))
    received = loans.principal - fee.astype(np.int64)
    received = np.where(received > 0, received, loans.principal)
    apr = apr_of_schedules(batch, received) if method is not Method.BULLET else None
    options = ScheduleOptions(day_count=day_count, rounding=policy)
    starts = np.cumsum(batch.rows_per_loan) - batch.rows_per_loan
    c = Counts(loans=size, rows=batch.rows)
    began = time.perf_counter()
    for i in range(size):
        try:
            s = build_schedule(*loans.terms(i), options)
        except DomainError:
            c.refused += 1
            c.status_mismatch += int(batch.status[i] == 0)
            continue
        if batch.status[i] != 0:
            c.status_mismatch += 1
            continue
        a, n = int(starts[i]), int(batch.rows_per_loan[i])
        got = list(
            zip(
                batch.row_n[a : a + n].tolist(),
                batch.row_due[a : a + n].tolist(),
                batch.row_interest[a : a + n].tolist(),
                batch.row_principal[a : a + n].tolist(),
                batch.row_payment[a : a + n].tolist(),
                batch.row_balance[a : a + n].tolist(),
                strict=True,
            )
        )
        want = [
            (
                r.n,
                day_number(r.due_date),
                to_fen(r.interest),
                to_fen(r.principal),
                to_fen(r.payment),
                to_fen(r.balance),
            )
            for r in s.rows
        ]
        c.row_mismatch += int(got != want)
        c.sum_mismatch += int(sum(g[3] for g in got) != loans.principal[i])
        c.total_mismatch += int(
            batch.total_interest[i] != to_fen(s.total_interest)
            or batch.total_payment[i] != to_fen(s.total_payment)
        )
        if method is Method.ANNUITY:
            below = "note.payment_below_interest" in s.notes
            expected = s.regular_payment if n >= 3 and not below else None
        else:
            expected = s.first_payment
        if expected is not None:
            c.payment_mismatch += int(batch.payment[i] != to_fen(expected))
        if apr is not None:
            d = apr_of_regular_flows(Decimal(int(received[i])) / 100, [r.payment for r in s.rows])
            mine = (int(apr.periodic_e12[i]), int(apr.simple_e12[i]), int(apr.compound_e12[i]))
            theirs = tuple(
                int(x.scaleb(12)) for x in (d.periodic_irr, d.apr_simple, d.apr_compound)
            )
            c.apr_checked += 1
            c.apr_mismatch += int(mine != theirs or apr.status[i] != 0)
            gap = abs(float(apr.periodic_irr[i]) - float(d.periodic_irr))
            c.apr_max_gap = max(c.apr_max_gap, gap)
    c.domain_seconds = time.perf_counter() - began
    return c


def batch_time(seed: int, method_no: int, count: int) -> float:
    """Seconds for the kernels alone (schedules, and APR for monthly methods) on all loans."""
    loans = [
        random_loans(
            np.random.default_rng([seed, method_no, k]),
            min(CHUNK, count - k * CHUNK),
            METHODS[method_no],
        )
        for k in range((count + CHUNK - 1) // CHUNK)
    ]
    began = time.perf_counter()
    for k, chunk in enumerate(loans):
        day_count, policy = settings(k)
        batch = schedules(chunk, day_count=day_count, rounding=policy)
        if METHODS[method_no] is not Method.BULLET:
            apr_of_schedules(batch)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=100_000, help="loans per method")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()
    chunks = (args.loans + CHUNK - 1) // CHUNK
    print(f"{args.loans} random loans per method, chunks of {CHUNK}, {args.workers} workers")
    header = (
        f"{'method':<16}{'loans':>8}{'rows':>10}{'refused':>8}{'rows≠':>6}{'pay≠':>6}"
        f"{'tot≠':>6}{'stat≠':>6}{'sum≠':>6}{'apr':>8}{'apr≠':>6}{'max|Δirr|':>11}"
        f"{'batch s':>9}{'domain s':>10}"
    )
    print(header)
    print("-" * len(header))
    grand = Counts()
    with ProcessPoolExecutor(args.workers) as pool:
        for method_no, method in enumerate(METHODS):
            jobs = [
                (args.seed, method_no, k, min(CHUNK, args.loans - k * CHUNK)) for k in range(chunks)
            ]
            counts = Counts()
            for c in pool.map(check_chunk, jobs):
                counts.add(c)
            seconds = batch_time(args.seed, method_no, args.loans)
            grand.add(counts)
            print(
                f"{method.value:<16}{counts.loans:>8}{counts.rows:>10}{counts.refused:>8}"
                f"{counts.row_mismatch:>6}{counts.payment_mismatch:>6}{counts.total_mismatch:>6}"
                f"{counts.status_mismatch:>6}{counts.sum_mismatch:>6}{counts.apr_checked:>8}"
                f"{counts.apr_mismatch:>6}{counts.apr_max_gap:>11.1e}{seconds:>9.2f}"
                f"{counts.domain_seconds:>10.1f}",
                flush=True,
            )
    bad = (
        grand.row_mismatch
        + grand.payment_mismatch
        + grand.total_mismatch
        + grand.status_mismatch
        + grand.sum_mismatch
        + grand.apr_mismatch
    )
    print(f"mismatches in all: {bad}")
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
