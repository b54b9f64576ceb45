"""The rows of a restructured plan, built up item by item and assembled into a ``Schedule``.

``proposals`` decides what the new plan holds; this module does the row work: monthly rows
from the first due date, the loan's principal re-amortised (with any payment holiday), items
spread over rows in the Art. 561 order and kept in their own columns (principal, interest,
fee), and the finished rows checked as a schedule that sums exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .amortization import ScheduleOptions, build_schedule
from .concessions import HolidayInterest, PaymentHoliday
from .errors import DomainError
from .money import ZERO, RoundingPolicy, round_money, split_evenly
from .money import total as money_total
from .position import LoanPosition, pay_in_order
from .rates import DayCount, add_months, year_fraction
from .schedule import Installment, Method, Schedule, validate_schedule

__all__ = [
    "COLUMN",
    "Row",
    "assemble",
    "columns",
    "monthly_rows",
    "regular_rows",
    "simple_interest",
    "split_in_order",
    "spread",
]

# The schedule column each item of a position is shown in.
COLUMN = {
    "fees": "fee",
    "penalty": "fee",
    "overdue_interest": "interest",
    "interest": "interest",
    "overdue_principal": "principal",
    "principal": "principal",
}


def columns(paid: dict[str, Decimal]) -> dict[str, Decimal]:
    """Amounts paid per item, summed into the schedule columns they are shown in.

    >>> columns({"penalty": Decimal("3"), "fees": Decimal("2"), "interest": Decimal("1")})
    {'principal': Decimal('0.00'), 'interest': Decimal('1.00'), 'fee': Decimal('5.00')}
    """
    cols = {"principal": ZERO, "interest": ZERO, "fee": ZERO}
    for key, amount in paid.items():
        cols[COLUMN[key]] += amount
    return cols


def split_in_order(
    items: dict[str, Decimal], keys: tuple[str, ...], parts: int, unit: Decimal
) -> list[dict[str, Decimal]]:
    """The items named by ``keys`` split into ``parts`` even installments (remainder last),
    each installment settling the items in ``keys`` order; returned as schedule columns.

    >>> from xieshang.domain.money import FEN
    >>> items = {"penalty": Decimal("30.00"), "overdue_principal": Decimal("70.00")}
    >>> [c["fee"] for c in split_in_order(items, ("penalty", "overdue_principal"), 4, FEN)]
    [Decimal('25.00'), Decimal('5.00'), Decimal('0.00'), Decimal('0.00')]
    """
    rest = dict(items)
    whole = money_total(rest[k] for k in keys)
    return [
        columns(pay_in_order(rest, share, keys)) for share in split_evenly(whole, parts, unit=unit)
    ]


@dataclass(slots=True)
class Row:
    """A row being assembled (mutable, local to building one plan)."""

    due_date: date
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fee: Decimal = ZERO
    capitalised: Decimal = ZERO

    def add(self, cols: dict[str, Decimal]) -> None:
        self.principal += cols["principal"]
        self.interest += cols["interest"]
        self.fee += cols["fee"]


def monthly_rows(first_due: date, count: int, skip: int = 0) -> list[Row]:
    """``count`` empty rows a month apart, from ``skip`` months after ``first_due``."""
    return [Row(add_months(first_due, skip + k)) for k in range(count)]


def simple_interest(
    principal: Decimal,
    rate: Decimal,
    begin: date,
    end: date,
    *,
    dc: DayCount,
    rounding: RoundingPolicy,
) -> Decimal:
    """Interest on ``principal`` from ``begin`` to ``end``, not compounded; zero if ``end``
    is not after ``begin``.

    >>> from xieshang.domain.money import DEFAULT_ROUNDING
    >>> simple_interest(Decimal("1200"), Decimal("0.12"), date(2024, 1, 1), date(2024, 3, 1),
    ...                 dc=DayCount.THIRTY_360, rounding=DEFAULT_ROUNDING)
    Decimal('24.00')
    """
    if end <= begin:
        return ZERO
    return round_money(principal * rate * year_fraction(begin, end, dc), rounding)


def regular_rows(
    position: LoanPosition,
    principal: Decimal,
    *,
    rate: Decimal,
    months: int,
    first_due: date,
    holiday: PaymentHoliday | None,
    rounding: RoundingPolicy,
) -> tuple[list[Row], int, tuple[str, ...]]:
    """Rows re-amortising ``principal`` (holiday rows first); also how many holiday rows lead
    and the engine's notes.  Interest runs from ``as_of``."""
    dc, method = position.day_count, position.method
    lead = 0 if holiday is None else holiday.months
    if method is Method.BULLET:
        if holiday is not None:
            raise DomainError(
                "proposal.holiday_not_applicable", field="months", method=method.value
            )
        rows = monthly_rows(first_due, months)
        rows[-1].principal = principal
        rows[-1].interest = simple_interest(
            principal, rate, position.as_of, rows[-1].due_date, dc=dc, rounding=rounding
        )
        return rows, 0, ()
    if holiday is not None and holiday.interest is HolidayInterest.WAIVED:
        rows = monthly_rows(first_due, lead)
        base = build_schedule(
            principal,
            rate,
            months,
            rows[-1].due_date,
            method,
            ScheduleOptions(day_count=dc, rounding=rounding),
        )
        rows += [Row(r.due_date, r.principal, r.interest) for r in base.rows]
        return rows, lead, ("note.holiday_interest_waived", *base.notes)
    # The engine sizes the level payment on whole months, so it gets a whole first month
    # (ending on ``first_due``); that month's interest is then corrected to what really runs
    # from ``as_of`` to ``first_due`` (less when ``as_of`` is inside the month — the part
    # before it is the accrued interest — more when the plan starts later).  The correction
    # changes interest only, never principal, so the rows still sum exactly.
    begin = add_months(first_due, -1)
    actual = simple_interest(principal, rate, position.as_of, first_due, dc=dc, rounding=rounding)
    charged = simple_interest(principal, rate, begin, first_due, dc=dc, rounding=rounding)
    span = set(range(1, lead + 1))
    mode = None if holiday is None else holiday.interest
    options = ScheduleOptions(
        first_due=first_due,
        day_count=dc,
        rounding=rounding,
        payment_holidays=frozenset(span) if mode is HolidayInterest.CAPITALISED else frozenset(),
        grace_interest=lead if mode is HolidayInterest.DEFERRED else 0,
        grace_principal=lead if mode is HolidayInterest.PAID else 0,
    )
    base = build_schedule(principal, rate, months + lead, begin, method, options)
    rows = [Row(r.due_date, r.principal, r.interest, r.fee, r.capitalised) for r in base.rows]
    # The first row with interest due: the first holiday row when interest is paid during it.
    rows[0 if mode is HolidayInterest.PAID else lead].interest += actual - charged
    return rows, lead, base.notes


