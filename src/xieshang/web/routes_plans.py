"""The plan builder: concessions per loan, an allocation strategy, plans side by side, and
draft cases opened from a plan.

The builder is a GET form (choosing changes nothing): ``strategy``, ``basis`` (the living costs
used) and, per loan ``N``, ``kind_N`` — ``suggested`` (the plan service's request for it),
``keep`` (paid as contracted, outside the plan), ``relief`` (only the rate cut, waivers, first
payment below), ``extension``, ``interest_stop``, ``settlement`` or ``holiday`` — with
``months_N`` (extra months, installments or holiday months), ``percent_N`` (settlement share,
in %), ``rate_N`` (new annual rate, in %), ``waive_N`` (items waived), ``down_N`` (a first
payment) and ``reage_N`` (arrears spread over that many installments).  ``compare`` (up to
three) holds earlier plans' query strings, kept to compare against.

Every figure comes from the services: the plan service (capacity, each loan's standing, the
requests it suggests for a strategy) and the cases service's offer computation (a proposal
applied to a loan's position today), so the page shows what a case opened from it would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.affordability import LivingCostBasis
from xieshang.domain.allocation import Strategy
from xieshang.domain.case_state import TERMINAL, CaseState
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
from xieshang.i18n import text
from xieshang.present.charts import Series, bar_chart, line_chart
from xieshang.present.views import describe_proposal
from xieshang.services import cases, loans, plans
from xieshang.services.access import not_found
from xieshang.services.loans import local_today

from .lang import page_lang
from .render import render
from .session import container_of, page_router
from .subject import Subject, borrower_subject

router = page_router()

STRATEGIES = tuple(s.value for s in Strategy)
BASES: tuple[LivingCostBasis, ...] = ("own", "reference", "higher")
KINDS = ("suggested", "keep", "relief", "extension", "interest_stop", "settlement", "holiday")
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
LIST_LIMIT = 500
# A case holds its loans until it ends or its agreement is signed (as the cases service says).
_HOLDS_LOANS = frozenset(CaseState) - TERMINAL - {CaseState.SIGNED, CaseState.ACTIVE}
# The plan cannot be made yet: the page says what to do first instead of failing.
NOT_READY = frozenset({"plan.statement_missing", "plan.no_loans", "plan.loan_not_started"})

Text = Annotated[str, Form()]


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
    try:
        return int(value)
    except ValueError:
        raise DomainError("proposal.count_not_integer", field=field, value=value) from None


def _share(value: str) -> Decimal:
    """A settlement share typed in percent ("60") as the domain's fraction (0.6)."""
    try:
        d = Decimal(value.removesuffix("%").strip())
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite():
        raise DomainError("amount.not_a_number", field="percent", value=value)
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
        parts.append(FirstPayment(positive_money(choice.down, field="amount")))
    return parts


def proposal_of(choice: LoanChoice, loan_id: str) -> Proposal:
    """The proposal a loan's choices make (not for ``suggested`` or ``keep``); a refused
    value is a ``ChoiceError`` naming its field."""
    try:
        parts = _concessions(choice)
    except DomainError as error:
        raise ChoiceError(_form_field(error, loan_id), error) from None
    if choice.reage:
        try:
            parts.append(ReAgeing(_count(choice.reage, "installments")))
        except DomainError as error:
            raise ChoiceError(f"reage_{loan_id}", error) from None
    if not parts:
        empty = DomainError("proposal.unknown_concession", field="kind", value=choice.kind)
        raise ChoiceError(f"kind_{loan_id}", empty)
    try:
        return Proposal(tuple(parts), label=choice.kind)
    except DomainError as error:
        raise ChoiceError(f"kind_{loan_id}", error) from None


def _form_field(error: DomainError, loan_id: str) -> str:
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
    (datetime.date(2026, 2, 1), Decimal('0'))
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


@dataclass(frozen=True, slots=True)
class Built:
    """The builder's plan: the choices (completed per loan), the report it stands on, each
    loan's new terms and the plan's figures."""

    choices: Choices
    report: PlanReport
    outcomes: Mapping[str, ProposalOutcome]
    figures: PlanFigures


def plan_report(
    request: Request, subject: Subject, strategy: str, basis: str, keep: Iterable[str] = ()
) -> PlanReport:
    container = container_of(request)
    return plans.plan_for(
        container.uow(),
        subject.actor,
        subject.borrower_id,
        as_of=local_today(container.clock()),
        strategy=strategy,
        living_cost_basis=basis,  # type: ignore[arg-type]  # checked against BASES
        exclude=[int(i) for i in keep],
    )


