"""Suggested proposals: for each creditor, the mildest request that fits the borrower's share
of repayment capacity.

Candidates are tried in order of how much they ask of the lender — where charges exceed the
legal cap, first to repay only the legally protected amount (in one sum or installments); then
waive penalty above all,
bring the rate down to the legal cap where it is above it, then extend the term step by step
(arrears re-aged over the new term), and only then ask for an interest stop (停息挂账) of
36–60 installments.  Credit cards go straight to 个性化分期 (interest stop, ≤ 60 months, the
form card issuers know).  The first candidate whose first and regular payments both fit the
monthly share wins; when none fits, the one with the lowest regular payment is suggested and
marked as not fitting, so the borrower sees the gap instead of a plan that cannot be kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from .concessions import (
    Concession,
    InterestStop,
    Proposal,
    RateReduction,
    ReAgeing,
    Settlement,
    TermExtension,
    Waiver,
)
from .errors import DomainError
from .law import LegalAssessment
from .loan import LenderType, Loan
from .proposals import LoanPosition, ProposalOutcome, apply_proposal

EXTENSION_STEPS = (6, 12, 24, 36, 48)
INTEREST_STOP_STEPS = (36, 48, 60)
CARD_INSTALLMENT_STEPS = (12, 24, 36, 48, 60)
SETTLEMENT_STEPS = (1, 6, 12, 24, 36)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The proposal suggested for one loan against the monthly ``target`` share.

    ``reason`` is a code: ``advice.fits`` (the mildest fitting request), ``advice.no_fit``
    (nothing tried fits; the lowest payment is shown) or ``advice.nothing_owed``.
    ``tried`` counts the candidates evaluated; ``refused`` the codes of candidates that
    could not apply to this loan.
    """

    loan_id: str
    target: Decimal
    outcome: ProposalOutcome | None
    fits: bool
    reason: str
    tried: int
    refused: tuple[str, ...] = ()


def candidate_proposals(
    loan: Loan, position: LoanPosition, assessment: LegalAssessment
) -> tuple[Proposal, ...]:
    """Every candidate for ``loan``, mildest first (see the module docstring)."""
    base: list[Concession] = []
    if position.penalty > 0:
        base.append(Waiver("penalty"))
    if loan.lender_type is LenderType.CREDIT_CARD:
        return tuple(
            Proposal((*base, InterestStop(n)), label=f"card_installments_{n}")
            for n in CARD_INSTALLMENT_STEPS
        )
    cap = assessment.cap_after if assessment.cap_after is not None else assessment.cap
    if cap is not None and position.annual_rate > cap:
        base.append(RateReduction(cap))
    arrears = position.overdue_principal + position.overdue_interest + position.fees_due
    out: list[Proposal] = []
    protected = position.legally_protected_total
    if protected is not None and 0 < protected < position.total_owed:
        # Charges above the legal cap are not enforceable: first ask to repay only what the
        # law protects, in installments (a settlement at that share of what is claimed).
        share = (protected / position.total_owed).quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
        out.extend(
            Proposal((Settlement(share, n),), label=f"legal_amount_{n}") for n in SETTLEMENT_STEPS
        )
    if base:
        out.append(Proposal(tuple(base), label="relief"))
    if position.outstanding_principal > 0:
        for extra in EXTENSION_STEPS:
            steps: list[Concession] = [*base, TermExtension(extra)]
            if arrears > 0:
                steps.append(ReAgeing(position.remaining_months + extra))
            out.append(Proposal(tuple(steps), label=f"extend_{extra}"))
    elif arrears > 0:
        for extra in EXTENSION_STEPS:
            steps = [*base, TermExtension(extra, include_overdue_principal=True)]
            out.append(Proposal(tuple(steps), label=f"extend_{extra}"))
    waivers = tuple(c for c in base if isinstance(c, Waiver))
    out.extend(
        Proposal((*waivers, InterestStop(n)), label=f"interest_stop_{n}")
        for n in INTEREST_STOP_STEPS
    )
    return tuple(out)


def _fits(outcome: ProposalOutcome, target: Decimal) -> bool:
    s = outcome.summary
    return s.first_payment <= target and s.regular_payment <= target


def suggest_proposal(
    loan: Loan,
    position: LoanPosition | None,
    assessment: LegalAssessment,
    target: Decimal,
    *,
    start: date,
) -> Suggestion:
    """The mildest candidate that fits ``target`` a month (or the lowest-payment one)."""
    if position is None:
        return Suggestion(loan.id, target, None, True, "advice.nothing_owed", 0)
    tried: list[ProposalOutcome] = []
    refused: list[str] = []
    for proposal in candidate_proposals(loan, position, assessment):
        try:
            outcome = apply_proposal(position, proposal, start=start)
        except DomainError as exc:  # e.g. nothing left to extend: not a candidate here
            refused.append(exc.code)
            continue
        tried.append(outcome)
        if _fits(outcome, target):
            return Suggestion(
                loan.id, target, outcome, True, "advice.fits", len(tried), tuple(refused)
            )
    if not tried:
        return Suggestion(loan.id, target, None, False, "advice.no_candidate", 0, tuple(refused))
    best = min(tried, key=lambda o: (o.summary.regular_payment, o.summary.total_to_pay))
    return Suggestion(loan.id, target, best, False, "advice.no_fit", len(tried), tuple(refused))


def suggestions_fit_capacity(suggestions: Sequence[Suggestion], capacity: Decimal) -> bool:
    """Whether the suggested regular payments together stay within ``capacity``."""
    regular = sum(
        (s.outcome.summary.regular_payment for s in suggestions if s.outcome is not None),
        Decimal(0),
    )
    return regular <= capacity
