"""What a borrower shares, and with whom: counselor grants and per-organisation consents.

A borrower grants a counselor (found by e-mail or id) access to all their data, and consents,
scope by scope (``statement_summary``, ``loans``, ``documents``), to a lender organisation's
staff reading that part.  Every grant and consent is a row with its time; revoking sets
``revoked_at`` and keeps the row, so the record of who could see what, when, survives.
Granting what is already granted returns the active row instead of a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from xieshang.domain.errors import DomainError
from xieshang.store.models import (
    Consent,
    CounselorGrant,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from xieshang.store.repositories import Page, check_page
from xieshang.store.unit_of_work import UnitOfWork

from .access import SCOPES, Actor, not_found, require_role

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GrantView:
    id: int
    borrower_id: int
    borrower_name: str
    counselor_id: int
    counselor_name: str
    granted_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class ConsentView:
    id: int
    borrower_id: int
    borrower_name: str
    organisation_id: int
    organisation_name: str
    scope: str
    granted_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _name(user: User | None) -> str:
    return user.display_name if user is not None else ""


def _grant_view(uow: UnitOfWork, g: CounselorGrant) -> GrantView:
    return GrantView(
        id=g.id,
        borrower_id=g.borrower_id,
        borrower_name=_name(uow.users.get(g.borrower_id)),
        counselor_id=g.counselor_id,
        counselor_name=_name(uow.users.get(g.counselor_id)),
        granted_at=g.granted_at,
        revoked_at=g.revoked_at,
    )


def _consent_view(uow: UnitOfWork, c: Consent) -> ConsentView:
    org: Organisation | None = uow.organisations.get(c.organisation_id)
    return ConsentView(
        id=c.id,
        borrower_id=c.borrower_id,
        borrower_name=_name(uow.users.get(c.borrower_id)),
        organisation_id=c.organisation_id,
        organisation_name=org.name if org is not None else "",
        scope=c.scope,
        granted_at=c.granted_at,
        revoked_at=c.revoked_at,
    )


def _page(items: Sequence[T], limit: int, offset: int) -> Page[T]:
    check_page(limit, offset)
    return Page(tuple(items[offset : offset + limit]), len(items), limit, offset)


# ---------------------------------------------------------------- counselor grants


def grant_counselor(
    uow: UnitOfWork,
    actor: Actor,
    *,
    now: datetime,
    counselor_email: str | None = None,
    counselor_id: int | None = None,
) -> tuple[GrantView, bool]:
    """Let a counselor see and help with the borrower's data; (grant, newly created)."""
    require_role(actor, Role.BORROWER.value)
    if (counselor_email is None) == (counselor_id is None):
        raise DomainError("sharing.counselor_required", field="counselor_email")
    with uow:
        counselor = (
            uow.users.get_by_email(counselor_email)
            if counselor_email is not None
            else uow.users.get(counselor_id)  # type: ignore[arg-type]  # checked above
        )
        if counselor is None or counselor.role != Role.COUNSELOR.value or counselor.disabled:
            raise not_found("counselor")
        existing = uow.grants.active(actor.user_id, counselor.id)
        if existing is not None:
            return _grant_view(uow, existing), False
        row = uow.grants.add(
            CounselorGrant(borrower_id=actor.user_id, counselor_id=counselor.id, granted_at=now)
        )
        uow.commit()
        return _grant_view(uow, row), True


def revoke_grant(uow: UnitOfWork, actor: Actor, grant_id: int, *, now: datetime) -> GrantView:
    """End a grant (the borrower, or the counselor stepping back); the row stays, dated."""
    with uow:
        row = uow.grants.get(grant_id)
        if row is None or actor.user_id not in (row.borrower_id, row.counselor_id):
            raise not_found("grant")
        if row.revoked_at is None:
            row.revoked_at = now
            uow.commit()
        return _grant_view(uow, row)


def list_grants(
    uow: UnitOfWork, actor: Actor, *, limit: int, offset: int, include_revoked: bool = False
) -> Page[GrantView]:
    """A borrower's grants (revoked ones too if asked); a counselor's active grants (their
    borrowers).  Others have none."""
    with uow:
        if actor.role == Role.COUNSELOR.value:
            page = uow.grants.list_for_counselor(actor.user_id, limit=limit, offset=offset)
            views = tuple(_grant_view(uow, g) for g in page.items)
            return Page(views, page.total, page.limit, page.offset)
        rows = uow.grants.list_for_borrower(actor.user_id, active_only=not include_revoked)
        return _page([_grant_view(uow, g) for g in rows], limit, offset)


# ---------------------------------------------------------------- consents


def give_consent(
    uow: UnitOfWork, actor: Actor, *, organisation_id: int, scope: str, now: datetime
) -> tuple[ConsentView, bool]:
    """Share one scope of the borrower's data with a lender organisation; (consent, new)."""
    require_role(actor, Role.BORROWER.value)
    if scope not in SCOPES:
        raise DomainError("sharing.scope_unknown", field="scope", value=scope)
    with uow:
        org = uow.organisations.get(organisation_id)
        if org is None or org.kind != OrganisationKind.LENDER.value:
            raise not_found("organisation_id")
        existing = uow.consents.active(actor.user_id, organisation_id, scope)
        if existing is not None:
            return _consent_view(uow, existing), False
        row = uow.consents.add(
            Consent(
                borrower_id=actor.user_id,
                organisation_id=organisation_id,
                scope=scope,
                granted_at=now,
            )
        )
        uow.commit()
        return _consent_view(uow, row), True


def revoke_consent(uow: UnitOfWork, actor: Actor, consent_id: int, *, now: datetime) -> ConsentView:
    """Withdraw a consent (only its borrower can); the row stays, dated."""
    with uow:
        row = uow.consents.get(consent_id)
        if row is None or row.borrower_id != actor.user_id:
            raise not_found("consent")
        if row.revoked_at is None:
            row.revoked_at = now
            uow.commit()
        return _consent_view(uow, row)


def list_consents(
    uow: UnitOfWork,
    actor: Actor,
    *,
    limit: int,
    offset: int,
    include_revoked: bool = False,
    scope: str | None = None,
) -> Page[ConsentView]:
    """A borrower's consents; for lender staff, the active consents given to their
    organisation (their case list)."""
    with uow:
        if actor.is_lender_staff:
            if actor.organisation_id is None:
                return _page([], limit, offset)
            page = uow.consents.list_for_organisation(
                actor.organisation_id, scope=scope, limit=limit, offset=offset
            )
            views = tuple(_consent_view(uow, c) for c in page.items)
            return Page(views, page.total, page.limit, page.offset)
        rows = uow.consents.list_for_borrower(actor.user_id, active_only=not include_revoked)
        return _page(
            [_consent_view(uow, c) for c in rows if scope is None or c.scope == scope],
            limit,
            offset,
        )
