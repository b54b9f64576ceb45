"""Overdue charges (罚息, 逾期利息, 违约金) and the cap they share.

Overdue interest runs by the day on each overdue amount from its due date to ``as_of``, at
the contract's penalty rate and day count (default ACT/360: 日利率 = 年利率 ÷ 360, so
0.05 %/day = 18 %/yr).  Each item's interest is rounded half-up to the fen **once**, on its
whole period (not day by day: daily rounding would drift by up to half a fen a day).

For private lending, overdue interest, 违约金 and other fees are capped **together** at the
regime's cap (4 × LPR; SPC private-lending rule Arts. 28–29); financial institutions' charges
together at the 24 % line.  Pass the cap from the loan's assessment
(``LegalAssessment.cap_on(as_of)``; ``accrue_for_loan`` does).  The cap allows, per item,
``overdue amount × (cap − contract_interest_rate) × actual days / 365`` rounded to the fen:
``contract_interest_rate`` is the part of the cap already used by contract interest that keeps
running on the same amount (ZERO when the penalty rate replaces the contract rate).

>>> a = accrue_overdue([(date(2025, 1, 1), Decimal("10000"))], date(2025, 2, 15),
...                    annual_rate=Decimal("0.18"), cap=Decimal("0.154"))
>>> a.rows[0].days, a.total, a.allowed, a.capped_total, a.above_cap
(45, Decimal('225.00'), Decimal('189.86'), Decimal('189.86'), Decimal('35.14'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from .errors import DomainError
from .law import DAYS_PER_YEAR, LegalAssessment
from .loan import Loan
from .money import ZERO, money, round_money, total
from .rates import DayCount, day_count_days


@dataclass(frozen=True, slots=True)
class PenaltyRow:
    """One overdue amount: days overdue (by the contract's day count), the overdue interest,
    and the charges the cap allows on it (None without a cap)."""

    due_date: date
    overdue_amount: Decimal
    days: int
    amount: Decimal
    allowed: Decimal | None


@dataclass(frozen=True, slots=True)
class PenaltyAccrual:
    """``total`` = overdue interest + 违约金 + fees; ``capped_total`` = what the cap leaves
    enforceable (min of ``total`` and ``allowed``); ``above_cap`` = the rest."""

    rows: tuple[PenaltyRow, ...]
    interest: Decimal
    default_charge: Decimal
    fees: Decimal
    total: Decimal
    cap: Decimal | None
    allowed: Decimal | None
    capped_total: Decimal
    above_cap: Decimal


def _rate(value: Decimal, field: str) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError("rate.not_a_number", field=field, value=repr(value))
    if value < 0:
        raise DomainError("rate.negative", field=field, value=str(value))
    return value


def accrue_overdue(
    items: Sequence[tuple[date, Decimal]],
    as_of: date,
    *,
    annual_rate: Decimal,
    day_count: DayCount = DayCount.ACT_360,
    default_charge: Decimal = ZERO,
    fees: Decimal = ZERO,
    cap: Decimal | None = None,
    contract_interest_rate: Decimal = ZERO,
) -> PenaltyAccrual:
    """Overdue interest per ``(due date, overdue amount)`` up to ``as_of``, plus ``default_charge``
    (违约金) and other overdue ``fees``, tested together against ``cap``.

    An item not yet due by ``as_of`` accrues nothing.

    >>> a = accrue_overdue([(date(2025, 1, 1), Decimal("10000"))], date(2025, 2, 15),
    ...                    annual_rate=Decimal("0.10"), cap=Decimal("0.154"))
    >>> a.total, a.above_cap
    (Decimal('125.00'), Decimal('0.00'))
    """
    rate = _rate(annual_rate, "annual_rate")
    used = _rate(contract_interest_rate, "contract_interest_rate")
    line = None if cap is None else _rate(cap, "cap")
    charge = money(default_charge, field="default_charge", allow_negative=False)
    other = money(fees, field="fees", allow_negative=False)
    rows: list[PenaltyRow] = []
    with localcontext() as ctx:
        ctx.prec = 40
        for due, raw in items:
            amount = money(raw, field="items", allow_negative=False)
            overdue = as_of > due
            days = day_count_days(due, as_of, day_count) if overdue else 0
            actual = (as_of - due).days if overdue else 0
            interest = round_money(amount * rate * days / day_count.days_in_year)
            room = None
            if line is not None:
                room = round_money(amount * max(line - used, ZERO) * actual / DAYS_PER_YEAR)
            rows.append(PenaltyRow(due, amount, days, interest, room))
    interest_total = total(r.amount for r in rows)
    charged = interest_total + charge + other
    if line is None:
        allowed, capped = None, charged
    else:
        allowed = total(r.allowed or ZERO for r in rows)
        capped = min(charged, allowed)
    return PenaltyAccrual(
        rows=tuple(rows),
        interest=interest_total,
        default_charge=charge,
        fees=other,
        total=charged,
        cap=line,
        allowed=allowed,
        capped_total=capped,
        above_cap=charged - capped,
    )


def accrue_for_loan(
    loan: Loan,
    assessment: LegalAssessment,
    items: Sequence[tuple[date, Decimal]],
    as_of: date,
    *,
    fees: Decimal = ZERO,
    contract_interest_rate: Decimal = ZERO,
) -> PenaltyAccrual:
    """``accrue_overdue`` with the loan's terms and the assessment's cap on ``as_of``.

    The rate is the agreed overdue rate, or the contract rate when none was agreed (private
    lending Art. 28: interest for the overdue time at the agreed loan rate); the day count is
    the loan's when it counts actual days, else ACT/360 (日利率 = 年利率 ÷ 360).
    """
    rate = loan.overdue_rate if loan.overdue_rate is not None else loan.annual_rate
    basis = DayCount.ACT_360 if loan.day_count is DayCount.THIRTY_360 else loan.day_count
    return accrue_overdue(
        items,
        as_of,
        annual_rate=rate,
        day_count=basis,
        default_charge=loan.default_charge,
        fees=fees,
        cap=assessment.cap_on(as_of),
        contract_interest_rate=contract_interest_rate,
    )
