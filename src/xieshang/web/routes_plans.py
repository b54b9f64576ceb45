"""The plan builder's pages: GET /plans (choose concessions per loan and an allocation
strategy; the plan's figures), GET /plans/compare (the plan beside doing nothing, each
strategy's suggested plan and up to three kept plans: a table and charts) and POST
/plans/cases (one draft case per lender of the plan).

The builder is a GET form (choosing changes nothing; its fields: ``web.plan_builder``).
Every figure comes from the services: the plan service (capacity, each loan's standing, the
requests it suggests for a strategy) and the cases service's offer computation (a proposal
applied to a loan's position today), so the page shows what a case opened from it would.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from xieshang.domain.affordability import LivingCostBasis
from xieshang.domain.allocation import Strategy
from xieshang.domain.case_state import TERMINAL, CaseState
from xieshang.domain.concessions import WAIVER_TARGETS
from xieshang.domain.errors import DomainError
from xieshang.domain.money import ZERO
from xieshang.domain.offer_terms import LoanTerms, OfferTerms, terms_record
from xieshang.domain.plan import PlanReport
from xieshang.domain.proposals import ProposalOutcome
from xieshang.i18n import text
from xieshang.present.charts import Series, bar_chart, line_chart
from xieshang.services import cases, loans, plans
from xieshang.services.access import not_found
from xieshang.services.loans import local_today

from .lang import page_lang
from .plan_builder import (
    MAX_QUERY,
    MAX_VARIANTS,
    ChoiceError,
    Choices,
    LoanChoice,
    PlanFigures,
    by_month,
    figures_of,
    form_field,
    offer_outcome,
    owing,
    proposal_of,
    read_choices,
    suggested,
    variants_of,
)
from .render import render
from .session import container_of, page_router
from .subject import Subject, borrower_subject

router = page_router()

STRATEGIES = tuple(s.value for s in Strategy)
BASES: tuple[LivingCostBasis, ...] = ("own", "reference", "higher")
KINDS = ("suggested", "keep", "relief", "extension", "interest_stop", "settlement", "holiday")
LIST_LIMIT = 500
# A case holds its loans until it ends or its agreement is signed (as the cases service says).
_HOLDS_LOANS = frozenset(CaseState) - TERMINAL - {CaseState.SIGNED, CaseState.ACTIVE}
# The plan cannot be made yet: the page says what to do first instead of failing.
NOT_READY = frozenset({"plan.statement_missing", "plan.no_loans", "plan.loan_not_started"})

Text = Annotated[str, Form()]


@dataclass(frozen=True, slots=True)
class Built:
    """The builder's plan: the choices (completed per loan), the report it stands on and the
    plan's figures."""

    choices: Choices
    report: PlanReport
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
                raise ChoiceError(form_field(error, loan_id), error) from None
    done = Choices(choices.strategy, choices.basis, full)
    lang = page_lang(request)
    figures = figures_of(name, report, outcomes, lang, query=done.query())
    return Built(done, report, figures)


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
    # A refused form still shows the loans, under the strategy and basis chosen if known.
    strategy = choices.strategy if choices.strategy in STRATEGIES else STRATEGIES[0]
    basis = choices.basis if choices.basis in BASES else BASES[0]
    try:
        if error is None:
            built = build(request, subject, choices, text("web_plans_builder_plan", lang))
            choices = built.choices
        report = built.report if built else plan_report(request, subject, strategy, basis)
    except ChoiceError as refused:
        error = refused
        report = plan_report(request, subject, strategy, basis)
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
    """A kept plan's figures, or why it cannot be made now (a loan since deleted, say)."""
    try:
        return build(request, subject, read_choices(parse_qsl(query)), name).figures
    except ChoiceError as refused:
        return refused.error
    except DomainError as error:
        return error


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
    # The drafts' pages offer this plan's request, to read and send as it is.
    return RedirectResponse("/cases?" + urlencode({"plan": built.choices.query()}), status_code=303)


# ---------------------------------------------------------------------------------------------
# a plan's request for one case


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What a plan asks of one case's loans: the terms record to submit and, per loan, the
    lender and the request in words."""

    terms: dict[str, Any]
    lines: tuple[tuple[str, str], ...]


def plan_request(
    request: Request, subject: Subject, plan: str, loan_ids: Iterable[int]
) -> PlanRequest | None:
    """The request the plan ``plan`` (the builder's query string) makes of these loans, from
    today; None when it asks nothing of them or no longer computes (the file changed)."""
    pairs = parse_qsl(plan[:MAX_QUERY])
    lang = page_lang(request)
    try:
        built = build(request, subject, read_choices(pairs), text("web_plans_builder_plan", lang))
    except (ChoiceError, DomainError):
        return None
    wanted = {str(i) for i in loan_ids}
    advice = suggested(built.report)
    terms, lines = [], []
    for line in built.figures.lines:
        if line.loan_id not in wanted or line.request is None:
            continue
        choice = built.choices.choice(line.loan_id)
        if choice.kind == "suggested":
            if line.loan_id not in advice:
                continue
            proposal = advice[line.loan_id].proposal
        else:
            proposal = proposal_of(choice, line.loan_id)
        terms.append(LoanTerms(line.loan_id, proposal))
        lines.append((line.lender, line.request))
    if not terms:
        return None
    record = terms_record(OfferTerms(tuple(terms), start=built.report.as_of))
    return PlanRequest(record, tuple(lines))
