"""The repayment ledger of an agreement: payments allocated to a schedule, fen by fen.

A ``LedgerState`` is never stored and edited; it is the replay of the payments over the
schedule (``apply_payments``), so balances always equal a replay of the payments.  Each
payment is allocated in ``(paid_on, ref)`` order to the oldest installment first, and inside
an installment by component (fees → interest → principal by default, as agreements usually
say).  What is left after the whole schedule is paid stays as ``unapplied`` credit.

Status is read from the state at a date: an installment is *due* until its due date, *late*
within the grace days after it, *overdue* beyond them; the agreement is *breached* once its
breach rule was met on any day up to ``today`` (breach does not heal by paying later), and
*completed* when every installment is paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import Enum
from typing import Literal

from .errors import DomainError
from .money import FEN, ZERO, total
from .schedule import Installment, Schedule

InstallmentStatus = Literal["paid", "due", "late", "overdue"]
AgreementStatusName = Literal["active", "late", "breached", "completed"]


class Component(Enum):
    """The parts of an installment a payment can go to."""

    FEE = "fee"
    INTEREST = "interest"
    PRINCIPAL = "principal"


def _component_due(row: Installment, component: Component) -> Decimal:
    if component is Component.FEE:
        return row.fee
    if component is Component.INTEREST:
        return row.interest
    return row.principal


@dataclass(frozen=True, slots=True)
class AllocationOrder:
    """Order of components inside an installment; installments are always oldest first.

    >>> [c.value for c in AllocationOrder().components]
    ['fee', 'interest', 'principal']
    """

    components: tuple[Component, ...] = (Component.FEE, Component.INTEREST, Component.PRINCIPAL)

    def __post_init__(self) -> None:
        if sorted(c.value for c in self.components) != sorted(c.value for c in Component):
            raise DomainError(
                "ledger.order_invalid",
                field="order",
                value=",".join(c.value for c in self.components),
            )


DEFAULT_ORDER = AllocationOrder()


@dataclass(frozen=True, slots=True)
class Payment:
    """Money received on ``paid_on`` under the unique reference ``ref``; whole fen, > 0."""

    ref: str
    paid_on: date
    amount: Decimal

    def __post_init__(self) -> None:
        if not self.ref.strip():
            raise DomainError("ledger.reference_empty", field="ref")
        if not self.amount.is_finite() or self.amount <= 0:
            raise DomainError("ledger.payment_not_positive", field="amount", value=str(self.amount))
        if self.amount != self.amount.quantize(FEN):
            raise DomainError("ledger.payment_sub_fen", field="amount", value=str(self.amount))


@dataclass(frozen=True, slots=True)
class Allocation:
    """``amount`` of payment ``ref`` went to ``component`` of installment ``n``."""

    ref: str
    n: int
    component: Component
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """One installment after the replay; ``paid_on`` is the date it became fully paid (None
    while anything is outstanding, and for rows with nothing due)."""

    n: int
    due_date: date
    due: Decimal
    paid: Decimal
    outstanding: Decimal
    paid_on: date | None


@dataclass(frozen=True, slots=True)
class LedgerState:
    allocations: tuple[Allocation, ...]
    per_installment: tuple[InstallmentState, ...]
    unapplied: Decimal
    total_paid: Decimal
    total_due: Decimal

    @property
    def outstanding(self) -> Decimal:
        return total(i.outstanding for i in self.per_installment)

    def installment(self, n: int) -> InstallmentState:
        for item in self.per_installment:
            if item.n == n:
                return item
        raise DomainError("ledger.installment_unknown", field="n", value=n)


def _refuse_duplicates(payments: Iterable[Payment]) -> None:
    seen: set[str] = set()
    for p in payments:
        if p.ref in seen:
            raise DomainError("ledger.duplicate_reference", field="ref", ref=p.ref)
        seen.add(p.ref)


def apply_payments(
    schedule: Schedule, payments: Iterable[Payment], *, order: AllocationOrder = DEFAULT_ORDER
) -> LedgerState:
    """Replay ``payments`` over ``schedule``: oldest installment first, components in ``order``.

    >>> from xieshang.domain.schedule import Installment, manual_schedule
    >>> rows = [Installment(1, date(2025, 2, 1), Decimal("110.00"), Decimal("90.00"),
    ...                     Decimal("10.00"), Decimal("90.00"), Decimal("10.00")),
    ...         Installment(2, date(2025, 3, 1), Decimal("100.00"), Decimal("90.00"),
    ...                     Decimal("10.00"), Decimal("0.00"))]
    >>> s = manual_schedule(Decimal("180.00"), date(2025, 1, 1), rows)
    >>> st = apply_payments(s, [Payment("a", date(2025, 2, 1), Decimal("130.00"))])
    >>> [(a.n, a.component.value, str(a.amount)) for a in st.allocations[2:]]
    [(1, 'principal', '90.00'), (2, 'interest', '10.00'), (2, 'principal', '10.00')]
    >>> [str(i.outstanding) for i in st.per_installment], str(st.unapplied)
    (['0.00', '80.00'], '0.00')
    """
    ordered = sorted(payments, key=lambda p: (p.paid_on, p.ref))
    _refuse_duplicates(ordered)
    rows = schedule.rows
    # Outstanding per (row index, component), consumed in allocation order.
    left = [{c: _component_due(r, c) for c in order.components} for r in rows]
    paid_on: list[date | None] = [None] * len(rows)
    allocations: list[Allocation] = []
    unapplied = ZERO
    cursor = 0  # every row before the cursor is fully paid
    for p in ordered:
        remaining = p.amount
        while remaining > 0 and cursor < len(rows):
            for c in order.components:
                take = min(remaining, left[cursor][c])
                if take > 0:
                    allocations.append(Allocation(p.ref, rows[cursor].n, c, take))
                    left[cursor][c] -= take
                    remaining -= take
            if all(v == 0 for v in left[cursor].values()):
                if rows[cursor].payment > 0:
                    paid_on[cursor] = p.paid_on
                cursor += 1
        unapplied += remaining
    per_installment = tuple(
        InstallmentState(
            n=r.n,
            due_date=r.due_date,
            due=r.payment,
            paid=r.payment - total(left[i].values()),
            outstanding=total(left[i].values()),
            paid_on=paid_on[i],
        )
        for i, r in enumerate(rows)
    )
    return LedgerState(
        allocations=tuple(allocations),
        per_installment=per_installment,
        unapplied=unapplied,
        total_paid=total(p.amount for p in ordered),
        total_due=schedule.total_payment,
    )


# ---------------------------------------------------------------------------------------------
# status by date


def _check_grace(grace_days: int) -> None:
    if grace_days < 0:
        raise DomainError("ledger.grace_negative", field="grace_days", value=grace_days)


def _paid_by(item: InstallmentState, day: date) -> bool:
    # A payment dated after ``day`` did not exist yet on ``day``.
    return item.outstanding == 0 and (item.paid_on is None or item.paid_on <= day)


def _status(item: InstallmentState, today: date, grace_days: int) -> InstallmentStatus:
    if _paid_by(item, today):
        return "paid"
    if today <= item.due_date:
        return "due"
    if today <= item.due_date + timedelta(days=grace_days):
        return "late"
    return "overdue"


def installment_status(
    state: LedgerState, n: int, today: date, *, grace_days: int
) -> InstallmentStatus:
    """Status of installment ``n`` on ``today``: paid, due (not past its due date), late (past
    due, within ``grace_days``) or overdue.

    >>> item = InstallmentState(1, date(2025, 3, 1), Decimal("10.00"), Decimal("0.00"),
    ...                         Decimal("10.00"), None)
    >>> st = LedgerState((), (item,), Decimal("0.00"), Decimal("0.00"), Decimal("10.00"))
    >>> [installment_status(st, 1, date(2025, 3, d), grace_days=3) for d in (1, 4, 5)]
    ['due', 'late', 'overdue']
    """
    _check_grace(grace_days)
    return _status(state.installment(n), today, grace_days)


@dataclass(frozen=True, slots=True)
class BreachRule:
    """Breach when ``max_overdue_installments`` installments are overdue at once, or the oldest
    unpaid installment is more than ``max_days_overdue`` days past its due date."""

    max_overdue_installments: int = 2
    max_days_overdue: int = 60

    def __post_init__(self) -> None:
        if self.max_overdue_installments < 1:
            raise DomainError(
                "ledger.breach_rule_invalid",
                field="max_overdue_installments",
                value=self.max_overdue_installments,
            )
        if self.max_days_overdue < 0:
            raise DomainError(
                "ledger.breach_rule_invalid", field="max_days_overdue", value=self.max_days_overdue
            )


DEFAULT_BREACH_RULE = BreachRule()


@dataclass(frozen=True, slots=True)
class AgreementStatus:
    """The agreement's status on a date, with the reason codes behind it."""

    status: AgreementStatusName
    reasons: tuple[str, ...] = field(default=())
    overdue_installments: int = 0
    days_overdue: int = 0