def build(request: Request, subject: Subject, choices: Choices, name: str) -> Built:
    """The plan these choices make; a refused choice is a ``ChoiceError``; a loan not in the
    file is "not found"."""
    if choices.strategy not in STRATEGIES:
        error = DomainError("allocation.strategy_unknown", field="strategy", value=choices.strategy)
        raise ChoiceError("strategy", error)
    if choices.basis not in BASES:
        error = DomainError(
            "capacity.basis_unknown", field="living_cost_basis", value=choices.basis
        )
        raise ChoiceError("basis", error)
    if choices.per_loan:
        container = container_of(request)
        page = loans.list_loans(
            container.uow(), subject.actor, subject.borrower_id, limit=LIST_LIMIT, offset=0
        )
        if set(choices.per_loan) - {str(v.id) for v in page.items}:
            raise not_found("loan")
    report = plan_report(request, subject, choices.strategy, choices.basis)
    for loan_id, choice in choices.per_loan.items():
        if choice.kind not in KINDS:
            error = DomainError("proposal.unknown_concession", field="kind", value=choice.kind)
            raise ChoiceError(f"kind_{loan_id}", error)
    keep = [i for i, c in choices.per_loan.items() if c.kind == "keep"]
    if keep:
        report = plan_report(request, subject, choices.strategy, choices.basis, keep)
    advice = suggested(report)
    outcomes: dict[str, ProposalOutcome] = {}
    full: dict[str, LoanChoice] = {}
    for review in owing(report):
        loan_id = review.loan.id
        choice = full[loan_id] = choices.choice(loan_id)
        if choice.kind == "suggested" and loan_id in advice:
            outcomes[loan_id] = advice[loan_id]
        elif choice.kind not in ("suggested", "keep"):
            proposal = proposal_of(choice, loan_id)
            try:
                outcomes[loan_id] = offer_outcome(review, proposal, report.as_of)
            except DomainError as error:
                raise ChoiceError(_form_field(error, loan_id), error) from None
    done = Choices(choices.strategy, choices.basis, full)
    lang = page_lang(request)
    figures = figures_of(name, report, outcomes, lang, query=done.query())
    return Built(done, report, outcomes, figures)


# ---------------------------------------------------------------------------------------------
# pages


def _not_ready(
    request: Request, subject: Subject, template: str, error: DomainError, status: int = 200
) -> Response:
    return render(
        request,
        template,
        user=subject.actor,
        status=status,
        built=None,
        not_ready=error,
        choices=Choices(),
        errors={},
        **_empty(template),
    )


def _empty(template: str) -> dict[str, Any]:
    if template == "plans":
        return {"variants": [], "held": {}, "strategies": STRATEGIES, "bases": BASES}
    return {"plans": [], "line": None, "bars": None, "months": [], "variants": []}


def held_loans(request: Request, subject: Subject) -> dict[str, int]:
    """Loans already in an open case of this file: loan id → case id."""
    container = container_of(request)
    found, _ = cases.list_cases(
        container.uow(),
        subject.actor,
        borrower_id=subject.borrower_id,
        limit=LIST_LIMIT,
        offset=0,
        now=container.clock(),
    )
    return {
        str(loan_id): c.id
        for c in found
        if CaseState(c.state) in _HOLDS_LOANS
        for loan_id in c.loan_ids
    }


def builder_page(
    request: Request,
    subject: Subject,
    choices: Choices,
    variants: list[str],
    *,
    error: ChoiceError | None = None,
) -> Response:
    """The builder with its plan, or — for a refused choice — with the message beside the
    field, what was typed kept, status 400."""
    lang = page_lang(request)
    built = None
    try:
        if error is None:
            built = build(request, subject, choices, text("web_plans_builder_plan", lang))
            choices = built.choices
        report = built.report if built else plan_report(request, subject, "pro_rata", "own")
    except ChoiceError as refused:
        error = refused
        report = plan_report(request, subject, "pro_rata", "own")
    except DomainError as problem:
        if problem.code not in NOT_READY:
            raise
        return _not_ready(request, subject, "plans", problem)
    query = choices.query()
    kept = [("compare", v) for v in variants]
    return render(
        request,
        "plans",
        user=subject.actor,
        status=200 if error is None else 400,
        built=built,
        plan_value=_joined(query, urlencode(kept)),
        compare_url="/plans/compare?" + _joined(query, urlencode(kept)),
        keep_url="/plans?" + _joined(query, urlencode([*kept, ("compare", query)][-MAX_VARIANTS:])),
        report=report,
        reviews=owing(report),
        choices=choices,
        errors={} if error is None else {error.field: error.error},
        variants=variants,
        held=held_loans(request, subject),
        strategies=STRATEGIES,
        bases=BASES,
        kinds=KINDS,
        waivers=WAIVER_TARGETS,
        not_ready=None,
    )


def _joined(*queries: str) -> str:
    return "&".join(q for q in queries if q)


@router.get("/plans")
def plan_builder(request: Request) -> Response:
    subject = borrower_subject(request)
    pairs = list(request.query_params.multi_items())
    return builder_page(request, subject, read_choices(pairs), variants_of(pairs))


def _variant(
    request: Request, subject: Subject, query: str, name: str
) -> PlanFigures | DomainError:
    try:
        return build(request, subject, read_choices(parse_qsl(query)), name).figures
    except ChoiceError as refused:
        return refused.error


def _months_axis(plans_shown: list[PlanFigures]) -> list[date]:
    months = by_month((d, ZERO) for p in plans_shown for d, _ in p.timeline)
    return [d for d, _ in months]


