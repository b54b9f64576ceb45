"""True annualised rate (APR) of a loan: the IRR of the money the borrower actually had.

PBoC Announcement 〔2021〕 No. 3 asks lenders to state the annualised rate of **all** costs over
the principal the borrower really has the use of, by the IRR method; a simple figure must be
labelled 单利.  So the rate here is the internal rate of return of the borrower's cash flows:
money received (net of upfront fees and interest deducted in advance, 砍头息) against every
payment (principal, interest and fees), reported two ways:

* ``apr_simple``  = periodic IRR × periods per year (单利, what most contracts quote), and
* ``apr_compound`` = (1 + periodic IRR) ** periods per year − 1 (the effective annual rate).

Conventions:

* **Signs.**  Money the borrower receives is positive, payments negative.  The rate does not
  depend on the orientation (the lender's view, every sign flipped, has the same roots), so
  ``irr`` and ``xirr`` accept either, as long as the flows change sign at least once.
* **Which root.**  A flow sequence with one sign change (an ordinary loan) has exactly one
  IRR.  With several sign changes there may be several; we report the smallest root ≥ 0, or if
  there is none the negative root nearest to 0, and add the warning
  ``apr.multiple_sign_changes`` (see ``xieshang.domain.solver``).
* **Precision.**  The solver works to 1e-15 on the rate with 40 significant digits; every rate
  returned is rounded half-up to 12 decimal places (``RATE_QUANTUM`` = 1e-12, i.e. 1e-10
  percentage points).  ``apr_simple`` is exactly ``periodic_irr × periods_per_year`` of the
  rounded periodic rate; ``apr_compound`` is computed from the unrounded rate, then rounded.
* **Dates.**  ``xirr`` uses ACT/365: a flow ``d`` days after the earliest one is discounted by
  ``(1 + rate) ** (d / 365)``, as Excel's XIRR and pyxirr do.

>>> r = apr_of_regular_flows(Decimal(1000), [Decimal("88.85")] * 12)
>>> r.apr_simple.quantize(Decimal("0.0001")), r.apr_compound.quantize(Decimal("0.0001"))
(Decimal('0.1200'), Decimal('0.1269'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from .errors import DomainError
from .money import ZERO
from .rates import add_months, monthly_due_dates
from .schedule import Schedule
from .solver import PRECISION, find_unit_rate, sign_changes

RATE_QUANTUM = Decimal("1e-12")
DAYS_PER_YEAR = 365  # ACT/365, the XIRR convention

MULTIPLE_SIGN_CHANGES = "apr.multiple_sign_changes"
NEGATIVE_RATE = "apr.negative_rate"


@dataclass(frozen=True, slots=True)
class AprResult:
    """The annualised rate of one cash-flow sequence, in both forms the PBoC rule names.

    ``warnings`` holds codes: ``apr.multiple_sign_changes`` (several IRRs may exist; the one
    reported is the smallest ≥ 0, else the negative one nearest 0) and ``apr.negative_rate``
    (the borrower pays back less than received).
    """

    periodic_irr: Decimal
    periods_per_year: int
    apr_simple: Decimal
    apr_compound: Decimal
    sign_changes: int
    warnings: tuple[str, ...]


def _rounded(rate: Decimal) -> Decimal:
    with localcontext() as ctx:
        # Enough digits for 12 decimals even on absurd compound rates such as 1.2 ** 365.
        ctx.prec = max(PRECISION, rate.adjusted() + 14)
        return rate.quantize(RATE_QUANTUM, rounding=ROUND_HALF_UP)


def _amount(value: object, field: str) -> Decimal:
    """A flow amount as a finite Decimal; floats are refused as on every money path."""
    if isinstance(value, bool | float):
        raise DomainError("amount.float_refused", field=field, value=repr(value))
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError("amount.not_a_number", field=field, value=repr(value))
    return value


def _checked(amounts: Sequence[object], field: str) -> list[Decimal]:
    if len(amounts) == 0:
        raise DomainError("apr.empty_flows", field=field)
    out = [_amount(a, field) for a in amounts]
    if sign_changes(out) == 0:
        raise DomainError("apr.no_sign_change", field=field)
    return out


def _irr_unrounded(flows: Sequence[Decimal]) -> tuple[Decimal, int]:
    amounts = _checked(flows, "flows")
    rate = find_unit_rate(list(enumerate(amounts)))
    return rate, sign_changes(amounts)


def _day_offsets(flows: Sequence[tuple[date, Decimal]]) -> list[tuple[int, Decimal]]:
    """Flows as ``(days after the earliest date, amount)``, sorted, same-day flows netted."""
    if len(flows) == 0:
        raise DomainError("apr.empty_flows", field="flows")
    days: list[date] = []
    for when, _ in flows:
        if not isinstance(when, date):
            raise DomainError("apr.not_a_date", field="flows", value=repr(when))
        days.append(when.date() if isinstance(when, datetime) else when)
    amounts = [_amount(a, "flows") for _, a in flows]
    first = min(days)
    netted: dict[int, Decimal] = {}
    for when, amount in zip(days, amounts, strict=True):
        offset = (when - first).days
        netted[offset] = netted.get(offset, Decimal(0)) + amount
    return sorted(netted.items())


def _daily_rate(flows: Sequence[tuple[date, Decimal]]) -> tuple[Decimal, int]:
    """The rate per day that zeroes the NPV (unrounded), and the sign changes of the flows."""
    offsets = _day_offsets(flows)
    changes = sign_changes([a for _, a in offsets])
    if changes == 0:
        raise DomainError("apr.no_sign_change", field="flows")
    return find_unit_rate(offsets, units_per_period=DAYS_PER_YEAR), changes


def _compounded(rate: Decimal, periods: int | Decimal) -> Decimal:
    """(1 + rate) ** periods − 1 at working precision; via ln/exp for fractional periods."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        if isinstance(periods, int):
            return (1 + rate) ** periods - 1
        return ((1 + rate).ln() * periods).exp() - 1


