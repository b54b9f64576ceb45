"""Repayment under a sealed agreement: the ledger replayed from the stored payments, and the
case moves that follow from it (signed → active → completed | breached).

Nothing about the ledger is stored: every reader replays the agreement's payments over its
schedule (``domain.ledger.apply_payments``) and checks the invariants, so balances always equal
a replay of the payments.  The moves are facts the instance establishes, logged with the actor
``instance``:

- *activate*: the first payment, or the first due date reached (so a plan never paid can still
  be seen in breach);
- *complete*: every installment paid — the settlement certificate (结清证明) is rendered, kept
  in the blob store and logged as a ``document`` event with its SHA-256;
- *breach*: the agreement's breach rule met on some day up to today, logged with its reasons.

These run after each payment and on reads (``settle`` from ``payments.refresh``), so a missed
payment shows without anyone posting anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from xieshang.documents.agreement import PartyLine
from xieshang.documents.settlement import SettlementDoc, settlement_pdf
from xieshang.domain.agreement import CombinedSchedule, schedule_from_record
from xieshang.domain.case_state import Action, CaseState, Party, transition
from xieshang.domain.evidence import EntryKind
from xieshang.domain.ledger import (
    AgreementStatus,
    AllocationOrder,
    BreachRule,
    Component,
    LedgerState,
    Payment,
    agreement_status,
    apply_payments,
    check_invariants,
)
from xieshang.store.blobs import BlobStore
from xieshang.store.models import AgreementRow, CaseRow, PaymentRow
from xieshang.store.models import AgreementStatus as StoredAgreementStatus
from xieshang.store.unit_of_work import UnitOfWork

from .case_log import INSTANCE, Signer, append_event
from .cases import _store_status, counterparty_name, status_of
from .loans import local_today

SETTLEMENT_KIND = "settlement_certificate"
PDF = "application/pdf"
# States in which payments are taken and the ledger moves the case.
REPAYING = frozenset({CaseState.SIGNED, CaseState.ACTIVE})


class LedgerIntegrityError(RuntimeError):
    """A replay broke a ledger invariant: a defect, never bad input (the faces answer 500)."""


@dataclass(frozen=True, slots=True)
class AgreementRules:
    """What the sealed agreement says about repayment."""

    ref: str
    schedule: CombinedSchedule
    grace_days: int
    breach_rule: BreachRule
    order: AllocationOrder


def rules_of(row: AgreementRow) -> AgreementRules:
    terms = json.loads(row.terms)
    rule = terms.get("breach_rule") or {}
    order = terms.get("allocation_order")
    return AgreementRules(
        ref=str(terms["ref"]),
        schedule=schedule_from_record(terms["schedule"]),
        grace_days=int(terms.get("grace_days", 0)),
        breach_rule=BreachRule(
            max_overdue_installments=int(rule.get("max_overdue_installments", 2)),
            max_days_overdue=int(rule.get("max_days_overdue", 60)),
        ),
        order=(
            AllocationOrder()
            if not order
            else AllocationOrder(tuple(Component(str(c)) for c in order))
        ),
    )


def sealed_agreement(uow: UnitOfWork, case: CaseRow) -> AgreementRow | None:
    row = uow.agreements.current(case.id)
    if row is None or row.status != StoredAgreementStatus.SEALED.value:
        return None
    return row


def domain_payments(rows: tuple[PaymentRow, ...] | list[PaymentRow]) -> tuple[Payment, ...]:
    return tuple(Payment(r.external_ref, r.paid_on, r.amount) for r in rows)


@dataclass(frozen=True, slots=True)
class Replay:
    rules: AgreementRules
    payments: tuple[PaymentRow, ...]
    state: LedgerState

    def status(self, today: date) -> AgreementStatus:
        return agreement_status(
            self.state,
            today,
            grace_days=self.rules.grace_days,
            breach_rule=self.rules.breach_rule,
        )


def replay(uow: UnitOfWork, agreement: AgreementRow) -> Replay:
    """The agreement's ledger from its stored payments; the invariants are checked."""
    rules = rules_of(agreement)
    rows = tuple(uow.payments.list_for_agreement(agreement.id))
    payments = domain_payments(rows)
    state = apply_payments(rules.schedule.schedule, payments, order=rules.order)
    problems = check_invariants(rules.schedule.schedule, payments, state, order=rules.order)
    if problems:
        raise LedgerIntegrityError(f"agreement {agreement.id}: {', '.join(problems)}")
    return Replay(rules, rows, state)


# ---------------------------------------------------------------------------------------------
# the moves the ledger makes


