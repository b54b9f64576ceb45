"""Loan positions and hand arithmetic shared by the proposal tests (unit, property, oracle).

``owing`` is the position most tests start from: principal not yet due over the months left,
the next installment a calendar month after ``as_of``; every other item is a keyword.  The
date is worked out here, not by the code under test.

>>> p = owing("1200", "0.12", 12, overdue_principal="300")
>>> p.next_due, p.total_owed
(datetime.date(2024, 2, 1), Decimal('1500.00'))
>>> fen(Fraction(1, 200)), fen(Fraction(-1, 200))
(Decimal('0.01'), Decimal('-0.01'))
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from xieshang.domain.proposals import LoanPosition, loan_position

JAN_1 = date(2024, 1, 1)


def fen(x: Fraction) -> Decimal:
    """Half-up to the fen (away from zero on a tie), from an exact Fraction."""
    exact = Decimal(x.numerator) / Decimal(x.denominator)
    return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def a_month_after(day: date) -> date:
    """The same day of the next month (days up to the 28th only: no month-end rule here)."""
    if day.day > 28:
        raise ValueError(f"no month-end rule in the tests' own dates: {day}")
    return date(day.year + day.month // 12, day.month % 12 + 1, day.day)


def owing(
    principal: str,
    annual_rate: str,
    months: int,
    *,
    as_of: date = JAN_1,
    next_due: date | None = None,
    **items: Any,
) -> LoanPosition:
    """``principal`` not yet due over ``months`` installments at ``annual_rate``, the next
    one due ``next_due`` (a month after ``as_of`` by default); ``items`` are the other
    arguments of ``loan_position`` (overdue amounts, method, contract schedule…)."""
    return loan_position(
        as_of=as_of,
        outstanding_principal=principal,
        annual_rate=annual_rate,
        remaining_months=months,
        next_due=a_month_after(as_of) if next_due is None else next_due,
        **items,
    )
