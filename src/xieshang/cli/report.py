"""Readable reports for ``check-loan`` and ``plan`` (Rich, zh/en) and their JSON forms."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.table import Table

from xieshang.domain.law import LegalAssessment
from xieshang.domain.money import total
from xieshang.domain.plan import PlanReport
from xieshang.domain.standing import Standing
from xieshang.i18n import message, text
from xieshang.present.numbers import percent, yuan
from xieshang.present.views import describe_proposal

REPORT_WIDTH = 120


def console() -> Console:
    # A fixed width and no colour keep reports identical on every terminal (golden files).
    return Console(width=REPORT_WIDTH, color_system=None, highlight=False, soft_wrap=False)


def region_name(region: str, lang: str) -> str:
    """A province's (or the nation's) name in ``lang``; unknown names stay as given."""
    key = f"region_{region}"
    name = text(key, lang)
    return region if name == key else name


MARKS = {"violation": "✗", "warning": "!", "info": "·"}


def _finding_text(f: Any, lang: str) -> str:
    explanation = f.explanation_zh if lang == "zh" else f.explanation_en
    cite = f" [{f.citation}]" if f.citation else ""
    return f"{explanation}{cite}"


def _findings_grid(items: list[tuple[str, Any]], lang: str) -> Table:
    """Findings as a two-column grid so long explanations wrap under themselves."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for label, f in items:
        grid.add_row(f"  {label}{MARKS.get(f.severity, '·')}", _finding_text(f, lang))
    return grid


def print_check_loan(loan: Any, a: LegalAssessment, st: Standing, lang: str) -> None:
    out = console()
    out.print(f"[bold]{text('check_title', lang)}[/bold] — {loan.lender} ({loan.id})")
    table = Table(show_header=False, box=None, padding=(0, 2))
    table.add_column()
    table.add_column(justify="right")
    rows = [
        (text("lender_type", lang), text(f"lt_{loan.lender_type.value}", lang)),
        (text("contract_date", lang), loan.contract_date.isoformat()),
        (text("principal_contract", lang), yuan(loan.principal)),
        (text("received", lang), yuan(loan.received)),
        (text("nominal_rate", lang), percent(loan.annual_rate)),
        (text("apr_simple", lang), percent(a.apr.apr_simple)),
        (text("apr_compound", lang), percent(a.apr.apr_compound)),
        (text("regime", lang), text(f"regime_{a.regime_id}", lang)),
        (text("cap", lang), percent(a.cap) if a.cap is not None else text("no_cap", lang)),
        (text("charges_total", lang), yuan(a.charges_total)),
        (text("charges_allowed", lang), yuan(a.charges_allowed)),
        (text("amount_above_cap", lang), yuan(a.amount_above_cap)),
        (text("as_of", lang), st.as_of.isoformat()),
        (
            text("overdue", lang),
            text("overdue_value", lang, n=st.overdue_installments, days=st.days_overdue),
        ),
        (text("contract_remaining", lang), yuan(st.contract_remaining)),
        (text("legally_protected", lang), yuan(st.legally_protected_total)),
    ]
    for k, v in rows:
        table.add_row(k, v)
    out.print(table)
    if a.findings:
        out.print(text("findings", lang))
        out.print(_findings_grid([("", f) for f in a.findings], lang))
    out.print(message(a.disclaimer, lang))


