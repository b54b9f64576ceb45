"""Organisations (lenders with their licence type, counseling services) and staff accounts.

Only an admin creates organisations and non-borrower users; borrowers register themselves
(``accounts``).  A lender's licence type is a ``LenderType`` value: it selects the legal-cap
regime for that lender's loans.  Role and organisation must fit together:

=============  =========================
role           organisation
=============  =========================
borrower       none
admin          none
counselor      a counseling organisation
agent          a lender
supervisor     a lender
=============  =========================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from xieshang.domain.errors import DomainError
from xieshang.domain.loan import LenderType
from xieshang.store.models import Organisation, User
from xieshang.store.repositories import ConflictError, Page, check_page
from xieshang.store.unit_of_work import UnitOfWork

from .access import ROLES, Actor, require_role

UowFactory = Callable[[], UnitOfWork]
KINDS = ("lender", "counseling")
LICENCE_TYPES = tuple(t.value for t in LenderType)
MAX_NAME = 200
ORGANISATION_FOR_ROLE: dict[str, str | None] = {
    "borrower": None,
    "admin": None,
    "counselor": "counseling",
    "agent": "lender",
    "supervisor": "lender",
}


@dataclass(frozen=True, slots=True)
class OrganisationView:
    id: int
    kind: str
    name: str
    licence_type: str | None
    created_at: datetime


def organisation_view(row: Organisation) -> OrganisationView:
    return OrganisationView(
        id=row.id,
        kind=row.kind,
        name=row.name,
        licence_type=row.licence_type,
        created_at=row.created_at,
    )


def clean_name(name: str, field: str) -> str:
    """Trimmed, 1..200 characters, no control characters."""
    cleaned = " ".join(name.split()) if isinstance(name, str) else ""
    if not cleaned or len(cleaned) > MAX_NAME or any(ord(c) < 32 for c in cleaned):
        raise DomainError("account.name_invalid", field=field, maximum=MAX_NAME)
    return cleaned


def check_organisation(kind: str, licence_type: str | None) -> None:
    """Lenders need a licence type from ``LenderType``; counseling services have none."""
    if kind not in KINDS:
        raise DomainError("organisation.kind_invalid", field="kind", value=kind)
    if kind == "lender":
        if not licence_type:
            raise DomainError("organisation.licence_type_required", field="licence_type")
        if licence_type not in LICENCE_TYPES:
            raise DomainError(
                "organisation.licence_type_invalid", field="licence_type", value=licence_type
            )
    elif licence_type is not None:
        raise DomainError("organisation.licence_type_not_allowed", field="licence_type")


def create_organisation(
    uow_factory: UowFactory,
    actor: Actor,
    *,
    kind: str,
    name: str,
    licence_type: str | None = None,
    now: datetime,
) -> OrganisationView:
    """A new lender or counseling organisation (admin only); names are unique."""
    require_role(actor, "admin")
    check_organisation(kind, licence_type)
    cleaned = clean_name(name, "name")
    with uow_factory() as uow:
        if uow.organisations.get_by_name(cleaned) is not None:
            raise DomainError("organisation.name_taken", field="name")
        row = Organisation(kind=kind, name=cleaned, licence_type=licence_type, created_at=now)
        try:
            uow.organisations.add(row)
            uow.commit()
        except ConflictError:  # a concurrent request took the name first
            raise DomainError("organisation.name_taken", field="name") from None
        return organisation_view(row)


def list_organisations(
    uow_factory: UowFactory, actor: Actor, *, kind: str | None = None, limit: int, offset: int
) -> Page[OrganisationView]:
    """Every organisation, by id (admin only)."""
    require_role(actor, "admin")
    check_page(limit, offset)
    if kind is not None and kind not in KINDS:
        raise DomainError("organisation.kind_invalid", field="kind", value=kind)
    with uow_factory() as uow:
        page = uow.organisations.list(limit=limit, offset=offset, kind=kind)
        return Page(
            items=tuple(organisation_view(o) for o in page.items),
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


def check_role_organisation(uow: UnitOfWork, role: str, organisation_id: int | None) -> None:
    """The role exists and the organisation (if any) is the kind the role needs."""
    if role not in ROLES:
        raise DomainError("user.role_invalid", field="role", value=role)
    needed = ORGANISATION_FOR_ROLE[role]
    if needed is None:
        if organisation_id is not None:
            raise DomainError("user.organisation_not_allowed", field="organisation_id", role=role)
        return
    if organisation_id is None:
        raise DomainError("user.organisation_required", field="organisation_id", role=role)
    organisation = uow.organisations.get(organisation_id)
    if organisation is None:
        raise DomainError("access.not_found", field="organisation_id")
    if organisation.kind != needed:
        raise DomainError(
            "user.organisation_kind_mismatch", field="organisation_id", role=role, kind=needed
        )


def add_user(uow: UnitOfWork, user: User) -> User:
    """Add inside the caller's unit of work; a taken e-mail is ``account.email_taken``."""
    if uow.users.get_by_email(user.email) is not None:
        raise DomainError("account.email_taken", field="email")
    try:
        uow.users.add(user)
    except ConflictError:
        raise DomainError("account.email_taken", field="email") from None
    return user
