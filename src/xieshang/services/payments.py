"""Payments under a sealed agreement, the ledger as each side sees it, and the settlement
certificate.

Either side records a payment (the borrower side also for an external platform, as the
platform's record): amount in yuan (more than 0, whole fen), the day it was paid, the channel,
the payment's own reference (the bank's or app's transaction number) and optionally a receipt
document.  The reference is unique per agreement: the same reference again with the same
amount, day and channel is the same payment (answered, not recorded twice); with anything else
it is ``payment.reference_conflict``.  Each payment is a ``payment`` event in the case log and a
row naming that event, written in one transaction; afterwards the ledger is replayed and the
case moves on (``repayment.settle``): active on the first payment, completed with a
settlement certificate when everything is paid, breached when the agreement's rule is met.

Concurrent posts: the log's sequence numbers and the reference's uniqueness make the database
refuse all but one writer; the others start again from the top, see the payment that won and
answer with it — so 50 identical posts at once give exactly one payment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from xieshang.domain.case_state import CaseState
from xieshang.domain.errors import DomainError
from xieshang.domain.evidence import EntryKind, LogEntry
from xieshang.domain.ledger import installment_status
from xieshang.domain.money import RoundingPolicy, money, positive_money
from xieshang.store.blobs import BlobStore
from xieshang.store.models import AgreementRow, CaseRow, PaymentChannel, PaymentRow
from xieshang.store.repositories import ConflictError
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, may_read, not_found
from .case_log import Signer, actor_label, append_event
from .cases import acting_party, case_for
from .loans import local_today
from .repayment import (
    REPAYING,
    Replay,
    replay,
    rules_of,
    sealed_agreement,
    settle,
    settlement_digest,
)

MAX_REF = 100
CHANNELS = tuple(c.value for c in PaymentChannel)
# Enough for every writer of a busy case to get through; each retry is a fresh transaction.
ATTEMPTS = 12
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PaymentInput:
    """A payment as a face received it (amount: yuan text or Decimal)."""

    amount: object
    paid_on: date
    channel: str
    external_ref: str
    receipt_document_id: int | None = None


@dataclass(frozen=True, slots=True)
class PaymentView:
    id: int
    case_id: int
    agreement_ref: str
    ref: str
    amount: Decimal
    paid_on: date
    channel: str
    recorded_by: str
    receipt_document_id: int | None
    receipt_sha256: str | None
    event_hash: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """The payment, whether this call recorded it (False: it was there already), and where
    the case stands afterwards."""

    payment: PaymentView
    created: bool
    case_state: str


@dataclass(frozen=True, slots=True)
class InstallmentView:
    n: int
    loan_id: str
    due_date: date
    due: Decimal
    paid: Decimal
    outstanding: Decimal
    status: str  # paid | due | late | overdue
    paid_on: date | None


@dataclass(frozen=True, slots=True)
class LedgerView:
    case_id: int
    case_state: str
    agreement_ref: str
    today: date
    status: str  # active | late | breached | completed
    reasons: tuple[str, ...]
    overdue_installments: int
    days_overdue: int
    grace_days: int
    max_overdue_installments: int
    max_days_overdue: int
    total_due: Decimal
    total_paid: Decimal
    outstanding: Decimal
    unapplied: Decimal
    payments: int
    next_due: InstallmentView | None
    installments: tuple[InstallmentView, ...]
    settlement_sha256: str | None


# ---------------------------------------------------------------------------------------------
# input


def payment_amount(value: object) -> Decimal:
    """Yuan, more than 0, at most two decimals (a sub-fen amount is refused, not rounded).

    >>> payment_amount("1,200.5")
    Decimal('1200.50')
    >>> payment_amount("0.001")
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: payment.sub_fen [amount]: value=0.001
    """
    if money(value, policy=RoundingPolicy("floor")) != money(
        value, policy=RoundingPolicy("ceiling")
    ):
        raise DomainError("payment.sub_fen", field="amount", value=str(value))
    return positive_money(value, field="amount")


def payment_reference(text: str) -> str:
    """The payment's own reference, trimmed: 1..100 characters, no control characters."""
    ref = (text or "").strip()
    if not ref:
        raise DomainError("payment.reference_required", field="external_ref")
    if len(ref) > MAX_REF:
        raise DomainError("payment.reference_too_long", field="external_ref", limit=MAX_REF)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in ref):
        raise DomainError("payment.reference_invalid", field="external_ref")
    return ref


def payment_channel(value: str) -> str:
    if value not in CHANNELS:
        raise DomainError(
            "payment.channel_unknown", field="channel", value=value, allowed=", ".join(CHANNELS)
        )
    return value


