"""The plan builder's choices and the figures of a plan, apart from the pages.

``read_choices`` turns the builder's query pairs (``strategy``, ``basis``, per loan ``N``:
``kind_N``, ``months_N``, ``percent_N``, ``rate_N``, ``down_N``, ``reage_N``, ``waive_N``) into
``Choices``; ``proposal_of`` makes a loan's choices a domain ``Proposal`` (a refused value is a
``ChoiceError`` naming the builder field it is shown beside); ``figures_of`` sets out a whole
plan — each loan on its new terms or as contracted — as the pages show it: monthly payment,
total, months to clear, savings, what each calendar month asks, whether it fits capacity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlencode

from xieshang.domain.concessions import (
    WAIVER_TARGETS,
    Concession,
    FirstPayment,
    InterestStop,
    PaymentHoliday,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
)
from xieshang.domain.errors import DomainError
from xieshang.domain.money import ZERO, positive_money, total
from xieshang.domain.offer_terms import LoanTerms, OfferTerms
from xieshang.domain.plan import LoanReview, PlanReport
from xieshang.domain.proposals import ProposalOutcome
from xieshang.domain.rates import parse_rate
from xieshang.present.views import describe_proposal
from xieshang.services import cases

# What the months field means, by kind (the domain's field name, for its messages).
MONTHS_FIELD = {
    "extension": "extra_months",
    "interest_stop": "installments",
    "settlement": "installments",
    "holiday": "months",
}
# A domain error's field → the builder field it is shown beside (suffixed with the loan id).
FORM_FIELD = {
    "extra_months": "months",
    "installments": "months",
    "months": "months",
    "percent": "percent",
    "new_annual_rate": "rate",
    "amount": "down",
    "target": "waive",
}
LOAN_FIELDS = ("kind", "months", "percent", "rate", "down", "reage")
MAX_VARIANTS = 3
MAX_QUERY = 4000
MAX_TEXT = 40
MAX_ID_DIGITS = 18
MAX_AMOUNT = Decimal(1_000_000_000_000)  # 一万亿元, the CLI's ceiling

# ---------------------------------------------------------------------------------------------
# the builder's choices


@dataclass(frozen=True, slots=True)
class LoanChoice:
    """What was chosen for one loan, as typed (kept on a refused form)."""

    kind: str = "suggested"
    months: str = ""
    percent: str = ""
    rate: str = ""
    down: str = ""
    reage: str = ""
    waive: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Choices:
    strategy: str = "pro_rata"
    basis: str = "own"
    loans: Mapping[str, LoanChoice] | None = None

    @property
    def per_loan(self) -> Mapping[str, LoanChoice]:
        return self.loans or {}

    def choice(self, loan_id: str) -> LoanChoice:
        return self.per_loan.get(loan_id, LoanChoice())

    def query(self) -> str:
        """These choices as the builder's query string (a bookmark of the plan)."""
        pairs: list[tuple[str, str]] = [("strategy", self.strategy), ("basis", self.basis)]
        for loan_id, c in self.per_loan.items():
            pairs.append((f"kind_{loan_id}", c.kind))
            pairs += [(f"{n}_{loan_id}", getattr(c, n)) for n in LOAN_FIELDS[1:] if getattr(c, n)]
            pairs += [(f"waive_{loan_id}", w) for w in c.waive]
        return urlencode(pairs)


def read_choices(pairs: Iterable[tuple[str, str]]) -> Choices:
    """The builder's choices from query pairs; names it does not know are ignored."""
    fields: dict[str, dict[str, str]] = {}
    waived: dict[str, list[str]] = {}
    top = {"strategy": "pro_rata", "basis": "own"}
    for name, raw in pairs:
        value = raw.strip()[:MAX_TEXT]
        if name in top:
            top[name] = value
            continue
        base, _, loan_id = name.rpartition("_")
        if not loan_id.isdigit() or len(loan_id) > MAX_ID_DIGITS:
            continue
        loan_id = str(int(loan_id))
        if base == "waive":
            waived.setdefault(loan_id, []).append(value)
        elif base in LOAN_FIELDS:
            fields.setdefault(loan_id, {})[base] = value
    ids = sorted(set(fields) | set(waived), key=int)
    chosen = {
        i: LoanChoice(**fields.get(i, {}), waive=tuple(dict.fromkeys(waived.get(i, []))))
        for i in ids
    }
    return Choices(top["strategy"], top["basis"], chosen)


