"""Repayment schedules by method: 等额本息 (annuity), 等额本金 (equal principal), 先息后本
(interest only) and 到期一次还本付息 (bullet), exact to the fen.

Every period's interest is balance × period rate, rounded to the fen by the policy in that
period (see ``amortization_options`` for period rates, due dates and option semantics).  What
rounding leaves over goes to the **last** installment, which pays off the exact remaining
balance, so every schedule sums exactly (DESIGN.md §4) and passes ``validate_schedule``.

* Annuity: the level payment comes from the annuity formula on the monthly rate (annual / 12),
  over the amortising periods, rounded by the policy (or *up* to ``round_payment_to``);
  principal = level − that period's interest.  With payment holidays the level is the one that
  still repays the capitalised balance (one level for all amortising periods).  The level is
  sized on whole months even when a period is broken or counted in actual days: the principal
  absorbs the difference, and a period whose interest alone exceeds the level pays just its
  interest (``note.payment_below_interest``).  If rounding the level up would repay the loan
  before its last installment (tiny principals over long terms), the level is rounded down to
  the fen instead (``note.level_rounded_down``); with ``round_payment_to`` that is refused.
* Equal principal: the principal is split with ``split_evenly`` over the amortising periods
  (remainder to the last); after a payment holiday the grown balance is split again over the
  amortising periods left.
* Interest only: interest each period, the principal with the last (or, with
  ``interest_only_months`` < months, in equal parts over the periods after the window).
* Bullet: one payment ``months`` after ``start`` of principal + simple interest for the whole
  term (30/360: annual × months / 12; act/360, act/365: actual days).  It has no periods, so
  ``first_due``, grace, holidays and ``round_payment_to`` are refused
  (``schedule.option_not_applicable``), as is any option a method has no use for.

The remainder-to-the-last rule has a price at extreme terms: a level rounded by under half a
fen, compounded over 360 months at 36 %/yr, moves the last installment by thousands of yuan
(1,000,000 at 36 % over 360 months: level 30000.72, last 26041.63).

>>> s = build_schedule(Decimal("100"), Decimal("0.094822"), 6, date(2024, 1, 1), Method.ANNUITY)
>>> [str(r.interest) for r in s.rows]
['0.79', '0.66', '0.53', '0.40', '0.27', '0.13']
>>> str(s.regular_payment), str(s.rows[-1].payment)
('17.13', '17.13')
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_FLOOR, Decimal, localcontext

from .amortization_options import (
    DEFAULT_OPTIONS,
    Period,
    PeriodKind,
    ScheduleOptions,
    check_options,
    check_terms,
    plan_periods,
    shift,
)
from .errors import DomainError
from .money import FEN, ZERO, RoundingPolicy, round_money, round_up_to_multiple, split_evenly
from .rates import DayCount, add_months
from .schedule import Installment, Method, Schedule, validate_schedule

__all__ = [
    "ScheduleOptions",
    "annuity_payment",
    "annuity_schedule",
    "build_schedule",
    "bullet_schedule",
    "equal_principal_schedule",
    "interest_only_schedule",
]

_PRECISION = 50


def annuity_payment(principal: Decimal, monthly_rate: Decimal, months: int) -> Decimal:
    """The exact level payment P·r / (1 − (1 + r)^−n), not rounded; P / n when r = 0.

    >>> round_money(annuity_payment(Decimal("100"), Decimal("0.094822") / 12, 6))
    Decimal('17.13')
    >>> annuity_payment(Decimal("1000"), Decimal("0"), 4)
    Decimal('250')
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise DomainError("term.not_positive", field="months", value=repr(months))
    if monthly_rate < 0:
        raise DomainError("rate.negative", field="monthly_rate", value=str(monthly_rate))
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if monthly_rate == 0:
            return principal / months
        growth = (1 + monthly_rate) ** months
        if growth == 1:  # a rate too small to register at this precision is a zero rate
            return principal / months
        return principal * monthly_rate * growth / (growth - 1)


