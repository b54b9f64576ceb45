"""Allocation: one monthly repayment capacity shared among several creditors.

Four strategies, after the systems borrowers and counselors already know:

- ``pro_rata`` — a debt management plan (NFCC style): the capacity is shared in proportion to
  each creditor's balance; interest continues unless that creditor agreed to stop it.
- ``principal_first`` — the Shenzhen reorganisation model (深圳个人破产重整, 2021): interest
  stopped for every creditor, the capacity shared pro rata by balance, principal only.
- ``avalanche`` — every creditor gets its minimum; the rest goes to the highest rate first.
- ``snowball`` — the same, but the rest goes to the smallest balance first.

Each month: interest = balance × annual rate ÷ 12, rounded half-up to the fen (nothing when
stopped); the payment goes first to that interest, then to principal; unpaid interest is added
to the balance (the row's ``principal`` is then negative).  What a cleared creditor no longer
needs rolls over to the others by the same rule, because the whole capacity is shared again
every month.  Invariants (tested): a month's payments never exceed the capacity, to the fen; no
creditor is paid more than it is owed; ``payment = principal + interest`` on every row; and
when the capacity is at least one fen per creditor, every creditor with a balance that the
borrower did not exclude gets something every month (with avalanche and snowball that needs a
minimum: a creditor without a stated ``minimum_payment`` gets ``default_minimum_rate`` of its
balance, 1 % a month by default, rounded up to the fen; set the rate to 0 for the textbook
orderings, where creditors not yet targeted get nothing).

>>> cs = [Creditor("a", "A", money("300"), Decimal("0.12")),
...       Creditor("b", "B", money("100"), Decimal("0.24"))]
>>> plan = allocate_capacity(cs, money("200"), Strategy.PRINCIPAL_FIRST, start=date(2025, 1, 15))
>>> [(m.index, [line.payment for line in m.lines]) for m in plan.months]
[(1, [Decimal('150.00'), Decimal('50.00')]), (2, [Decimal('150.00'), Decimal('50.00')])]
>>> plan.months_to_clear, plan.total_interest, plan.feasible
(2, Decimal('0.00'), True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import Enum

from .errors import DomainError
from .money import FEN, ZERO, RoundingPolicy, allocate, money, round_money, total
from .rates import add_months, parse_rate

CEILING = RoundingPolicy("ceiling")


class Strategy(Enum):
    PRO_RATA = "pro_rata"
    PRINCIPAL_FIRST = "principal_first"
    AVALANCHE = "avalanche"
    SNOWBALL = "snowball"

    @classmethod
    def parse(cls, text: str) -> Strategy:
        key = text.strip().lower().replace("-", "_")
        for member in cls:
            if member.value == key:
                return member
        raise DomainError("allocation.strategy_unknown", field="strategy", value=text)


@dataclass(frozen=True, slots=True)
class Creditor:
    id: str
    name: str
    balance: Decimal
    annual_rate: Decimal
    minimum_payment: Decimal = ZERO
    interest_stopped: bool = False
    excluded: bool = False  # the borrower keeps it out of the plan (paid separately)


@dataclass(frozen=True, slots=True)
class CreditorMonth:
    """One creditor in one month: ``balance = opening_balance + interest − payment`` and
    ``payment = principal + interest``."""

    creditor_id: str
    opening_balance: Decimal
    interest: Decimal
    payment: Decimal
    principal: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class MonthAllocation:
    index: int  # 1 for the first month
    date: date
    lines: tuple[CreditorMonth, ...]

    @property
    def total_paid(self) -> Decimal:
        return total(line.payment for line in self.lines)

    @property
    def total_interest(self) -> Decimal:
        return total(line.interest for line in self.lines)


@dataclass(frozen=True, slots=True)
class CreditorSummary:
    creditor_id: str
    name: str
    opening_balance: Decimal
    first_payment: Decimal  # paid in month 1
    payoff_month: int | None  # months to clear; None if not cleared (or excluded)
    payoff_date: date | None
    total_interest: Decimal
    total_paid: Decimal
    remaining_balance: Decimal
    excluded: bool


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    strategy: Strategy
    capacity: Decimal
    start: date
    months: tuple[MonthAllocation, ...]
    creditors: tuple[CreditorSummary, ...]
    total_interest: Decimal
    total_paid: Decimal
    months_to_clear: int | None
    feasible: bool  # every creditor in the plan cleared within the limit
    findings: tuple[str, ...]

    @property
    def remaining_balance(self) -> Decimal:
        return total(s.remaining_balance for s in self.creditors if not s.excluded)


def _validated(creditors: Iterable[Creditor]) -> tuple[Creditor, ...]:
    out: list[Creditor] = []
    seen: set[str] = set()
    for i, c in enumerate(creditors):
        where = f"creditors[{i}]"
        cid = c.id.strip() if isinstance(c.id, str) else ""
        if not cid:
            raise DomainError("creditor.id_missing", field=f"{where}.id")
        if cid in seen:
            raise DomainError("creditor.id_duplicate", field=f"{where}.id", value=cid)
        seen.add(cid)
        out.append(
            Creditor(
                cid,
                c.name,
                money(c.balance, field=f"{where}.balance", allow_negative=False),
                parse_rate(c.annual_rate, field=f"{where}.annual_rate"),
                money(c.minimum_payment, field=f"{where}.minimum_payment", allow_negative=False),
                bool(c.interest_stopped),
                bool(c.excluded),
            )
        )
    if not out:
        raise DomainError("allocation.no_creditors", field="creditors")
    return tuple(out)


def share_capped(
    amount: Decimal, weights: Sequence[Decimal], caps: Sequence[Decimal]
) -> tuple[Decimal, ...]:
    """Split ``amount`` (≤ the sum of ``caps``) in proportion to ``weights`` without giving any
    part more than its cap; what a capped part cannot take is shared again among the others.
    Exact to the fen (``money.allocate``).  When ``amount`` holds at least one fen per part with
    a positive weight and cap, each such part gets at least one fen (taken from the largest).

    >>> share_capped(money("100"), [money("1"), money("1"), money("2")],
    ...              [money("10"), money("80"), money("80")])
    (Decimal('10.00'), Decimal('30.00'), Decimal('60.00'))
    """
    parts = [ZERO] * len(weights)
    eligible = [i for i in range(len(weights)) if caps[i] > 0 and weights[i] > 0]
    rest = [i for i in range(len(weights)) if caps[i] > 0 and weights[i] <= 0]
    # Positive weights share first; zero-weight parts (by cap) only take what those cannot.
    left = _fill(amount, parts, eligible, weights, caps)
    left = _fill(left, parts, rest, caps, caps)
    if left > 0:
        raise DomainError("allocation.amount_above_caps", field="amount", value=str(amount))
    if amount >= FEN * len(eligible):
        for i in eligible:
            if parts[i] == 0:
                donor = max(range(len(parts)), key=lambda j: parts[j])
                parts[donor] -= FEN
                parts[i] = FEN
    return tuple(parts)


def _fill(
    amount: Decimal,
    parts: list[Decimal],
    open_: list[int],
    weights: Sequence[Decimal],
    caps: Sequence[Decimal],
) -> Decimal:
    """Water-filling: share ``amount`` among ``open_`` by weight, cap the parts that would
    exceed their cap, and share again what they could not take.  Returns what is left."""
    left = amount
    while left > 0 and open_:
        shares = allocate(left, [weights[i] for i in open_])
        over = [i for i, s in zip(open_, shares, strict=True) if s >= caps[i]]
        if not over:
            for i, s in zip(open_, shares, strict=True):
                parts[i] = s
            return ZERO
        for i in over:  # capped parts are paid in full and leave the sharing
            parts[i] = caps[i]
            left -= caps[i]
        open_ = [i for i in open_ if i not in over]
    return left


def _order(creditors: Sequence[Creditor], strategy: Strategy) -> list[int]:
    """Targets for the money above the minimums, fixed at the start (ties: the other key, then
    the order given)."""
    idx = range(len(creditors))
    if strategy is Strategy.AVALANCHE:
        return sorted(idx, key=lambda i: (-creditors[i].annual_rate, creditors[i].balance, i))
    return sorted(idx, key=lambda i: (creditors[i].balance, -creditors[i].annual_rate, i))


def _minimum(c: Creditor, opening: Decimal, owed: Decimal, default_rate: Decimal) -> Decimal:
    if opening <= 0:
        return ZERO
    stated = c.minimum_payment
    if stated <= 0:
        with localcontext() as ctx:
            ctx.prec = 40
            stated = round_money(opening * default_rate, CEILING)
    return min(stated, owed)


def allocate_capacity(
    creditors: Iterable[Creditor],
    capacity: Decimal,
    strategy: Strategy | str,
    *,
    start: date,
    max_months: int = 600,
    horizon_months: int | None = None,
    default_minimum_rate: Decimal = Decimal("0.01"),
) -> AllocationPlan:
    """Share ``capacity`` each month among ``creditors`` by ``strategy`` until all are cleared,
    ``horizon_months`` (a fixed plan term: what is left then is reported, not paid) or
    ``max_months`` pass, or the total balance stops falling.  Month 1 is paid on ``start``,
    month k on ``start`` + (k − 1) months (month-end rule).

    >>> cs = [Creditor("a", "A", money("1000"), Decimal("0.24")),
    ...       Creditor("b", "B", money("1000"), Decimal("0.12"))]
    >>> plan = allocate_capacity(cs, money("30"), "pro_rata", start=date(2025, 1, 1))
    >>> plan.findings, len(plan.months)
    (('allocation.capacity_below_interest', 'allocation.negative_amortisation'), 1)
    """
    cs = _validated(creditors)
    cap = money(capacity, field="capacity", allow_negative=False)
    strat = strategy if isinstance(strategy, Strategy) else Strategy.parse(strategy)
    if isinstance(max_months, bool) or not isinstance(max_months, int) or max_months < 1:
        raise DomainError("term.not_positive", field="max_months", value=max_months)
    if horizon_months is not None and (
        isinstance(horizon_months, bool)
        or not isinstance(horizon_months, int)
        or horizon_months < 1
    ):
        raise DomainError("term.not_positive", field="horizon_months", value=horizon_months)
    floor_rate = parse_rate(default_minimum_rate, field="default_minimum_rate")

    plan = [c for c in cs if not c.excluded]
    balances = [c.balance for c in plan]
    findings: list[str] = []
    if len(plan) < len(cs):
        findings.append("allocation.creditors_excluded")
    months: list[MonthAllocation] = []
    limit = min(max_months, horizon_months) if horizon_months else max_months
    order = _order(plan, strat)
    stalled = False

    if sum(balances) == 0:
        findings.append("allocation.nothing_owed")
    elif cap == 0:
        findings.append("allocation.capacity_zero")
    else:
        for k in range(1, limit + 1):
            interest = [
                ZERO
                if b == 0 or c.interest_stopped or strat is Strategy.PRINCIPAL_FIRST
                else round_money(b * c.annual_rate / 12)
                for c, b in zip(plan, balances, strict=True)
            ]
            owed = [b + i for b, i in zip(balances, interest, strict=True)]
            pay_total = min(cap, sum(owed, ZERO))
            if strat in (Strategy.PRO_RATA, Strategy.PRINCIPAL_FIRST):
                pays = list(share_capped(pay_total, balances, owed))
                short = [
                    p < min(c.minimum_payment, o) for c, p, o in zip(plan, pays, owed, strict=True)
                ]
                if k == 1 and any(short):
                    findings.append("allocation.below_minimum_payment")
            else:
                mins = [
                    _minimum(c, b, o, floor_rate)
                    for c, b, o in zip(plan, balances, owed, strict=True)
                ]
                if sum(mins, ZERO) >= pay_total:
                    # Minimums exceed capacity: the capacity itself is the floor, shared by them.
                    if k == 1 and sum(mins, ZERO) > pay_total:
                        findings.append("allocation.minimums_exceed_capacity")
                    pays = list(share_capped(pay_total, mins, owed))
                else:
                    pays = list(mins)
                    extra = pay_total - sum(mins, ZERO)
                    for i in order:
                        add = min(extra, owed[i] - pays[i])
                        pays[i] += add
                        extra -= add
            lines = []
            for j, c in enumerate(plan):
                closing = owed[j] - pays[j]
                lines.append(
                    CreditorMonth(
                        c.id, balances[j], interest[j], pays[j], pays[j] - interest[j], closing
                    )
                )
            months.append(MonthAllocation(k, add_months(start, k - 1), tuple(lines)))
            before, balances = sum(balances, ZERO), [line.balance for line in lines]
            if any(line.balance > line.opening_balance for line in lines) and (
                "allocation.negative_amortisation" not in findings
            ):
                findings.append("allocation.negative_amortisation")
            if sum(balances, ZERO) == 0:
                break
            if sum(balances, ZERO) >= before:
                stalled = True
                findings.insert(0, "allocation.capacity_below_interest")
                break

    cleared = sum(balances, ZERO) == 0
    if not cleared and not stalled and cap > 0:
        if horizon_months is not None and len(months) == horizon_months:
            findings.append("allocation.not_cleared_within_horizon")
        else:
            findings.append("allocation.not_cleared_within_max_months")
    return AllocationPlan(
        strategy=strat,
        capacity=cap,
        start=start,
        months=tuple(months),
        creditors=_summaries(cs, months),
        total_interest=total(m.total_interest for m in months),
        total_paid=total(m.total_paid for m in months),
        months_to_clear=len(months) if cleared else None,
        feasible=cleared,
        findings=tuple(findings),
    )


def _summaries(
    creditors: Sequence[Creditor], months: Sequence[MonthAllocation]
) -> tuple[CreditorSummary, ...]:
    out = []
    for c in creditors:
        dated = [(m, line) for m in months for line in m.lines if line.creditor_id == c.id]
        rows = [line for _, line in dated]
        payoff_month: int | None = None
        payoff_date: date | None = None
        if not c.excluded and c.balance == 0:
            payoff_month = 0  # nothing owed from the start
        for m, line in dated:
            if line.balance == 0:
                payoff_month, payoff_date = m.index, m.date
                break
        out.append(
            CreditorSummary(
                creditor_id=c.id,
                name=c.name,
                opening_balance=c.balance,
                first_payment=rows[0].payment if rows else ZERO,
                payoff_month=payoff_month,
                payoff_date=payoff_date,
                total_interest=total(r.interest for r in rows),
                total_paid=total(r.payment for r in rows),
                remaining_balance=rows[-1].balance if rows else c.balance,
                excluded=c.excluded,
            )
        )
    return tuple(out)
