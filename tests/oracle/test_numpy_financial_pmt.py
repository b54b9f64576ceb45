"""The annuity payment against numpy_financial.pmt (an independent float implementation) on
thousands of random loans: principal 100–5,000,000, rate 0–36 %, 1–360 months."""

import random
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import numpy as np
import numpy_financial as npf
import pytest

from xieshang.domain.amortization import annuity_payment, build_schedule
from xieshang.domain.schedule import Method

LOANS = 2500
FEN = Decimal("0.01")


def _random_loans(seed: int, count: int) -> list[tuple[Decimal, Decimal, int]]:
    rng = random.Random(seed)
    loans = []
    for _ in range(count):
        principal = Decimal(rng.randint(100_00, 5_000_000_00)) / 100
        # Rates in basis points of a basis point (0.0001 %), 0 included on purpose.
        rate = Decimal(rng.choice([0, rng.randint(0, 360_000)])) / 1_000_000
        months = rng.randint(1, 360)
        loans.append((principal, rate, months))
    return loans


def _float_pmt(principal: Decimal, rate: Decimal, months: int) -> float:
    # Float only here, in the test, to feed the independent float oracle.
    return float(-npf.pmt(float(rate) / 12, months, float(principal)))


def test_unrounded_annuity_payment_agrees_with_numpy_financial_to_1e_6_relative():
    loans = _random_loans(20240101, LOANS)
    ours = np.array([float(annuity_payment(p, r / 12, n)) for p, r, n in loans])
    theirs = np.array([_float_pmt(p, r, n) for p, r, n in loans])
    relative = np.abs(ours - theirs) / theirs
    assert relative.max() < 1e-6, relative.max()
    assert sum(1 for _, r, _ in loans if r == 0) > 100  # the zero-rate branch is exercised


def test_rounded_schedule_payment_is_the_float_pmt_rounded_half_up_to_the_fen():
    loans = _random_loans(7, LOANS)
    compared = near_ties = rounded_down = 0
    for principal, rate, months in loans:
        schedule = build_schedule(principal, rate, months, date(2024, 1, 15), Method.ANNUITY)
        ours = schedule.rows[0].payment
        theirs = _float_pmt(principal, rate, months)
        in_fen = theirs * 100
        if abs(in_fen - np.floor(in_fen) - 0.5) < 1e-6:
            near_ties += 1  # float cannot tell which side of the half-fen the truth lies
            continue
        expected = Decimal(repr(theirs)).quantize(FEN, rounding=ROUND_HALF_UP)
        if "note.level_rounded_down" in schedule.notes:
            # Rounding up would have repaid the loan early: the engine rounds down instead.
            expected = Decimal(repr(theirs)).quantize(FEN, rounding=ROUND_FLOOR)
            rounded_down += 1
        assert ours == expected, (principal, rate, months, ours, theirs)
        compared += 1
    assert compared >= 2000
    assert near_ties < 10
    assert rounded_down < LOANS // 20  # a fallback for tiny loans over long terms, not the rule


@pytest.mark.parametrize(
    ("principal", "rate", "months"),
    [(Decimal("100"), Decimal("0.094822"), 6), (Decimal("280000"), Decimal("0.084"), 20)],
)
def test_reference_vectors_agree_with_numpy_financial(principal, rate, months):
    assert float(annuity_payment(principal, rate / 12, months)) == pytest.approx(
        _float_pmt(principal, rate, months), rel=1e-12
    )
