"""Tables for negotiation cases: the case, the loans it covers and its append-only evidence log.

Deletion rules (see ``models`` for the others), chosen so that evidence never vanishes:
- a case's borrower cannot be deleted while the case exists (``RESTRICT``, not the ``CASCADE``
  of the borrower's own data): the log is evidence for the *other* party too — a regulator or a
  court may need it after the borrower closes the account;
- a lender organisation with cases cannot be deleted (``RESTRICT``; ``SET NULL`` would leave a
  case with no counterparty, which the counterparty CHECK forbids anyway);
- a loan under a case cannot be deleted (``RESTRICT``); the case's loan links go with the case,
  which itself can only be deleted while its log is empty (a draft);
- log rows are never updated or deleted: besides ``RESTRICT`` from the case, migration 0003
  installs triggers on SQLite and PostgreSQL that refuse every ``UPDATE`` and ``DELETE`` (and
  ``TRUNCATE``) of ``case_events``.

A log row is a :class:`xieshang.domain.evidence.LogEntry`: ``body`` holds the canonical JSON of
the entry's body, and the entry's ``case_id`` is the decimal text of ``cases.id`` (see
``repositories.case_log_id``), so the hashes recomputed from the row equal the stored ones.
"""

from __future__ import annotations

from datetime import date, datetime

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

from xieshang.domain.case_state import CaseState, Party

from .models_base import Base, nullable_one_of, one_of, utcnow
from .types import UTCDateTime


class CaseRow(Base):
    """A borrower × a counterparty (an organisation here, or an external platform by name)."""

    __tablename__ = "cases"
    __table_args__ = (
        one_of("state", CaseState, "state"),
        nullable_one_of("last_offer_by", Party, "last_offer_by"),
        CheckConstraint("round >= 1", name="round_positive"),
        # Exactly one counterparty: an organisation on this instance or a named platform.
        CheckConstraint(
            "(lender_organisation_id IS NULL) <> (external_platform IS NULL)",
            name="one_counterparty",
        ),
        CheckConstraint(
            "external_platform IS NULL OR length(trim(external_platform)) > 0",
            name="external_platform_named",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    lender_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    external_platform: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.DRAFT.value)
    round: Mapped[int] = mapped_column(Integer, default=1)
    last_offer_by: Mapped[str | None] = mapped_column(String(16))
    deadline: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaseLoanRow(Base):
    """One of the borrower's loans negotiated in a case."""

    __tablename__ = "case_loans"
    __table_args__ = (UniqueConstraint("case_id", "loan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="RESTRICT"), index=True)


class CaseEventRow(Base):
    """One entry of a case's hash-chained log; written once, never changed (triggers)."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("length(prev_hash) = 64 AND length(hash) = 64", name="hash_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # the canonical JSON of the entry's body
    prev_hash: Mapped[str] = mapped_column(CHAR(64))
    hash: Mapped[str] = mapped_column(CHAR(64), unique=True)
