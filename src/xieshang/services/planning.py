"""Use cases over a borrower's situation: check one loan against the law, build the plan.

The shipped data (legal rules, LPR, reference living costs) is loaded here and handed to the
pure domain functions.
"""

from __future__ import annotations

from datetime import date

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.data.living_costs import load_reference_living_costs
from xieshang.domain.law import LegalAssessment, assess_loan
from xieshang.domain.loan import Loan
from xieshang.domain.plan import PlanReport, build_plan
from xieshang.domain.standing import Standing, standing_of

from .situation import Situation


def check_loan(loan: Loan, *, as_of: date) -> tuple[LegalAssessment, Standing]:
    """The legal assessment of ``loan`` and where it stands on ``as_of``."""
    assessment = assess_loan(loan, load_legal_rules(), load_lpr_table(), as_of=as_of)
    return assessment, standing_of(loan, assessment, as_of)


def plan_situation(situation: Situation) -> PlanReport:
    """The whole picture for a borrower's situation (capacity, law, allocation, requests)."""
    return build_plan(
        situation.statement,
        situation.loans,
        rules=load_legal_rules(),
        lpr=load_lpr_table(),
        as_of=situation.as_of,
        reference=load_reference_living_costs(),
        strategy=situation.strategy,
        living_cost_basis=situation.living_cost_basis,
        excluded=situation.excluded,
    )