def variants_of(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """The plans kept for comparison (their query strings), the last three."""
    kept = [v[:MAX_QUERY] for k, v in pairs if k == "compare" and v.strip()]
    return list(dict.fromkeys(kept))[-MAX_VARIANTS:]


class ChoiceError(Exception):
    """A refused choice: the domain's error and the builder field it is shown beside."""

    def __init__(self, field: str, error: DomainError) -> None:
        super().__init__(field)
        self.field, self.error = field, error


def _count(value: str, field: str) -> int:
    """A whole number as typed (the domain checks its range: "-3" is refused there)."""
    if not re.fullmatch(r"-?[0-9]{1,9}", value):
        raise DomainError("proposal.count_not_integer", field=field, value=value)
    return int(value)


def _amount(value: str) -> Decimal:
    """A first payment in yuan; an absurd magnitude is refused by name, as the CLI does."""
    try:
        amount = positive_money(value, field="amount")
    except InvalidOperation:  # more digits than the fen can be computed to
        amount = MAX_AMOUNT
    if amount >= MAX_AMOUNT:
        raise DomainError("amount.too_large", field="amount", value=value, limit=f"{MAX_AMOUNT:,}")
    return amount


def _share(value: str) -> Decimal:
    """A settlement share typed in percent ("60") as the domain's fraction (0.6)."""
    try:
        d = Decimal(value.removesuffix("%").strip())
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite():
        raise DomainError("amount.not_a_number", field="percent", value=value)
    if not 0 < d <= 100:  # the domain's own message speaks of fractions (0.6), not percent
        raise DomainError("web_plans.share_out_of_range", field="percent", value=value)
    return d / 100


def _concessions(choice: LoanChoice) -> list[Concession]:
    kind = choice.kind
    parts: list[Concession] = []
    if kind in MONTHS_FIELD:
        months = _count(choice.months, MONTHS_FIELD[kind])
        if kind == "extension":
            parts.append(TermExtension(months))
        elif kind == "interest_stop":
            parts.append(InterestStop(months))
        elif kind == "holiday":
            parts.append(PaymentHoliday(months))
        else:
            parts.append(Settlement(_share(choice.percent), months))
    elif kind != "relief":
        raise DomainError("proposal.unknown_concession", field="kind", value=kind)
    if choice.rate:
        parts.append(RateReduction(parse_rate(choice.rate, field="new_annual_rate", percent=True)))
    for target in choice.waive:
        if target not in WAIVER_TARGETS:
            raise DomainError("proposal.waiver_target_unknown", field="target", value=target)
        parts.append(Waiver(target))  # type: ignore[arg-type]  # checked just above
    if choice.down:
        parts.append(FirstPayment(_amount(choice.down)))
    return parts


def proposal_of(choice: LoanChoice, loan_id: str) -> Proposal:
    """The proposal a loan's choices make (not for ``suggested`` or ``keep``); a refused
    value is a ``ChoiceError`` naming its field."""
    try:
        parts = _concessions(choice)
    except DomainError as error:
        raise ChoiceError(form_field(error, loan_id), error) from None
    if choice.reage:
        try:
            parts.append(ReAgeing(_count(choice.reage, "installments")))
        except DomainError as error:
            raise ChoiceError(f"reage_{loan_id}", error) from None
    if not parts:  # "only a rate cut or waivers" with none of them
        raise ChoiceError(f"kind_{loan_id}", DomainError("web_plans.relief_empty", field="kind"))
    try:
        return Proposal(tuple(parts), label=choice.kind)
    except DomainError as error:
        raise ChoiceError(f"kind_{loan_id}", error) from None


def form_field(error: DomainError, loan_id: str) -> str:
    return f"{FORM_FIELD.get(error.field or '', 'kind')}_{loan_id}"


# ---------------------------------------------------------------------------------------------
# plans as figures


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One loan in a plan: its request in words (None: as contracted) and its figures."""

    loan_id: str
    lender: str
    owed: Decimal
    request: str | None
    first: Decimal
    monthly: Decimal
    total: Decimal
    months: int
    savings: Decimal
    findings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanFigures:
    """A whole plan: its loans, the capacity it is measured against and what it asks each
    calendar month."""

    name: str
    lines: tuple[PlanLine, ...]
    capacity: Decimal
    timeline: tuple[tuple[date, Decimal], ...]
    query: str = ""
    long_name: str = ""

    @property
    def title(self) -> str:
        """The name in full (the table's); ``name`` is short enough for a chart's label."""
        return self.long_name or self.name

    @property
    def monthly(self) -> Decimal:
        return total(line.monthly for line in self.lines)

    @property
    def total(self) -> Decimal:
        return total(line.total for line in self.lines)

    @property
    def savings(self) -> Decimal:
        return total(line.savings for line in self.lines)

    @property
    def months(self) -> int:
        return len(self.timeline)

    @property
    def first_month(self) -> Decimal:
        return self.timeline[0][1] if self.timeline else ZERO

    @property
    def peak(self) -> Decimal:
        return max((amount for _, amount in self.timeline), default=ZERO)

    @property
    def fits(self) -> bool:
        """Whether its monthly payment, and every month it asks, stay within capacity."""
        return max(self.monthly, self.peak) <= self.capacity

    def in_month(self, month: date) -> Decimal | None:
        """What the plan asks in ``month`` (dated the 1st); None outside its span."""
        return next((amount for day, amount in self.timeline if day == month), None)


def by_month(flows: Iterable[tuple[date, Decimal]]) -> tuple[tuple[date, Decimal], ...]:
    """Payments summed by calendar month (dated the 1st), every month of the span listed, as
    the plan report's combined timeline.

    >>> by_month([(date(2026, 1, 5), Decimal("1")), (date(2026, 3, 5), Decimal("2"))])[1]
    (datetime.date(2026, 2, 1), Decimal('0.00'))
    """
    sums: dict[tuple[int, int], Decimal] = {}
    for day, amount in flows:
        key = (day.year, day.month)
        sums[key] = sums.get(key, ZERO) + amount
    if not sums:
        return ()
    (year, month), last = min(sums), max(sums)
    out = []
    while (year, month) <= last:
        out.append((date(year, month, 1), sums.get((year, month), ZERO)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(out)


def _contract_flows(review: LoanReview) -> list[tuple[date, Decimal]]:
    """What the contract asks from today: the arrears (with penalty) now, then its rows."""
    s = review.standing
    future = [(r.due_date, r.payment) for r in s.schedule.rows if r.due_date > s.as_of]
    arrears = s.contract_remaining - total(a for _, a in future)
    return ([(s.as_of, arrears)] if arrears > 0 else []) + future


def _outcome_flows(outcome: ProposalOutcome) -> list[tuple[date, Decimal]]:
    down = [(outcome.start, outcome.down_payment)] if outcome.down_payment > 0 else []
    return down + [(r.due_date, r.payment) for r in outcome.schedule.rows]


def _contract_line(review: LoanReview) -> PlanLine:
    flows = _contract_flows(review)
    return PlanLine(
        loan_id=review.loan.id,
        lender=review.loan.lender,
        owed=review.owed,
        request=None,
        first=flows[0][1] if flows else ZERO,
        monthly=review.standing.schedule.regular_payment,
        total=review.standing.contract_remaining,
        months=len(by_month(flows)),
        savings=ZERO,
        findings=(),
    )


def _outcome_line(review: LoanReview, outcome: ProposalOutcome, lang: str) -> PlanLine:
    s = outcome.summary
    return PlanLine(
        loan_id=review.loan.id,
        lender=review.loan.lender,
        owed=review.owed,
        request=describe_proposal(outcome, lang),
        first=s.first_payment,
        monthly=s.regular_payment,
        total=s.total_to_pay,
        months=s.months_to_clear,
        savings=s.savings_vs_contract or ZERO,
        findings=s.findings,
    )


def owing(report: PlanReport) -> list[LoanReview]:
    return [r for r in report.reviews if r.owed > 0]


def figures_of(
    name: str,
    report: PlanReport,
    outcomes: Mapping[str, ProposalOutcome],
    lang: str,
    *,
    query: str = "",
    long_name: str = "",
) -> PlanFigures:
    """A plan: the loans in ``outcomes`` on their new terms, every other loan as contracted."""
    lines, flows = [], []
    for review in owing(report):
        outcome = outcomes.get(review.loan.id)
        if outcome is None:
            lines.append(_contract_line(review))
            flows += _contract_flows(review)
        else:
            lines.append(_outcome_line(review, outcome, lang))
            flows += _outcome_flows(outcome)
    capacity = report.capacity.repayment_capacity
    return PlanFigures(name, tuple(lines), capacity, by_month(flows), query, long_name)


def suggested(report: PlanReport) -> dict[str, ProposalOutcome]:
    """The plan service's request for each loan (those it suggests one for)."""
    return {s.loan_id: s.outcome for s in report.suggestions if s.outcome is not None}


def offer_outcome(review: LoanReview, proposal: Proposal, as_of: date) -> ProposalOutcome:
    """The proposal applied to the loan today, by the cases service's offer computation."""
    terms = OfferTerms((LoanTerms(review.loan.id, proposal),), start=as_of)
    _, _, outcomes = cases.compute_offer({review.loan.id: review.loan}, terms, as_of=as_of)
    return outcomes[0][1]