def assemble(
    rows: list[Row], start: date, rate: Decimal, method: Method, notes: tuple[str, ...]
) -> Schedule:
    principal = money_total(r.principal for r in rows) - money_total(r.capitalised for r in rows)
    balance = principal
    out: list[Installment] = []
    for n, r in enumerate(rows, start=1):
        balance = balance - r.principal + r.capitalised
        payment = r.principal + r.interest + r.fee
        out.append(
            Installment(
                n, r.due_date, payment, r.principal, r.interest, balance, r.fee, r.capitalised
            )
        )
    schedule = Schedule(principal, rate, start, method, tuple(out), tuple(dict.fromkeys(notes)))
    problems = validate_schedule(schedule)
    if problems:  # never expected: every row is built from exact parts
        raise DomainError("proposal.schedule_invalid", field="concessions", problems=problems)
    return schedule


def spread(rows: list[Row], skip: int, parts: list[dict[str, Decimal]], first_due: date) -> None:
    """Add ``parts`` to the rows after the first ``skip``, appending monthly rows as needed."""
    for j, cols in enumerate(parts):
        k = skip + j
        if k == len(rows):
            due = add_months(first_due, k)
            rows.append(
                Row(
                    due if not rows or due > rows[-1].due_date else add_months(rows[-1].due_date, 1)
                )
            )
        rows[k].add(cols)