def irr(flows: Sequence[Decimal]) -> Decimal:
    """The rate ``r`` per period with Σ flows[t] / (1 + r) ** t = 0 (``flows[0]`` at t = 0),
    rounded to 1e-12.

    >>> irr([Decimal(-100), Decimal(60), Decimal(60)])
    Decimal('0.130662386292')
    """
    return _rounded(_irr_unrounded(flows)[0])


def xirr(flows: Sequence[tuple[date, Decimal]]) -> Decimal:
    """The annual effective rate ``x`` with Σ amount / (1 + x) ** (days / 365) = 0, days counted
    from the earliest date (ACT/365, as Excel and pyxirr), rounded to 1e-12.

    >>> xirr([(date(2023, 1, 1), Decimal(-1000)), (date(2024, 1, 1), Decimal(1100))])
    Decimal('0.100000000000')
    """
    return _rounded(_compounded(_daily_rate(flows)[0], DAYS_PER_YEAR))


def _warnings(rate: Decimal, changes: int) -> tuple[str, ...]:
    found = []
    if changes > 1:
        found.append(MULTIPLE_SIGN_CHANGES)
    if rate < 0:
        found.append(NEGATIVE_RATE)
    return tuple(found)


def _result(periodic: Decimal, periods_per_year: int, changes: int) -> AprResult:
    with localcontext() as ctx:
        ctx.prec = PRECISION
        rounded = _rounded(periodic)
        return AprResult(
            periodic_irr=rounded,
            periods_per_year=periods_per_year,
            apr_simple=rounded * periods_per_year,
            apr_compound=_rounded(_compounded(periodic, periods_per_year)),
            sign_changes=changes,
            warnings=_warnings(periodic, changes),
        )


def apr_of_regular_flows(
    received: Decimal, payments: Sequence[Decimal], *, periods_per_year: int = 12
) -> AprResult:
    """APR of ``received`` now against one payment per period (``periods_per_year`` a year).

    ``payments`` are the amounts paid, given either all ≥ 0 (amounts) or all ≤ 0 (cash flows);
    a zero is a period without payment (grace).  ``received`` must be positive.

    >>> r = apr_of_regular_flows(Decimal(99000), [Decimal("8833.30")] * 12)
    >>> r.periodic_irr, r.apr_simple, r.apr_compound
    (Decimal('0.010669834876'), Decimal('0.128038018512'), Decimal('0.135825576327'))
    """
    if isinstance(periods_per_year, bool) or not isinstance(periods_per_year, int):
        raise DomainError("apr.periods_per_year_invalid", field="periods_per_year")
    if periods_per_year <= 0:
        raise DomainError(
            "apr.periods_per_year_invalid", field="periods_per_year", value=periods_per_year
        )
    cash = _amount(received, "received")
    if cash <= 0:
        raise DomainError("apr.received_not_positive", field="received", value=str(cash))
    if len(payments) == 0:
        raise DomainError("apr.empty_flows", field="payments")
    paid = [_amount(p, "payments") for p in payments]
    if any(p > 0 for p in paid) and any(p < 0 for p in paid):
        raise DomainError("apr.mixed_payment_signs", field="payments")
    periodic, changes = _irr_unrounded([cash, *(-abs(p) for p in paid)])
    return _result(periodic, periods_per_year, changes)