def _breach_reasons(
    items: Sequence[InstallmentState], day: date, grace_days: int, rule: BreachRule
) -> tuple[str, ...]:
    overdue = [i for i in items if _status(i, day, grace_days) == "overdue"]
    unpaid_past_due = [i for i in items if not _paid_by(i, day) and i.due_date < day]
    days = (day - unpaid_past_due[0].due_date).days if unpaid_past_due else 0
    reasons: list[str] = []
    if len(overdue) >= rule.max_overdue_installments:
        reasons.append("ledger.breach.overdue_installments")
    if days > rule.max_days_overdue:
        reasons.append("ledger.breach.days_overdue")
    return tuple(reasons)


def agreement_status(
    state: LedgerState,
    today: date,
    *,
    grace_days: int,
    breach_rule: BreachRule = DEFAULT_BREACH_RULE,
) -> AgreementStatus:
    """Status of the whole agreement on ``today``.

    completed (every installment paid), breached (the rule was met on some day up to
    ``today``, even if cured since), late (something late or overdue), else active.

    >>> item = InstallmentState(1, date(2025, 3, 1), Decimal("10.00"), Decimal("0.00"),
    ...                         Decimal("10.00"), None)
    >>> st = LedgerState((), (item,), Decimal("0.00"), Decimal("0.00"), Decimal("10.00"))
    >>> agreement_status(st, date(2025, 3, 10), grace_days=5).reasons
    ('ledger.installment_overdue',)
    >>> agreement_status(st, date(2025, 5, 1), grace_days=5).status
    'breached'
    """
    _check_grace(grace_days)
    items = state.per_installment
    statuses = [_status(i, today, grace_days) for i in items]
    overdue_count = statuses.count("overdue")
    unpaid_past_due = [i for i in items if not _paid_by(i, today) and i.due_date < today]
    days = (today - unpaid_past_due[0].due_date).days if unpaid_past_due else 0
    if all(s == "paid" for s in statuses):
        return AgreementStatus("completed", ("ledger.all_paid",))
    # Breach conditions only grow while nothing is paid, so they peak on today or on the day
    # before some installment became fully paid: checking those days finds any past breach.
    days_to_check = {today} | {
        i.paid_on - timedelta(days=1) for i in items if i.paid_on is not None and i.paid_on <= today
    }
    breach: set[str] = set()
    for day in days_to_check:
        breach.update(_breach_reasons(items, day, grace_days, breach_rule))
    if breach:
        return AgreementStatus("breached", tuple(sorted(breach)), overdue_count, days)
    reasons: list[str] = []
    if "late" in statuses:
        reasons.append("ledger.installment_late")
    if overdue_count:
        reasons.append("ledger.installment_overdue")
    name: AgreementStatusName = "late" if reasons else "active"
    return AgreementStatus(name, tuple(reasons), overdue_count, days)


