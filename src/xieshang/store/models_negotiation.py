"""Tables for what a negotiation produces: offers, the agreement and its signatures, payments
under it, signed receipts and checkpoints of the log, the request letters, the borrower's
collection-contact records and each lender organisation's evaluation settings.

The case log (``case_events``) is the evidence; these tables are indexes of it that the
services keep in the same transaction as the log entry they record (``event_hash`` names that
entry), so every row can be checked against the log.  Evidence never vanishes or changes:
migration 0004 installs triggers that refuse ``UPDATE`` and ``DELETE`` of signatures, payments
and receipts, refuse ``DELETE`` of agreements and refuse any ``UPDATE`` of an agreement once
it is sealed.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from xieshang.domain.case_state import Party
from xieshang.domain.conduct import Channel, Contacted

from .models_base import Base, one_of, utcnow
from .types import EncryptedText, Fen, UTCDateTime


class OfferStatus(StrEnum):
    OPEN = "open"  # the standing offer, awaiting the other side
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"  # a counter-offer replaced it
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class AgreementStatus(StrEnum):
    AWAITING_SIGNATURES = "awaiting_signatures"
    SEALED = "sealed"
    VOID = "void"  # the case was withdrawn before both signed


class SignatureMethod(StrEnum):
    PASSWORD = "password"
    TOTP = "totp"
    RECORDED = "recorded"  # the borrower records an external platform's signature


class PaymentChannel(StrEnum):
    BANK_TRANSFER = "bank_transfer"
    ALIPAY = "alipay"
    WECHAT = "wechat"
    APP = "app"  # the lender's own app or auto-debit
    CASH = "cash"
    OTHER = "other"


class ReceiptKind(StrEnum):
    RECEIPT = "receipt"  # asked for by a party
    CHECKPOINT = "checkpoint"  # made by the instance on its schedule


class LetterKind(StrEnum):
    HARDSHIP_STATEMENT = "hardship_statement"
    REQUEST_LETTER = "request_letter"


LANGS = ("zh", "en")


class OfferRow(Base):
    """An offer or counter-offer: the typed terms as made, and the figures computed then."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("case_id", "number"),
        one_of("made_by", Party, "made_by"),
        one_of("status", OfferStatus, "status"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    number: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    made_by: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    terms: Mapped[str] = mapped_column(Text)  # canonical JSON of the typed terms
    figures: Mapped[str] = mapped_column(Text)  # canonical JSON of schedules and summaries
    status: Mapped[str] = mapped_column(String(16), default=OfferStatus.OPEN.value)
    event_hash: Mapped[str] = mapped_column(CHAR(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AgreementRow(Base):
    """The agreement an accepted offer became; its PDF lives in the blob store by digest."""

    __tablename__ = "agreements"
    __table_args__ = (
        one_of("status", AgreementStatus, "status"),
        CheckConstraint("lang IN ('zh', 'en')", name="lang"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="RESTRICT"), unique=True)
    lang: Mapped[str] = mapped_column(String(2))
    terms: Mapped[str] = mapped_column(Text)  # canonical JSON: parties, loans, schedule, rules
    document_sha256: Mapped[str] = mapped_column(CHAR(64))
    sealed_sha256: Mapped[str | None] = mapped_column(CHAR(64))
    status: Mapped[str] = mapped_column(
        String(24), default=AgreementStatus.AWAITING_SIGNATURES.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignatureRow(Base):
    """One party's signature: who, when, the consent text shown and the document's digest."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint("agreement_id", "party"),
        one_of("party", Party, "party"),
        one_of("method", SignatureMethod, "method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="RESTRICT"))
    party: Mapped[str] = mapped_column(String(16))
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    method: Mapped[str] = mapped_column(String(16))
    consent_text: Mapped[str] = mapped_column(Text)
    document_sha256: Mapped[str] = mapped_column(CHAR(64))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_hash: Mapped[str] = mapped_column(CHAR(64))


class PaymentRow(Base):
    """A payment under an agreement; ``external_ref`` is unique per agreement so a retried
    post can never count twice."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("agreement_id", "external_ref"),
        one_of("channel", PaymentChannel, "channel"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreements.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Fen())
    paid_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    external_ref: Mapped[str] = mapped_column(String(100))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    receipt_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="RESTRICT")
    )
    event_hash: Mapped[str] = mapped_column(CHAR(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseReceiptRow(Base):
    """A signed claim of a case log's head: a party's receipt or a periodic checkpoint."""

    __tablename__ = "case_receipts"
    __table_args__ = (
        one_of("kind", ReceiptKind, "kind"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(CHAR(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    signature: Mapped[str] = mapped_column(String(200))  # base64 Ed25519 signature
    issued_to: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class CaseLetterRow(Base):
    """The borrower's editable request letter or hardship statement for a case."""

    __tablename__ = "case_letters"
    __table_args__ = (
        UniqueConstraint("case_id", "kind", "lang"),
        one_of("kind", LetterKind, "kind"),
        CheckConstraint("lang IN ('zh', 'en')", name="lang"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    lang: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(EncryptedText("case_letters.text"))
    edited: Mapped[int] = mapped_column(Integer, default=0)  # 1 once the borrower changed it
    sent_event_hash: Mapped[str | None] = mapped_column(CHAR(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CollectionContactRow(Base):
    """A collection contact as the borrower recorded it (the caller's details are encrypted)."""

    __tablename__ = "collection_contacts"
    __table_args__ = (
        one_of("channel", Channel, "channel"),
        one_of("contacted", Contacted, "contacted"),
        CheckConstraint("effective IN (0, 1)", name="effective"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    caller: Mapped[str] = mapped_column(EncryptedText("collection_contacts.caller"))
    organisation_name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    contacted: Mapped[str] = mapped_column(String(24))
    effective: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str] = mapped_column(EncryptedText("collection_contacts.note"), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LenderSettingsRow(Base):
    """A lender organisation's evaluation parameters and policy limits (validated JSON)."""

    __tablename__ = "lender_settings"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    parameters: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
