"""Sessions: web cookies and API bearer tokens are the same server-side rows.

A session is a random 256-bit token handed to the client once; only its SHA-256 is stored, so
a copy of the database yields no usable token.  It ends at the first of:

* **idle timeout** — no request for ``settings.session_idle_minutes`` (``last_seen_at``);
* **absolute timeout** — ``settings.session_absolute_hours`` after login (``expires_at``);
* **revocation** — logout (this session) or logout-all (every session of the user).

Every presented token that does not resolve (unknown, revoked, timed out, user disabled)
answers the same ``auth.session_expired``: a client cannot tell which, and must log in again.

``last_seen_at`` is written at most once a minute per session (``TOUCH_INTERVAL``) so that a
burst of reads does not become a burst of writes (SQLite serialises writers); the idle timeout
is minutes long, so the minute of slack does not matter.

**Lender staff without TOTP** (agents and supervisors who have not enrolled yet) get a
*limited* session at their first login: ``authenticate`` refuses it with
``auth.totp_enrolment_required`` everywhere except the enrolment endpoints
(``allow_enrolment=True``).  The limitation is derived from the user row (staff role and
``totp_enabled`` false), not stored, so it cannot drift; confirming TOTP revokes every other
session of the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from xieshang.domain.errors import DomainError
from xieshang.security.tokens import new_token, token_hash
from xieshang.store.models import AuthSession, User
from xieshang.store.unit_of_work import UnitOfWork

from .access import LENDER_STAFF, Actor

UowFactory = Callable[[], UnitOfWork]
TOUCH_INTERVAL = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200  # ours are 43 characters; anything far longer is not worth hashing


class SessionSettings(Protocol):
    """The part of ``xieshang.settings.Settings`` sessions read (services do not import it)."""

    @property
    def session_idle_minutes(self) -> int: ...

    @property
    def session_absolute_hours(self) -> int: ...


@dataclass(frozen=True, slots=True)
class SessionRules:
    """The two timeouts, from settings."""

    idle: timedelta
    absolute: timedelta

    @classmethod
    def from_settings(cls, settings: SessionSettings) -> SessionRules:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            absolute=timedelta(hours=settings.session_absolute_hours),
        )


def needs_totp_enrolment(user: User) -> bool:
    """Lender staff must use TOTP; until they enrol, their sessions are limited to enrolling."""
    return user.role in LENDER_STAFF and not user.totp_enabled


def actor_for(user: User, session: AuthSession | None = None) -> Actor:
    return Actor(
        user_id=user.id,
        role=user.role,
        organisation_id=user.organisation_id,
        session_id=session.id if session is not None else None,
    )


def open_session(
    uow: UnitOfWork, user: User, *, kind: str, now: datetime, rules: SessionRules
) -> tuple[str, AuthSession]:
    """A new session for ``user`` (inside the caller's unit of work): the token, once."""
    token = new_token()
    row = uow.sessions.add(
        AuthSession(
            user_id=user.id,
            token_hash=token_hash(token),
            kind=kind,
            created_at=now,
            last_seen_at=now,
            expires_at=now + rules.absolute,
        )
    )
    return token, row


def session_alive(row: AuthSession, *, now: datetime, rules: SessionRules) -> bool:
    """Not revoked, before its absolute end, and used within the idle timeout."""
    return row.revoked_at is None and now < row.expires_at and now < row.last_seen_at + rules.idle


def authenticate(
    uow_factory: UowFactory,
    token: str,
    *,
    now: datetime,
    rules: SessionRules,
    allow_enrolment: bool = False,
) -> Actor:
    """The actor behind a presented token, or ``auth.session_expired``.

    ``allow_enrolment`` lets a limited session (lender staff without TOTP) through; only the
    TOTP enrolment endpoints pass it.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise DomainError("auth.session_expired")
    with uow_factory() as uow:
        row = uow.sessions.get_by_token_hash(token_hash(token))
        if row is None or not session_alive(row, now=now, rules=rules):
            raise DomainError("auth.session_expired")
        user = uow.users.get(row.user_id)
        if user is None or user.disabled:
            raise DomainError("auth.session_expired")
        if needs_totp_enrolment(user) and not allow_enrolment:
            raise DomainError("auth.totp_enrolment_required")
        actor = actor_for(user, row)
        if now - row.last_seen_at >= TOUCH_INTERVAL:
            row.last_seen_at = now
            uow.commit()
        return actor


def logout(uow_factory: UowFactory, actor: Actor, *, now: datetime) -> None:
    """Revoke the caller's own session server-side (the token is dead at once)."""
    if actor.session_id is None:
        return
    with uow_factory() as uow:
        row = uow.sessions.get(actor.session_id)
        if row is not None and row.user_id == actor.user_id and row.revoked_at is None:
            row.revoked_at = now
            uow.commit()


def logout_all(uow_factory: UowFactory, actor: Actor, *, now: datetime) -> int:
    """Revoke every session of the caller, this one included; the count revoked."""
    with uow_factory() as uow:
        count = uow.sessions.revoke_all_for_user(actor.user_id, at=now)
        uow.commit()
        return count
