"""Our Decimal IRR/XIRR against the tools a user would otherwise reach for: pyxirr (Rust,
Excel-compatible XIRR) and numpy-financial (IRR by polynomial roots).

Random loans: money received first, then 1–120 payments of random relative sizes on random
dates, scaled so the loan's true annual rate lands anywhere from −10 % to +200 % (so every
case has an answer the oracles can find).  Floats appear only here, to feed the oracles.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest
import pyxirr

from xieshang.domain.apr import apr_of_dated_flows, irr, xirr
from xieshang.domain.money import round_money
from xieshang.domain.rates import add_months

CASES = 1000
TOLERANCE = 1e-8


def scaled_to_rate(weights: list[float], times: list[float], received: float, rate: float) -> float:
    """The factor that makes ``received − factor · Σ w_i (1 + rate)^−t_i`` zero."""
    return received / sum(w * (1 + rate) ** -t for w, t in zip(weights, times, strict=True))


def random_dated_loan(rng: random.Random) -> list[tuple[date, Decimal]]:
    start = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 4000))
    n = rng.randint(2, 120)
    if rng.random() < 0.5:  # monthly due dates, as most loans
        dates = [add_months(start, k) for k in range(1, n + 1)]
    else:  # irregular: 1 to 62 days apart
        dates, day = [], start
        for _ in range(n):
            day += timedelta(days=rng.randint(1, 62))
            dates.append(day)
    received = rng.randint(1_000_00, 500_000_00) / 100
    weights = [rng.choice([0.0, *[rng.uniform(0.1, 1.0)] * 9]) for _ in range(n)]
    weights[-1] = max(weights[-1], 0.5)
    times = [(d - start).days / 365 for d in dates]
    factor = scaled_to_rate(weights, times, received, rng.uniform(-0.1, 2.0))
    flows = [(start, Decimal(str(received)))]
    flows += [
        (d, -round_money(Decimal(repr(w * factor)))) for d, w in zip(dates, weights, strict=True)
    ]
    return flows


def random_regular_flows(rng: random.Random) -> list[Decimal]:
    n = rng.randint(1, 120)
    received = rng.randint(100_00, 1_000_000_00) / 100
    weights = [rng.choice([0.0, *[rng.uniform(0.2, 1.0)] * 9]) for _ in range(n)]
    weights[-1] = max(weights[-1], 0.5)
    periodic = rng.uniform(-0.01, 0.15)
    factor = scaled_to_rate(weights, list(range(1, n + 1)), received, periodic)
    return [Decimal(str(received))] + [-round_money(Decimal(repr(w * factor))) for w in weights]


def test_our_xirr_agrees_with_pyxirr_on_a_thousand_random_dated_loans():
    rng = random.Random(20240521)
    disagreements = []
    for case in range(CASES):
        flows = random_dated_loan(rng)
        ours = xirr(flows)
        theirs = pyxirr.xirr([d for d, _ in flows], [float(a) for _, a in flows])
        if theirs is None or abs(float(ours) - theirs) > TOLERANCE:
            disagreements.append((case, len(flows), str(ours), theirs))
        if case % 50 == 0:  # the APR result carries the same XIRR as its compound figure
            assert apr_of_dated_flows(flows).apr_compound == ours
    assert disagreements == []


def test_our_irr_agrees_with_pyxirr_and_numpy_financial_on_a_thousand_regular_flows():
    rng = random.Random(7)
    disagreements = []
    for case in range(CASES):
        flows = random_regular_flows(rng)
        ours = float(irr(flows))
        floats = [float(f) for f in flows]
        py = pyxirr.irr(floats)
        nf = float(npf.irr(floats))
        if py is None or abs(ours - py) > TOLERANCE or not abs(ours - nf) <= TOLERANCE:
            disagreements.append((case, len(flows), ours, py, nf))
    assert disagreements == []


@pytest.mark.parametrize(
    ("flows", "published"),
    [
        ([-100, 39, 59, 55, 20], "0.28095"),
        ([-100, 0, 0, 74], "-0.0955"),
        ([-100, 100, 0, -7], "-0.0833"),
        ([-100, 100, 0, 7], "0.06206"),
        ([-5, 10.5, 1, -8, 1], "0.0886"),
    ],
)
def test_the_numpy_financial_documentation_examples(flows, published):
    # Its docstring rounds to 5 decimals; the fourth example has two sign changes.
    ours = irr([Decimal(str(f)) for f in flows])
    assert round(ours, 5) == Decimal(published)
    assert abs(float(ours) - npf.irr(flows)) < TOLERANCE
