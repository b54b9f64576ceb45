"""Restructuring proposals: where a loan stands today, and the plan a set of concessions makes.

``LoanPosition`` is the loan on one day, item by item (principal not yet due, overdue
principal and interest, interest accrued in the current period, penalty, fees).
``apply_proposal`` turns a ``Proposal`` (see ``concessions``) into a new ``Schedule`` and a
``ProposalSummary`` a borrower and a lender can compare.

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

from .amortization import ScheduleOptions, build_schedule
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
from .money import DEFAULT_ROUNDING, FEN, ZERO, RoundingPolicy, money, round_money, split_evenly
from .money import total as money_total
from .rates import DayCount, add_months, parse_rate, year_fraction
from .schedule import Installment, Method, Schedule, validate_schedule

__all__ = [
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

# The items of a position, in the order a payment settles them (Civil Code Art. 561), and the
# schedule column each one is shown in.
ITEMS = ("fees", "penalty", "overdue_interest", "interest", "overdue_principal", "principal")
COLUMN = {
    "fees": "fee",
    "penalty": "fee",
    "overdue_interest": "interest",
    "interest": "interest",
    "overdue_principal": "principal",
    "principal": "principal",
}
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


def _items_of(position: LoanPosition) -> dict[str, Decimal]:
    return {
        "fees": position.fees_due,
        "penalty": position.penalty,
        "overdue_interest": position.overdue_interest,
        "interest": position.accrued_interest,
        "overdue_principal": position.overdue_principal,
        "principal": position.outstanding_principal,
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


def _pay_in_order(
    items: dict[str, Decimal], amount: Decimal, keys: tuple[str, ...]
) -> dict[str, Decimal]:
    """Take ``amount`` from ``items`` in the order of ``keys``; return what each item got."""
    paid: dict[str, Decimal] = {}
    left = amount
    for key in keys:
        take = min(left, items[key])
        items[key] -= take
        paid[key] = take
        left -= take
    return paid


def _columns(paid: dict[str, Decimal]) -> dict[str, Decimal]:
    cols = {"principal": ZERO, "interest": ZERO, "fee": ZERO}
    for key, amount in paid.items():
        cols[COLUMN[key]] += amount
    return cols


def _split_in_order(
    items: dict[str, Decimal], keys: tuple[str, ...], parts: int, unit: Decimal
) -> list[dict[str, Decimal]]:
    """The items named by ``keys`` split into ``parts`` even installments (remainder last),
    each installment settling the items in ``keys`` order; returned as schedule columns."""
    rest = dict(items)
    whole = money_total(rest[k] for k in keys)
    return [
        _columns(_pay_in_order(rest, share, keys))
        for share in split_evenly(whole, parts, unit=unit)
    ]


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


@dataclass(slots=True)
class _Row:
    """A row being assembled (mutable, local to ``apply_proposal``)."""

    due_date: date
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fee: Decimal = ZERO
    capitalised: Decimal = ZERO

    def add(self, cols: dict[str, Decimal]) -> None:
        self.principal += cols["principal"]
        self.interest += cols["interest"]
        self.fee += cols["fee"]


def _monthly(first_due: date, count: int, skip: int = 0) -> list[_Row]:
    return [_Row(add_months(first_due, skip + k)) for k in range(count)]


def _simple_interest(
    principal: Decimal,
    rate: Decimal,
    begin: date,
    end: date,
    *,
    dc: DayCount,
    rounding: RoundingPolicy,
) -> Decimal:
    if end <= begin:
        return ZERO
    return round_money(principal * rate * year_fraction(begin, end, dc), rounding)


def _regular_rows(
    position: LoanPosition,
    principal: Decimal,
    *,
    rate: Decimal,
    months: int,
    first_due: date,
    holiday: PaymentHoliday | None,
    rounding: RoundingPolicy,
) -> tuple[list[_Row], int, tuple[str, ...]]:
    """Rows re-amortising ``principal`` (holiday rows first); also how many holiday rows lead
    and the engine's notes.  Interest runs from ``as_of``."""
    dc, method = position.day_count, position.method
    lead = 0 if holiday is None else holiday.months
    if method is Method.BULLET:
        if holiday is not None:
            raise DomainError(
                "proposal.holiday_not_applicable", field="months", method=method.value
            )
        rows = _monthly(first_due, months)
        rows[-1].principal = principal
        rows[-1].interest = _simple_interest(
            principal, rate, position.as_of, rows[-1].due_date, dc=dc, rounding=rounding
        )
        return rows, 0, ()
    if holiday is not None and holiday.interest is HolidayInterest.WAIVED:
        rows = _monthly(first_due, lead)
        base = build_schedule(
            principal,
            rate,
            months,
            rows[-1].due_date,
            method,
            ScheduleOptions(day_count=dc, rounding=rounding),
        )
        rows += [_Row(r.due_date, r.principal, r.interest) for r in base.rows]
        return rows, lead, ("note.holiday_interest_waived", *base.notes)
    # The engine sizes the level payment on whole months, so it gets a whole first month
    # (ending on ``first_due``); that month's interest is then corrected to what really runs
    # from ``as_of`` to ``first_due`` (less when ``as_of`` is inside the month — the part
    # before it is the accrued interest — more when the plan starts later).  The correction
    # changes interest only, never principal, so the rows still sum exactly.
    begin = add_months(first_due, -1)
    actual = _simple_interest(principal, rate, position.as_of, first_due, dc=dc, rounding=rounding)
    charged = _simple_interest(principal, rate, begin, first_due, dc=dc, rounding=rounding)
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
    rows = [_Row(r.due_date, r.principal, r.interest, r.fee, r.capitalised) for r in base.rows]
    # The first row with interest due: the first holiday row when interest is paid during it.
    rows[0 if mode is HolidayInterest.PAID else lead].interest += actual - charged
    return rows, lead, base.notes