def _level_payment(principal: Decimal, annual_rate: Decimal, periods: Sequence[Period]) -> Decimal:
    """Exact level payment that repays ``principal`` over the amortising periods, with the
    interest of holidays capitalised, on the monthly rate (one level for the whole plan)."""
    kinds = [p.kind for p in periods]
    amortising = kinds.count(PeriodKind.AMORTISING)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        r = annual_rate / 12
        if PeriodKind.HOLIDAY not in kinds:
            return annuity_payment(principal, r, amortising)
        # Walk back from the end: growth = ∏(1 + r) over later accruing periods, weights =
        # Σ growth at each payment; then P · growth_total = X · weights.
        growth, weights = Decimal(1), Decimal(0)
        for kind in reversed(kinds):
            if kind is PeriodKind.AMORTISING:
                weights += growth
                growth *= 1 + r
            elif kind is PeriodKind.HOLIDAY:
                growth *= 1 + r
        return principal * growth / weights


def _interest(balance: Decimal, period: Period, policy: RoundingPolicy) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        exact = balance * period.rate_num / period.rate_den
    return round_money(exact, policy)


class _PaidOffEarlyError(Exception):
    """The level payment would repay the loan before its last installment."""


def _walk(
    principal: Decimal, periods: Sequence[Period], policy: RoundingPolicy, level: Decimal | None
) -> tuple[tuple[Installment, ...], bool]:
    """Rows of a monthly schedule; ``level`` None means equal principal.  Also returns whether
    some period's interest exceeded the level (it then paid just its interest)."""
    rows: list[Installment] = []
    balance, deferred = principal, ZERO
    shares: list[Decimal] = []
    resplit = True
    left = sum(1 for p in periods if p.kind is PeriodKind.AMORTISING)
    below = False
    last = len(periods)
    for p in periods:
        accrued = _interest(balance, p, policy)
        if p.kind is PeriodKind.HOLIDAY:
            balance += accrued
            rows.append(
                Installment(p.n, p.due_date, ZERO, ZERO, ZERO, balance, capitalised=accrued)
            )
            resplit = True
            continue
        if p.kind is PeriodKind.INTEREST_GRACE:
            deferred += accrued
            rows.append(Installment(p.n, p.due_date, ZERO, ZERO, ZERO, balance))
            continue
        interest, deferred = accrued + deferred, ZERO
        if p.kind is PeriodKind.INTEREST_ONLY:
            part = ZERO
        elif p.n == last:
            part = balance
        elif level is not None:
            below = below or accrued > level
            part = max(level - accrued, ZERO)
        else:
            if resplit:
                shares, resplit = list(split_evenly(balance, left)), False
            part = shares.pop(0)
        if p.kind is PeriodKind.AMORTISING:
            left -= 1
        if p.n != last and part > 0 and part >= balance:
            raise _PaidOffEarlyError
        balance -= part
        rows.append(Installment(p.n, p.due_date, part + interest, part, interest, balance))
    return tuple(rows), below


def _notes(periods: Sequence[Period], options: ScheduleOptions) -> list[str]:
    notes = []
    if not periods[0].regular:
        notes.append("note.irregular_first_period")
    if options.grace_interest:
        notes.append("note.interest_deferred")
    if options.payment_holidays:
        notes.append("note.interest_capitalised")
    if any(p.due_date != p.contract_date for p in periods):
        notes.append("note.due_dates_shifted")
    return notes


def _finish(schedule: Schedule) -> Schedule:
    if validate_schedule(schedule):  # never expected: the walk keeps every invariant
        raise DomainError("schedule.internal_inconsistency", field="rows")
    return schedule


def annuity_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    start: date,
    options: ScheduleOptions = DEFAULT_OPTIONS,
) -> Schedule:
    """等额本息: a level payment each amortising period, the last pays off the remainder.

    >>> s = annuity_schedule(Decimal("280000"), Decimal("0.084"), 20, date(2024, 1, 1),
    ...                      ScheduleOptions(round_payment_to=Decimal("1")))
    >>> str(s.regular_payment), str(s.rows[-1].payment)
    ('15052.00', '15046.06')
    """
    p, rate, n = check_terms(principal, annual_rate, months)
    periods = plan_periods(rate, n, start, Method.ANNUITY, options)
    exact = _level_payment(p, rate, periods)
    notes = _notes(periods, options)
    unit = options.round_payment_to
    if unit is not None:
        level = round_up_to_multiple(exact, unit)
        notes.append("note.payment_rounded_up")
    else:
        level = round_money(exact, options.rounding)
    try:
        rows, below = _walk(p, periods, options.rounding, level)
    except _PaidOffEarlyError:
        floor = exact.quantize(FEN, rounding=ROUND_FLOOR)
        if unit is not None or floor == level:
            raise DomainError(
                "schedule.payment_exceeds_balance",
                field="round_payment_to" if unit is not None else "months",
                payment=str(level),
            ) from None
        try:
            rows, below = _walk(p, periods, options.rounding, floor)
        except _PaidOffEarlyError:
            raise DomainError(
                "schedule.payment_exceeds_balance", field="months", payment=str(floor)
            ) from None
        notes.append("note.level_rounded_down")
    if below:
        notes.append("note.payment_below_interest")
    return _finish(Schedule(p, rate, start, Method.ANNUITY, rows, tuple(notes)))


