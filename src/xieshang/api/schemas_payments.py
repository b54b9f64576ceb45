"""Request and response models of a case's repayment: payments, the ledger, notices.

The amount of a payment is a decimal *string in yuan* ("944.09"), as everywhere in the API
(``schemas_data``); it must be more than 0 with at most two decimals — "12.345" is refused, not
rounded.  Dates are ISO, timestamps UTC with an offset.  Status reasons come as codes with a
message in the request's language.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field

from xieshang.services.payments import (
    CHANNELS,
    MAX_REF,
    InstallmentView,
    LedgerView,
    PaymentInput,
    PaymentOutcome,
    PaymentView,
)
from xieshang.services.reminders import Notice

from .schemas_data import Finding, Input, Money, RecordId, findings_out, yuan

ChannelName = Literal["bank_transfer", "alipay", "wechat", "app", "cash", "other"]
if set(get_args(ChannelName)) != set(CHANNELS):  # pragma: no cover - caught at import
    raise RuntimeError("ChannelName must list the services' CHANNELS")


class PaymentIn(Input):
    """A payment under the case's sealed agreement.  ``external_ref`` is the payment's own
    reference (the transfer's or the app's transaction number): the same reference again
    with the same amount, date and channel is the same payment (200), with anything else 409."""

    amount: Money = Field(description="Yuan as a decimal string, > 0, at most 2 decimals.")
    paid_on: date
    channel: ChannelName
    external_ref: Annotated[str, Field(min_length=1, max_length=MAX_REF)] = Field(
        examples=["2026121022001412345678"]
    )
    receipt_document_id: RecordId | None = Field(
        default=None, description="A document of the borrower's (a transfer receipt)."
    )
    for_platform: bool = Field(
        default=False,
        description="An external case's borrower side recording the platform's record of it.",
    )

    def to_input(self) -> PaymentInput:
        return PaymentInput(
            amount=self.amount,
            paid_on=self.paid_on,
            channel=self.channel,
            external_ref=self.external_ref,
            receipt_document_id=self.receipt_document_id,
        )


class PaymentOut(BaseModel):
    id: int
    case_id: int
    agreement_ref: str
    external_ref: str
    amount: str
    paid_on: date
    channel: str
    recorded_by: str
    receipt_document_id: int | None
    receipt_sha256: str | None
    event_hash: str
    created_at: datetime

    @classmethod
    def of(cls, v: PaymentView) -> PaymentOut:
        return cls(
            id=v.id,
            case_id=v.case_id,
            agreement_ref=v.agreement_ref,
            external_ref=v.ref,
            amount=yuan(v.amount),
            paid_on=v.paid_on,
            channel=v.channel,
            recorded_by=v.recorded_by,
            receipt_document_id=v.receipt_document_id,
            receipt_sha256=v.receipt_sha256,
            event_hash=v.event_hash,
            created_at=v.created_at,
        )


class RecordedPaymentOut(PaymentOut):
    """The payment, whether this request recorded it, and the case's state afterwards
    (``active``, ``completed`` when it paid the plan off, ``breached``)."""

    created: bool
    case_state: str

    @classmethod
    def of_outcome(cls, o: PaymentOutcome) -> RecordedPaymentOut:
        base = PaymentOut.of(o.payment).model_dump()
        return cls(**base, created=o.created, case_state=o.case_state)


class InstallmentOut(BaseModel):
    n: int
    loan_id: str
    due_date: date
    due: str
    paid: str
    outstanding: str
    status: Literal["paid", "due", "late", "overdue"]
    paid_on: date | None

    @classmethod
    def of(cls, v: InstallmentView) -> InstallmentOut:
        return cls(
            n=v.n,
            loan_id=v.loan_id,
            due_date=v.due_date,
            due=yuan(v.due),
            paid=yuan(v.paid),
            outstanding=yuan(v.outstanding),
            status=v.status,  # type: ignore[arg-type]
            paid_on=v.paid_on,
        )


class BreachRuleOut(BaseModel):
    max_overdue_installments: int
    max_days_overdue: int


class LedgerOut(BaseModel):
    """The agreement's ledger on ``today`` (China's calendar day): every installment with its
    status, the agreement's status and why, totals and unapplied credit."""

    case_id: int
    case_state: str
    agreement_ref: str
    today: date
    status: Literal["active", "late", "breached", "completed"]
    reasons: list[Finding]
    overdue_installments: int
    days_overdue: int
    grace_days: int
    breach_rule: BreachRuleOut
    total_due: str
    total_paid: str
    outstanding: str
    unapplied: str
    payments: int
    next_due: InstallmentOut | None
    installments: list[InstallmentOut]
    settlement_sha256: str | None

    @classmethod
    def of(cls, v: LedgerView, lang: str) -> LedgerOut:
        return cls(
            case_id=v.case_id,
            case_state=v.case_state,
            agreement_ref=v.agreement_ref,
            today=v.today,
            status=v.status,  # type: ignore[arg-type]
            reasons=findings_out(v.reasons, lang),
            overdue_installments=v.overdue_installments,
            days_overdue=v.days_overdue,
            grace_days=v.grace_days,
            breach_rule=BreachRuleOut(
                max_overdue_installments=v.max_overdue_installments,
                max_days_overdue=v.max_days_overdue,
            ),
            total_due=yuan(v.total_due),
            total_paid=yuan(v.total_paid),
            outstanding=yuan(v.outstanding),
            unapplied=yuan(v.unapplied),
            payments=v.payments,
            next_due=None if v.next_due is None else InstallmentOut.of(v.next_due),
            installments=[InstallmentOut.of(i) for i in v.installments],
            settlement_sha256=v.settlement_sha256,
        )


# ---------------------------------------------------------------- reminders


class NoticeOut(BaseModel):
    """Something that needs the caller: a reply deadline, an offer or agreement awaiting them,
    an installment due soon or late.  ``uid`` is stable for the same item."""

    uid: str
    kind: str
    urgency: Literal["info", "soon", "overdue"]
    case_id: int
    counterparty: str
    day: date
    amount: str | None
    installment: int | None
    title: str

    @classmethod
    def of(cls, n: Notice, lang: str) -> NoticeOut:
        return cls(
            uid=n.uid,
            kind=n.kind,
            urgency=n.urgency,  # type: ignore[arg-type]
            case_id=n.case_id,
            counterparty=n.counterparty,
            day=n.day,
            amount=None if n.amount is None else yuan(n.amount),
            installment=n.installment,
            title=n.title(lang),
        )


class FeedTokenOut(BaseModel):
    """A calendar feed address that works without a session; shown once (only its hash is
    kept).  A new token replaces the previous one."""

    token: str
    path: str
    created_at: datetime
