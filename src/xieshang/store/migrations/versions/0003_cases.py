"""Negotiation cases, their loans and their append-only evidence log (``case_events``).

The log is append-only in the database itself, not only in the code: triggers refuse every
``UPDATE`` and ``DELETE`` of ``case_events`` (and, on PostgreSQL, ``TRUNCATE``), whoever
connects.  Both databases report the refusal as an integrity error whose message says
``case_events is append-only`` (SQLite ``RAISE(ABORT)``; PostgreSQL SQLSTATE 23001,
restrict_violation).  Triggers are not part of SQLAlchemy's metadata, so the models/migration
comparison does not see them; the store's tests check them.

Column types are spelled out as the database sees them (frozen in time, see 0001).  The lists
of states and parties are spelled out too: a migration must not follow the enums.

Downgrade drops the triggers, then the tables — and with them every case and its log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES_0003 = (
    "state IN ('draft', 'submitted', 'under_review', 'countered', 'agreed', 'signed', "
    "'active', 'completed', 'breached', 'withdrawn', 'rejected')"
)
PARTIES_0003 = "last_offer_by IS NULL OR last_offer_by IN ('borrower', 'lender')"
MESSAGE = "case_events is append-only"

SQLITE_TRIGGERS = {
    "case_events_no_update": "UPDATE",
    "case_events_no_delete": "DELETE",
}
POSTGRES_FUNCTION = "case_events_append_only"


def utc_datetime() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _create_tables() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("borrower_id", sa.Integer(), nullable=False),
        sa.Column("lender_organisation_id", sa.Integer(), nullable=True),
        sa.Column("external_platform", sa.String(length=200), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("last_offer_by", sa.String(length=16), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("created_at", utc_datetime(), nullable=False),
        sa.Column("updated_at", utc_datetime(), nullable=False),
        sa.CheckConstraint(STATES_0003, name=op.f("ck_cases_state")),
        sa.CheckConstraint(PARTIES_0003, name=op.f("ck_cases_last_offer_by")),
        sa.CheckConstraint("round >= 1", name=op.f("ck_cases_round_positive")),
        sa.CheckConstraint(
            "(lender_organisation_id IS NULL) <> (external_platform IS NULL)",
            name=op.f("ck_cases_one_counterparty"),
        ),
        sa.CheckConstraint(
            "external_platform IS NULL OR length(trim(external_platform)) > 0",
            name=op.f("ck_cases_external_platform_named"),
        ),
        sa.ForeignKeyConstraint(
            ["borrower_id"],
            ["users.id"],
            name=op.f("fk_cases_borrower_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["lender_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cases_lender_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_borrower_id"), "cases", ["borrower_id"])
    op.create_index(op.f("ix_cases_lender_organisation_id"), "cases", ["lender_organisation_id"])

    op.create_table(
        "case_loans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_loans_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["loans.id"],
            name=op.f("fk_case_loans_loan_id_loans"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_loans")),
        sa.UniqueConstraint("case_id", "loan_id", name=op.f("uq_case_loans_case_id_loan_id")),
    )
    op.create_index(op.f("ix_case_loans_loan_id"), "case_loans", ["loan_id"])

    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("at", utc_datetime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("hash", sa.CHAR(length=64), nullable=False),
        sa.CheckConstraint("seq >= 1", name=op.f("ck_case_events_seq_positive")),
        sa.CheckConstraint(
            "length(prev_hash) = 64 AND length(hash) = 64",
            name=op.f("ck_case_events_hash_length"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_events_case_id_cases"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_events")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_events_case_id_seq")),
        sa.UniqueConstraint("hash", name=op.f("uq_case_events_hash")),
    )


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name, event in SQLITE_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON case_events "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {POSTGRES_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END $$"
        )
        op.execute(
            "CREATE TRIGGER case_events_no_change BEFORE UPDATE OR DELETE ON case_events "
            f"FOR EACH ROW EXECUTE FUNCTION {POSTGRES_FUNCTION}()"
        )
        op.execute(
            "CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {POSTGRES_FUNCTION}()"
        )
    else:  # the log's integrity must never silently depend on the code alone
        raise NotImplementedError(f"no append-only triggers for {dialect}")


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_no_truncate ON case_events")
        op.execute("DROP TRIGGER IF EXISTS case_events_no_change ON case_events")
        op.execute(f"DROP FUNCTION IF EXISTS {POSTGRES_FUNCTION}()")


def upgrade() -> None:
    _create_tables()
    _create_triggers(op.get_bind().dialect.name)


def downgrade() -> None:
    _drop_triggers(op.get_bind().dialect.name)
    op.drop_table("case_events")
    op.drop_index(op.f("ix_case_loans_loan_id"), table_name="case_loans")
    op.drop_table("case_loans")
    op.drop_index(op.f("ix_cases_lender_organisation_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_borrower_id"), table_name="cases")
    op.drop_table("cases")
