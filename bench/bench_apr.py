"""Latency of Xieshang's Decimal IRR/XIRR beside pyxirr and numpy-financial.

Run: ``.venv/bin/python bench/bench_apr.py [--repeat N]``.  Inputs are real loan shapes: an
annuity of 100 000 at 18 %/yr net of a 1 % fee, with 12, 60 and 360 monthly payments (XIRR on
the calendar due dates).  Each figure is the median over ``repeat`` timeit runs of the per-call
time; ratios are ours / theirs (how many times slower the exact Decimal solver is).
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal, localcontext

import numpy_financial as npf
import pyxirr
from _timing import micro, per_call

from xieshang.domain.apr import irr, xirr
from xieshang.domain.money import round_money
from xieshang.domain.rates import add_months


def loan(months: int) -> tuple[list[Decimal], list[tuple[date, Decimal]]]:
    principal, rate = Decimal(100_000), Decimal("0.18") / 12
    with localcontext() as ctx:
        ctx.prec = 40
        payment = round_money(principal * rate / (1 - (1 + rate) ** -months))
    flows = [principal - 1000, *([-payment] * months)]
    start = date(2024, 1, 31)
    dated = [(add_months(start, k), f) for k, f in enumerate(flows)]
    return flows, dated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"median µs per call over {args.repeat} runs; ratio = ours / theirs")
    header = f"{'flows':>5}  {'function':<6} {'ours':>10} {'pyxirr':>10} {'npf':>10}"
    print(header + f" {'÷pyxirr':>9} {'÷npf':>9}  result (ours | pyxirr)")
    print("-" * (len(header) + 45))
    for months in (12, 60, 360):
        flows, dated = loan(months)
        floats = [float(f) for f in flows]
        days = [d for d, _ in dated]
        n = months + 1

        ours_irr = per_call(lambda flows=flows: irr(flows), args.repeat)
        py_irr = per_call(lambda floats=floats: pyxirr.irr(floats), args.repeat)
        np_irr = per_call(lambda floats=floats: npf.irr(floats), args.repeat)
        print(
            f"{n:>5}  {'irr':<6} {micro(ours_irr)} {micro(py_irr)} {micro(np_irr)}"
            f" {ours_irr / py_irr:>9.1f} {ours_irr / np_irr:>9.2f}"
            f"  {irr(flows)} | {pyxirr.irr(floats):.12f}"
        )

        ours_x = per_call(lambda dated=dated: xirr(dated), args.repeat)
        py_x = per_call(lambda days=days, floats=floats: pyxirr.xirr(days, floats), args.repeat)
        print(
            f"{n:>5}  {'xirr':<6} {micro(ours_x)} {micro(py_x)} {'—':>10}"
            f" {ours_x / py_x:>9.1f} {'—':>9}"
            f"  {xirr(dated)} | {pyxirr.xirr(days, floats):.12f}"
        )


if __name__ == "__main__":
    main()
