"""Tables for organisations, users and their access: sessions, login attempts, counselor
grants, consents and idempotency records.  See ``models`` for the deletion rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from xieshang.domain.loan import LenderType

from .models_base import (
    Base,
    ConsentScope,
    OrganisationKind,
    Role,
    SessionKind,
    nullable_one_of,
    one_of,
    utcnow,
)
from .types import EncryptedText, UTCDateTime

# ---------------------------------------------------------------- organisations and accounts


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        one_of("kind", OrganisationKind, "kind"),
        nullable_one_of("licence_type", LenderType, "licence_type"),
        CheckConstraint("licence_type IS NULL OR kind = 'lender'", name="licence_only_lenders"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # A LenderType value: it selects the legal-cap regime for this lender's loans.
    licence_type: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    # passive_deletes="all": the database's RESTRICT decides, the ORM never nulls staff out.
    users: Mapped[list[User]] = relationship(back_populates="organisation", passive_deletes="all")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", Role, "role"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("users.totp_secret"))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last TOTP time step accepted: a code is never accepted twice (replay).
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    id_number: Mapped[str | None] = mapped_column(EncryptedText("users.id_number"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("users.phone"))
    bank_account: Mapped[str | None] = mapped_column(EncryptedText("users.bank_account"))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    @validates("email")
    def _lowercase_email(self, _key: str, value: str) -> str:
        return normalise_email(value)


def normalise_email(email: str) -> str:
    """Emails are stored and looked up trimmed and lower-cased.

    >>> normalise_email("  Li.Ming@Example.COM ")
    'li.ming@example.com'
    """
    return email.strip().lower()


class AuthSession(Base):
    """A login: a web session (cookie) or an API bearer token; only the token's hash is kept."""

    __tablename__ = "sessions"
    __table_args__ = (one_of("kind", SessionKind, "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginAttempt(Base):
    """One login try under a throttling ``key`` (e.g. the e-mail, or the client address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean)


class CounselorGrant(Base):
    """A borrower lets a counselor see their data, until revoked."""

    __tablename__ = "counselor_grants"
    __table_args__ = (CheckConstraint("borrower_id <> counselor_id", name="not_self"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    counselor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Consent(Base):
    """A borrower shares one scope of their data with one (lender) organisation."""

    __tablename__ = "consents"
    __table_args__ = (one_of("scope", ConsentScope, "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    scope: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class IdempotencyRecord(Base):
    """The stored answer to a POST made with an ``Idempotency-Key``: a retry gets the same
    answer, a different request under the same key is refused (``request_hash``)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(2048))
    request_hash: Mapped[str] = mapped_column(String(128))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