def _charts(plans_shown: list[PlanFigures], lang: str) -> tuple[Any, Any, list[date]]:
    axis = _months_axis(plans_shown)
    if not axis:
        return None, None, []
    labels = [d.strftime("%Y-%m") for d in axis]
    series = []
    for p in plans_shown:
        amounts = dict(p.timeline)
        series.append(Series(p.name, tuple(amounts.get(d, ZERO) for d in axis)))
    line = line_chart(text("web_plans_chart_monthly", lang), labels, series)
    bars = bar_chart(text("web_plans_chart_total", lang), [(p.name, p.total) for p in plans_shown])
    return line, bars, axis


@router.get("/plans/compare")
def compare_plans(request: Request) -> Response:
    """The builder's plan beside doing nothing, each strategy's suggested plan and the plans
    kept for comparison: a table, the monthly payments over time and the total cost."""
    subject = borrower_subject(request)
    lang = page_lang(request)
    pairs = list(request.query_params.multi_items())
    choices, variants = read_choices(pairs), variants_of(pairs)
    try:
        built = build(request, subject, choices, text("web_plans_builder_plan", lang))
    except ChoiceError as bad:
        return builder_page(request, subject, choices, variants, error=bad)
    except DomainError as problem:
        if problem.code not in NOT_READY:
            raise
        return _not_ready(request, subject, "plan_compare", problem)
    report = built.report
    shown = [figures_of(text("web_plans_contracts", lang), report, {}, lang), built.figures]
    for strategy in STRATEGIES:
        default = plan_report(request, subject, strategy, built.choices.basis)
        name = text(f"web_plans_short_{strategy}", lang)
        full = text("web_plans_strategy_plan", lang, strategy=text(f"strategy_{strategy}", lang))
        query = Choices(strategy, built.choices.basis).query()
        shown.append(
            figures_of(name, default, suggested(default), lang, query=query, long_name=full)
        )
    refused: list[tuple[str, DomainError]] = []
    for n, query in enumerate(variants, start=1):
        name = text("web_plans_variant", lang, n=n)
        found = _variant(request, subject, query, name)
        if isinstance(found, DomainError):
            refused.append((name, found))
        else:
            shown.append(found)
    line, bars, months = _charts(shown, lang)
    return render(
        request,
        "plan_compare",
        user=subject.actor,
        built=built,
        plans=shown,
        refused=refused,
        line=line,
        bars=bars,
        months=months,
        variants=variants,
        choices=built.choices,
        errors={},
        not_ready=None,
    )


# ---------------------------------------------------------------------------------------------
# opening cases


def counterparties(
    request: Request, subject: Subject, loan_ids: Iterable[str]
) -> dict[tuple[int | None, str | None], list[int]]:
    """The loans grouped by who they are negotiated with: a lender organisation here, or the
    lender's name as an external platform."""
    container = container_of(request)
    page = loans.list_loans(
        container.uow(), subject.actor, subject.borrower_id, limit=LIST_LIMIT, offset=0
    )
    by_id = {str(v.id): v for v in page.items}
    groups: dict[tuple[int | None, str | None], list[int]] = {}
    for loan_id in loan_ids:
        view = by_id.get(loan_id)
        if view is None:
            raise not_found("loan")
        org = view.lender_organisation_id
        key = (org, None) if org is not None else (None, view.loan.lender)
        groups.setdefault(key, []).append(view.id)
    return groups


@router.post("/plans/cases")
def open_cases_from_plan(request: Request, plan: Text = "") -> Response:
    """One draft case per lender of the plan's loans (those not kept as contracted and not
    already in an open case), then to the cases list."""
    subject = borrower_subject(request)
    pairs = parse_qsl(plan[:MAX_QUERY])
    choices, variants = read_choices(pairs), variants_of(pairs)
    lang = page_lang(request)
    try:
        built = build(request, subject, choices, text("web_plans_builder_plan", lang))
    except ChoiceError as refused:
        return builder_page(request, subject, choices, variants, error=refused)
    except DomainError as problem:
        if problem.code not in NOT_READY:
            raise
        return _not_ready(request, subject, "plans", problem, status=400)
    held = held_loans(request, subject)
    wanted = [
        line.loan_id
        for line in built.figures.lines
        if built.choices.choice(line.loan_id).kind != "keep" and line.loan_id not in held
    ]
    if not wanted:
        error = DomainError("web_plans.nothing_to_open", field="form")
        return builder_page(request, subject, choices, variants, error=ChoiceError("form", error))
    container = container_of(request)
    for (org, platform), loan_ids in counterparties(request, subject, wanted).items():
        try:
            cases.open_case(
                container.uow(),
                subject.actor,
                subject.borrower_id,
                loan_ids=loan_ids,
                lender_organisation_id=org,
                external_platform=platform,
                now=container.clock(),
                sign=container.instance_key.sign,
            )
        except DomainError as error:
            if error.code.startswith("access."):
                raise
            return builder_page(
                request, subject, choices, variants, error=ChoiceError("form", error)
            )
    return RedirectResponse("/cases", status_code=303)
