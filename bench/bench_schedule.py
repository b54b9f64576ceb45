"""Latency of Xieshang's exact schedule and APR beside numpy-financial, pyxirr and plain floats.

Run: ``.venv/bin/python bench/bench_schedule.py [--repeat N]``.  The loan is an annuity
(等额本息) of 100 000 at 18 %/yr from 2024-01-31 with 12, 60 and 360 monthly installments.

* schedule — ours: ``build_schedule`` (Decimal, interest rounded half-up to the fen each month,
  the remainder in the last installment, due dates by the month-end rule).  numpy-financial: how
  a user builds the same table with it — ``pmt`` once, then ``ipmt``/``ppmt`` over the whole
  period array and the balance by ``cumsum`` (floats, no dates, nothing rounded).  floats: a
  plain Python loop over the months in binary floats, nothing rounded.
* APR — ours: ``apr_of_regular_flows`` on the money received (principal less a 1 % fee) and the
  schedule's payments; pyxirr: ``irr``; numpy-financial: ``irr`` on the same flows as floats.

Each figure is the median over ``repeat`` timeit runs of the per-call time; ratios are
ours / theirs (how many times slower exactness is).  The accuracy line compares our schedule,
cell by cell, with numpy-financial's float schedule rounded half-up to the fen.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy_financial as npf
import pyxirr
from _timing import micro, per_call

from xieshang.domain.amortization import build_schedule
from xieshang.domain.apr import apr_of_regular_flows
from xieshang.domain.money import FEN
from xieshang.domain.schedule import Method, Schedule

PRINCIPAL = Decimal(100_000)
ANNUAL_RATE = Decimal("0.18")
FEE = Decimal(1000)
START = date(2024, 1, 31)
TERMS = (12, 60, 360)


def ours(months: int) -> Schedule:
    return build_schedule(PRINCIPAL, ANNUAL_RATE, months, START, Method.ANNUITY)


def with_numpy_financial(months: int) -> tuple[np.ndarray, ...]:
    """Payment, interest, principal and balance columns as a numpy-financial user gets them."""
    rate, pv = float(ANNUAL_RATE) / 12, float(PRINCIPAL)
    per = np.arange(1, months + 1)
    payment = np.full(months, npf.pmt(rate, months, -pv))
    interest = npf.ipmt(rate, per, months, -pv)
    principal = npf.ppmt(rate, per, months, -pv)
    balance = pv - np.cumsum(principal)
    return payment, interest, principal, balance


def with_floats(months: int) -> list[tuple[int, float, float, float, float]]:
    rate, balance = float(ANNUAL_RATE) / 12, float(PRINCIPAL)
    payment = balance * rate / (1 - (1 + rate) ** -months)
    rows = []
    for n in range(1, months + 1):
        interest = balance * rate
        principal = payment - interest
        balance -= principal
        rows.append((n, payment, interest, principal, balance))
    return rows


def fen_differences(schedule: Schedule, columns: tuple[np.ndarray, ...]) -> tuple[int, int]:
    """|ours − numpy-financial rounded half-up to the fen| in fen: the largest over every cell,
    and the largest over the payments before the last."""
    worst = worst_payment = 0
    for i, row in enumerate(schedule.rows):
        mine = (row.payment, row.interest, row.principal, row.balance)
        for k, (value, column) in enumerate(zip(mine, columns, strict=True)):
            theirs = Decimal(repr(float(column[i]))).quantize(FEN, rounding=ROUND_HALF_UP)
            gap = int(abs(value - theirs) / FEN)
            worst = max(worst, gap)
            if k == 0 and i < len(schedule.rows) - 1:
                worst_payment = max(worst_payment, gap)
    return worst, worst_payment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"median µs per call over {args.repeat} runs; ratio = ours / theirs")

    header = f"{'months':>6}  {'schedule':<9} {'ours':>10} {'npf':>10} {'floats':>10}"
    print(header + f" {'÷npf':>8} {'÷floats':>8}")
    print("-" * (len(header) + 18))
    accuracy = []
    for months in TERMS:
        t_ours = per_call(lambda m=months: ours(m), args.repeat)
        t_npf = per_call(lambda m=months: with_numpy_financial(m), args.repeat)
        t_float = per_call(lambda m=months: with_floats(m), args.repeat)
        print(
            f"{months:>6}  {'annuity':<9} {micro(t_ours)} {micro(t_npf)} {micro(t_float)}"
            f" {t_ours / t_npf:>8.1f} {t_ours / t_float:>8.1f}"
        )
        accuracy.append((months, *fen_differences(ours(months), with_numpy_financial(months))))

    print()
    header = f"{'months':>6}  {'APR':<9} {'ours':>10} {'pyxirr':>10} {'npf':>10}"
    print(header + f" {'÷pyxirr':>8} {'÷npf':>8}  periodic IRR (ours | pyxirr)")
    print("-" * (len(header) + 48))
    for months in TERMS:
        received = PRINCIPAL - FEE
        payments = [row.payment for row in ours(months).rows]
        floats = [float(received), *(-float(p) for p in payments)]
        t_ours = per_call(lambda r=received, p=payments: apr_of_regular_flows(r, p), args.repeat)
        t_py = per_call(lambda f=floats: pyxirr.irr(f), args.repeat)
        t_npf = per_call(lambda f=floats: npf.irr(f), args.repeat)
        result = apr_of_regular_flows(received, payments)
        print(
            f"{months:>6}  {'irr':<9} {micro(t_ours)} {micro(t_py)} {micro(t_npf)}"
            f" {t_ours / t_py:>8.1f} {t_ours / t_npf:>8.2f}"
            f"  {result.periodic_irr} | {pyxirr.irr(floats):.12f}"
        )

    print()
    print(
        "accuracy: max |ours − numpy-financial rounded to the fen| over payment, interest, "
        "principal and balance = "
        + ", ".join(f"{fen} fen ({months} months)" for months, fen, _ in accuracy)
        + "; payments before the last: "
        + ", ".join(f"{pay} fen" for _, _, pay in accuracy)
    )
    exact = float(npf.pmt(float(ANNUAL_RATE) / 12, TERMS[-1], -float(PRINCIPAL)))
    print(
        f"  why: we charge the level payment in whole fen ({ours(TERMS[-1]).regular_payment} vs "
        f"numpy-financial's {exact:.6f}); the sub-fen overpayment compounds month by month and "
        "our last installment gives it back (remainder to the last), while numpy-financial "
        "never rounds."
    )


if __name__ == "__main__":
    main()