def _assemble(
    rows: list[_Row], start: date, rate: Decimal, method: Method, notes: tuple[str, ...]
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


def _spread(rows: list[_Row], skip: int, parts: list[dict[str, Decimal]], first_due: date) -> None:
    """Add ``parts`` to the rows after the first ``skip``, appending monthly rows as needed."""
    for j, cols in enumerate(parts):
        k = skip + j
        if k == len(rows):
            due = add_months(first_due, k)
            rows.append(
                _Row(
                    due if not rows or due > rows[-1].due_date else add_months(rows[-1].due_date, 1)
                )
            )
        rows[k].add(cols)


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
    items = _items_of(position)
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
        if down >= owed:
            raise DomainError("proposal.first_payment_too_large", field="amount", limit=str(owed))
        rescheduled = owed - down
        waived = (("settlement", position.total_owed - owed),)
        rows = _monthly(due, settlement.installments)
        for row, share in zip(rows, split_evenly(rescheduled, len(rows), unit=unit), strict=True):
            row.principal = share
        rate, method = ZERO, Method.EQUAL_PRINCIPAL
    else:
        if down >= money_total(items.values()):
            raise DomainError(
                "proposal.first_payment_too_large",
                field="amount",
                limit=str(money_total(items.values())),
            )
        _pay_in_order(items, down, ITEMS)
        rescheduled = money_total(items.values())
        if stop is not None:
            if stop.installments > CARD_INSTALLMENT_LIMIT:
                findings.append("proposal.installments_over_60")
            rows = _monthly(due, lead)
            _spread(rows, lead, _split_in_order(items, ITEMS, stop.installments, unit), due)
            rate, method = ZERO, Method.EQUAL_PRINCIPAL
        else:
            rows, rate, notes = _rebuilt_rows(
                position, proposal, items=items, due=due, rounding=rounding, unit=unit
            )
            method = position.method
            if holiday is not None and holiday.interest is HolidayInterest.CAPITALISED:
                findings.append("proposal.interest_capitalised")
    schedule = _assemble(rows, start, rate, method, notes)
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
) -> tuple[list[_Row], Decimal, tuple[str, ...]]:
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
        rows, lead, notes = _regular_rows(
            position,
            principal,
            rate=rate,
            months=months,
            first_due=due,
            holiday=holiday,
            rounding=rounding,
        )
    else:
        rows = _monthly(due, lead)
    if items["interest"] > 0:
        # Accrued interest is paid with the next installment; a bullet's at its maturity.
        bullet = position.method is Method.BULLET and principal > 0
        at = len(rows) - 1 if bullet else lead
        _spread(rows, at, [_columns({"interest": items["interest"]})], due)
    arrears = money_total(items[k] for k in ARREARS)
    if arrears > 0:
        reageing = proposal.find(ReAgeing)
        count = 1 if reageing is None else reageing.installments
        _spread(rows, lead, _split_in_order(items, ARREARS, count, unit), due)
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
