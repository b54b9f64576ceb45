"""Where a loan stands on one day, item by item, and the order a payment settles the items.

``LoanPosition`` is the loan on ``as_of``: principal not yet due, overdue principal and
interest, interest accrued in the current period, penalty and fees.  A payment settles the
items in the order of ``ITEMS`` (Civil Code Art. 561: costs, interest, principal);
``proposals`` turns a position and a set of concessions into a new plan.

>>> pos = loan_position(as_of=date(2024, 3, 10), overdue_principal="40000",
...                     overdue_interest="5000", penalty="3000", annual_rate="0.18")
>>> pos.total_owed, pos.contract_remaining_total is None
(Decimal('48000.00'), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .concessions import MAX_PLAN_MONTHS
from .errors import DomainError
from .money import money
from .money import total as money_total
from .rates import DayCount, parse_rate
from .schedule import Installment, Method, Schedule

__all__ = [
    "ARREARS",
    "ITEMS",
    "LoanPosition",
    "items_of",
    "loan_position",
    "pay_in_order",
]

# The items of a position, in the order a payment settles them (Civil Code Art. 561).
ITEMS = ("fees", "penalty", "overdue_interest", "interest", "overdue_principal", "principal")
ARREARS = ("fees", "penalty", "overdue_interest", "overdue_principal")
_MONEY_FIELDS = (
    "outstanding_principal",
    "overdue_principal",
    "overdue_interest",
    "accrued_interest",
    "penalty",
    "fees_due",
)


@dataclass(frozen=True, slots=True)
class LoanPosition:
    """A loan on ``as_of``; amounts are Decimal fen, never negative (build it from outside
    input with ``loan_position``).

    ``outstanding_principal`` is not yet due and runs ``remaining_months`` more from
    ``next_due``; ``accrued_interest`` is the current period's interest up to ``as_of``;
    ``current_schedule`` (optional) is the contract schedule, whose rows due after ``as_of``
    must repay exactly the outstanding principal in ``remaining_months`` rows;
    ``legally_protected_total`` (optional) is what the borrower would owe if only charges
    within the legal cap were enforced (from the law module).
    """

    as_of: date
    outstanding_principal: Decimal
    overdue_principal: Decimal
    overdue_interest: Decimal
    accrued_interest: Decimal
    penalty: Decimal
    fees_due: Decimal
    annual_rate: Decimal
    remaining_months: int
    method: Method = Method.ANNUITY
    next_due: date | None = None
    day_count: DayCount = DayCount.THIRTY_360
    current_schedule: Schedule | None = None
    legally_protected_total: Decimal | None = None

    def __post_init__(self) -> None:
        _check_position(self)

    @property
    def total_owed(self) -> Decimal:
        """Everything owed today: principal (due or not), interest, penalty and fees."""
        return money_total(getattr(self, f) for f in _MONEY_FIELDS)

    @property
    def contract_remaining_total(self) -> Decimal | None:
        """What the contract still asks: its rows due after ``as_of`` plus the arrears (the
        accrued interest is inside the next row); None without a contract schedule."""
        if self.current_schedule is None:
            return None
        rows = money_total(r.payment for r in _remaining_rows(self))
        arrears = self.overdue_principal + self.overdue_interest + self.penalty + self.fees_due
        return rows + arrears


def _remaining_rows(position: LoanPosition) -> tuple[Installment, ...]:
    schedule = position.current_schedule
    rows = () if schedule is None else schedule.rows
    return tuple(r for r in rows if r.due_date > position.as_of)


def _check_position(p: LoanPosition) -> None:
    for name in ("as_of", "next_due"):
        value = getattr(p, name)
        if not (value is None and name == "next_due") and not isinstance(value, date):
            raise DomainError("position.date_invalid", field=name, value=repr(value))
    amounts = [(n, getattr(p, n)) for n in _MONEY_FIELDS]
    if p.legally_protected_total is not None:
        amounts.append(("legally_protected_total", p.legally_protected_total))
    for name, value in amounts:
        if not isinstance(value, Decimal):
            raise DomainError("amount.not_a_number", field=name, value=repr(value))
        if money(value, field=name, allow_negative=False) != value:
            raise DomainError("amount.sub_fen", field=name, value=str(value))
    if not isinstance(p.annual_rate, Decimal) or parse_rate(p.annual_rate) != p.annual_rate:
        raise DomainError("rate.not_a_number", field="annual_rate", value=repr(p.annual_rate))
    if not isinstance(p.method, Method) or p.method is Method.MANUAL:
        raise DomainError("position.method_manual", field="method", value=repr(p.method))
    if not isinstance(p.day_count, DayCount):
        raise DomainError("day_count.unknown", field="day_count", value=repr(p.day_count))
    months = p.remaining_months
    if (
        isinstance(months, bool)
        or not isinstance(months, int)
        or not 0 <= months <= MAX_PLAN_MONTHS
    ):
        raise DomainError(
            "position.remaining_months_invalid", field="remaining_months", value=months
        )
    if p.outstanding_principal > 0 and months == 0:
        raise DomainError("position.remaining_months_missing", field="remaining_months")
    if p.outstanding_principal == 0 and months > 0:
        raise DomainError("position.remaining_months_without_principal", field="remaining_months")
    if months > 0 and p.next_due is None:
        raise DomainError("position.next_due_missing", field="next_due")
    if p.method is Method.BULLET and months > 1:
        # A bullet loan has one installment left: its maturity, ``next_due``.
        raise DomainError("position.bullet_one_installment", field="remaining_months", value=months)
    if p.next_due is not None and p.next_due <= p.as_of:
        raise DomainError(
            "position.next_due_not_after_as_of", field="next_due", value=str(p.next_due)
        )
    if p.total_owed == 0:
        raise DomainError("position.nothing_owed", field="outstanding_principal")
    if p.current_schedule is not None:
        rest = _remaining_rows(p)
        found = money_total(r.principal for r in rest)
        if len(rest) != months or found != p.outstanding_principal:
            raise DomainError(
                "position.schedule_mismatch",
                field="current_schedule",
                expected=f"{months} rows, {p.outstanding_principal}",
                found=f"{len(rest)} rows, {found}",
            )


def loan_position(
    *,
    as_of: date,
    annual_rate: object,
    outstanding_principal: object = 0,
    overdue_principal: object = 0,
    overdue_interest: object = 0,
    accrued_interest: object = 0,
    penalty: object = 0,
    fees_due: object = 0,
    remaining_months: int = 0,
    method: Method | str = Method.ANNUITY,
    next_due: date | None = None,
    day_count: DayCount | str = DayCount.THIRTY_360,
    current_schedule: Schedule | None = None,
    legally_protected_total: object | None = None,
) -> LoanPosition:
    """A ``LoanPosition`` from outside input (strings, ints or Decimals; missing items zero),
    validated: ``position.*`` codes, plus ``amount.*`` / ``rate.*`` naming the field.

    >>> loan_position(as_of=date(2024, 1, 1), annual_rate="0.12", penalty="-5")
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: amount.negative [penalty]: value=-5
    """

    def amount(value: object, field: str) -> Decimal:
        return money(value, field=field, allow_negative=False)

    return LoanPosition(
        as_of=as_of,
        outstanding_principal=amount(outstanding_principal, "outstanding_principal"),
        overdue_principal=amount(overdue_principal, "overdue_principal"),
        overdue_interest=amount(overdue_interest, "overdue_interest"),
        accrued_interest=amount(accrued_interest, "accrued_interest"),
        penalty=amount(penalty, "penalty"),
        fees_due=amount(fees_due, "fees_due"),
        annual_rate=parse_rate(annual_rate),
        remaining_months=remaining_months,
        method=Method.parse(method) if isinstance(method, str) else method,
        next_due=next_due,
        day_count=DayCount.parse(day_count) if isinstance(day_count, str) else day_count,
        current_schedule=current_schedule,
        legally_protected_total=(
            None
            if legally_protected_total is None
            else amount(legally_protected_total, "legally_protected_total")
        ),
    )


def items_of(position: LoanPosition) -> dict[str, Decimal]:
    """The position's items by their ``ITEMS`` name: a working copy a proposal reduces."""
    return {
        "fees": position.fees_due,
        "penalty": position.penalty,
        "overdue_interest": position.overdue_interest,
        "interest": position.accrued_interest,
        "overdue_principal": position.overdue_principal,
        "principal": position.outstanding_principal,
    }


def pay_in_order(
    items: dict[str, Decimal], amount: Decimal, keys: tuple[str, ...]
) -> dict[str, Decimal]:
    """Take ``amount`` from ``items`` in the order of ``keys``; return what each item got.

    >>> items = {"fees": Decimal("10"), "penalty": Decimal("5"), "principal": Decimal("100")}
    >>> pay_in_order(items, Decimal("12"), ("fees", "penalty", "principal"))
    {'fees': Decimal('10'), 'penalty': Decimal('2'), 'principal': Decimal('0')}
    >>> items["penalty"]
    Decimal('3')
    """
    paid: dict[str, Decimal] = {}
    left = amount
    for key in keys:
        take = min(left, items[key])
        items[key] -= take
        paid[key] = take
        left -= take
    return paid
