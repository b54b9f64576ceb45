"""Initial schema: organisations, users and their access, statements, loans, documents.

Column types are spelled out as the database sees them (a migration is frozen in time and
must not change when ``store.types`` evolves): money is BIGINT fen, rates are exact decimal
TEXT (VARCHAR 64), timestamps are timezone-aware (UTC), encrypted columns are TEXT holding
ciphertext only.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# LenderType values in 0001 (a later change to the domain's list needs its own migration).
LENDER_TYPES = (
    "('bank', 'consumer_finance', 'other_financial', 'small_loan', 'financing_guarantee', "
    "'pawnshop', 'finance_leasing', 'factoring', 'local_amc', 'regional_equity_market', "
    "'private', 'credit_card')"
)


def fen() -> sa.BigInteger:
    return sa.BigInteger()


def exact_decimal() -> sa.String:
    return sa.String(length=64)


def utc_datetime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def encrypted() -> sa.Text:
    return sa.Text()


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column("at", utc_datetime(), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index(op.f("ix_login_attempts_key_at"), "login_attempts", ["key", "at"])

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("licence_type", sa.String(length=32), nullable=True),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.CheckConstraint("kind IN ('lender', 'counseling')", name=op.f("ck_organisations_kind")),
        sa.CheckConstraint(
            "licence_type IS NULL OR kind = 'lender'",
            name=op.f("ck_organisations_licence_only_lenders"),
        ),
        sa.CheckConstraint(
            "licence_type IS NULL OR licence_type IN " + LENDER_TYPES,
            name=op.f("ck_organisations_licence_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("totp_secret", encrypted(), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("id_number", encrypted(), nullable=True),
        sa.Column("phone", encrypted(), nullable=True),
        sa.Column("bank_account", encrypted(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('borrower', 'counselor', 'agent', 'supervisor', 'admin')",
            name=op.f("ck_users_role"),
        ),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lowercase")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_organisation_id"), "users", ["organisation_id"])

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("granted_at", utc_datetime(), nullable=False),
        sa.Column("revoked_at", utc_datetime(), nullable=True),
        sa.CheckConstraint(
            "scope IN ('statement_summary', 'loans', 'documents')", name=op.f("ck_consents_scope")
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["users.id"],
            name=op.f("fk_consents_borrower_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_consents_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_borrower_id"), "consents", ["borrower_id"])
    op.create_index(op.f("ix_consents_organisation_id"), "consents", ["organisation_id"])

    op.create_table(
        "counselor_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=False),
        sa.Column("granted_at", utc_datetime(), nullable=False),
        sa.Column("revoked_at", utc_datetime(), nullable=True),
        sa.CheckConstraint(
            "borrower_id <> counselor_id", name=op.f("ck_counselor_grants_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["users.id"],
            name=op.f("fk_counselor_grants_borrower_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["counselor_id"],
            ["users.id"],
            name=op.f("fk_counselor_grants_counselor_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counselor_grants")),
    )
    op.create_index(op.f("ix_counselor_grants_borrower_id"), "counselor_grants", ["borrower_id"])
    op.create_index(op.f("ix_counselor_grants_counselor_id"), "counselor_grants", ["counselor_id"])

    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("request_hash", sa.String(length=128), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_keys_user_id_key")),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])

    op.create_table(
        "loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("lender_name", sa.String(length=200), nullable=False),
        sa.Column("lender_type", sa.String(length=32), nullable=False),
        sa.Column("lender_organisation_id", sa.Integer(), nullable=True),
        sa.Column("contract_date", sa.Date(), nullable=False),
        sa.Column("principal", fen(), nullable=False),
        sa.Column("annual_rate", exact_decimal(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=True),
        sa.Column("day_count", sa.String(length=8), nullable=False),
        sa.Column("deducted_interest", fen(), nullable=False),
        sa.Column("overdue_rate", exact_decimal(), nullable=True),
        sa.Column("default_charge", fen(), nullable=False),
        sa.Column("paid_installments", sa.Integer(), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.Column("updated_at", utc_datetime(), nullable=False),
        sa.CheckConstraint(
            "day_count IN ('30/360', 'act/360', 'act/365')", name=op.f("ck_loans_day_count")
        ),
        sa.CheckConstraint(
            "lender_type IN " + LENDER_TYPES,
            name=op.f("ck_loans_lender_type"),
        ),
        sa.CheckConstraint(
            "method IN ('annuity', 'equal-principal', 'interest-only', 'bullet', 'manual')",
            name=op.f("ck_loans_method"),
        ),
        sa.CheckConstraint(
            "deducted_interest >= 0 AND default_charge >= 0", name=op.f("ck_loans_charges")
        ),
        sa.CheckConstraint("months > 0", name=op.f("ck_loans_months_positive")),
        sa.CheckConstraint(
            "paid_installments >= 0 AND paid_installments <= months",
            name=op.f("ck_loans_paid_in_range"),
        ),
        sa.CheckConstraint("principal > 0", name=op.f("ck_loans_principal_positive")),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["users.id"],
            name=op.f("fk_loans_borrower_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lender_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_loans_lender_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loans")),
    )
    op.create_index(op.f("ix_loans_borrower_id"), "loans", ["borrower_id"])
    op.create_index(op.f("ix_loans_lender_organisation_id"), "loans", ["lender_organisation_id"])

    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.Column("last_seen_at", utc_datetime(), nullable=False),
        sa.Column("expires_at", utc_datetime(), nullable=False),
        sa.Column("revoked_at", utc_datetime(), nullable=True),
        sa.CheckConstraint("kind IN ('web', 'api')", name=op.f("ck_sessions_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sessions_token_hash")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])

    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("adults", sa.Integer(), nullable=False),
        sa.Column("children", sa.Integer(), nullable=False),
        sa.Column("other_dependents", sa.Integer(), nullable=False),
        sa.Column("province", sa.String(length=64), nullable=True),
        sa.Column("urban", sa.Boolean(), nullable=True),
        sa.Column("updated_at", utc_datetime(), nullable=False),
        sa.CheckConstraint("adults >= 1", name=op.f("ck_statements_adults_present")),
        sa.CheckConstraint(
            "children >= 0 AND other_dependents >= 0",
            name=op.f("ck_statements_counts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["users.id"],
            name=op.f("fk_statements_borrower_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("borrower_id", name=op.f("uq_statements_borrower_id")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('contract', 'schedule', 'repayment_record', 'hardship_evidence', "
            "'receipt', 'other')",
            name=op.f("ck_documents_kind"),
        ),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_documents_sha256_length")),
        sa.CheckConstraint("size >= 0", name=op.f("ck_documents_size_not_negative")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_documents_loan_id_loans"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_documents_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
    )
    op.create_index(op.f("ix_documents_loan_id"), "documents", ["loan_id"])
    op.create_index(op.f("ix_documents_owner_id"), "documents", ["owner_id"])
    op.create_index(op.f("ix_documents_sha256"), "documents", ["sha256"])

    op.create_table(
        "loan_fees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("amount", fen(), nullable=False),
        sa.Column("timing", sa.String(length=32), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "timing IN ('deducted_upfront', 'paid_upfront', 'per_installment', 'at_date')",
            name=op.f("ck_loan_fees_timing"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_loan_fees_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_fees_loan_id_loans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_fees")),
        sa.UniqueConstraint("loan_id", "position", name=op.f("uq_loan_fees_loan_id_position")),
    )
    op.create_table(
        "loan_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("payment", fen(), nullable=False),
        sa.Column("principal", fen(), nullable=False),
        sa.Column("interest", fen(), nullable=False),
        sa.Column("balance", fen(), nullable=False),
        sa.Column("fee", fen(), nullable=False),
        sa.Column("capitalised", fen(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_loan_rows_loan_id_loans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_rows")),
        sa.UniqueConstraint("loan_id", "n", name=op.f("uq_loan_rows_loan_id_n")),
    )
    op.create_table(
        "statement_debts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("creditor", sa.String(length=200), nullable=False),
        sa.Column("balance", fen(), nullable=False),
        sa.Column("monthly_payment", fen(), nullable=False),
        sa.Column("annual_rate", exact_decimal(), nullable=False),
        sa.CheckConstraint(
            "balance >= 0 AND monthly_payment >= 0",
            name=op.f("ck_statement_debts_amounts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_debts_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_debts")),
        sa.UniqueConstraint(
            "statement_id", "position", name=op.f("uq_statement_debts_statement_id_position")
        ),
    )
    op.create_table(
        "statement_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("amount", fen(), nullable=False),
        sa.Column("regular", sa.Boolean(), nullable=True),
        sa.Column("liquid", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "section IN ('income', 'expense', 'asset')", name=op.f("ck_statement_items_section")
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_statement_items_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f("fk_statement_items_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_items")),
        sa.UniqueConstraint(
            "statement_id",
            "section",
            "position",
            name=op.f("uq_statement_items_statement_id_section_position"),
        ),
    )


def downgrade() -> None:
    op.drop_table("statement_items")
    op.drop_table("statement_debts")
    op.drop_table("loan_rows")
    op.drop_table("loan_fees")
    op.drop_index(op.f("ix_documents_sha256"), table_name="documents")
    op.drop_index(op.f("ix_documents_owner_id"), table_name="documents")
    op.drop_index(op.f("ix_documents_loan_id"), table_name="documents")

    op.drop_table("documents")
    op.drop_table("statements")
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")

    op.drop_table("sessions")
    op.drop_index(op.f("ix_loans_lender_organisation_id"), table_name="loans")
    op.drop_index(op.f("ix_loans_borrower_id"), table_name="loans")

    op.drop_table("loans")
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")

    op.drop_table("idempotency_keys")
    op.drop_index(op.f("ix_counselor_grants_counselor_id"), table_name="counselor_grants")
    op.drop_index(op.f("ix_counselor_grants_borrower_id"), table_name="counselor_grants")

    op.drop_table("counselor_grants")
    op.drop_index(op.f("ix_consents_organisation_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_borrower_id"), table_name="consents")

    op.drop_table("consents")
    op.drop_index(op.f("ix_users_organisation_id"), table_name="users")

    op.drop_table("users")
    op.drop_table("organisations")
    op.drop_index(op.f("ix_login_attempts_key_at"), table_name="login_attempts")

    op.drop_table("login_attempts")