def _move(
    uow: UnitOfWork,
    case: CaseRow,
    action: Action,
    *,
    now: datetime,
    sign: Signer | None,
    detail: dict[str, Any],
) -> None:
    status = status_of(uow, case)
    # Activation, completion and breach are open to both parties; the instance records them.
    new_status = transition(status, action, Party.BORROWER, today=local_today(now))
    append_event(
        uow,
        case,
        kind=EntryKind.STATE_CHANGE,
        actor=INSTANCE,
        body={
            "action": action.value,
            "from": status.state.value,
            "to": new_status.state.value,
            "round": new_status.round,
            **detail,
        },
        at=now,
        sign=sign,
    )
    _store_status(case, new_status)


def settled_on(state: LedgerState) -> date | None:
    """The day the last installment became fully paid."""
    days = [i.paid_on for i in state.per_installment if i.paid_on is not None]
    return max(days) if days else None


def _certificate(
    uow: UnitOfWork,
    blobs: BlobStore,
    case: CaseRow,
    agreement: AgreementRow,
    done: Replay,
    *,
    today: date,
) -> tuple[bytes, str]:
    borrower = uow.users.get(case.borrower_id)
    org = (
        None
        if case.lender_organisation_id is None
        else uow.organisations.get(case.lender_organisation_id)
    )
    paid_on = [r.paid_on for r in done.payments]
    doc = SettlementDoc(
        ref=f"{done.rules.ref}-JQ",
        made_on=today,
        lang=agreement.lang,
        borrower=PartyLine(name="" if borrower is None else borrower.display_name),
        lender=PartyLine(
            name=counterparty_name(uow, case),
            detail=None if org is None else org.licence_type,
            external=case.external_platform is not None,
        ),
        agreement_ref=done.rules.ref,
        agreement_sha256=agreement.sealed_sha256 or agreement.document_sha256,
        total_paid=done.state.total_paid,
        payments_count=len(done.payments),
        first_paid_on=min(paid_on) if paid_on else None,
        last_paid_on=max(paid_on) if paid_on else None,
        settled_on=settled_on(done.state) or today,
    )
    pdf = settlement_pdf(doc)
    return pdf, blobs.put(pdf).sha256


def settle(
    uow: UnitOfWork,
    blobs: BlobStore,
    case: CaseRow,
    agreement: AgreementRow,
    *,
    now: datetime,
    sign: Signer | None,
    trigger: dict[str, Any],
) -> bool:
    """Make the moves the ledger calls for today (inside the caller's unit of work); True if
    the case changed."""
    today = local_today(now)
    state = CaseState(case.state)
    if state not in REPAYING:
        return False
    done = replay(uow, agreement)
    changed = False
    if state is CaseState.SIGNED:
        first_due = done.rules.schedule.schedule.rows[0].due_date
        if not done.payments and today < first_due:
            return False
        reason = "first_payment" if done.payments else "schedule_started"
        _move(uow, case, Action.ACTIVATE, now=now, sign=sign, detail={"reason": reason, **trigger})
        changed = True
    status = done.status(today)
    if status.status == "completed":
        _, digest = _certificate(uow, blobs, case, agreement, done, today=today)
        _move(
            uow,
            case,
            Action.COMPLETE,
            now=now,
            sign=sign,
            detail={
                "total_paid": done.state.total_paid,
                "settled_on": settled_on(done.state) or today,
                **trigger,
            },
        )
        append_event(
            uow,
            case,
            kind=EntryKind.DOCUMENT,
            actor=INSTANCE,
            body={
                "kind": SETTLEMENT_KIND,
                "name": f"settlement-{done.rules.ref}.pdf",
                "media_type": PDF,
                "sha256": digest,
                "agreement_ref": done.rules.ref,
                "lang": agreement.lang,
            },
            at=now,
            sign=sign,
        )
        return True
    if status.status == "breached":
        _move(
            uow,
            case,
            Action.BREACH,
            now=now,
            sign=sign,
            detail={
                "reasons": list(status.reasons),
                "overdue_installments": status.overdue_installments,
                "days_overdue": status.days_overdue,
                "as_of": today,
                "outstanding": done.state.outstanding,
                **trigger,
            },
        )
        return True
    return changed


def settlement_digest(uow: UnitOfWork, case_id: int) -> str | None:
    """The SHA-256 of the case's settlement certificate, from its ``document`` event."""
    found: str | None = None
    for entry in uow.case_events.list_for_case(case_id):
        if entry.kind == EntryKind.DOCUMENT and entry.body.get("kind") == SETTLEMENT_KIND:
            found = str(entry.body["sha256"])
    return found