def apr_of_dated_flows(flows: Sequence[tuple[date, Decimal]]) -> AprResult:
    """APR of dated flows by XIRR: ``apr_compound`` is the XIRR itself, ``periodic_irr`` its
    monthly equivalent (1 + xirr) ** (1/12) − 1 and ``apr_simple`` = 12 × that.

    >>> flows = [(date(2023, 1, 1), Decimal(1000)), (date(2024, 1, 1), Decimal(-1100))]
    >>> r = apr_of_dated_flows(flows)
    >>> r.apr_compound, r.periodic_irr, r.apr_simple
    (Decimal('0.100000000000'), Decimal('0.007974140429'), Decimal('0.095689685148'))
    """
    daily, changes = _daily_rate(flows)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        # From the daily rate, not from the XIRR: near −100 % the XIRR has lost the digits.
        rounded = _rounded(_compounded(daily, Decimal(DAYS_PER_YEAR) / 12))
        return AprResult(
            periodic_irr=rounded,
            periods_per_year=12,
            apr_simple=rounded * 12,
            apr_compound=_rounded(_compounded(daily, DAYS_PER_YEAR)),
            sign_changes=changes,
            warnings=_warnings(daily, changes),
        )


def is_monthly_sequence(start: date, due_dates: Sequence[date]) -> bool:
    """True when the due dates fall one calendar month apart starting one month after
    ``start`` — either counted from ``start`` (Jan 31 → Feb 29 → Mar 31) or from the first
    due date (Jan 30 → Feb 29 → Mar 29); then each period is one twelfth of a year.

    >>> is_monthly_sequence(date(2024, 1, 31), [date(2024, 2, 29), date(2024, 3, 31)])
    True
    >>> is_monthly_sequence(date(2024, 1, 15), [date(2024, 3, 1), date(2024, 4, 1)])
    False
    """
    if not due_dates:
        return False
    from_start = tuple(add_months(start, k) for k in range(1, len(due_dates) + 1))
    if tuple(due_dates) == from_start:
        return True
    return tuple(due_dates) == monthly_due_dates(from_start[0], len(due_dates))


def apr_of_schedule(
    schedule: Schedule, *, upfront_fees: Decimal = ZERO, deducted_interest: Decimal = ZERO
) -> AprResult:
    """APR of a schedule on the money actually received:
    ``schedule.principal − upfront_fees − deducted_interest`` (砍头息 counts as never lent,
    Civil Code Art. 670).  Every row's ``payment`` — principal, interest and any fee in the
    row — is a payment.  When the due dates are a monthly sequence from the start
    (``is_monthly_sequence``) the regular monthly IRR is used (ppy 12); otherwise the
    dated flows go through XIRR (``apr_of_dated_flows``).

    >>> from xieshang.domain.schedule import Installment, Method
    >>> rows = (Installment(1, date(2024, 2, 1), Decimal("1100.00"), Decimal("1000.00"),
    ...                     Decimal("100.00"), Decimal("0.00")),)
    >>> s = Schedule(Decimal("1000.00"), Decimal("1.2"), date(2024, 1, 1), Method.BULLET, rows)
    >>> apr_of_schedule(s, upfront_fees=Decimal("100.00")).apr_simple
    Decimal('2.666666666664')
    """
    if not schedule.rows:
        raise DomainError("apr.empty_flows", field="rows")
    fees = _amount(upfront_fees, "upfront_fees")
    deducted = _amount(deducted_interest, "deducted_interest")
    if fees < 0:
        raise DomainError("amount.negative", field="upfront_fees", value=str(fees))
    if deducted < 0:
        raise DomainError("amount.negative", field="deducted_interest", value=str(deducted))
    received = schedule.principal - fees - deducted
    if received <= 0:
        raise DomainError("apr.nothing_received", field="upfront_fees", value=str(received))
    if is_monthly_sequence(schedule.start, [r.due_date for r in schedule.rows]):
        return apr_of_regular_flows(received, [r.payment for r in schedule.rows])
    return apr_of_dated_flows(schedule.dated_flows(received=received))
