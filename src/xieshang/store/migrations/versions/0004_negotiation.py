"""What a negotiation produces: offers, agreements and their signatures, payments, signed
receipts and checkpoints of the case log, request letters, collection-contact records and each
lender organisation's evaluation settings.

Evidence never changes or vanishes, in the database itself: triggers refuse ``UPDATE`` and
``DELETE`` of ``signatures``, ``payments`` and ``case_receipts``, refuse ``DELETE`` of
``agreements``, and refuse ``UPDATE`` of an agreement that is sealed (its ``sealed_sha256`` is
set).  The refusal message says ``<table> is append-only`` (or ``agreement is sealed``); on
PostgreSQL the SQLSTATE is 23001 (restrict_violation), as in 0003.

Column types are spelled out as the database sees them (frozen in time, see 0001).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("signatures", "payments", "case_receipts")


def utc_datetime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _create_tables() -> None:
    op.create_table(
        "lender_settings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("updated_at", utc_datetime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_lender_settings_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_lender_settings")),
    )
    op.create_table(
        "case_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("edited", sa.Integer(), nullable=False),
        sa.Column("sent_event_hash", sa.CHAR(length=64), nullable=True),
        sa.Column("updated_at", utc_datetime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('hardship_statement', 'request_letter')", name=op.f("ck_case_letters_kind")
        ),
        sa.CheckConstraint("lang IN ('zh', 'en')", name=op.f("ck_case_letters_lang")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_letters_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_letters")),
        sa.UniqueConstraint(
            "case_id", "kind", "lang", name=op.f("uq_case_letters_case_id_kind_lang")
        ),
    )
    op.create_table(
        "case_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.CHAR(length=64), nullable=False),
        sa.Column("at", utc_datetime(), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("issued_to", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('receipt', 'checkpoint')", name=op.f("ck_case_receipts_kind")),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_case_receipts_seq_positive")),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_receipts_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["issued_to"],
            ["users.id"],
            name=op.f("fk_case_receipts_issued_to_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_receipts")),
    )
    op.create_index(op.f("ix_case_receipts_case_id"), "case_receipts", ["case_id"], unique=False)
    op.create_table(
        "collection_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("at", utc_datetime(), nullable=False),
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("contacted", sa.String(length=24), nullable=False),
        sa.Column("effective", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('call', 'sms', 'visit', 'message', 'other')",
            name=op.f("ck_collection_contacts_channel"),
        ),
        sa.CheckConstraint(
            "contacted IN ('debtor', 'family', 'employer', 'other_third_party')",
            name=op.f("ck_collection_contacts_contacted"),
        ),
        sa.CheckConstraint("effective IN (0, 1)", name=op.f("ck_collection_contacts_effective")),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["users.id"],
            name=op.f("fk_collection_contacts_borrower_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_collection_contacts_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_contacts")),
    )
    op.create_index(
        op.f("ix_collection_contacts_borrower_id"),
        "collection_contacts",
        ["borrower_id"],
        unique=False,
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("made_by", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.CheckConstraint("made_by IN ('borrower', 'lender')", name=op.f("ck_offers_made_by")),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'superseded', 'rejected', 'withdrawn')",
            name=op.f("ck_offers_status"),
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_offers_number_positive")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_offers_author_id_users"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_offers_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("case_id", "number", name=op.f("uq_offers_case_id_number")),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("document_sha256", sa.CHAR(length=64), nullable=False),
        sa.Column("sealed_sha256", sa.CHAR(length=64), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.Column("sealed_at", utc_datetime(), nullable=True),
        sa.CheckConstraint("lang IN ('zh', 'en')", name=op.f("ck_agreements_lang")),
        sa.CheckConstraint(
            "status IN ('awaiting_signatures', 'sealed', 'void')", name=op.f("ck_agreements_status")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_agreements_case_id_cases"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["offers.id"],
            name=op.f("fk_agreements_offer_id_offers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("offer_id", name=op.f("uq_agreements_offer_id")),
    )
    op.create_index(op.f("ix_agreements_case_id"), "agreements", ["case_id"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_ref", sa.String(length=100), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("receipt_document_id", sa.Integer(), nullable=True),
        sa.Column("event_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.CheckConstraint(
            "channel IN ('bank_transfer', 'alipay', 'wechat', 'app', 'cash', 'other')",
            name=op.f("ck_payments_channel"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_payments_agreement_id_agreements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["receipt_document_id"],
            ["documents.id"],
            name=op.f("fk_payments_receipt_document_id_documents"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_payments_recorded_by_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint(
            "agreement_id", "external_ref", name=op.f("uq_payments_agreement_id_external_ref")
        ),
    )
    op.create_index(op.f("ix_payments_agreement_id"), "payments", ["agreement_id"], unique=False)
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("party", sa.String(length=16), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("document_sha256", sa.CHAR(length=64), nullable=False),
        sa.Column("signed_at", utc_datetime(), nullable=False),
        sa.Column("event_hash", sa.CHAR(length=64), nullable=False),
        sa.CheckConstraint(
            "method IN ('password', 'totp', 'recorded')", name=op.f("ck_signatures_method")
        ),
        sa.CheckConstraint("party IN ('borrower', 'lender')", name=op.f("ck_signatures_party")),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_signatures_agreement_id_agreements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["signer_id"],
            ["users.id"],
            name=op.f("fk_signatures_signer_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatures")),
        sa.UniqueConstraint("agreement_id", "party", name=op.f("uq_signatures_agreement_id_party")),
    )


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        op.execute(
            "CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements "
            "BEGIN SELECT RAISE(ABORT, 'agreements is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER agreements_sealed BEFORE UPDATE ON agreements "
            "WHEN OLD.sealed_sha256 IS NOT NULL "
            "BEGIN SELECT RAISE(ABORT, 'agreement is sealed'); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION negotiation_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME "
            "USING ERRCODE = 'restrict_violation'; END $$"
        )
        op.execute(
            "CREATE FUNCTION agreement_sealed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF OLD.sealed_sha256 IS NOT NULL THEN "
            "RAISE EXCEPTION 'agreement is sealed' USING ERRCODE = 'restrict_violation'; "
            "END IF; RETURN NEW; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION negotiation_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION negotiation_append_only()"
            )
        op.execute(
            "CREATE TRIGGER agreements_no_delete BEFORE DELETE ON agreements "
            "FOR EACH ROW EXECUTE FUNCTION negotiation_append_only()"
        )
        op.execute(
            "CREATE TRIGGER agreements_sealed BEFORE UPDATE ON agreements "
            "FOR EACH ROW EXECUTE FUNCTION agreement_sealed()"
        )
    else:  # evidence must never silently depend on the code alone
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
        op.execute("DROP TRIGGER IF EXISTS agreements_no_delete")
        op.execute("DROP TRIGGER IF EXISTS agreements_sealed")
    elif dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS agreements_no_delete ON agreements")
        op.execute("DROP TRIGGER IF EXISTS agreements_sealed ON agreements")
        op.execute("DROP FUNCTION IF EXISTS agreement_sealed()")
        op.execute("DROP FUNCTION IF EXISTS negotiation_append_only()")


def upgrade() -> None:
    _create_tables()
    _create_triggers(op.get_bind().dialect.name)


def downgrade() -> None:
    _drop_triggers(op.get_bind().dialect.name)
    op.drop_table("signatures")
    op.drop_index(op.f("ix_payments_agreement_id"), table_name="payments")
    op.drop_table("payments")
    op.drop_index(op.f("ix_agreements_case_id"), table_name="agreements")
    op.drop_table("agreements")
    op.drop_table("offers")
    op.drop_index(op.f("ix_collection_contacts_borrower_id"), table_name="collection_contacts")
    op.drop_table("collection_contacts")
    op.drop_index(op.f("ix_case_receipts_case_id"), table_name="case_receipts")
    op.drop_table("case_receipts")
    op.drop_table("case_letters")
    op.drop_table("lender_settings")
