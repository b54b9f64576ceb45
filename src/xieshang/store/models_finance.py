"""Tables for a borrower's money: the statement (items, debts), loans (fees, schedule rows
typed from a contract) and documents.  See ``models`` for the deletion rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xieshang.domain.loan import FeeTiming, LenderType
from xieshang.domain.rates import DayCount
from xieshang.domain.schedule import Method

from .models_base import Base, DocumentKind, StatementSection, one_of, utcnow
from .types import ExactDecimal, Fen, UTCDateTime

# ---------------------------------------------------------------- statements


class StatementRow(Base):
    """A borrower's financial statement (one per borrower); items and debts are child rows."""

    __tablename__ = "statements"
    __table_args__ = (
        CheckConstraint("adults >= 1", name="adults_present"),
        CheckConstraint("children >= 0 AND other_dependents >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    adults: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer, default=0)
    other_dependents: Mapped[int] = mapped_column(Integer, default=0)
    province: Mapped[str | None] = mapped_column(String(64))
    urban: Mapped[bool | None] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items: Mapped[list[StatementItemRow]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(StatementItemRow.section, StatementItemRow.position)",
    )
    debts: Mapped[list[StatementDebtRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="StatementDebtRow.position"
    )


class StatementItemRow(Base):
    """An income (``regular``), an expense or an asset (``liquid``), in input order."""

    __tablename__ = "statement_items"
    __table_args__ = (
        UniqueConstraint("statement_id", "section", "position"),
        one_of("section", StatementSection, "section"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))  # IncomeKind / ExpenseCategory / AssetKind
    amount: Mapped[Decimal] = mapped_column(Fen())  # monthly for incomes and expenses
    regular: Mapped[bool | None] = mapped_column(Boolean)
    liquid: Mapped[bool | None] = mapped_column(Boolean)


class StatementDebtRow(Base):
    """A debt listed on the statement (not necessarily a recorded loan)."""

    __tablename__ = "statement_debts"
    __table_args__ = (
        UniqueConstraint("statement_id", "position"),
        CheckConstraint("balance >= 0 AND monthly_payment >= 0", name="amounts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    creditor: Mapped[str] = mapped_column(String(200))
    balance: Mapped[Decimal] = mapped_column(Fen())
    monthly_payment: Mapped[Decimal] = mapped_column(Fen())
    annual_rate: Mapped[Decimal] = mapped_column(ExactDecimal())


# ---------------------------------------------------------------- loans


class LoanRow(Base):
    """A loan contract as the borrower recorded it."""

    __tablename__ = "loans"
    __table_args__ = (
        one_of("lender_type", LenderType, "lender_type"),
        one_of("method", Method, "method"),
        one_of("day_count", DayCount, "day_count"),
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("months > 0", name="months_positive"),
        CheckConstraint(
            "paid_installments >= 0 AND paid_installments <= months", name="paid_in_range"
        ),
        CheckConstraint("deducted_interest >= 0 AND default_charge >= 0", name="charges"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lender_name: Mapped[str] = mapped_column(String(200))
    lender_type: Mapped[str] = mapped_column(String(32))
    lender_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    contract_date: Mapped[date] = mapped_column(Date)
    principal: Mapped[Decimal] = mapped_column(Fen())
    annual_rate: Mapped[Decimal] = mapped_column(ExactDecimal())
    months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))
    start: Mapped[date] = mapped_column(Date)
    first_due: Mapped[date | None] = mapped_column(Date)
    day_count: Mapped[str] = mapped_column(String(8))
    deducted_interest: Mapped[Decimal] = mapped_column(Fen())
    overdue_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    default_charge: Mapped[Decimal] = mapped_column(Fen())
    paid_installments: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    fees: Mapped[list[LoanFeeRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="LoanFeeRow.position"
    )
    rows: Mapped[list[LoanInstallmentRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="LoanInstallmentRow.n"
    )


class LoanFeeRow(Base):
    __tablename__ = "loan_fees"
    __table_args__ = (
        UniqueConstraint("loan_id", "position"),
        one_of("timing", FeeTiming, "timing"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Fen())
    timing: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date | None] = mapped_column(Date)  # Fee.on (a reserved word in SQL)


class LoanInstallmentRow(Base):
    """One schedule row typed from the contract (a manual schedule)."""

    __tablename__ = "loan_rows"
    __table_args__ = (UniqueConstraint("loan_id", "n"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id", ondelete="CASCADE"))
    n: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    payment: Mapped[Decimal] = mapped_column(Fen())
    principal: Mapped[Decimal] = mapped_column(Fen())
    interest: Mapped[Decimal] = mapped_column(Fen())
    balance: Mapped[Decimal] = mapped_column(Fen())
    fee: Mapped[Decimal] = mapped_column(Fen())
    capitalised: Mapped[Decimal] = mapped_column(Fen())


# ---------------------------------------------------------------- documents


class Document(Base):
    """A stored file: the blob is content-addressed by ``sha256`` in the blob folder."""

    __tablename__ = "documents"
    __table_args__ = (
        one_of("kind", DocumentKind, "kind"),
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    media_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(255))
    loan_id: Mapped[int | None] = mapped_column(
        ForeignKey("loans.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
