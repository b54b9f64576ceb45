"""Who asks, and what they may see: object-level authorisation decided in one place.

Rules (issue 3): a borrower sees only their own data; a counselor only the borrowers who granted
them access (an active grant); a lender's agent or supervisor only what a borrower consented to
share with *their* organisation, scope by scope (``statement_summary``, ``loans``,
``documents``); an admin manages accounts and organisations but does not read borrowers'
finances.  Objects a caller may not see answer "not found" rather than "forbidden", so ids
cannot be probed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from xieshang.domain.errors import DomainError
from xieshang.store.unit_of_work import UnitOfWork

Role = Literal["borrower", "counselor", "agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("borrower", "counselor", "agent", "supervisor", "admin")
LENDER_STAFF: frozenset[str] = frozenset({"agent", "supervisor"})
Scope = Literal["statement_summary", "loans", "documents"]
SCOPES: tuple[Scope, ...] = ("statement_summary", "loans", "documents")


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of a service."""

    user_id: int
    role: str
    organisation_id: int | None = None
    session_id: int | None = None

    @property
    def is_lender_staff(self) -> bool:
        return self.role in LENDER_STAFF


def not_found(what: str) -> DomainError:
    return DomainError("access.not_found", field=what)


def forbidden(what: str | None = None) -> DomainError:
    return DomainError("access.forbidden", field=what)


def may_read(uow: UnitOfWork, actor: Actor, borrower_id: int, scope: Scope) -> bool:
    """Whether ``actor`` may read ``scope`` of the borrower's data."""
    if actor.user_id == borrower_id:
        return True
    if actor.role == "counselor":
        return uow.grants.active(borrower_id, actor.user_id) is not None
    if actor.is_lender_staff and actor.organisation_id is not None:
        return uow.consents.active(borrower_id, actor.organisation_id, scope) is not None
    return False


def may_write(uow: UnitOfWork, actor: Actor, borrower_id: int) -> bool:
    """Whether ``actor`` may change the borrower's own records (statement, loans, documents):
    the borrower, or a counselor they granted access to."""
    if actor.user_id == borrower_id:
        return True
    return actor.role == "counselor" and uow.grants.active(borrower_id, actor.user_id) is not None


def require_read(uow: UnitOfWork, actor: Actor, borrower_id: int, scope: Scope, what: str) -> None:
    if not may_read(uow, actor, borrower_id, scope):
        raise not_found(what)


def require_write(uow: UnitOfWork, actor: Actor, borrower_id: int, what: str) -> None:
    if not may_write(uow, actor, borrower_id):
        # Someone who may read but not write learns the object exists: 403; otherwise 404.
        if may_read(uow, actor, borrower_id, "loans"):
            raise forbidden(what)
        raise not_found(what)


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise forbidden("role")
