"""Repayment schedules as values: rows (期) of principal, interest and fees, and their checks.

A ``Schedule`` is what a borrower signs and a lender books: every row's payment is exactly
principal + interest + fee, balances run down to zero, and the columns sum exactly to the
totals.  ``validate_schedule`` checks those facts for schedules computed here and for schedules
typed in by hand from a contract, and returns every problem found (errors as data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum

from .errors import DomainError
from .money import FEN, ZERO, total


class Method(Enum):
    """Repayment methods (还款方式)."""

    ANNUITY = "annuity"  # 等额本息
    EQUAL_PRINCIPAL = "equal-principal"  # 等额本金
    INTEREST_ONLY = "interest-only"  # 先息后本
    BULLET = "bullet"  # 到期一次还本付息
    MANUAL = "manual"  # entered by hand from a contract

    @classmethod
    def parse(cls, text: str) -> Method:
        key = text.strip().lower().replace("_", "-")
        aliases = {
            "等额本息": "annuity",
            "等额本金": "equal-principal",
            "先息后本": "interest-only",
            "到期一次还本付息": "bullet",
            "epi": "annuity",
        }
        key = aliases.get(key, key)
        for member in cls:
            if member.value == key:
                return member
        raise DomainError("method.unknown", field="method", value=text)


@dataclass(frozen=True, slots=True)
class Installment:
    """One period (期): what is due on ``due_date`` and the principal balance after paying it."""

    n: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    balance: Decimal
    fee: Decimal = ZERO
    # Interest added to the balance on this row instead of being paid (a payment holiday):
    # the balance grows by it and later rows repay it as principal.
    capitalised: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Schedule:
    """A whole repayment schedule.

    ``principal`` is the amount the schedule amortises (the contract principal);
    ``annual_rate`` the nominal annual rate as a fraction; ``start`` the value date from
    which interest runs (放款日).
    """

    principal: Decimal
    annual_rate: Decimal
    start: date
    method: Method
    rows: tuple[Installment, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def total_payment(self) -> Decimal:
        return total(r.payment for r in self.rows)

    @property
    def total_principal(self) -> Decimal:
        return total(r.principal for r in self.rows)

    @property
    def total_interest(self) -> Decimal:
        return total(r.interest for r in self.rows)

    @property
    def total_fees(self) -> Decimal:
        return total(r.fee for r in self.rows)

    @property
    def total_capitalised(self) -> Decimal:
        """Interest added to the balance (payment holidays); repaid inside ``total_principal``."""
        return total(r.capitalised for r in self.rows)

    @property
    def months(self) -> int:
        return len(self.rows)

    @property
    def first_payment(self) -> Decimal:
        return self.rows[0].payment if self.rows else ZERO

    @property
    def regular_payment(self) -> Decimal:
        """The payment most rows share (the headline "monthly payment"); ties go to the larger."""
        if not self.rows:
            return ZERO
        counts: dict[Decimal, int] = {}
        for r in self.rows:
            counts[r.payment] = counts.get(r.payment, 0) + 1
        return max(counts, key=lambda p: (counts[p], p))

    @property
    def last_due_date(self) -> date | None:
        return self.rows[-1].due_date if self.rows else None

    def dated_flows(self, *, received: Decimal | None = None) -> tuple[tuple[date, Decimal], ...]:
        """Borrower's cash flows: ``+received`` (default: the principal) at ``start``, then
        ``-payment`` on each due date.  The input of APR by XIRR."""
        first = self.principal if received is None else received
        return ((self.start, first), *((r.due_date, -r.payment) for r in self.rows))


@dataclass(frozen=True, slots=True)
class ScheduleProblem:
    """One thing wrong with a schedule: a code, the row (1-based ``n``, or None for the whole
    schedule), and the numbers involved."""

    code: str
    n: int | None
    expected: str = ""
    found: str = ""


def validate_schedule(schedule: Schedule) -> tuple[ScheduleProblem, ...]:
    """Every problem with ``schedule``; the empty tuple means it is sound.

    Checks: at least one row; rows numbered 1..N; due dates strictly increasing and after the
    start; no negative amounts; amounts whole fen; payment = principal + interest + fee; each
    balance = previous balance − principal + capitalised interest; balances never negative; the
    last balance zero; principal sums to the schedule's principal plus the capitalised interest.
    """
    problems: list[ScheduleProblem] = []
    rows = schedule.rows
    if not rows:
        return (ScheduleProblem("schedule.empty", None),)
    balance = schedule.principal
    previous_date = schedule.start
    for i, r in enumerate(rows, start=1):
        if r.n != i:
            problems.append(ScheduleProblem("schedule.numbering", r.n, str(i), str(r.n)))
        if r.due_date <= previous_date:
            problems.append(
                ScheduleProblem(
                    "schedule.dates_not_increasing", r.n, f"> {previous_date}", str(r.due_date)
                )
            )
        previous_date = r.due_date
        for name in ("payment", "principal", "interest", "fee", "balance", "capitalised"):
            amount: Decimal = getattr(r, name)
            if amount < 0:
                problems.append(
                    ScheduleProblem(f"schedule.negative_{name}", r.n, ">= 0", str(amount))
                )
            if amount != amount.quantize(FEN):
                problems.append(ScheduleProblem("schedule.sub_fen", r.n, name, str(amount)))
        parts = r.principal + r.interest + r.fee
        if r.payment != parts:
            problems.append(
                ScheduleProblem("schedule.payment_mismatch", r.n, str(parts), str(r.payment))
            )
        balance = balance - r.principal + r.capitalised
        if r.balance != balance:
            problems.append(
                ScheduleProblem("schedule.balance_mismatch", r.n, str(balance), str(r.balance))
            )
            balance = r.balance
    if rows[-1].balance != 0:
        problems.append(
            ScheduleProblem("schedule.not_paid_off", rows[-1].n, "0.00", str(rows[-1].balance))
        )
    if schedule.total_principal != schedule.principal + schedule.total_capitalised:
        problems.append(
            ScheduleProblem(
                "schedule.principal_sum",
                None,
                str(schedule.principal + schedule.total_capitalised),
                str(schedule.total_principal),
            )
        )
    return tuple(problems)


def manual_schedule(
    principal: Decimal,
    start: date,
    rows: Sequence[Installment],
    *,
    annual_rate: Decimal = ZERO,
) -> Schedule:
    """A schedule typed in from a contract; raise ``DomainError('schedule.invalid')`` carrying
    the problems if it does not hold together."""
    schedule = Schedule(principal, annual_rate, start, Method.MANUAL, tuple(rows))
    problems = validate_schedule(schedule)
    if problems:
        raise DomainError("schedule.invalid", field="rows", problems=problems)
    return schedule