def print_plan(report: PlanReport, lang: str, borrower: str | None = None) -> None:
    out = console()
    c = report.capacity
    title = text("plan_title", lang)
    out.print(f"[bold]{title}[/bold]" + (f" — {borrower}" if borrower else ""))
    out.print(text("as_of_line", lang, date=report.as_of.isoformat()))
    out.print()
    out.print(f"[bold]1. {text('section_capacity', lang)}[/bold]")
    cap = Table(show_header=False, box=None, padding=(0, 2))
    cap.add_column()
    cap.add_column(justify="right")
    cap.add_row(text("monthly_income", lang), yuan(c.monthly_income))
    cap.add_row(text("essential_living_costs", lang), yuan(c.essential_living_costs))
    if c.reference is not None:
        fig = c.reference.figure
        cap.add_row(
            text(
                "reference_living_costs", lang, region=region_name(fig.region, lang), year=fig.year
            ),
            yuan(c.reference.household_monthly),
        )
    cap.add_row(text("buffer", lang), yuan(c.buffer))
    cap.add_row(text("repayment_capacity", lang), yuan(c.repayment_capacity))
    cap.add_row(text("current_debt_service", lang), yuan(c.current_debt_service))
    cap.add_row(text("shortfall", lang), yuan(c.shortfall))
    cap.add_row(text("dsr", lang), percent(c.debt_service_ratio, 1))
    out.print(cap)
    for code in c.findings:
        out.print(f"  · {message(code, lang)}")
    out.print()
    out.print(f"[bold]2. {text('section_loans', lang)}[/bold]")
    loans = Table(padding=(0, 1))
    for key, right in (
        ("loan", False),
        ("lender_type", False),
        ("apr_short", True),
        ("cap_short", True),
        ("above_cap_short", True),
        ("owed", True),
        ("contract_short", True),
        ("protected_short", True),
        ("days_overdue", True),
    ):
        loans.add_column(text(key, lang), justify="right" if right else "left", no_wrap=True)
    for r in report.reviews:
        a, st = r.assessment, r.standing
        loans.add_row(
            f"{r.loan.id}",
            text(f"lt_{r.loan.lender_type.value}", lang),
            percent(a.apr.apr_simple),
            percent(a.cap) if a.cap is not None else "—",
            yuan(a.amount_above_cap),
            yuan(r.owed),
            yuan(st.contract_remaining),
            yuan(st.legally_protected_total),
            str(st.days_overdue),
        )
    loans.add_section()
    loans.add_row(
        text("total", lang),
        "",
        "",
        "",
        yuan(report.total_above_cap),
        yuan(report.total_owed),
        yuan(total(r.standing.contract_remaining for r in report.reviews)),
        yuan(report.total_protected),
        "",
    )
    out.print(loans)
    out.print(text("loans_legend", lang))
    serious = [
        (f"{r.loan.id} ", f)
        for r in report.reviews
        for f in r.assessment.findings
        if f.severity in ("violation", "warning")
    ]
    if serious:
        out.print(_findings_grid(serious, lang))
    out.print()
    out.print(f"[bold]3. {text('section_requests', lang)}[/bold]")
    if report.allocation is not None:
        strategy = text(f"strategy_{report.allocation.strategy.value}", lang)
        out.print(
            text("shares_line", lang, strategy=strategy, capacity=yuan(report.allocation.capacity))
        )
    req = Table(padding=(0, 1))
    for key, right in (
        ("loan", False),
        ("request", False),
        ("share", True),
        ("first_payment", True),
        ("regular_payment", True),
        ("months_short", True),
        ("total_to_pay", True),
        ("fits", False),
    ):
        req.add_column(text(key, lang), justify="right" if right else "left")
    for s in report.suggestions:
        o = s.outcome
        if o is None:
            req.add_row(s.loan_id, message(s.reason, lang), yuan(s.target), "", "", "", "", "")
            continue
        sm = o.summary
        req.add_row(
            s.loan_id,
            describe_proposal(o, lang),
            yuan(s.target),
            yuan(sm.first_payment),
            yuan(sm.regular_payment),
            str(sm.months_to_clear),
            yuan(sm.total_to_pay),
            text("yes", lang) if s.fits else text("no", lang),
        )
    req.add_section()
    req.add_row(
        text("total", lang),
        "",
        yuan(c.repayment_capacity),
        "",
        yuan(report.suggested_monthly),
        "",
        "",
        "",
    )
    out.print(req)
    out.print()
    out.print(f"[bold]4. {text('section_combined', lang)}[/bold]")
    timeline = report.timeline
    if not timeline:
        out.print("  " + message("plan.no_capacity", lang))
    else:
        summary = Table(show_header=False, box=None, padding=(0, 2))
        summary.add_column()
        summary.add_column(justify="right")
        summary.add_row(text("combined_months", lang), str(report.months_to_clear))
        summary.add_row(text("combined_last", lang), timeline[-1][0].strftime("%Y-%m"))
        summary.add_row(text("combined_peak", lang), yuan(report.peak_month))
        summary.add_row(text("combined_total", lang), yuan(report.suggested_total))
        summary.add_row(text("combined_owed", lang), yuan(report.total_owed))
        summary.add_row(text("combined_savings", lang), yuan(report.savings_vs_contract))
        out.print(summary)
        by_year = Table(padding=(0, 1))
        by_year.add_column(text("year", lang))
        by_year.add_column(text("months_short", lang), justify="right")
        by_year.add_column(text("paid_total", lang), justify="right")
        years: dict[int, list[Any]] = {}
        for day, amount in timeline:
            years.setdefault(day.year, []).append(amount)
        for year, amounts in years.items():
            by_year.add_row(str(year), str(len(amounts)), yuan(sum(amounts, Decimal(0))))
        out.print(by_year)
    plan = report.allocation
    if plan is not None:
        # For comparison: the same capacity paid on the current terms (rates held to the cap).
        out.print(
            text(
                "allocation_line",
                lang,
                strategy=text(f"strategy_{plan.strategy.value}", lang),
                capacity=yuan(plan.capacity),
                months=plan.months_to_clear if plan.months_to_clear is not None else "—",
                interest=yuan(plan.total_interest),
            )
        )
        for code in plan.findings:
            out.print(f"  · {message(code, lang)}")
    out.print()
    for code in report.findings:
        out.print(f"· {message(code, lang)}")
    out.print(message("law.disclaimer.not_legal_advice", lang))
