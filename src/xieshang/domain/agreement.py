"""The repayment schedule of an agreement that covers several loans: each loan's new plan
(a down payment on the start date, then its installments) merged by due date into one
schedule that the ledger allocates payments to, oldest installment first.

Each merged row remembers its loan; ``balance`` is the principal still scheduled across all
the loans after the row (zero after the last).  The merged totals equal the sum of the parts to
the fen.

>>> from xieshang.domain.proposals import loan_position, apply_proposal
>>> from xieshang.domain.concessions import Proposal, TermExtension
>>> pos = loan_position(as_of=date(2026, 1, 1), outstanding_principal="1200",
...                     annual_rate="0", remaining_months=2, next_due=date(2026, 2, 1),
...                     method="equal-principal")
>>> a = apply_proposal(pos, Proposal((TermExtension(1),)))
>>> merged = combined_schedule([("7", a), ("9", a)])
>>> [(r.n, r.due_date.day, str(r.payment), loan) for r, loan in zip(merged.schedule.rows,
...                                                                  merged.loan_ids)][:2]
[(1, 1, '400.00', '7'), (2, 1, '400.00', '9')]
>>> merged.schedule.total_payment == 2 * a.schedule.total_payment
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .errors import DomainError
from .money import ZERO, money, total
from .proposals import ProposalOutcome
from .schedule import Installment, Method, Schedule


@dataclass(frozen=True, slots=True)
class CombinedSchedule:
    schedule: Schedule
    loan_ids: tuple[str, ...]  # the loan of each row

    def __post_init__(self) -> None:
        if len(self.loan_ids) != len(self.schedule.rows):
            raise DomainError("agreement.schedule_loans_mismatch", field="loan_ids")


def _parts(loan_id: str, outcome: ProposalOutcome) -> list[tuple[date, int, str, Installment]]:
    rows: list[tuple[date, int, str, Installment]] = []
    if outcome.down_payment > 0:
        down = outcome.down_payment
        rows.append(
            (
                outcome.start,
                0,
                loan_id,
                Installment(0, outcome.start, down, down, ZERO, outcome.rescheduled_amount),
            )
        )
    rows.extend(
        (r.due_date, r.n, loan_id, r) for r in outcome.schedule.rows if r.payment > 0 or r.fee > 0
    )
    return rows


def combined_schedule(parts: Sequence[tuple[str, ProposalOutcome]]) -> CombinedSchedule:
    """Merge the loans' plans (in the given loan order on equal dates) into one schedule."""
    if not parts:
        raise DomainError("offer.no_loans", field="loans")
    order = {loan_id: i for i, (loan_id, _) in enumerate(parts)}
    merged: list[tuple[date, int, str, Installment]] = []
    for loan_id, outcome in parts:
        merged.extend(_parts(loan_id, outcome))
    merged.sort(key=lambda item: (item[0], order[item[2]], item[1]))
    # Each loan's balance starts at the principal its rows repay (capitalised interest comes
    # on top later), so it falls to zero with the last row; overdue interest and fees folded
    # into the rescheduled amount are paid as interest or fees, not as principal.
    balances = {loan_id: ZERO for loan_id, _ in parts}
    for _, _, loan_id, r in merged:
        balances[loan_id] += r.principal - r.capitalised
    principal = total(balances.values())
    rows: list[Installment] = []
    for n, (due, _, loan_id, r) in enumerate(merged, start=1):
        balances[loan_id] = max(ZERO, balances[loan_id] - r.principal + r.capitalised)
        rows.append(
            Installment(
                n,
                due,
                r.payment,
                r.principal,
                r.interest,
                total(balances.values()),
                fee=r.fee,
            )
        )
    start = min(outcome.start for _, outcome in parts)
    schedule = Schedule(principal, ZERO, start, Method.MANUAL, tuple(rows))
    return CombinedSchedule(schedule, tuple(loan for _, _, loan, _ in merged))


def schedule_record(combined: CombinedSchedule) -> list[dict[str, Any]]:
    """The rows as canonical-JSON-able records (amounts as Decimal, dates as date)."""
    return [
        {
            "n": r.n,
            "loan_id": loan,
            "due_date": r.due_date,
            "payment": r.payment,
            "principal": r.principal,
            "interest": r.interest,
            "fee": r.fee,
            "balance": r.balance,
        }
        for r, loan in zip(combined.schedule.rows, combined.loan_ids, strict=True)
    ]


def schedule_from_record(rows: Sequence[Mapping[str, Any]]) -> CombinedSchedule:
    """Read back :func:`schedule_record` (from stored JSON: amounts and dates as strings)."""
    installments: list[Installment] = []
    loans: list[str] = []
    for raw in rows:
        installments.append(
            Installment(
                int(raw["n"]),
                date.fromisoformat(str(raw["due_date"])),
                money(raw["payment"]),
                money(raw["principal"]),
                money(raw["interest"]),
                money(raw["balance"]),
                fee=money(raw["fee"]),
            )
        )
        loans.append(str(raw["loan_id"]))
    if not installments:
        raise DomainError("schedule.empty", field="rows")
    principal = total(r.principal for r in installments)
    schedule = Schedule(
        principal, ZERO, installments[0].due_date, Method.MANUAL, tuple(installments)
    )
    return CombinedSchedule(schedule, tuple(loans))
