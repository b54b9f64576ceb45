"""Stateless calculations a user asks for directly: a schedule, an APR.

Plain values in, domain values out; the faces parse and present.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from xieshang.data.holidays import load_holiday_calendar
from xieshang.domain.amortization import ScheduleOptions, build_schedule
from xieshang.domain.apr import AprResult, apr_of_dated_flows, apr_of_regular_flows
from xieshang.domain.calendar import BUSINESS_DAY_RULES
from xieshang.domain.errors import DomainError
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method, Schedule


def compute_schedule(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    months: int,
    method: Method,
    start: date,
    day_count: DayCount = DayCount.THIRTY_360,
    first_due: date | None = None,
    round_to: Decimal | None = None,
    business_day_rule: str = "none",
) -> Schedule:
    """A schedule; with a ``business_day_rule`` other than "none", due dates falling on a
    weekend or public holiday move by the Chinese calendar (调休 included), and a schedule
    that relied on provisional holiday data says so in its notes."""
    calendar = load_holiday_calendar()
    if business_day_rule not in BUSINESS_DAY_RULES:
        raise DomainError("calendar.unknown_rule", field="business_day", value=business_day_rule)
    provisional: list[bool] = []

    def shift(d: date) -> date:
        moved, flagged = calendar.shift_with_flag(d, business_day_rule)
        provisional.append(flagged or calendar.is_provisional(d))
        return moved

    options = ScheduleOptions(
        first_due=first_due,
        day_count=day_count,
        round_payment_to=round_to,
        business_day=None if business_day_rule == "none" else shift,
    )
    schedule = build_schedule(principal, annual_rate, months, start, method, options)
    if any(provisional):
        schedule = replace(schedule, notes=(*schedule.notes, "note.provisional_holidays"))
    return schedule


def compute_apr_regular(
    principal: Decimal, upfront_fee: Decimal, payment: Decimal, months: int
) -> AprResult:
    """APR of ``months`` level payments on ``principal − upfront_fee`` actually received."""
    if months <= 0:
        raise DomainError("term.not_positive", field="months", value=months)
    if upfront_fee >= principal:
        raise DomainError(
            "apr.fee_not_below_principal", field="upfront_fee", value=str(upfront_fee)
        )
    return apr_of_regular_flows(principal - upfront_fee, [payment] * months)


def compute_apr_dated(flows: Sequence[tuple[date, Decimal]]) -> AprResult:
    return apr_of_dated_flows(flows)