# ---------------------------------------------------------------------------------------------
# invariants


def check_invariants(
    schedule: Schedule,
    payments: Sequence[Payment],
    state: LedgerState,
    *,
    order: AllocationOrder = DEFAULT_ORDER,
) -> tuple[str, ...]:
    """Codes of every ledger invariant ``state`` breaks; the empty tuple means it holds.

    >>> from xieshang.domain.schedule import Installment, manual_schedule
    >>> s = manual_schedule(Decimal("50.00"), date(2025, 1, 1),
    ...     [Installment(1, date(2025, 2, 1), Decimal("50.00"), Decimal("50.00"),
    ...                  Decimal("0.00"), Decimal("0.00"))])
    >>> ps = [Payment("a", date(2025, 2, 1), Decimal("60.00"))]
    >>> check_invariants(s, ps, apply_payments(s, ps))
    ()
    """
    problems: list[str] = []
    paid_in = total(p.amount for p in payments)
    allocated = total(a.amount for a in state.allocations)
    if allocated + state.unapplied != paid_in:
        problems.append("ledger.invariant.fen_not_allocated_once")
    if state.total_paid != paid_in or state.total_due != schedule.total_payment:
        problems.append("ledger.invariant.totals_mismatch")
    if state.unapplied < 0 or any(a.amount <= 0 for a in state.allocations):
        problems.append("ledger.invariant.negative_amount")
    by_ref = {p.ref: p.amount for p in payments}
    spent: dict[str, Decimal] = {}
    for a in state.allocations:
        spent[a.ref] = spent.get(a.ref, ZERO) + a.amount
    if any(ref not in by_ref or amount > by_ref[ref] for ref, amount in spent.items()):
        problems.append("ledger.invariant.payment_overspent")
    rows = {r.n: r for r in schedule.rows}
    for item in state.per_installment:
        row = rows.get(item.n)
        mine = [a for a in state.allocations if a.n == item.n]
        if row is None or item.due != row.payment:
            problems.append("ledger.invariant.installment_mismatch")
            continue
        if item.paid > item.due:
            problems.append("ledger.invariant.installment_overpaid")
        if any(
            total(a.amount for a in mine if a.component is c) > _component_due(row, c)
            for c in Component
        ):
            problems.append("ledger.invariant.component_overpaid")
        if item.paid != total(a.amount for a in mine) or item.outstanding != item.due - item.paid:
            problems.append("ledger.invariant.balance_mismatch")
    if state.unapplied > 0 and state.outstanding > 0:
        problems.append("ledger.invariant.credit_while_outstanding")
    try:
        if apply_payments(schedule, payments, order=order) != state:
            problems.append("ledger.invariant.replay_mismatch")
    except DomainError as error:
        problems.append(error.code)
    return tuple(dict.fromkeys(problems))
