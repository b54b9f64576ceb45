"""Portfolio-scale schedules and APR: the batch kernels beside what an analyst would use.

Run: ``.venv/bin/python bench/bench_batch.py [--loans 1000000] [--chunk 8192] [--apr-chunk 65536]
[--sample 20000]``.  Schedules run fastest in chunks that stay in cache, the APR in larger ones
(its per-period steps on the few loans settled in double-double are then longer).

Inputs: ``--loans`` annuity loans (等额本息), principal 1,000 … 500,000 yuan, rate 4 … 36 %/yr
(8 decimals), terms 3 … 60 months (average ≈ 31, so ≈ 31 rows per loan), start dates 2020–2025.
Measured side by side in one run:

* **schedules** (every row: interest, principal, payment, balance in fen):
  - *python loop*: one loan at a time in binary floats, each amount ``round(x, 2)`` — timed on
    ``--sample`` loans and extrapolated;
  - *numpy-financial*: ``pmt`` then ``ipmt`` / ``ppmt`` over (loans × periods) arrays for each
    term, the balance by ``cumsum``, everything then rounded to integer fen (no due dates);
  - *ours*: ``xieshang.batch.schedules`` — exact to the fen, due dates included — chunk by chunk;
  - *bandwidth floor*: writing the same rows (7 int64 columns per row, the same chunks) with
    ``np.empty`` + ``fill``: no arithmetic at all.
* **APR** (IRR of received = principal − 1 % fee against the schedule's payments):
  ``pyxirr.irr`` per loan and ``numpy_financial.irr`` per loan (samples, extrapolated) against
  ``xieshang.batch.apr_of_schedules`` on every loan.

Ratios are theirs ÷ ours (how many times faster the kernels are); for the floor, ours ÷ floor.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np
import numpy_financial as npf
import pyxirr

from xieshang.batch import LoanBatch, apr_of_schedules, schedules
from xieshang.batch.loans import METHOD_CODES, RATE_SCALE
from xieshang.domain.schedule import Method

TERMS = np.array([3, 6, 12, 24, 36, 48, 60])
TERM_WEIGHTS = np.array([0.05, 0.1, 0.2, 0.15, 0.2, 0.1, 0.2])


def book(count: int, seed: int = 6) -> LoanBatch:
    rng = np.random.default_rng(seed)
    principal = rng.integers(100_000, 50_000_001, count)
    rate = rng.integers(4_000_000, 36_000_001, count)
    months = rng.choice(TERMS, count, p=TERM_WEIGHTS)
    start = rng.integers(18262, 20089, count)  # 2020-01-01 … 2024-12-31
    method = np.full(count, METHOD_CODES[Method.ANNUITY])
    return LoanBatch(principal, rate, months, start, method)


def timed(fn: Callable[[], object]) -> float:
    began = time.perf_counter()
    fn()
    return time.perf_counter() - began


def python_loop(loans: LoanBatch, count: int) -> None:
    """The per-loan loop an analyst writes in plain Python floats, rounding each amount."""
    for i in range(count):
        p = int(loans.principal[i]) / 100
        r = int(loans.rate[i]) / RATE_SCALE / 12
        n = int(loans.months[i])
        level = round(p * r / (1 - (1 + r) ** -n), 2)
        balance = p
        rows = []
        for k in range(1, n + 1):
            interest = round(balance * r, 2)
            part = balance if k == n else round(level - interest, 2)
            balance = round(balance - part, 2)
            rows.append((k, interest, part, round(part + interest, 2), balance))


def numpy_financial(loans: LoanBatch, chunk: int) -> int:
    """``ipmt``/``ppmt`` per term group and chunk, rounded to integer fen; returns rows."""
    made = 0
    for n in np.unique(loans.months):
        group = np.flatnonzero(loans.months == n)
        per = np.arange(1, n + 1)[None, :]
        for first in range(0, len(group), chunk):
            sel = group[first : first + chunk]
            rate = (loans.rate[sel] / RATE_SCALE / 12)[:, None]
            pv = (loans.principal[sel] / 100)[:, None]
            interest = -npf.ipmt(rate, per, n, pv)
            principal = -npf.ppmt(rate, per, n, pv)
            balance = pv - np.cumsum(principal, axis=1)
            cols = [np.rint(x * 100).astype(np.int64) for x in (interest, principal, balance)]
            cols.append(cols[0] + cols[1])
            made += cols[0].size
    return made


def ours(loans: LoanBatch, chunk: int) -> int:
    made = 0
    for first in range(0, len(loans), chunk):
        made += schedules(loans.take(slice(first, first + chunk)), first_index=first).rows
    return made


def floor(loans: LoanBatch, chunk: int) -> int:
    """Write 7 int64 columns of the same rows in the same chunks, with no arithmetic."""
    made = 0
    for first in range(0, len(loans), chunk):
        rows = int(loans.months[first : first + chunk].sum())
        for _ in range(7):
            column = np.empty(rows, dtype=np.int64)
            column.fill(1)
        made += rows
    return made


def flows_of(loans: LoanBatch, count: int) -> list[list[float]]:
    batch = schedules(loans.take(slice(0, count))).loan_major()
    starts = np.cumsum(batch.rows_per_loan) - batch.rows_per_loan
    out = []
    for i in range(count):
        a, n = int(starts[i]), int(batch.rows_per_loan[i])
        received = int(loans.principal[i]) * 0.99 / 100
        out.append([received, *(-batch.row_payment[a : a + n] / 100).tolist()])
    return out


def our_apr(loans: LoanBatch, chunk: int) -> tuple[float, float]:
    """Seconds in ``apr_of_schedules`` alone (the schedules are built untimed, chunk by chunk),
    and the share of loans settled beyond float64."""
    spent, refined = 0.0, 0
    for first in range(0, len(loans), chunk):
        part = loans.take(slice(first, first + chunk))
        batch = schedules(part)
        began = time.perf_counter()
        result = apr_of_schedules(batch, part.principal - part.principal // 100)
        spent += time.perf_counter() - began
        refined += int(result.refined.sum())
    return spent, refined / len(loans)


def machine() -> str:
    model = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        total_kb = int(info.readline().split()[1])
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} CPUs ({model}), {total_kb / 2**20:.1f} GiB RAM, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def row(task: str, who: str, seconds: float, note: str, ratio: str = "") -> None:
    print(f"{task:<10} {who:<34} {seconds:>9.2f} {ratio:>9}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=8_192, help="loans per schedule chunk")
    parser.add_argument("--apr-chunk", type=int, default=65_536, help="loans per APR chunk")
    parser.add_argument("--sample", type=int, default=20_000)
    args = parser.parse_args()
    loans = book(args.loans)
    rows = int(loans.months.sum())
    sample = min(args.sample, args.loans)
    scale = args.loans / sample
    print(time.strftime("%Y-%m-%d %H:%M:%S %Z"), "|", machine())
    print(
        f"{args.loans:,} annuity loans, {rows:,} rows, chunks of {args.chunk:,}"
        f" (APR: {args.apr_chunk:,})"
    )
    print(f"{'task':<10} {'who':<34} {'seconds':>9} {'ratio':>9}  note")
    print("-" * 90)

    t_ours = timed(lambda: ours(loans, args.chunk))
    t_floor = timed(lambda: floor(loans, args.chunk))
    t_npf = timed(lambda: numpy_financial(loans, args.chunk))
    t_loop = timed(lambda: python_loop(loans, sample)) * scale
    row("schedule", "xieshang.batch.schedules", t_ours, f"{rows / t_ours / 1e6:.1f} M rows/s")
    row("schedule", "numpy-financial ipmt/ppmt", t_npf, "floats → fen", f"{t_npf / t_ours:.1f}×")
    row(
        "schedule",
        "python loop",
        t_loop,
        f"{sample:,} loans ×{scale:.0f}",
        f"{t_loop / t_ours:.1f}×",
    )
    row(
        "schedule",
        "bandwidth floor (empty+fill)",
        t_floor,
        "ours ÷ floor",
        f"{t_ours / t_floor:.1f}",
    )

    apr_sample = min(sample, args.loans)
    flows = flows_of(loans, apr_sample)
    t_apr, refined = our_apr(loans, args.apr_chunk)
    t_pyxirr = timed(lambda: [pyxirr.irr(f) for f in flows]) * args.loans / apr_sample
    npf_sample = min(300, apr_sample)
    t_npf_irr = timed(lambda: [npf.irr(f) for f in flows[:npf_sample]]) * args.loans / npf_sample
    row(
        "APR",
        "xieshang.batch.apr_of_schedules",
        t_apr,
        f"{args.loans / t_apr / 1e6:.2f} M loans/s, {refined:.1%} settled in double-double",
    )
    row("APR", "pyxirr.irr per loan", t_pyxirr, f"{apr_sample:,} loans", f"{t_pyxirr / t_apr:.1f}×")
    row(
        "APR",
        "numpy_financial.irr per loan",
        t_npf_irr,
        f"{npf_sample:,} loans",
        f"{t_npf_irr / t_apr:.1f}×",
    )
    print("goals: ≥40× numpy-financial, ≤5× the floor, ≥15× pyxirr")


if __name__ == "__main__":
    main()
