"""The declarative base, naming convention and the enumerations the tables allow.

Constraint names follow one convention so that migrations name them identically on SQLite and
PostgreSQL.  Enumerations are short strings with a CHECK constraint (identical on both
databases, easy to extend by a migration); the allowed values are the ``StrEnum`` classes here
(and the upload checks' ``DocumentKind``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import Enum, StrEnum

from sqlalchemy import (
    CheckConstraint,
    MetaData,
)
from sqlalchemy.orm import DeclarativeBase

# The kinds a document may have are the upload checks' own list (one source of truth: the
# service parses with it, the documents table's CHECK constraint is built from it).  A new kind
# there needs a migration replacing ``ck_documents_kind`` (as 0002 did for ``statement``).
from xieshang.security.uploads import DocumentKind

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "ConsentScope",
    "DocumentKind",
    "OrganisationKind",
    "Role",
    "SessionKind",
    "StatementSection",
    "nullable_one_of",
    "one_of",
    "utcnow",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OrganisationKind(StrEnum):
    LENDER = "lender"
    COUNSELING = "counseling"


class Role(StrEnum):
    BORROWER = "borrower"
    COUNSELOR = "counselor"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class SessionKind(StrEnum):
    WEB = "web"
    API = "api"


class ConsentScope(StrEnum):
    STATEMENT_SUMMARY = "statement_summary"
    LOANS = "loans"
    DOCUMENTS = "documents"


class StatementSection(StrEnum):
    INCOME = "income"
    EXPENSE = "expense"
    ASSET = "asset"


def one_of(column: str, values: Iterable[Enum], name: str) -> CheckConstraint:
    """``column IN (...)`` over an enum's values, as a named CHECK constraint."""
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


def nullable_one_of(column: str, values: Iterable[Enum], name: str) -> CheckConstraint:
    inner = one_of(column, values, name).sqltext
    return CheckConstraint(f"{column} IS NULL OR {inner}", name=name)
