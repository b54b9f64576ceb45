"""Request and response models of ``/api/conduct``: collection contacts, their flags and the
review.  Times go out in UTC with an offset; ``day`` is the local calendar day the rules judged
(``timezone``).  Messages and citations are in the request's language."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from xieshang.domain.conduct import RecordRetention
from xieshang.i18n import message
from xieshang.services.conduct import ConductReview, ContactInput, ContactView, FlagView

from .schemas_data import Input, RecordId

ChannelName = Literal["call", "sms", "visit", "message", "other"]
ContactedName = Literal["debtor", "family", "employer", "other_third_party"]


class ContactIn(Input):
    """A collection contact.  ``at`` without a zone is read as China time (Asia/Shanghai)."""

    at: datetime = Field(examples=["2026-03-01T22:30:00+08:00"])
    organisation: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="The lender or collection agency the caller spoke for.",
        examples=["某某小贷"],
    )
    channel: ChannelName
    contacted: ContactedName = Field(description="Who was contacted: you, or a third party.")
    caller: Annotated[str, Field(max_length=200)] = Field(
        default="", description="Who called (name, staff number, phone); stored encrypted."
    )
    effective: bool = Field(default=True, description="False for a call that did not connect.")
    note: Annotated[str, Field(max_length=2000)] = Field(
        default="", description="What was said; stored encrypted."
    )
    case_id: RecordId | None = Field(
        default=None, description="One of your cases: the contact also goes into its log."
    )

    def to_input(self) -> ContactInput:
        return ContactInput(
            at=self.at,
            organisation=self.organisation,
            channel=self.channel,
            contacted=self.contacted,
            caller=self.caller,
            effective=self.effective,
            note=self.note,
            case_id=self.case_id,
        )


class FlagOut(BaseModel):
    code: str
    message: str
    rule_id: str
    organisation: str
    day: date
    severity: str
    confidence: str
    citation: str
    contact_ids: list[int]

    @classmethod
    def of(cls, f: FlagView, lang: str) -> FlagOut:
        return cls(
            code=f.code,
            message=message(f.code, lang),
            rule_id=f.rule_id,
            organisation=f.organisation,
            day=f.day,
            severity=f.severity,
            confidence=f.confidence,
            citation=f.citation_zh if lang == "zh" else f.citation_en,
            contact_ids=list(f.contact_ids),
        )


class ContactOut(BaseModel):
    id: int
    borrower_id: int
    case_id: int | None
    at: datetime
    organisation: str
    caller: str
    channel: str
    contacted: str
    effective: bool
    note: str
    created_at: datetime
    flags: list[FlagOut]

    @classmethod
    def of(cls, v: ContactView, lang: str) -> ContactOut:
        return cls(
            id=v.id,
            borrower_id=v.borrower_id,
            case_id=v.case_id,
            at=v.at,
            organisation=v.organisation,
            caller=v.caller,
            channel=v.channel,
            contacted=v.contacted,
            effective=v.effective,
            note=v.note,
            created_at=v.created_at,
            flags=[FlagOut.of(f, lang) for f in v.flags],
        )


class ContactPage(BaseModel):
    items: list[ContactOut]
    total: int
    limit: int
    offset: int


class RetentionOut(BaseModel):
    """Information, never a flag: how long collectors must keep their records."""

    years: int
    message: str
    confidence: str
    citation: str

    @classmethod
    def of(cls, r: RecordRetention, lang: str) -> RetentionOut:
        return cls(
            years=r.years,
            message=message("conduct.record_retention", lang),
            confidence=r.rule.confidence,
            citation=r.rule.citation_zh if lang == "zh" else r.rule.citation_en,
        )


class ReviewOut(BaseModel):
    timezone: str
    contacts_reviewed: int
    flags: list[FlagOut]
    record_retention: RetentionOut | None
    disclaimer: str

    @classmethod
    def of(cls, r: ConductReview, lang: str) -> ReviewOut:
        retention = r.rules.record_retention
        return cls(
            timezone=r.timezone,
            contacts_reviewed=r.contacts_reviewed,
            flags=[FlagOut.of(f, lang) for f in r.flags],
            record_retention=None if retention is None else RetentionOut.of(retention, lang),
            disclaimer=message("conduct.not_legal_advice", lang),
        )
