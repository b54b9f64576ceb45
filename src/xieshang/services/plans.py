"""The whole picture for a borrower, from what they stored: capacity, each loan against the law,
a request per creditor and the allocation of capacity — the CLI's ``plan`` on stored data.

Reading a plan reveals both the statement and the loans, so lender staff need both the
``statement_summary`` and the ``loans`` consent (and see the same capacity figures the summary
shows; the plan itemises no income or expense line).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from xieshang.data.law import load_legal_rules, load_lpr_table
from xieshang.data.living_costs import load_reference_living_costs
from xieshang.domain.affordability import LivingCostBasis
from xieshang.domain.allocation import Strategy
from xieshang.domain.errors import DomainError
from xieshang.domain.plan import PlanReport, build_plan
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, require_read
from .loans import stored_loans
from .statements import LIVING_COST_BASES, stored_statement


def plan_for(
    uow: UnitOfWork,
    actor: Actor,
    borrower_id: int,
    *,
    as_of: date,
    strategy: str = "pro_rata",
    living_cost_basis: LivingCostBasis = "own",
    exclude: Iterable[int] = (),
) -> PlanReport:
    """The plan for the borrower's stored statement and loans on ``as_of``.  ``exclude`` names
    loans (by id) the borrower keeps paying as contracted."""
    if living_cost_basis not in LIVING_COST_BASES:
        raise DomainError(
            "capacity.basis_unknown", field="living_cost_basis", value=str(living_cost_basis)
        )
    how = Strategy.parse(strategy)
    with uow:
        require_read(uow, actor, borrower_id, "statement_summary", "plan")
        require_read(uow, actor, borrower_id, "loans", "plan")
        statement = stored_statement(uow, borrower_id)
        loans = stored_loans(uow, borrower_id)
    if statement is None:
        raise DomainError("plan.statement_missing", field="statement")
    not_started = [loan.id for loan in loans if loan.start > as_of]
    if not_started:
        raise DomainError("plan.loan_not_started", field="loans", value=not_started[0])
    return build_plan(
        statement,
        loans,
        rules=load_legal_rules(),
        lpr=load_lpr_table(),
        as_of=as_of,
        reference=load_reference_living_costs(),
        strategy=how,
        living_cost_basis=living_cost_basis,
        excluded=frozenset(str(i) for i in exclude),
    )