# ---------------------------------------------------------------------------------------------
# reading


def _repaying_agreement(uow: UnitOfWork, case: CaseRow) -> AgreementRow:
    row = sealed_agreement(uow, case)
    if row is None:
        raise DomainError("payment.no_sealed_agreement", field="case", state=case.state)
    return row


def _payment_events(uow: UnitOfWork, case_id: int) -> dict[str, LogEntry]:
    return {
        e.hash: e
        for e in uow.case_events.list_for_case(case_id)
        if e.kind == EntryKind.PAYMENT.value
    }


def _view(row: PaymentRow, case_id: int, event: LogEntry | None) -> PaymentView:
    body = {} if event is None else event.body
    receipt = body.get("receipt_sha256")
    return PaymentView(
        id=row.id,
        case_id=case_id,
        agreement_ref=str(body.get("agreement_ref", "")),
        ref=row.external_ref,
        amount=row.amount,
        paid_on=row.paid_on,
        channel=row.channel,
        recorded_by=str(body.get("recorded_by", f"user:{row.recorded_by}")),
        receipt_document_id=row.receipt_document_id,
        receipt_sha256=None if receipt is None else str(receipt),
        event_hash=row.event_hash,
        created_at=row.created_at,
    )


def list_payments(uow: UnitOfWork, actor: Actor, case_id: int) -> list[PaymentView]:
    """The payments under the case's current agreement, in the order they were recorded."""
    with uow:
        case, _ = case_for(uow, actor, case_id)
        agreement = sealed_agreement(uow, case)
        if agreement is None:
            return []
        events = _payment_events(uow, case.id)
        return [
            _view(row, case.id, events.get(row.event_hash))
            for row in uow.payments.list_for_agreement(agreement.id)
        ]


def payment_records(uow: UnitOfWork, actor: Actor, case_id: int) -> tuple[dict[str, Any], ...]:
    """Each payment as the evidence bundle holds it: its log event's body and ``event_hash``."""
    with uow:
        case, _ = case_for(uow, actor, case_id)
        return tuple(
            {**dict(e.body), "event_hash": e.hash}
            for e in uow.case_events.list_for_case(case.id)
            if e.kind == EntryKind.PAYMENT.value
        )


def _installment(done: Replay, i: int, today: date) -> InstallmentView:
    item = done.state.per_installment[i]
    return InstallmentView(
        n=item.n,
        loan_id=done.rules.schedule.loan_ids[i],
        due_date=item.due_date,
        due=item.due,
        paid=item.paid,
        outstanding=item.outstanding,
        status=installment_status(done.state, item.n, today, grace_days=done.rules.grace_days),
        paid_on=item.paid_on,
    )


def ledger_of(uow: UnitOfWork, case: CaseRow, agreement: AgreementRow, today: date) -> LedgerView:
    """The ledger view (inside an open unit of work)."""
    done = replay(uow, agreement)
    status = done.status(today)
    items = tuple(_installment(done, i, today) for i in range(len(done.state.per_installment)))
    rule = done.rules.breach_rule
    return LedgerView(
        case_id=case.id,
        case_state=case.state,
        agreement_ref=done.rules.ref,
        today=today,
        status=status.status,
        reasons=status.reasons,
        overdue_installments=status.overdue_installments,
        days_overdue=status.days_overdue,
        grace_days=done.rules.grace_days,
        max_overdue_installments=rule.max_overdue_installments,
        max_days_overdue=rule.max_days_overdue,
        total_due=done.state.total_due,
        total_paid=done.state.total_paid,
        outstanding=done.state.outstanding,
        unapplied=done.state.unapplied,
        payments=len(done.payments),
        next_due=next((i for i in items if i.status != "paid"), None),
        installments=items,
        settlement_sha256=settlement_digest(uow, case.id),
    )


def ledger_view(uow: UnitOfWork, actor: Actor, case_id: int, *, today: date) -> LedgerView:
    """Per installment: due date, due, paid, outstanding and status on ``today``; the
    agreement's status with its reasons; totals and unapplied credit.  404 before sealing."""
    with uow:
        case, _ = case_for(uow, actor, case_id)
        agreement = sealed_agreement(uow, case)
        if agreement is None:
            raise not_found("ledger")
        return ledger_of(uow, case, agreement, today)


def settlement_certificate(uow: UnitOfWork, blobs: BlobStore, actor: Actor, case_id: int) -> bytes:
    """The settlement certificate PDF; "not found" until the case is completed."""
    with uow:
        case, _ = case_for(uow, actor, case_id)
        digest = settlement_digest(uow, case.id)
    if digest is None:
        raise not_found("settlement")
    return blobs.read(digest)


