"""Root finding for the net present value of a cash-flow sequence, in pure ``Decimal``.

Flows ``a_i`` sit at whole-number offsets ``d_i`` — periods for IRR, days for XIRR.  The solver
finds the rate ``ρ`` *per offset unit* (per period, or per day) with

    NPV(ρ) = Σ a_i · (1 + ρ) ** (−d_i) = 0,

so every discount factor is an integer power and no logarithm is needed in the loop.  A rate
per longer period follows exactly: ``(1 + ρ) ** k − 1`` (k = 365 for XIRR's ACT/365 year).  The
roots do not change when every flow changes sign, so the borrower's and the lender's view give
the same rate.

How a root is found (and why it can be trusted):

1. **Bracket.**  Probe rates on a geometric grid starting at 0: upward 0, 1e-6, … up to
   ``RATE_MAX`` (10 000 = 1 000 000 % per unit); if NPV never changes sign there, downward
   −1e-6, … to ``RATE_MIN`` (1e-12 above −100 %).  The first interval where NPV changes sign
   (or a probe where it is exactly 0) is the bracket.  So the reported root is *the smallest
   root ≥ 0, else the negative root nearest to 0*.  With one sign change in the flows there is
   exactly one root (Descartes' rule of signs on ``v = 1 / (1 + ρ)``) and a coarse grid (×4) is
   enough; with several, a finer grid (×1.2) is used — two roots closer together than one grid
   step (or a double root, where NPV touches 0 without crossing) can still be missed.
2. **Refine.**  Newton steps kept inside the bracket, bisection whenever a Newton step would
   leave it or shrinks too slowly (the classic "rtsafe" safeguard); stop when a step or the
   bracket is below the tolerance: ``TOLERANCE`` (1e-15) divided by the number of units in the
   period the caller reports (so a daily rate is found to 1e-15 / 365 and its yearly
   compounding is still good to about 1e-15), scaled by the rate above 1.
3. **Refuse** rather than guess: ``ConvergenceError('apr.no_root')`` when no bracket exists in
   the range, ``ConvergenceError('apr.no_convergence')`` if the iteration limit is hit.

All arithmetic runs in a private context of 40 significant digits.

>>> flows = [(0, Decimal(-100)), (1, Decimal(110))]
>>> find_unit_rate(flows).quantize(Decimal("1e-20"))
Decimal('0.10000000000000000000')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from .errors import ConvergenceError

PRECISION = 40
TOLERANCE = Decimal("1e-15")
RATE_MAX = Decimal(10_000)
RATE_MIN = Decimal("-0.999999999999")
MAX_ITERATIONS = 400

_ONE = Decimal(1)
_ZERO = Decimal(0)

Flows = Sequence[tuple[int, Decimal]]
Evaluator = Callable[[Decimal], tuple[Decimal, Decimal]]
Function = Callable[[Decimal], Decimal]


def _context() -> Context:
    return Context(
        prec=PRECISION,
        Emax=MAX_EMAX,
        Emin=MIN_EMIN,
        traps=[InvalidOperation, DivisionByZero, Overflow],
    )


def _grid(ratio: Decimal) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
    """Probe rates above 0 (increasing) and below 0 (decreasing toward −1), geometric in the
    distance from 0 and, below −50 %, geometric in the distance from −100 %."""
    with localcontext(_context()):
        up: list[Decimal] = []
        r = Decimal("1e-6")
        while r < RATE_MAX:
            up.append(r)
            r *= ratio
        up.append(RATE_MAX)
        down: list[Decimal] = []
        r = Decimal("1e-6")
        while r < Decimal("0.5"):
            down.append(-r)
            r *= ratio
        gap = Decimal("0.5")  # distance from −100 %
        while gap > _ONE + RATE_MIN:
            down.append(gap - _ONE)
            gap /= ratio
        down.append(RATE_MIN)
        return tuple(up), tuple(down)


_COARSE = _grid(Decimal(4))
_FINE = _grid(Decimal("1.2"))


def sign_changes(amounts: Sequence[Decimal]) -> int:
    """How often the sign flips along ``amounts``, zeros skipped.

    >>> sign_changes([Decimal(100), Decimal(0), Decimal(-40), Decimal(-70)])
    1
    >>> sign_changes([Decimal(-5), Decimal(3), Decimal(-1)])
    2
    """
    count = 0
    previous = 0
    for a in amounts:
        if a == 0:
            continue
        s = 1 if a > 0 else -1
        if previous and s != previous:
            count += 1
        previous = s
    return count


def npv_and_slope(
    flows: Flows, rate: Decimal, *, with_slope: bool = True
) -> tuple[Decimal, Decimal]:
    """NPV at ``rate`` (per offset unit) of ``(offset, amount)`` flows sorted by offset, and its
    derivative in ``rate``.  Discount factors are built by multiplying up from the previous
    offset, so each flow costs one multiplication (gaps between offsets repeat and are
    computed once).  ``with_slope=False`` skips the derivative (returned as 0) while bracketing.

    >>> value, slope = npv_and_slope([(0, Decimal(-100)), (1, Decimal(121))], Decimal("0.1"))
    >>> value.quantize(Decimal("1e-20")), slope.quantize(Decimal("1e-20"))
    (Decimal('10.00000000000000000000'), Decimal('-100.00000000000000000000'))
    """
    with localcontext(_context()):
        growth = _ONE + rate
        base = _ONE / growth
        powers: dict[int, Decimal] = {}
        factor = _ONE
        previous = 0
        value = _ZERO
        weighted = _ZERO
        for offset, amount in flows:
            gap = offset - previous
            if gap:
                step = powers.get(gap)
                if step is None:
                    step = base**gap
                    powers[gap] = step
                factor *= step
                previous = offset
            term = amount * factor
            value += term
            if with_slope:
                weighted += term * offset
        slope = -weighted / growth
        return +value, +slope


def _sign(x: Decimal) -> int:
    return (x > 0) - (x < 0)


def bracket(
    value_at: Function, probes: Sequence[Decimal], start: Decimal, f_start: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal] | None:
    """The first interval ``(a, b, f(a), f(b))`` along ``probes`` (walked from ``start``) where
    the function changes sign or hits 0; None if it never does."""
    a, fa = start, f_start
    for b in probes:
        fb = value_at(b)
        if fb == 0 or _sign(fb) != _sign(fa):
            return a, b, fa, fb
        a, fa = b, fb
    return None


def refine(
    evaluate: Evaluator,
    a: Decimal,
    b: Decimal,
    fa: Decimal,
    fb: Decimal,
    *,
    tolerance: Decimal = TOLERANCE,
) -> Decimal:
    """A root inside the bracket ``[a, b]`` (``fa``, ``fb`` of opposite signs or one of them 0):
    safeguarded Newton with bisection, to ``tolerance`` (relative above 1).

    >>> f = lambda r: (r * r - 2, 2 * r)
    >>> str(refine(f, Decimal(1), Decimal(2), Decimal(-1), Decimal(2)))[:17]
    '1.414213562373095'
    """
    if fa == 0:
        return a
    if fb == 0:
        return b
    with localcontext(_context()):
        lo, hi, f_lo = (a, b, fa) if a < b else (b, a, fb)
        # Regula falsi for a first guess: good when the bracket is already narrow.
        r = a - fa * (b - a) / (fb - fa)
        if not lo < r < hi:
            r = (lo + hi) / 2
        # As in "rtsafe": bisect when Newton would leave the bracket or when its step is not
        # below half the step taken two iterations ago (Newton is not converging fast).
        step = step_before = hi - lo
        for _ in range(MAX_ITERATIONS):
            value, slope = evaluate(r)
            if value == 0:
                return r
            if _sign(value) == _sign(f_lo):
                lo, f_lo = r, value
            else:
                hi = r
            limit = tolerance * max(_ONE, abs(r))
            if hi - lo <= limit:
                return (lo + hi) / 2
            newton = r - value / slope if slope != 0 else hi
            if lo < newton < hi and abs(newton - r) * 2 <= abs(step_before):
                new_r = newton
            else:
                new_r = (lo + hi) / 2
            step_before, step = step, new_r - r
            r = new_r
            if abs(step) <= limit:
                return r
    raise ConvergenceError("apr.no_convergence", field="flows", iterations=MAX_ITERATIONS)


def find_unit_rate(flows: Flows, *, units_per_period: int = 1) -> Decimal:
    """The rate ``ρ`` per offset unit in [``RATE_MIN``, ``RATE_MAX``] with NPV(ρ) = 0 for
    ``(offset, amount)`` flows (offsets ≥ 0, sorted, amounts with at least one sign change),
    chosen and refined as the module docstring says; unrounded.  ``units_per_period`` is how
    many offset units make the period the caller will report (365 for days → year): the
    tolerance shrinks by that factor.

    >>> flows = [(0, Decimal(1000)), (1, Decimal(-600)), (2, Decimal(-600))]
    >>> find_unit_rate(flows).quantize(Decimal("1e-15"))
    Decimal('0.130662386291807')
    """
    amounts = [a for _, a in flows]
    changes = sign_changes(amounts)
    if changes == 0:
        raise ConvergenceError("apr.no_root", field="flows")
    up, down = _COARSE if changes == 1 else _FINE

    def evaluate(rate: Decimal) -> tuple[Decimal, Decimal]:
        return npv_and_slope(flows, rate)

    def value_at(rate: Decimal) -> Decimal:
        return npv_and_slope(flows, rate, with_slope=False)[0]

    f_zero = value_at(_ZERO)
    if f_zero == 0:
        return _ZERO
    found = bracket(value_at, up, _ZERO, f_zero) or bracket(value_at, down, _ZERO, f_zero)
    if found is None:
        raise ConvergenceError("apr.no_root", field="flows", sign_changes=changes)
    with localcontext(_context()):
        tolerance = TOLERANCE / units_per_period
    return refine(evaluate, *found, tolerance=tolerance)