def _principal_split(
    method: Method,
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    start: date,
    *,
    options: ScheduleOptions,
) -> Schedule:
    p, rate, n = check_terms(principal, annual_rate, months)
    periods = plan_periods(rate, n, start, method, options)
    rows, _ = _walk(p, periods, options.rounding, None)  # shares never overpay: no retry
    notes = _notes(periods, options)
    return _finish(Schedule(p, rate, start, method, rows, tuple(notes)))


def equal_principal_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    start: date,
    options: ScheduleOptions = DEFAULT_OPTIONS,
) -> Schedule:
    """等额本金: equal principal each amortising period (remainder to the last) plus interest.

    >>> s = equal_principal_schedule(Decimal("100"), Decimal("0.12"), 3, date(2024, 1, 1))
    >>> [(str(r.principal), str(r.interest)) for r in s.rows]
    [('33.33', '1.00'), ('33.33', '0.67'), ('33.34', '0.33')]
    """
    return _principal_split(
        Method.EQUAL_PRINCIPAL, principal, annual_rate, months, start, options=options
    )


def interest_only_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    start: date,
    options: ScheduleOptions = DEFAULT_OPTIONS,
) -> Schedule:
    """先息后本: interest each period, the principal with the last.

    >>> s = interest_only_schedule(Decimal("1000"), Decimal("0.12"), 3, date(2024, 1, 1))
    >>> [str(r.payment) for r in s.rows]
    ['10.00', '10.00', '1010.00']
    """
    return _principal_split(
        Method.INTEREST_ONLY, principal, annual_rate, months, start, options=options
    )


def bullet_schedule(
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    start: date,
    options: ScheduleOptions = DEFAULT_OPTIONS,
) -> Schedule:
    """到期一次还本付息: principal + simple interest for the whole term, once, at maturity.

    >>> s = bullet_schedule(Decimal("1000"), Decimal("0.12"), 6, date(2024, 1, 1))
    >>> s.rows[0].due_date.isoformat(), str(s.rows[0].interest), str(s.rows[0].payment)
    ('2024-07-01', '60.00', '1060.00')
    """
    p, rate, n = check_terms(principal, annual_rate, months)
    check_options(options, start, n, Method.BULLET)
    maturity = add_months(start, n)
    due = shift(maturity, options)
    if due <= start:
        raise DomainError("business_day.bad_shift", field="business_day", value=due.isoformat())
    dc = options.day_count
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if dc is DayCount.THIRTY_360:
            exact = p * rate * n / 12
        else:
            exact = p * rate * (due - start).days / dc.days_in_year
    interest = round_money(exact, options.rounding)
    notes = ("note.due_dates_shifted",) if due != maturity else ()
    row = Installment(1, due, p + interest, p, interest, ZERO)
    return _finish(Schedule(p, rate, start, Method.BULLET, (row,), notes))


_BUILDERS = {
    Method.ANNUITY: annuity_schedule,
    Method.EQUAL_PRINCIPAL: equal_principal_schedule,
    Method.INTEREST_ONLY: interest_only_schedule,
    Method.BULLET: bullet_schedule,
}


def build_schedule(  # noqa: PLR0917 - the positional order is the published API
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    start: date,
    method: Method,
    options: ScheduleOptions = DEFAULT_OPTIONS,
) -> Schedule:
    """The schedule of ``method``; ``Method.MANUAL`` needs rows (``manual_schedule``).

    >>> s = build_schedule(Decimal("3000"), Decimal("0"), 3, date(2023, 7, 1),
    ...                    Method.EQUAL_PRINCIPAL)
    >>> [(r.due_date.isoformat(), str(r.payment)) for r in s.rows]
    [('2023-08-01', '1000.00'), ('2023-09-01', '1000.00'), ('2023-10-01', '1000.00')]
    """
    builder = _BUILDERS.get(method)
    if builder is None:
        raise DomainError("method.manual_needs_rows", field="method", value=method.value)
    return builder(principal, annual_rate, months, start, options)