# ---------------------------------------------------------------------------------------------
# writing


def _retrying(attempt: Callable[[], T]) -> T:
    """Run ``attempt`` (one transaction) again when a concurrent writer got there first."""
    for _ in range(ATTEMPTS - 1):
        try:
            return attempt()
        except ConflictError:
            continue
    try:
        return attempt()
    except ConflictError as error:
        raise DomainError("case.changed_concurrently", field="case") from error


def refresh(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    *,
    now: datetime,
    sign: Signer | None = None,
) -> bool:
    """Make the moves the ledger calls for today (a missed payment shows as breach without a
    new post); True if the case changed.  Any party who sees the case may trigger it."""

    def attempt() -> bool:
        with uow:
            case, _ = case_for(uow, actor, case_id)
            agreement = sealed_agreement(uow, case)
            if agreement is None or CaseState(case.state) not in REPAYING:
                return False
            changed = settle(
                uow, blobs, case, agreement, now=now, sign=sign, trigger={"trigger": "review"}
            )
            if changed:
                uow.commit()
            return changed

    return _retrying(attempt)


def _same(row: PaymentRow, amount: Decimal, paid_on: date, channel: str) -> bool:
    return row.amount == amount and row.paid_on == paid_on and row.channel == channel


def _receipt_sha256(
    uow: UnitOfWork, actor: Actor, case: CaseRow, document_id: int | None
) -> str | None:
    if document_id is None:
        return None
    doc = uow.documents.get(document_id)
    if (
        doc is None
        or doc.owner_id != case.borrower_id
        or not may_read(uow, actor, case.borrower_id, "documents")
    ):
        raise not_found("receipt_document_id")
    return doc.sha256


def record_payment(
    uow: UnitOfWork,
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    payment: PaymentInput,
    *,
    for_platform: bool = False,
    now: datetime,
    sign: Signer | None = None,
) -> PaymentOutcome:
    """Record a payment under the case's sealed agreement (see the module docstring)."""
    amount = payment_amount(payment.amount)
    ref = payment_reference(payment.external_ref)
    channel = payment_channel(payment.channel)
    today = local_today(now)
    if payment.paid_on > today:
        raise DomainError("payment.date_in_future", field="paid_on", today=today.isoformat())

    def attempt() -> PaymentOutcome:
        with uow:
            case, side = case_for(uow, actor, case_id)
            acting_party(side, for_platform=for_platform)
            agreement = _repaying_agreement(uow, case)
            existing = uow.payments.get_by_ref(agreement.id, ref)
            if existing is not None:
                if not _same(existing, amount, payment.paid_on, channel):
                    raise DomainError("payment.reference_conflict", field="external_ref", ref=ref)
                event = _payment_events(uow, case.id).get(existing.event_hash)
                return PaymentOutcome(_view(existing, case.id, event), False, case.state)
            if CaseState(case.state) not in REPAYING:
                raise DomainError("payment.case_not_repaying", field="case", state=case.state)
            made_on = local_today(agreement.created_at)
            if payment.paid_on < made_on:
                raise DomainError(
                    "payment.before_agreement", field="paid_on", made_on=made_on.isoformat()
                )
            receipt = _receipt_sha256(uow, actor, case, payment.receipt_document_id)
            body: dict[str, Any] = {
                "agreement_ref": rules_of(agreement).ref,
                "ref": ref,
                "amount": amount,
                "paid_on": payment.paid_on,
                "channel": channel,
                "recorded_by": actor_label(actor, for_platform=for_platform),
            }
            if receipt is not None:
                body["receipt_sha256"] = receipt
            event = append_event(
                uow,
                case,
                kind=EntryKind.PAYMENT,
                actor=body["recorded_by"],
                body=body,
                at=now,
                sign=sign,
            )
            row = uow.payments.add(
                PaymentRow(
                    agreement_id=agreement.id,
                    amount=amount,
                    paid_on=payment.paid_on,
                    channel=channel,
                    external_ref=ref,
                    recorded_by=actor.user_id,
                    receipt_document_id=payment.receipt_document_id,
                    event_hash=event.hash,
                    created_at=now,
                )
            )
            settle(uow, blobs, case, agreement, now=now, sign=sign, trigger={"payment": ref})
            view = _view(row, case.id, event)
            state = case.state
            uow.commit()
            return PaymentOutcome(view, True, state)

    return _retrying(attempt)
