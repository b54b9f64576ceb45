"""Restructuring proposals: the plan a set of concessions makes of where a loan stands today.

``LoanPosition`` (see ``position``; re-exported here) is the loan on one day, item by item
(principal not yet due, overdue principal and interest, interest accrued in the current
period, penalty, fees).  ``apply_proposal`` turns a ``Proposal`` (see ``concessions``) into
a new ``Schedule`` (its rows built by ``proposal_rows``) and a ``ProposalSummary`` a borrower
and a lender can compare.

Order of effect (the order the concessions are listed in does not matter):

1. **Waivers** reduce their item (rounded by the rounding policy).
2. **First payment** pays, on the start date, fees → penalty → overdue interest → accrued
   interest → overdue principal → principal (Civil Code Art. 561: costs, interest, principal).
3. **Settlement** replaces everything: ``percent × total owed`` (before any waiver), less the
   first payment, split into equal installments.  **Interest stop** freezes all that is left
   and splits it into equal installments with no further interest; each installment pays the
   items in the Art. 561 order, so the rows keep principal, interest and fees apart.
4. **Rate**: the new rate applies to the principal not yet due (and to holiday interest).
5. **Extension / holiday / re-ageing**: the principal not yet due is re-amortised by the
   loan's method over the remaining months + extra months, after the holiday months; the
   arrears (overdue principal and interest, penalty, fees) are added interest-free to the
   first installment, or spread over the first N with re-ageing; accrued interest is added to
   the first installment after any holiday (see ``HolidayInterest`` for the holiday's own
   interest).  A bullet loan (one installment left, at ``next_due``) keeps one payment at its
   maturity, moved by the extension; its arrears fall due monthly before it.

Interest of the new plan runs from ``as_of`` (the day the accrued interest was computed to);
installments fall on the contract's due day (``next_due`` and months after it), the first
one after the start date, and the first month's interest is what runs from ``as_of`` to that
date (a plan starting months later charges the whole gap, as simple interest).  Even splits use
``unit`` (the fen by default; ``YUAN`` for whole-yuan installments), remainder to the last.

>>> pos = loan_position(as_of=date(2024, 3, 10), overdue_principal="40000",
...                     overdue_interest="5000", penalty="3000", annual_rate="0.18")
>>> out = apply_proposal(pos, Proposal((InterestStop(60), Waiver("penalty"))))
>>> out.summary.regular_payment, out.summary.total_to_pay, out.summary.amount_waived
(Decimal('750.00'), Decimal('45000.00'), Decimal('3000.00'))
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from .apr import AprResult, apr_of_schedule
from .concessions import (
    CARD_INSTALLMENT_LIMIT,
    MAX_PLAN_MONTHS,
    Concession,
    FirstPayment,
    HolidayInterest,
    InterestStop,
    PaymentHoliday,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
)
from .errors import DomainError
from .money import DEFAULT_ROUNDING, FEN, ZERO, RoundingPolicy, round_money, split_evenly
from .money import total as money_total
from .position import ARREARS, ITEMS, LoanPosition, items_of, loan_position, pay_in_order
from .proposal_rows import (
    COLUMN,
    Row,
    assemble,
    columns,
    monthly_rows,
    regular_rows,
    split_in_order,
    spread,
)
from .rates import add_months
from .schedule import Method, Schedule

__all__ = [
    "ARREARS",
    "COLUMN",
    "ITEMS",
    "Concession",
    "FirstPayment",
    "HolidayInterest",
    "InterestStop",
    "LoanPosition",
    "PaymentHoliday",
    "Proposal",
    "ProposalOutcome",
    "ProposalSummary",
    "RateReduction",
    "ReAgeing",
    "Settlement",
    "TermExtension",
    "Waiver",
    "apply_proposal",
    "loan_position",
]


@dataclass(frozen=True, slots=True)
class ProposalSummary:
    """The figures a borrower and a lender compare (all in yuan, exact to the fen).

    ``first_payment``: the down payment, or else the first installment with anything due;
    ``regular_payment``: the commonest non-zero installment (ties to the larger);
    ``total_to_pay``: down payment + every installment; ``months_to_clear``: installments in the
    new plan (holiday months included); ``savings_vs_contract`` / ``savings_vs_legal``: the
    contract's remaining total / the legally protected total minus ``total_to_pay`` (None when
    unknown; negative when the plan costs more); ``amount_waived``: debt forgiven today
    (waivers, or the settlement discount); ``apr``: of the new plan's installments against the
    rescheduled amount (None when it cannot be computed, with the finding
    ``proposal.apr_unavailable``); ``findings``: codes worth showing.
    """

    first_payment: Decimal
    regular_payment: Decimal
    total_to_pay: Decimal
    months_to_clear: int
    savings_vs_contract: Decimal | None
    savings_vs_legal: Decimal | None
    amount_waived: Decimal
    apr: AprResult | None
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProposalOutcome:
    """A proposal applied to a position: the new schedule (from ``start``), the down payment
    due on ``start``, the amount the schedule reschedules, what each waiver took off, and the
    summary."""

    proposal: Proposal
    start: date
    schedule: Schedule
    down_payment: Decimal
    rescheduled_amount: Decimal
    waived: tuple[tuple[str, Decimal], ...]
    summary: ProposalSummary


_WAIVER_ITEM = {
    "penalty": "penalty",
    "fees": "fees",
    "interest": "interest",
    "overdue_interest": "overdue_interest",
}


def _waive(
    items: dict[str, Decimal], waivers: tuple[Waiver, ...], rounding: RoundingPolicy
) -> tuple[tuple[str, Decimal], ...]:
    """Apply waivers to ``items`` in place; return (target, amount waived) pairs."""
    done: list[tuple[str, Decimal]] = []
    for w in waivers:
        item = _WAIVER_ITEM[w.target]
        owed = items[item]
        if w.amount is not None:
            if w.amount > owed:
                raise DomainError(
                    "proposal.waiver_exceeds_item", field="amount", target=w.target, owed=str(owed)
                )
            amount = w.amount
        else:
            fraction = Decimal(1) if w.fraction is None else w.fraction
            amount = round_money(owed * fraction, rounding)
        items[item] = owed - amount
        done.append((w.target, amount))
    return tuple(done)


def _first_due(position: LoanPosition, start: date, first_due: date | None) -> date:
    if first_due is not None:
        if first_due <= start:
            raise DomainError("proposal.first_due_not_after_start", field="first_due")
        return first_due
    anchor = position.next_due or start
    k = 0 if position.next_due is not None else 1
    while add_months(anchor, k) <= start:
        k += 1
    return add_months(anchor, k)


def _regular_payment(schedule: Schedule) -> Decimal:
    counts: dict[Decimal, int] = {}
    for r in schedule.rows:
        if r.payment > 0:
            counts[r.payment] = counts.get(r.payment, 0) + 1
    return max(counts, key=lambda p: (counts[p], p)) if counts else ZERO


def apply_proposal(
    position: LoanPosition,
    proposal: Proposal,
    *,
    start: date | None = None,
    first_due: date | None = None,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
    unit: Decimal = FEN,
) -> ProposalOutcome:
    """The new plan ``proposal`` makes of ``position`` (see the module docstring for the
    order of effect).  ``start`` (default ``as_of``) is when the plan takes effect and the
    down payment is due; ``first_due`` overrides the first installment's date; ``unit`` is
    the multiple of even splits (settlement, interest stop, arrears), remainder to the last.

    >>> pos = loan_position(as_of=date(2023, 8, 1), outstanding_principal="2000",
    ...                     annual_rate="0", remaining_months=2, next_due=date(2023, 9, 1),
    ...                     method="equal-principal")
    >>> out = apply_proposal(pos, Proposal((TermExtension(2),)))
    >>> [(r.due_date.isoformat(), str(r.payment)) for r in out.schedule.rows][-1]
    ('2023-12-01', '500.00')
    """
    start = position.as_of if start is None else start
    if start < position.as_of:
        raise DomainError("proposal.start_before_as_of", field="start", value=start.isoformat())
    due = _first_due(position, start, first_due)
    findings: list[str] = []
    items = items_of(position)
    waived = _waive(items, proposal.waivers, rounding)
    findings += ["proposal.waiver_of_nothing" for _, amount in waived if amount == 0][:1]
    first = proposal.find(FirstPayment)
    down = ZERO if first is None else first.amount
    settlement = proposal.find(Settlement)
    stop = proposal.find(InterestStop)
    holiday = proposal.find(PaymentHoliday)
    lead = 0 if holiday is None else holiday.months
    notes: tuple[str, ...] = ()
    if settlement is not None:
        owed = round_money(position.total_owed * settlement.percent, rounding)
        if owed == 0:
            raise DomainError(
                "proposal.nothing_left", field="percent", value=str(settlement.percent)
            )
        if down >= owed:
            raise DomainError("proposal.first_payment_too_large", field="amount", limit=str(owed))
        rescheduled = owed - down
        waived = (("settlement", position.total_owed - owed),)
        rows = monthly_rows(due, settlement.installments)
        for row, share in zip(rows, split_evenly(rescheduled, len(rows), unit=unit), strict=True):
            row.principal = share
        rate, method = ZERO, Method.EQUAL_PRINCIPAL
    else:
        if money_total(items.values()) == 0:
            # The waivers forgive everything: there is no plan to schedule.
            raise DomainError("proposal.nothing_left", field="concessions")
        if down >= money_total(items.values()):
            raise DomainError(
                "proposal.first_payment_too_large",
                field="amount",
                limit=str(money_total(items.values())),
            )
        pay_in_order(items, down, ITEMS)
        rescheduled = money_total(items.values())
        if stop is not None:
            if stop.installments > CARD_INSTALLMENT_LIMIT:
                findings.append("proposal.installments_over_60")
            rows = monthly_rows(due, lead)
            spread(rows, lead, split_in_order(items, ITEMS, stop.installments, unit), due)
            rate, method = ZERO, Method.EQUAL_PRINCIPAL
        else:
            rows, rate, notes = _rebuilt_rows(
                position, proposal, items=items, due=due, rounding=rounding, unit=unit
            )
            method = position.method
            if holiday is not None and holiday.interest is HolidayInterest.CAPITALISED:
                findings.append("proposal.interest_capitalised")
    schedule = assemble(rows, start, rate, method, notes)
    return _outcome(
        position,
        proposal,
        start=start,
        schedule=schedule,
        down=down,
        rescheduled=rescheduled,
        waived=waived,
        findings=findings,
    )


def _rebuilt_rows(
    position: LoanPosition,
    proposal: Proposal,
    *,
    items: dict[str, Decimal],
    due: date,
    rounding: RoundingPolicy,
    unit: Decimal,
) -> tuple[list[Row], Decimal, tuple[str, ...]]:
    """Rate, extension, holiday and re-ageing on what is left after waivers and first payment."""
    cut = proposal.find(RateReduction)
    rate = position.annual_rate if cut is None else cut.new_annual_rate
    if rate > position.annual_rate:
        raise DomainError(
            "proposal.rate_not_lower", field="new_annual_rate", current=str(position.annual_rate)
        )
    extension = proposal.find(TermExtension)
    holiday = proposal.find(PaymentHoliday)
    lead = 0 if holiday is None else holiday.months
    principal = items["principal"]
    months = position.remaining_months
    if extension is not None:
        if extension.include_overdue_principal:
            principal += items["overdue_principal"]
            items["overdue_principal"] = ZERO
        if principal == 0:
            raise DomainError("proposal.nothing_to_extend", field="extra_months")
        months += extension.extra_months
    if months + lead > MAX_PLAN_MONTHS:
        raise DomainError("proposal.term_too_long", field="concessions", limit=MAX_PLAN_MONTHS)
    notes: tuple[str, ...] = ()
    if principal > 0:
        rows, lead, notes = regular_rows(
            position,
            principal,
            rate=rate,
            months=months,
            first_due=due,
            holiday=holiday,
            rounding=rounding,
        )
    else:
        rows = monthly_rows(due, lead)
    if items["interest"] > 0:
        # Accrued interest is paid with the next installment; a bullet's at its maturity.
        bullet = position.method is Method.BULLET and principal > 0
        at = len(rows) - 1 if bullet else lead
        spread(rows, at, [columns({"interest": items["interest"]})], due)
    arrears = money_total(items[k] for k in ARREARS)
    if arrears > 0:
        reageing = proposal.find(ReAgeing)
        count = 1 if reageing is None else reageing.installments
        spread(rows, lead, split_in_order(items, ARREARS, count, unit), due)
    if position.method is Method.BULLET:  # months before maturity with nothing due
        rows = [r for r in rows if r.principal or r.interest or r.fee]
    return rows, rate, notes


def _outcome(
    position: LoanPosition,
    proposal: Proposal,
    *,
    start: date,
    schedule: Schedule,
    down: Decimal,
    rescheduled: Decimal,
    waived: tuple[tuple[str, Decimal], ...],
    findings: list[str],
) -> ProposalOutcome:
    to_pay = down + schedule.total_payment
    contract = position.contract_remaining_total
    legal = position.legally_protected_total
    vs_contract = None if contract is None else contract - to_pay
    vs_legal = None if legal is None else legal - to_pay
    if vs_contract is not None and vs_contract < 0:
        findings.append("proposal.costs_more_than_contract")
    if vs_legal is not None and vs_legal < 0:
        findings.append("proposal.above_legal_total")
    apr: AprResult | None = None
    try:
        # The APR's "money received" is the rescheduled amount, not the schedule's principal.
        apr = apr_of_schedule(replace(schedule, principal=rescheduled))
    except DomainError:
        findings.append("proposal.apr_unavailable")
    first = down if down > 0 else next((r.payment for r in schedule.rows if r.payment > 0), ZERO)
    summary = ProposalSummary(
        first_payment=first,
        regular_payment=_regular_payment(schedule),
        total_to_pay=to_pay,
        months_to_clear=schedule.months,
        savings_vs_contract=vs_contract,
        savings_vs_legal=vs_legal,
        amount_waived=money_total(amount for _, amount in waived),
        apr=apr,
        findings=tuple(dict.fromkeys(findings)),
    )
    return ProposalOutcome(proposal, start, schedule, down, rescheduled, waived, summary)
