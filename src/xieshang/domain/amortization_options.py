"""Schedule options and the period plan they imply: due dates, interest per period, what is due.

A schedule is built in two steps.  This module turns the loan terms and ``ScheduleOptions``
into a *period plan* — for each period (期) its due date, the dates interest runs between, the
exact interest factor, and its kind (holiday, interest grace, interest only, amortising) — and
refuses options that do not fit the term.  ``amortization`` then walks the plan with a balance.

Conventions (DESIGN.md §4):

* Due dates: ``add_months(start, k)`` for a regular first period; with an irregular
  ``first_due`` they are ``add_months(first_due, k - 1)`` (the month-end rule is measured from
  ``first_due``: a first due date of Feb 29 gives Mar 29, Apr 29, …).  ``business_day`` then
  moves each due date (e.g. to the next business day).
* Interest of a period = balance × ``rate_num`` / ``rate_den``: under 30/360 a regular month is
  annual / 12 and an irregular first period annual × 30/360-days / 360; under act/360 and
  act/365 every period is annual × actual days / 360 or 365.  Actual days run between the
  *shifted* due dates (the money is really out that long); under 30/360 a shift moves only the
  date of payment, never the interest (the contract's month stays a month).
* Kinds, by priority: a ``payment_holidays`` period is a HOLIDAY (nothing due, the period's
  interest is capitalised: added to the balance); a period within ``grace_interest`` is
  INTEREST_GRACE (nothing due, its interest is deferred and paid, without interest on it, with
  the first later period that has anything due); a period within ``grace_principal`` (or the
  interest-only window of ``Method.INTEREST_ONLY``) is INTEREST_ONLY; every other period is
  AMORTISING.  The last period is always amortising, so the loan is always paid off.

>>> periods = plan_periods(Decimal("0.12"), 3, date(2024, 1, 31), Method.ANNUITY,
...                        ScheduleOptions(grace_principal=1))
>>> [(p.due_date.isoformat(), p.kind.value) for p in periods]
[('2024-02-29', 'interest-only'), ('2024-03-31', 'amortising'), ('2024-04-30', 'amortising')]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import Enum

from .errors import DomainError
from .money import DEFAULT_ROUNDING, FEN, RoundingPolicy
from .rates import DayCount, add_months, day_count_days, parse_rate
from .schedule import Method

MAX_MONTHS = 600


@dataclass(frozen=True, slots=True)
class ScheduleOptions:
    """How a schedule deviates from the plain monthly one (all optional).

    ``first_due``: first due date (default ``add_months(start, 1)``; another date makes the
    first period broken/irregular; it must lie after ``start`` and before ``start`` + 2 months).
    ``round_payment_to``: the annuity's level payment is rounded *up* to this multiple (e.g.
    ``YUAN``); the last installment absorbs the difference.  ``grace_principal``: the first k
    periods pay interest only.  ``grace_interest``: the first k periods pay nothing; their
    interest is deferred to the first later period with a payment due (paid there in one sum,
    not capitalised).  ``payment_holidays``: 1-based period numbers with nothing due; their
    interest is capitalised (row column ``capitalised``).  ``interest_only_months``: for
    ``Method.INTEREST_ONLY``, the interest-only window (default: the whole term, principal with
    the last period; k < months repays the principal in equal parts over the last months − k
    periods).  ``business_day``: shifts each due date; interest follows the shifted dates only
    under act/360 and act/365.
    """

    first_due: date | None = None
    day_count: DayCount = DayCount.THIRTY_360
    rounding: RoundingPolicy = DEFAULT_ROUNDING
    round_payment_to: Decimal | None = None
    grace_principal: int = 0
    grace_interest: int = 0
    payment_holidays: frozenset[int] = frozenset()
    interest_only_months: int | None = None
    business_day: Callable[[date], date] | None = None


DEFAULT_OPTIONS = ScheduleOptions()


class PeriodKind(Enum):
    """What a period asks of the borrower."""

    HOLIDAY = "holiday"  # nothing due; interest capitalised
    INTEREST_GRACE = "interest-grace"  # nothing due; interest deferred to the next payment
    INTEREST_ONLY = "interest-only"  # interest due, no principal
    AMORTISING = "amortising"  # principal and interest due


@dataclass(frozen=True, slots=True)
class Period:
    """One period of the plan: interest = balance × ``rate_num`` / ``rate_den`` (kept as a
    fraction so annual / 12 is never cut to 28 digits before it meets the balance)."""

    n: int
    due_date: date
    contract_date: date  # before the business-day shift
    kind: PeriodKind
    rate_num: Decimal
    rate_den: int
    regular: bool


def _whole(value: object, field: str, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(code, field=field, value=repr(value))
    return value


def check_terms(
    principal: object, annual_rate: object, months: object
) -> tuple[Decimal, Decimal, int]:
    """Validated (principal, annual rate, months): principal > 0 in whole fen, rate ≥ 0 (a
    Decimal fraction, below 1000 %), 1 ≤ months ≤ 600.

    >>> check_terms(Decimal("100"), Decimal("0.094822"), 6)
    (Decimal('100.00'), Decimal('0.094822'), 6)
    """
    if isinstance(principal, bool) or not isinstance(principal, (Decimal, int)):
        code = "amount.float_refused" if isinstance(principal, float) else "amount.not_a_number"
        raise DomainError(code, field="principal", value=repr(principal))
    p = Decimal(principal)
    if not p.is_finite():
        raise DomainError("amount.not_a_number", field="principal", value=str(principal))
    if p <= 0:
        raise DomainError("amount.not_positive", field="principal", value=str(principal))
    if p != p.quantize(FEN):
        raise DomainError("amount.sub_fen", field="principal", value=str(principal))
    rate = parse_rate(annual_rate, field="annual_rate")
    n = _whole(months, "months", "term.not_integer")
    if n < 1:
        raise DomainError("term.not_positive", field="months", value=n)
    if n > MAX_MONTHS:
        raise DomainError("term.too_long", field="months", value=n, limit=MAX_MONTHS)
    return p.quantize(FEN), rate, n


def _not_applicable(options: ScheduleOptions, method: Method) -> None:
    """Refuse options the method has no use for, rather than silently ignoring them."""
    used = {
        "round_payment_to": method is Method.ANNUITY,
        "interest_only_months": method is Method.INTEREST_ONLY,
        "first_due": method is not Method.BULLET,
        "grace_principal": method is not Method.BULLET,
        "grace_interest": method is not Method.BULLET,
        "payment_holidays": method is not Method.BULLET,
    }
    default = DEFAULT_OPTIONS
    for name, applies in used.items():
        if not applies and getattr(options, name) != getattr(default, name):
            raise DomainError("schedule.option_not_applicable", field=name, method=method.value)


def check_options(options: ScheduleOptions, start: date, months: int, method: Method) -> None:
    """Refuse options that do not fit the term (codes name the option as ``field``)."""
    _not_applicable(options, method)
    if options.round_payment_to is not None:
        unit = options.round_payment_to
        if not isinstance(unit, Decimal) or not unit.is_finite():
            raise DomainError("amount.not_a_number", field="round_payment_to", value=repr(unit))
        if unit <= 0:
            raise DomainError(
                "rounding.multiple_not_positive", field="round_payment_to", value=str(unit)
            )
        if unit != unit.quantize(FEN):
            raise DomainError("amount.sub_fen", field="round_payment_to", value=str(unit))
    for name in ("grace_principal", "grace_interest"):
        k = _whole(getattr(options, name), name, "grace.not_integer")
        if k < 0:
            raise DomainError("grace.negative", field=name, value=k)
        if k >= months:  # the last period must repay the principal
            raise DomainError("grace.too_long", field=name, value=k, months=months)
    for p in sorted(options.payment_holidays):
        _whole(p, "payment_holidays", "holiday.not_integer")
        if not 1 <= p <= months:
            raise DomainError("holiday.out_of_term", field="payment_holidays", value=p)
        if p == months:
            raise DomainError("holiday.last_period", field="payment_holidays", value=p)
    if options.interest_only_months is not None:
        k = _whole(options.interest_only_months, "interest_only_months", "term.not_integer")
        if not 0 <= k <= months:
            raise DomainError("interest_only.out_of_term", field="interest_only_months", value=k)
    if options.first_due is not None:
        if options.first_due <= start:
            raise DomainError(
                "first_due.not_after_start", field="first_due", value=options.first_due.isoformat()
            )
        if options.first_due >= add_months(start, 2):
            raise DomainError(
                "first_due.too_late", field="first_due", value=options.first_due.isoformat()
            )


def is_regular_first(start: date, options: ScheduleOptions) -> bool:
    """True when the first period is a whole month (no broken period)."""
    return options.first_due is None or options.first_due == add_months(start, 1)


def shift(d: date, options: ScheduleOptions) -> date:
    """The due date after the optional business-day shift."""
    if options.business_day is None:
        return d
    moved = options.business_day(d)
    if not isinstance(moved, date):
        raise DomainError("business_day.bad_shift", field="business_day", value=repr(moved))
    return moved


def _kinds(months: int, method: Method, options: ScheduleOptions) -> list[PeriodKind]:
    interest_only = options.grace_principal
    if method is Method.INTEREST_ONLY:
        window = months if options.interest_only_months is None else options.interest_only_months
        interest_only = max(interest_only, min(window, months - 1))
    kinds: list[PeriodKind] = []
    for n in range(1, months + 1):
        if n in options.payment_holidays:
            kinds.append(PeriodKind.HOLIDAY)
        elif n <= options.grace_interest:
            kinds.append(PeriodKind.INTEREST_GRACE)
        elif n <= interest_only:
            kinds.append(PeriodKind.INTEREST_ONLY)
        else:
            kinds.append(PeriodKind.AMORTISING)
    return kinds


def _times(rate: Decimal, days: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50  # exact for any rate a contract states
        return rate * days


def plan_periods(
    annual_rate: Decimal, months: int, start: date, method: Method, options: ScheduleOptions
) -> tuple[Period, ...]:
    """The validated period plan of a monthly schedule (not used by the bullet)."""
    check_options(options, start, months, method)
    regular_first = is_regular_first(start, options)
    first_due = options.first_due
    # The month-end rule is measured from the anchor: start for a regular first period.
    anchor, offset = (start, 1) if first_due is None or regular_first else (first_due, 0)
    contractual = [add_months(anchor, k + offset) for k in range(months)]
    due = [shift(d, options) for d in contractual]
    previous = start
    for d in due:
        if d <= previous:
            raise DomainError("business_day.bad_shift", field="business_day", value=d.isoformat())
        previous = d
    kinds = _kinds(months, method, options)
    dc = options.day_count
    periods: list[Period] = []
    for i in range(months):
        regular = i > 0 or regular_first
        if dc is DayCount.THIRTY_360:
            if regular:
                num, den = annual_rate, 12
            else:
                num, den = _times(annual_rate, day_count_days(start, contractual[0], dc)), 360
        else:
            begin = start if i == 0 else due[i - 1]
            num, den = _times(annual_rate, (due[i] - begin).days), dc.days_in_year
        periods.append(Period(i + 1, due[i], contractual[i], kinds[i], num, den, regular))
    return tuple(periods)
