"""True APR (IRR) of many regular monthly flow vectors at once, equal to ``domain.apr``.

For each loan: ``received`` fen now, then payments ``p_1 … p_n`` (fen, ≥ 0) one period apart
— what ``xieshang.domain.apr.apr_of_regular_flows`` takes.  The periodic rate ρ solves
``received = Σ p_t · v^t`` with ``v = 1 / (1 + ρ)``; the result is reported as the domain does:
ρ rounded half-up to 1e-12, ``apr_simple`` = that × periods per year, ``apr_compound`` =
(1 + ρ)^k − 1 of the unrounded ρ, rounded to 1e-12 — here as integers in units of 1e-12.

How it stays equal to the domain:

* **Newton across loans.**  ``f(ρ) = received − Σ p_t v^t`` is increasing and concave in ρ
  (payments ≥ 0), so from the first iterate on Newton approaches the single root from below,
  never overshooting.  Each iteration evaluates all loans together by Horner's rule over the
  periods (loans sorted by term, the ones still running a prefix: contiguous slices, no
  gathers) and stops when every step is below 1e-9 (Newton's error is then about n·1e-18),
  then takes one more step.  The float root
  agrees with the domain's 40-digit root to about 1e-16 (tests measure it; 1e-10 is asked).
* **Exact rounding.**  The last Newton step evaluates the NPV with ``v = 1 − d``,
  ``d = ρ / (1 + ρ)`` (a float ``v`` next to 1 would carry half an ulp of 1 into ρ).  Horner's
  rule then leaves the NPV within ``(3n + 2)·eps·received`` (Higham's bound), so the root is
  within that ÷ the NPV's slope, plus a few ulps of ρ; a root farther than twice that from a
  rounding boundary of the periodic or the compound rate rounds as the exact root does.  The
  loans closer than that (about a tenth) take one more Newton step with the NPV evaluated in
  double-double arithmetic (~1e-30), which settles all but exact ties; those go to the domain.
* **Rare shapes go to the domain itself**, one loan at a time: payments summing to less than
  received (a negative rate: the root lies left of 0), periodic rates above 250 % (the compound
  rate leaves int64), and any loan whose iteration did not settle.

>>> r = apr_of_flows(np.array([100_000]), np.full(12, 8885), np.zeros(12, dtype=np.int64),
...                  np.arange(1, 13))
>>> int(r.periodic_e12[0]), int(r.simple_e12[0]), int(r.compound_e12[0])
(10002157785, 120025893420, 126853918936)
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from xieshang.domain.apr import apr_of_regular_flows
from xieshang.domain.errors import DomainError

from . import double_double as dd
from .fixed_point import INT64_MAX
from .schedule_kernel import STATUS_OK, ScheduleBatch

__all__ = [
    "APR_INVALID",
    "APR_OK",
    "APR_OUT_OF_RANGE",
    "AprBatch",
    "apr_of_flows",
    "apr_of_schedules",
]

Int64s = NDArray[np.int64]
Int8s = NDArray[np.int8]
Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

APR_OK = 0
APR_INVALID = 1  # received ≤ 0, no payments, a negative payment, periods not 1..n, no sign change
APR_OUT_OF_RANGE = 2  # the domain found a rate whose compound form does not fit in int64 units

_DD_AMBIGUITY = 1e-6  # in 1e-12 units (1e-18): still closer after that, ask the domain
_E12 = 10**12
_STEP_DONE = 1e-9  # the error left is then ~n·step², below float noise
_MAX_ITERATIONS = 60
_FAST_RATE_LIMIT = 2.5  # periodic rates above this go to the domain


@dataclass(frozen=True, slots=True)
class AprBatch:
    """APR of each loan: ``periodic_irr`` the unrounded float root; the ``*_e12`` columns are
    the domain's rounded figures in units of 1e-12 (``Decimal(x) / 10**12`` is the domain's
    value).  ``refined`` marks loans settled beyond float64 (double-double or the domain)."""

    status: Int8s
    periodic_irr: Floats
    periodic_e12: Int64s
    simple_e12: Int64s
    compound_e12: Int64s
    refined: Bools

    def __len__(self) -> int:
        return len(self.status)


def _ragged(
    loan: Int64s, period: Int64s, count: Int64s, payments: Int64s, *, validate: bool
) -> tuple[NDArray[np.intp], Int64s, Int64s, Int64s] | None:
    """Payments laid out period by period for loans sorted by term (longest first): the block
    of period t holds the loans still running, in sorted order.  None if periods are not
    exactly 1..n for every loan."""
    order, running, block = _layout(count)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    longest = len(running) - 1
    if validate and (len(period) == 0 or period.min() < 1 or period.max() > longest):
        return None
    where = block[period - 1] + rank[loan]
    if validate and where.max() >= len(payments):
        return None
    laid = np.empty(len(payments), dtype=np.int64)
    laid[where] = payments
    if not validate:
        return order, running, block, laid
    # As many rows as places; a period beyond its loan's term lands on a place of the next
    # block, so some place stays empty: every place filled means every row is where it belongs.
    seen = np.zeros(len(payments), dtype=np.bool_)
    seen[where] = True
    if not seen.all():
        return None
    return order, running, block, laid


def _guess(received: Floats, paid: Floats, n: Int64s) -> Floats:
    """Baily's approximation of the periodic rate of a level annuity from total paid ÷
    received (exact for one period, within ~1e-6 for ordinary loans): a start that leaves
    Newton three or four steps."""
    h = (paid / received) ** (2.0 / (n + 1)) - 1.0
    m = n - 1.0
    guess: Floats = h * (12.0 - m * h) / (12.0 - 2.0 * m * h)
    return np.where(np.isfinite(guess) & (guess > -0.5), guess, 2.0 * h)


def _newton(
    received: Floats, laid: Int64s, running: Int64s, block: Int64s, guess: Floats
) -> tuple[Floats, Bools, Floats]:
    """Float roots of ``received = Σ p_t v^t`` for loans sorted by term, which settled, and
    the slope of the NPV there."""
    flows = laid.astype(np.float64)
    rate = guess.copy()
    count = len(rate)
    a = np.empty(count)
    b = np.empty(count)
    longest = len(running) - 1
    settled = np.zeros(count, dtype=np.bool_)
    slope = np.ones(count)
    for _ in range(_MAX_ITERATIONS):
        v = 1.0 / (1.0 + rate)
        a.fill(0.0)
        b.fill(0.0)
        for t in range(longest, 0, -1):
            c = int(running[t - 1])
            av, bv, vv = a[:c], b[:c], v[:c]
            bv *= vv
            bv += av
            av *= vv
            av += flows[block[t - 1] : block[t - 1] + c]
        slope = v * v * (a + v * b)
        step = (received - v * a) / slope
        rate -= step
        settled = np.abs(step) <= _STEP_DONE * np.maximum(1.0, np.abs(rate))
        if settled.all():
            break
    # The last step with v = 1 − d, d = ρ / (1 + ρ): v itself, rounded next to 1, would
    # carry an error of half an ulp of 1 into ρ; d keeps its relative precision.
    d = rate / (1.0 + rate)
    a.fill(0.0)
    b.fill(0.0)
    for t in range(longest, 0, -1):
        c = int(running[t - 1])
        av, bv, dv = a[:c], b[:c], d[:c]
        bv -= bv * dv
        bv += av
        av -= av * dv
        av += flows[block[t - 1] : block[t - 1] + c]
    npv = received - (a - a * d)
    v = 1.0 - d
    slope = v * v * (a + v * b)
    rate -= npv / slope
    ok = settled & np.isfinite(rate) & (rate > -1.0)
    return rate, ok, slope


def _near_boundary(x: Floats, tolerance: Floats | float) -> Bools:
    """x (in units of the quantum) within ``tolerance`` of a half unit (a half-up boundary)."""
    with np.errstate(invalid="ignore"):  # NaN for refused loans: never near
        near: Bools = np.abs(x - np.floor(x) - 0.5) < tolerance
    return near


def _round_dd(hi: Floats, lo: Floats) -> tuple[Int64s, Bools]:
    """``hi + lo`` (a double-double, in units of 1e-12 once scaled) rounded half-up, and
    whether it lies within ``_DD_AMBIGUITY`` of a half unit even at double-double precision."""
    xh, xl = dd.two_product(hi, np.full_like(hi, float(_E12)))
    xl = xl + lo * _E12
    whole = np.floor(xh)
    rest = (xh - whole) + xl  # xh − whole is exact; beyond 2**53 xh is whole and rest is xl
    rest_whole = np.floor(rest)
    fraction = rest - rest_whole
    near = np.abs(fraction - 0.5) < _DD_AMBIGUITY + 1e-20 * np.abs(xh)
    units = whole.astype(np.int64) + rest_whole.astype(np.int64) + (fraction >= 0.5)
    return units, near


def _settle(
    rec: Int64s,
    laid: Int64s,
    running: Int64s,
    block: Int64s,
    *,
    which: NDArray[np.intp],
    rate: Floats,
    periods_per_year: int,
) -> tuple[Int64s, Int64s, Bools]:
    """Rounded periodic and compound rates (1e-12 units) of the loans at sorted positions
    ``which`` (ascending), from one Newton step evaluated in double-double arithmetic; and which
    of them still lie too close to a boundary to decide (left to the domain)."""
    count = len(which)
    zero = np.zeros(count)
    r = rate[which]
    gh, gl = dd.two_sum(np.ones(count), r)
    vh, vl = dd.reciprocal(gh, gl)
    ah, al = zero.copy(), zero.copy()
    bf = zero.copy()  # float derivative Horner, enough for the slope of a tiny step
    for t in range(len(running) - 1, 0, -1):
        c = int(np.searchsorted(which, running[t - 1]))
        if c == 0:
            continue
        flows = laid[block[t - 1] + which[:c]].astype(np.float64)
        bf[:c] = bf[:c] * vh[:c] + ah[:c]
        ph, pl = dd.mul(ah[:c], al[:c], vh[:c], vl[:c])
        ah[:c], al[:c] = dd.add(ph, pl, flows, zero[:c])
    qh, ql = dd.mul(vh, vl, ah, al)
    fh, fl = dd.add(rec[which].astype(np.float64), zero, -qh, -ql)
    slope = vh * vh * (ah + vh * bf)
    step = (fh + fl) / slope
    root_h, root_l = dd.two_sum(r, -step)
    periodic, near_p = _round_dd(root_h, root_l)
    ch, cl = dd.two_sum(np.ones(count), root_h)
    cl = cl + root_l
    ph, pl = ch.copy(), cl.copy()
    for _ in range(periods_per_year - 1):
        ph, pl = dd.mul(ph, pl, ch, cl)
    ph, pl = dd.add(ph, pl, -np.ones(count), zero)
    compound, near_c = _round_dd(ph, pl)
    return periodic, compound, near_p | near_c


def _by_domain(received: int, payments: list[int], periods_per_year: int) -> tuple[int, ...]:
    """``(status, periodic, simple, compound)`` from ``apr_of_regular_flows`` itself."""
    try:
        result = apr_of_regular_flows(
            Decimal(received) / 100,
            [Decimal(p) / 100 for p in payments],
            periods_per_year=periods_per_year,
        )
    except DomainError:
        return APR_INVALID, 0, 0, 0
    figures = [int(x.scaleb(12)) for x in (result.periodic_irr, result.apr_compound)]
    if any(abs(x) * periods_per_year > INT64_MAX for x in figures):
        return APR_OUT_OF_RANGE, 0, 0, 0
    periodic, compound = figures
    return APR_OK, periodic, periodic * periods_per_year, compound


def apr_of_flows(
    received: Int64s,
    payments: Int64s,
    loan: Int64s,
    period: Int64s,
    *,
    periods_per_year: int = 12,
    validate: bool = True,
) -> AprBatch:
    """APR of each loan ``i``: ``received[i]`` fen now and, for every row with ``loan == i``,
    ``payments`` fen at period ``period`` (1..n, each once; rows in any order).  Rows that
    break that rule, or a negative payment, mark the whole chunk ``APR_INVALID``;
    ``validate=False`` skips those checks for rows known to be sound (a ``ScheduleBatch``)."""
    received = np.asarray(received, dtype=np.int64)
    payments = np.asarray(payments, dtype=np.int64)
    loan = np.asarray(loan, dtype=np.int64)
    period = np.asarray(period, dtype=np.int64)
    count_loans = len(received)
    status = np.zeros(count_loans, dtype=np.int8)
    rate_out = np.zeros(count_loans)
    periodic = np.zeros(count_loans, dtype=np.int64)
    compound = np.zeros(count_loans, dtype=np.int64)
    refined = np.zeros(count_loans, dtype=np.bool_)
    count = np.bincount(loan, minlength=count_loans).astype(np.int64)
    laid_out = None
    if len(payments) and not (validate and np.any(payments < 0)):
        laid_out = _ragged(loan, period, count, payments, validate=validate)
    if laid_out is None:
        status[:] = APR_INVALID
        return AprBatch(status, rate_out, periodic, periodic.copy(), compound, refined)
    return _solve(received, count, laid_out, periods_per_year)


def _layout(count: Int64s) -> tuple[NDArray[np.intp], Int64s, Int64s]:
    """Loans sorted by term (longest first, stable), how many run at each period, and where
    each period's block starts."""
    order = np.argsort(-count, kind="stable")
    sorted_count = count[order]
    longest = int(sorted_count[0]) if len(order) else 0
    running = np.searchsorted(-sorted_count, -np.arange(1, longest + 2), side="right")
    block = np.concatenate(([0], np.cumsum(running[:longest])))
    return order, running.astype(np.int64), block.astype(np.int64)


