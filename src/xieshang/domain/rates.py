"""Rates and day counts.

Rates in the domain are annual nominal rates as decimal fractions (``Decimal("0.18")`` is
18 %/yr).  Monthly = annual ÷ 12 and daily = annual ÷ 360 by default, as Chinese loan-contract
templates state (月利率 = 年利率 ÷ 12, 日利率 = 年利率 ÷ 360); the basis is contractual, so a loan
records its own day count.

>>> monthly_rate(Decimal("0.18"))
Decimal('0.015')
>>> daily_rate(Decimal("0.18"))
Decimal('0.0005')
>>> year_fraction(date(2024, 1, 31), date(2024, 2, 29), DayCount.THIRTY_360)
Decimal('0.08055555555555555555555555556')
"""

from __future__ import annotations

import calendar as _calendar
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from enum import Enum

from .errors import DomainError

HUNDRED = Decimal(100)


class DayCount(Enum):
    """Day-count conventions: how many years lie between two dates."""

    THIRTY_360 = "30/360"
    ACT_360 = "act/360"
    ACT_365 = "act/365"

    @classmethod
    def parse(cls, text: str) -> DayCount:
        key = text.strip().lower().replace("actual", "act").replace("_", "/")
        for member in cls:
            if member.value == key:
                return member
        raise DomainError("day_count.unknown", field="day_count", value=text)

    @property
    def days_in_year(self) -> int:
        return 365 if self is DayCount.ACT_365 else 360


def parse_rate(value: object, *, field: str = "annual_rate", percent: bool = False) -> Decimal:
    """A rate from outside input as a Decimal fraction; ``percent=True`` reads ``"9.4822"`` as
    9.4822 %.  Refuses floats, NaN, negatives and rates of 1000 %/yr or more.

    >>> parse_rate("9.4822", percent=True)
    Decimal('0.094822')
    """
    if isinstance(value, bool | float):
        raise DomainError("rate.float_refused", field=field, value=repr(value))
    text = str(value).strip().removesuffix("%").strip()
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise DomainError("rate.not_a_number", field=field, value=str(value)) from None
    if not d.is_finite():
        raise DomainError("rate.not_a_number", field=field, value=str(value))
    if percent:
        d = d / HUNDRED
    if d < 0:
        raise DomainError("rate.negative", field=field, value=str(value))
    if d >= 10:
        raise DomainError("rate.too_large", field=field, value=str(value))
    return d


def monthly_rate(annual: Decimal) -> Decimal:
    """月利率 = 年利率 ÷ 12."""
    return annual / 12


def daily_rate(annual: Decimal, day_count: DayCount = DayCount.THIRTY_360) -> Decimal:
    """日利率 = 年利率 ÷ 360 (or ÷ 365 under ACT/365)."""
    return annual / day_count.days_in_year


def annual_from_monthly(monthly: Decimal) -> Decimal:
    return monthly * 12


def annual_from_daily(daily: Decimal, day_count: DayCount = DayCount.THIRTY_360) -> Decimal:
    """0.05 %/day ↦ 18 %/yr under the ÷360 basis."""
    return daily * day_count.days_in_year


def days_30_360(start: date, end: date) -> int:
    """Days between two dates under 30/360 (US/NASD end-of-month adjustments are not used:
    the European rule, day 31 counts as 30)."""
    d1 = min(start.day, 30)
    d2 = min(end.day, 30)
    return (end.year - start.year) * 360 + (end.month - start.month) * 30 + (d2 - d1)


def day_count_days(start: date, end: date, day_count: DayCount) -> int:
    """Days of interest between ``start`` and ``end`` under ``day_count``."""
    if day_count is DayCount.THIRTY_360:
        return days_30_360(start, end)
    return (end - start).days


def year_fraction(start: date, end: date, day_count: DayCount) -> Decimal:
    """Fraction of a year between two dates under ``day_count``."""
    with localcontext() as ctx:
        ctx.prec = 28
        return Decimal(day_count_days(start, end, day_count)) / day_count.days_in_year


def add_months(anchor: date, months: int) -> date:
    """``anchor`` moved by ``months`` calendar months, clamped to the month's end and always
    measured from the anchor, so Jan 31 → Feb 28/29 → Mar 31 (never Mar 28).

    >>> [add_months(date(2024, 1, 31), k).isoformat() for k in range(1, 4)]
    ['2024-02-29', '2024-03-31', '2024-04-30']
    """
    index = anchor.month - 1 + months
    year, month = anchor.year + index // 12, index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor.day, last))


def monthly_due_dates(first_due: date, count: int) -> tuple[date, ...]:
    """``count`` monthly due dates starting at ``first_due`` with the month-end rule."""
    if count <= 0:
        raise DomainError("term.not_positive", field="months", value=count)
    return tuple(add_months(first_due, k) for k in range(count))
