"""Request and response models of ``/api/cases``: cases, offers with each side's evaluation,
the evidence log and its signed receipts.

Money is a decimal string in yuan, dates ISO, timestamps UTC with an offset (as in
``schemas_data``).  An offer's ``terms`` are the domain's record (``domain.offer_terms``): the
models here bound their size and shape; what the terms *mean* — concession kinds and fields,
dates, amounts — is checked by the domain, and a problem there is a 422 naming the field.
Verdicts, findings and policy breaches come as codes with a message in the request's language.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, Field

from xieshang.domain.evidence import ChainReport, LogEntry, canonical_json, entry_record
from xieshang.i18n import message
from xieshang.services.case_log import SignedReceipt
from xieshang.services.cases import CHANNELS, MAX_NOTE, CaseView, NoteInput, OfferView
from xieshang.services.offer_evaluation import (
    BorrowerEvaluation,
    LenderEvaluation,
    OfferEvaluation,
)

from .schemas_data import Finding, Input, RecordId, findings_out, opt_yuan, yuan

MAX_LOANS_PER_CASE = 50
MAX_CONCESSIONS = 20
MAX_REPLY_DAYS = 365
Text200 = Annotated[str, Field(max_length=200)]
Reason = Annotated[str, Field(max_length=MAX_NOTE)]
MoveName = Literal["start_review", "reject", "withdraw", "reopen", "activate"]
ChannelName = Literal["phone", "sms", "app", "email", "wechat", "letter", "visit", "other"]
if set(get_args(ChannelName)) != set(CHANNELS):  # pragma: no cover - caught at import
    raise RuntimeError("ChannelName must list the services' CHANNELS")
Lang = Literal["zh", "en"]


def _json(value: object) -> Any:
    """A domain record as plain JSON (money and dates as strings)."""
    return json.loads(canonical_json(value))


# ---------------------------------------------------------------- requests


class CaseIn(Input):
    """A draft case of the borrower's loans, with a lender organisation on this instance or an
    external platform (exactly one)."""

    loan_ids: Annotated[list[RecordId], Field(min_length=1, max_length=MAX_LOANS_PER_CASE)]
    lender_organisation_id: RecordId | None = None
    external_platform: Annotated[str | None, Field(min_length=1, max_length=200)] = Field(
        default=None, examples=["某网络小额贷款有限公司"]
    )
    borrower_id: RecordId | None = Field(
        default=None, description="For a counselor acting for a borrower (default: yourself)."
    )


class BreachRuleIn(Input):
    max_overdue_installments: Annotated[int, Field(ge=1, le=120)] = 2
    max_days_overdue: Annotated[int, Field(ge=1, le=3650)] = 60


class LoanTermsIn(Input):
    """One loan's proposal: ``concessions`` are ``{"kind": ..., <fields>}`` as the domain
    defines them (extension, rate, waiver, holiday, interest_stop, reageing, settlement,
    first_payment); amounts and fractions as strings."""

    loan_id: Annotated[str, Field(min_length=1, max_length=20, examples=["12"])]
    label: Text200 = ""
    concessions: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=MAX_CONCESSIONS,
        examples=[[{"kind": "extension", "extra_months": 12}, {"kind": "waiver"}]],
    )


class TermsIn(Input):
    """What an offer says: per loan a proposal, the start of the new plan, grace days and the
    breach rule."""

    loans: Annotated[list[LoanTermsIn], Field(min_length=1, max_length=MAX_LOANS_PER_CASE)]
    start: date = Field(examples=["2026-12-01"])
    first_due: date | None = None
    grace_days: Annotated[int, Field(ge=0, le=30)] = 3
    breach_rule: BreachRuleIn | None = None
    note: Annotated[str, Field(max_length=2000)] = ""

    def record(self) -> dict[str, Any]:
        """The record ``domain.offer_terms.terms_from_record`` reads."""
        return self.model_dump(mode="json", exclude_none=True)


class SubmitIn(Input):
    terms: TermsIn
    reply_days: Annotated[int | None, Field(ge=1, le=MAX_REPLY_DAYS)] = Field(
        default=None, description="Days the lender has to reply (default: the policy's)."
    )


class CounterIn(SubmitIn):
    for_platform: bool = Field(
        default=False,
        description="An external case's borrower side recording the platform's counter-offer.",
    )


class AcceptIn(Input):
    for_platform: bool = False
    lang: Lang | None = Field(
        default=None, description="The agreement's language (default: the request's)."
    )


class MoveIn(Input):
    reason: Reason = ""
    for_platform: bool = False


class NoteIn(Input):
    """A message, or a call note: when (default now), with whom, by which channel, what was
    said and the result."""

    kind: Literal["message", "call_note"]
    text: Annotated[str, Field(min_length=1, max_length=MAX_NOTE)]
    at: datetime | None = Field(default=None, examples=["2026-03-02T10:15:00+08:00"])
    person: Text200 = ""
    channel: ChannelName | None = None
    result: Reason = ""
    for_platform: bool = False

    def to_input(self) -> NoteInput:
        return NoteInput(
            kind=self.kind,
            text=self.text,
            at=self.at,
            person=self.person,
            channel=self.channel or "",
            result=self.result,
            for_platform=self.for_platform,
        )


# ---------------------------------------------------------------- cases and offers


class CaseOut(BaseModel):
    """A case as the caller's side sees it: ``my_side`` (borrower or lender), the moves
    ``allowed`` now (an external case's borrower side also records the platform's), whose
    reply is ``awaiting`` and by when (``deadline``; ``overdue`` once passed).  ``frozen_on``:
    the day the loans' arrears were paused (while in negotiation).  ``head``: the log's last
    hash after ``events`` entries."""

    id: int
    borrower_id: int
    lender_organisation_id: int | None
    counterparty: str
    external: bool
    state: str
    round: int
    last_offer_by: str | None
    deadline: date | None
    overdue: bool
    awaiting: list[str]
    my_side: str
    allowed: list[str]
    loan_ids: list[int]
    frozen_on: date | None
    events: int
    head: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, v: CaseView) -> CaseOut:
        return cls(
            id=v.id,
            borrower_id=v.borrower_id,
            lender_organisation_id=v.lender_organisation_id,
            counterparty=v.counterparty,
            external=v.external,
            state=v.state,
            round=v.round,
            last_offer_by=v.last_offer_by,
            deadline=v.deadline,
            overdue=v.overdue,
            awaiting=list(v.awaiting),
            my_side=v.my_side,
            allowed=list(v.allowed),
            loan_ids=list(v.loan_ids),
            frozen_on=v.frozen_on,
            events=v.events,
            head=v.head,
            created_at=v.created_at,
            updated_at=v.updated_at,
        )


class CasePage(BaseModel):
    items: list[CaseOut]
    total: int
    limit: int
    offset: int


class OfferOut(BaseModel):
    """An offer: its ``terms`` as recorded and the ``figures`` both sides see (per loan: owed,
    legally protected, the new payments and totals; the merged ``schedule``), computed as of
    the day the arrears were paused."""

    id: int
    case_id: int
    number: int
    round: int
    made_by: str
    status: str
    terms: dict[str, Any]
    figures: dict[str, Any]
    event_hash: str
    created_at: datetime

    @classmethod
    def of(cls, v: OfferView) -> OfferOut:
        return cls(
            id=v.id,
            case_id=v.case_id,
            number=v.number,
            round=v.round,
            made_by=v.made_by,
            status=v.status,
            terms=v.terms,
            figures=v.figures,
            event_hash=v.event_hash,
            created_at=v.created_at,
        )


class BorrowerEvaluationOut(BaseModel):
    """Does the offer fit the borrower's repayment capacity (after what the plan suggests for
    the other creditors), and what does it cost against the contract and the law?  ``room``,
    ``fits`` and ``capacity`` are null without a statement."""

    capacity: str | None
    other_creditors: str
    offer_monthly: str
    room: str | None
    fits: bool | None
    total_to_pay: str
    contract_remaining: str
    legally_protected: str
    vs_contract: str
    vs_legal: str
    verdict: Finding
    findings: list[Finding]

    @classmethod
    def of(cls, e: BorrowerEvaluation, lang: str) -> BorrowerEvaluationOut:
        return cls(
            capacity=opt_yuan(e.capacity),
            other_creditors=yuan(e.other_creditors),
            offer_monthly=yuan(e.offer_monthly),
            room=opt_yuan(e.room),
            fits=e.fits,
            total_to_pay=yuan(e.total_to_pay),
            contract_remaining=yuan(e.contract_remaining),
            legally_protected=yuan(e.legally_protected),
            vs_contract=yuan(e.vs_contract),
            vs_legal=yuan(e.vs_legal),
            verdict=Finding(code=e.verdict, message=message(e.verdict, lang)),
            findings=findings_out(e.findings, lang),
        )


class BreachOut(BaseModel):
    loan_id: str
    code: str
    message: str
    value: str
    limit: str


class LenderEvaluationOut(BaseModel):
    """The offer's expected value (NPV with a re-default probability, a fraction) against
    the expected recovery of doing nothing, and the policy limits it goes beyond."""

    expected_value: str
    npv_if_paid: str
    redefault_probability: str
    do_nothing: str
    gain: str
    verdict: Finding
    payment_to_capacity: str | None
    breaches: list[BreachOut]
    needs_approval_by: str | None
    defaults_used: bool

    @classmethod
    def of(cls, e: LenderEvaluation, lang: str) -> LenderEvaluationOut:
        return cls(
            expected_value=yuan(e.expected_value),
            npv_if_paid=yuan(e.npv_if_paid),
            redefault_probability=str(e.redefault_probability),
            do_nothing=yuan(e.do_nothing),
            gain=yuan(e.gain),
            verdict=Finding(code=e.verdict, message=message(e.verdict, lang)),
            payment_to_capacity=None
            if e.payment_to_capacity is None
            else str(e.payment_to_capacity),
            breaches=[
                BreachOut(
                    loan_id=str(b["loan_id"]),
                    code=str(b["code"]),
                    message=message(str(b["code"]), lang, value=b["value"], limit=b["limit"]),
                    value=_text(b["value"]),
                    limit=_text(b["limit"]),
                )
                for b in e.breaches
            ],
            needs_approval_by=e.needs_approval_by,
            defaults_used=e.defaults_used,
        )


def _text(value: object) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


class EvaluationOut(BaseModel):
    """The caller's side's reading of the offer: ``borrower`` for the borrower side (and, for
    an external platform, ``lender``: how a typical lender would read it); ``lender`` for
    lender staff."""

    side: str
    borrower: BorrowerEvaluationOut | None
    lender: LenderEvaluationOut | None


class OfferDetailOut(OfferOut):
    evaluation: EvaluationOut

    @classmethod
    def of_evaluation(cls, e: OfferEvaluation, lang: str) -> OfferDetailOut:
        return cls(
            **OfferOut.of(e.offer).model_dump(),
            evaluation=EvaluationOut(
                side=e.side,
                borrower=None if e.borrower is None else BorrowerEvaluationOut.of(e.borrower, lang),
                lender=None if e.lender is None else LenderEvaluationOut.of(e.lender, lang),
            ),
        )


# ---------------------------------------------------------------- the evidence log


class LogEntryOut(BaseModel):
    """One entry exactly as hashed: ``hash`` = SHA-256 of its canonical content with
    ``prev_hash``."""

    case_id: str
    seq: int
    kind: str
    at: str
    actor: str
    body: dict[str, Any]
    prev_hash: str
    hash: str
    v: int

    @classmethod
    def of(cls, entry: LogEntry) -> LogEntryOut:
        return cls(**_json(entry_record(entry)))


class VerificationOut(BaseModel):
    """The log checked entry by entry: ``first_bad_seq`` and ``problem`` name the first
    failure."""

    ok: bool
    length: int
    head: str
    first_bad_seq: int | None
    problem: Finding | None

    @classmethod
    def of(cls, r: ChainReport, lang: str) -> VerificationOut:
        return cls(
            ok=r.ok,
            length=r.length,
            head=r.head,
            first_bad_seq=r.first_bad_seq,
            problem=None
            if r.problem is None
            else Finding(code=r.problem, message=message(r.problem, lang)),
        )


class StoredReceiptOut(BaseModel):
    """A receipt (asked for by a party) or checkpoint (made by the instance) of the log."""

    type: str
    case_id: str
    seq: int
    head: str
    at: str
    signature: str

    @classmethod
    def of(cls, r: SignedReceipt) -> StoredReceiptOut:
        return cls(**_json(r.record()))


class CaseLogOut(BaseModel):
    case_id: int
    entries: list[LogEntryOut]
    verification: VerificationOut
    receipts: list[StoredReceiptOut]


class ReceiptOut(StoredReceiptOut):
    """A signed receipt of the log's head, checkable offline: ``signed_message`` is the exact
    UTF-8 text signed, ``signature`` its Ed25519 signature (base64) under ``public_key_pem``
    (the instance's key; ``key_fingerprint`` as ``xieshang keys public`` prints it)."""

    signed_message: str
    algorithm: str
    public_key_pem: str
    key_fingerprint: str