def _solve(
    received: Int64s,
    count: Int64s,
    laid_out: tuple[NDArray[np.intp], Int64s, Int64s, Int64s],
    periods_per_year: int,
) -> AprBatch:
    """The rates of loans whose payments are laid out period by period (``_ragged``)."""
    count_loans = len(received)
    status = np.zeros(count_loans, dtype=np.int8)
    rate_out = np.zeros(count_loans)
    periodic = np.zeros(count_loans, dtype=np.int64)
    compound = np.zeros(count_loans, dtype=np.int64)
    refined = np.zeros(count_loans, dtype=np.bool_)
    order, running, block, laid = laid_out
    paid = np.zeros(count_loans, dtype=np.int64)
    for t in range(1, len(running)):
        c = int(running[t - 1])
        paid[:c] += laid[block[t - 1] : block[t - 1] + c]
    rec = received[order]
    n = count[order]
    invalid = (rec <= 0) | (n == 0) | (paid == 0)
    zero = ~invalid & (paid == rec)  # the domain's NPV at 0 is exactly 0: rate 0
    fast = ~invalid & (paid > rec)
    recf = np.where(invalid, 1.0, rec.astype(np.float64))
    with np.errstate(all="ignore"):  # refused loans may divide by zero; they are masked
        guess = np.where(fast, _guess(recf, paid.astype(np.float64), n), 0.0)
        rate, settled, slope = _newton(recf, laid, running, block, guess)
        # The float root's error: Horner's rule over n periods (three roundings a step) and
        # the subtraction from what was received leave the NPV within (3n + 2)·eps·received
        # (Higham's bound), which moves the root by that ÷ the slope; d = ρ / (1 + ρ) adds a
        # few ulps of ρ.  Twice that is the band (tests measure well under a tenth of it).
        eps = np.finfo(np.float64).eps
        r = np.abs(rate)
        bound = 2 * eps * ((3 * n + 2) * recf / np.abs(slope) + 2 * r * (1 + r))
    rate = np.where(zero, 0.0, rate)
    fast &= settled & (rate <= _FAST_RATE_LIMIT)
    x = rate * _E12
    comp = np.expm1(periods_per_year * np.log1p(np.where(fast, rate, 0.0)))
    cx = comp * _E12
    tol_rate = _E12 * (bound + 1e-15 * np.abs(rate))
    tol_comp = _E12 * (periods_per_year * (1 + comp) * bound + 1e-15 * np.abs(comp))
    # A compound rate above ~4500 (periodic rates near 100 %) keeps no 1e-12 digits in a
    # float: settle those in double-double too.
    huge = np.abs(cx) >= 2.0**52
    close = fast & (huge | _near_boundary(x, tol_rate) | _near_boundary(cx, tol_comp))
    plain = fast & ~close
    sorted_periodic = np.where(plain, np.floor(x + 0.5), 0).astype(np.int64)
    sorted_compound = np.where(plain, np.floor(cx + 0.5), 0).astype(np.int64)
    sorted_status = np.where(invalid, APR_INVALID, APR_OK).astype(np.int8)
    sorted_refined = close | (~invalid & ~zero & ~fast)
    near = np.zeros(count_loans, dtype=np.bool_)
    if close.any():
        which = np.flatnonzero(close)
        p_close, c_close, near_close = _settle(
            rec, laid, running, block, which=which, rate=rate, periods_per_year=periods_per_year
        )
        sorted_periodic[which] = p_close
        sorted_compound[which] = c_close
        near[which] = near_close
    for s in np.flatnonzero(~invalid & ~zero & ~fast | near):
        flows = [int(laid[block[t] + s]) for t in range(int(n[s]))]
        state, p, _, c = _by_domain(int(rec[s]), flows, periods_per_year)
        sorted_status[s], sorted_periodic[s], sorted_compound[s] = state, p, c
        if not close[s]:
            rate[s] = p / _E12
    status[order] = sorted_status
    rate_out[order] = np.where(invalid, np.nan, rate)
    periodic[order] = sorted_periodic
    compound[order] = sorted_compound
    refined[order] = sorted_refined
    return AprBatch(status, rate_out, periodic, periodic * periods_per_year, compound, refined)


def apr_of_schedules(batch: ScheduleBatch, received: Int64s | None = None) -> AprBatch:
    """APR of every schedule of a batch on ``received`` fen (default: the principal, i.e.
    no upfront fee); refused schedules get ``APR_INVALID``."""
    principal = batch.total_payment - batch.total_interest
    money_in = principal if received is None else np.asarray(received, dtype=np.int64)
    money_in = np.where(batch.status == STATUS_OK, money_in, 0)
    if batch.period_major and batch.rows:
        order, running, block = _layout(batch.rows_per_loan)
        laid_out = (order, running, block, batch.row_payment)
        return _solve(money_in, batch.rows_per_loan, laid_out, 12)
    return apr_of_flows(money_in, batch.row_payment, batch.row_loan, batch.row_n, validate=False)
