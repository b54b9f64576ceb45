"""Results as JSON-ready values, one shape for every face: ``xieshang plan --json`` and
``GET /api/plan`` give the same document, as do ``check-loan --json`` and the loan checks.
Decimals become strings (never binary floats), dates ISO text, enums their values; rates are
fractions; the human sentences (requests, findings, the disclaimer) are in the caller's
language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from xieshang.domain.concessions import (
    FirstPayment,
    InterestStop,
    PaymentHoliday,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
)
from xieshang.domain.law import LegalAssessment
from xieshang.domain.loan import Loan
from xieshang.domain.plan import PlanReport
from xieshang.domain.proposals import ProposalOutcome
from xieshang.domain.standing import Standing
from xieshang.i18n import message, text

from .numbers import percent, yuan


def jsonable(value: Any) -> Any:
    """Decimals as strings, dates as ISO text, enums by value, dataclasses and mappings
    recursively.

    >>> jsonable({"a": Decimal("1.10"), "d": date(2026, 1, 2), "s": (1, 2)})
    {'a': '1.10', 'd': '2026-01-02', 's': [1, 2]}
    """
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value)]
    return value


def describe_proposal(outcome: ProposalOutcome, lang: str) -> str:
    """The request in words ("stop interest for 12 installments; extend by 6 months")."""
    parts = []
    for c in outcome.proposal.concessions:
        if isinstance(c, Settlement):
            parts.append(text("c_settlement", lang, percent=percent(c.percent), n=c.installments))
        elif isinstance(c, InterestStop):
            parts.append(text("c_interest_stop", lang, n=c.installments))
        elif isinstance(c, TermExtension):
            parts.append(text("c_extension", lang, n=c.extra_months))
        elif isinstance(c, RateReduction):
            parts.append(text("c_rate", lang, rate=percent(c.new_annual_rate)))
        elif isinstance(c, Waiver):
            parts.append(text("c_waiver", lang, item=text(f"item_{c.target}", lang)))
        elif isinstance(c, ReAgeing):
            parts.append(text("c_reageing", lang, n=c.installments))
        elif isinstance(c, PaymentHoliday):
            parts.append(text("c_holiday", lang, n=c.months))
        elif isinstance(c, FirstPayment):
            parts.append(text("c_first_payment", lang, amount=yuan(c.amount)))
    return ("；" if lang == "zh" else "; ").join(parts)


def _coded(codes: tuple[str, ...] | list[str], lang: str) -> list[dict[str, str]]:
    return [{"code": c, "message": message(c, lang)} for c in codes]


def plan_json(report: PlanReport, lang: str) -> dict[str, Any]:
    """The plan report as JSON-ready values (the CLI's ``plan --json`` shape; finding lists
    carry a ``message`` beside each ``code``)."""
    c = report.capacity
    allocation = report.allocation
    out: dict[str, Any] = {
        "as_of": report.as_of,
        "capacity": {
            "basis": c.basis,
            "monthly_income": c.monthly_income,
            "essential_living_costs": c.essential_living_costs,
            "buffer": c.buffer,
            "repayment_capacity": c.repayment_capacity,
            "current_debt_service": c.current_debt_service,
            "shortfall": c.shortfall,
            "debt_service_ratio": c.debt_service_ratio,
            "monthly_surplus": c.monthly_surplus,
            "reference_household_monthly": c.reference.household_monthly if c.reference else None,
            "findings": _coded(c.findings, lang),
        },
        "loans": [
            {
                "id": r.loan.id,
                "lender": r.loan.lender,
                "lender_type": r.loan.lender_type,
                "regime": r.assessment.regime_id,
                "all_in_apr": r.assessment.apr.apr_simple,
                "cap": r.assessment.cap,
                "amount_above_cap": r.assessment.amount_above_cap,
                "owed": r.owed,
                "contract_remaining": r.standing.contract_remaining,
                "legally_protected_total": r.standing.legally_protected_total,
                "days_overdue": r.standing.days_overdue,
                "findings": [f.code for f in r.assessment.findings],
            }
            for r in report.reviews
        ],
        "suggestions": [
            {
                "loan_id": s.loan_id,
                "target": s.target,
                "fits": s.fits,
                "reason": s.reason,
                "reason_message": message(s.reason, lang),
                "label": s.outcome.proposal.label if s.outcome else None,
                "request": describe_proposal(s.outcome, lang) if s.outcome else None,
                "summary": s.outcome.summary if s.outcome else None,
                "schedule": [
                    {
                        "n": r.n,
                        "due_date": r.due_date,
                        "payment": r.payment,
                        "principal": r.principal,
                        "interest": r.interest,
                        "balance": r.balance,
                    }
                    for r in s.outcome.schedule.rows
                ]
                if s.outcome
                else [],
            }
            for s in report.suggestions
        ],
        "allocation": None
        if allocation is None
        else {
            "strategy": allocation.strategy,
            "capacity": allocation.capacity,
            "months_to_clear": allocation.months_to_clear,
            "total_interest": allocation.total_interest,
            "total_paid": allocation.total_paid,
            "feasible": allocation.feasible,
            "creditors": allocation.creditors,
            "findings": _coded(allocation.findings, lang),
        },
        "combined": {
            "months_to_clear": report.months_to_clear,
            "peak_month": report.peak_month,
            "total_to_pay": report.suggested_total,
            "savings_vs_contract": report.savings_vs_contract,
            "timeline": [{"month": d.strftime("%Y-%m"), "amount": a} for d, a in report.timeline],
        },
        "totals": {
            "owed": report.total_owed,
            "legally_protected": report.total_protected,
            "above_cap": report.total_above_cap,
            "suggested_monthly": report.suggested_monthly,
        },
        "findings": _coded(report.findings, lang),
        "disclaimer": message("law.disclaimer.not_legal_advice", lang),
    }
    result: dict[str, Any] = jsonable(out)
    return result


def check_loan_json(loan: Loan, a: LegalAssessment, st: Standing, lang: str) -> dict[str, Any]:
    return {
        "loan_id": loan.id,
        "lender": loan.lender,
        "lender_type": loan.lender_type,
        "contract_date": loan.contract_date,
        "principal": loan.principal,
        "received": loan.received,
        "nominal_rate": loan.annual_rate,
        "regime": a.regime_id,
        "cap": a.cap,
        "cap_basis": a.cap_basis,
        "cap_after": a.cap_after,
        "split_on": a.split_on,
        "apr": a.apr,
        "all_in_apr": a.apr.apr_simple,
        "charges_total": a.charges_total,
        "charges_allowed": a.charges_allowed,
        "amount_above_cap": a.amount_above_cap,
        "findings": [
            {
                "code": f.code,
                "severity": f.severity,
                "citation": f.citation,
                "explanation": f.explanation_zh if lang == "zh" else f.explanation_en,
                "confidence": f.confidence,
            }
            for f in a.findings
        ],
        "standing": {
            "as_of": st.as_of,
            "overdue_installments": st.overdue_installments,
            "days_overdue": st.days_overdue,
            "contract_remaining": st.contract_remaining,
            "legally_protected_total": st.legally_protected_total,
            "total_owed": st.position.total_owed if st.position else "0.00",
        },
        "disclaimer": message(a.disclaimer, lang),
    }
