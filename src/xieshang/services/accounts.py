"""Accounts: borrower registration, staff accounts, and login with throttling and TOTP.

Login, in order:

1. **Throttle** — failures are recorded as ``LoginAttempt`` rows under two keys, the e-mail
   (``email:<address>``) and the client (``client:<address>``); ``security.throttle`` decides
   over them.  The e-mail key allows ``login_max_failures`` failures per
   ``login_window_minutes`` (and locks for that long); the client key allows
   ``CLIENT_FAILURE_FACTOR`` times as many, so one office behind a shared address is not locked
   out by one colleague, while one address trying many e-mails still is.  A refused attempt is
   ``auth.throttled`` with ``retry_after`` seconds and is not itself recorded.
2. **Password** — Argon2id; an unknown or disabled e-mail spends the same work on a decoy hash
   and answers the same ``auth.invalid_credentials`` as a wrong password.  A hash made with
   older parameters is re-hashed with the password just verified.
3. **TOTP** — when the user has enabled it: no code → ``auth.totp_required`` (not a failure:
   the client asks for the code and retries); a wrong or replayed code →
   ``auth.totp_invalid`` (a failure).  The accepted step is stored, so a code works once.
4. **Session** — a fresh random token every login (rotation; ``sessions``).  Lender staff
   (agent, supervisor) without TOTP get a *limited* session that may only enrol TOTP
   (``LoginResult.totp_enrolment_required``); once enrolled, every login needs the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from xieshang.domain.errors import DomainError
from xieshang.security.passwords import (
    DEFAULT_PASSWORD_POLICY,
    PasswordPolicy,
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_password,
    verify_password_for_missing_user,
)
from xieshang.security.throttle import ThrottlePolicy
from xieshang.security.totp import verify_totp
from xieshang.store.models import LoginAttempt, User, normalise_email
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, require_role
from .idempotency import StoredResponse, replay_record
from .organisations import add_user, check_role_organisation, clean_name
from .sessions import SessionRules, SessionSettings, actor_for, needs_totp_enrolment, open_session

UowFactory = Callable[[], UnitOfWork]
CLIENT_FAILURE_FACTOR = 4
MAX_EMAIL = 254
MAX_CLIENT_KEY = 300
SESSION_KINDS = ("web", "api")
# Deliberately plain: one @, no spaces, a dot in the domain.  Deliverability is not our concern.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")


class AccountSettings(SessionSettings, Protocol):
    """The part of ``xieshang.settings.Settings`` accounts read."""

    @property
    def login_max_failures(self) -> int: ...

    @property
    def login_window_minutes(self) -> int: ...


@dataclass(frozen=True, slots=True)
class AccountRules:
    sessions: SessionRules
    email_throttle: ThrottlePolicy
    client_throttle: ThrottlePolicy
    password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY

    @classmethod
    def from_settings(
        cls, settings: AccountSettings, password_policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY
    ) -> AccountRules:
        window = timedelta(minutes=settings.login_window_minutes)
        return cls(
            sessions=SessionRules.from_settings(settings),
            email_throttle=ThrottlePolicy(settings.login_max_failures, window, window),
            client_throttle=ThrottlePolicy(
                settings.login_max_failures * CLIENT_FAILURE_FACTOR, window, window
            ),
            password_policy=password_policy,
        )


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as shown to themselves or an admin (no personal data: see ``profile``)."""

    id: int
    email: str
    display_name: str
    role: str
    organisation_id: int | None
    totp_enabled: bool
    created_at: datetime


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
        organisation_id=user.organisation_id,
        totp_enabled=bool(user.totp_enabled),
        created_at=user.created_at,
    )


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str  # handed out once; only its hash is stored
    actor: Actor
    expires_at: datetime  # the absolute end; the idle timeout may end it sooner
    totp_enrolment_required: bool  # a limited session: it may only enrol TOTP


def clean_email(email: str) -> str:
    """Trimmed, lower-cased and plausibly shaped, or ``account.email_invalid``.

    >>> clean_email("  Li.Ming@Example.com ")
    'li.ming@example.com'
    """
    normalised = normalise_email(email) if isinstance(email, str) else ""
    if len(normalised) > MAX_EMAIL or not _EMAIL.fullmatch(normalised):
        raise DomainError("account.email_invalid", field="email")
    return normalised


def check_new_password(password: str, email: str) -> None:
    """The first strength problem as a DomainError on ``password``."""
    problems = check_password_strength(password, email=email)
    if problems:
        raise DomainError(problems[0], field="password")


def create_account(
    uow_factory: UowFactory,
    *,
    email: str,
    password: str,
    display_name: str,
    role: str,
    organisation_id: int | None = None,
    policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
    now: datetime,
) -> UserView:
    """Any account, unchecked caller: for the composition root (CLI ``user create``, demo).
    Faces use ``register_borrower`` or ``create_user``."""
    address = clean_email(email)
    name = clean_name(display_name, "display_name")
    check_new_password(password, address)
    with uow_factory() as uow:
        check_role_organisation(uow, role, organisation_id)
        if uow.users.get_by_email(address) is not None:
            raise DomainError("account.email_taken", field="email")
        user = User(
            email=address,
            display_name=name,
            password_hash=hash_password(password, policy=policy),
            role=role,
            organisation_id=organisation_id,
            totp_enabled=False,
            disabled=False,
            created_at=now,
        )
        add_user(uow, user)
        uow.commit()
        return user_view(user)


def register_borrower(
    uow_factory: UowFactory,
    *,
    email: str,
    password: str,
    display_name: str,
    policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
    now: datetime,
) -> UserView:
    """Self-registration: always a borrower, never in an organisation."""
    return create_account(
        uow_factory,
        email=email,
        password=password,
        display_name=display_name,
        role="borrower",
        policy=policy,
        now=now,
    )


def create_user(
    uow_factory: UowFactory,
    actor: Actor,
    *,
    email: str,
    password: str,
    display_name: str,
    role: str,
    organisation_id: int | None = None,
    policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
    now: datetime,
) -> UserView:
    """An admin creates any account (staff, counselors, other admins, borrowers)."""
    require_role(actor, "admin")
    return create_account(
        uow_factory,
        email=email,
        password=password,
        display_name=display_name,
        role=role,
        organisation_id=organisation_id,
        policy=policy,
        now=now,
    )


def throttle_keys(email: str, client_key: str) -> tuple[str, str]:
    """The two LoginAttempt keys for one try.

    >>> throttle_keys(" Li@Example.com", "203.0.113.9")
    ('email:li@example.com', 'client:203.0.113.9')
    """
    return f"email:{normalise_email(email)[:MAX_EMAIL]}", f"client:{client_key[:MAX_CLIENT_KEY]}"


def _check_throttle(
    uow: UnitOfWork, keys: tuple[str, str], rules: AccountRules, now: datetime
) -> None:
    waits: list[int] = []
    for key, policy in zip(keys, (rules.email_throttle, rules.client_throttle), strict=True):
        failures = uow.login_attempts.failures_since(key, policy.horizon(now))
        decision = policy.decide(failures, now)
        if not decision.allowed:
            waits.append(decision.retry_after_seconds)
    if waits:
        raise DomainError("auth.throttled", retry_after=max(waits))


def _fail(uow: UnitOfWork, keys: tuple[str, str], now: datetime, code: str) -> DomainError:
    for key in keys:
        uow.login_attempts.add(LoginAttempt(key=key, at=now, success=False))
    uow.commit()
    return DomainError(code)


def login(
    uow_factory: UowFactory,
    *,
    email: str,
    password: str,
    totp_code: str | None,
    client_key: str,
    kind: str = "web",
    rules: AccountRules,
    now: datetime,
) -> LoginResult:
    """Check the credentials and open a new session (see the module docstring)."""
    if kind not in SESSION_KINDS:
        raise DomainError("auth.session_kind_invalid", field="kind", value=kind)
    keys = throttle_keys(email if isinstance(email, str) else "", client_key)
    policy = rules.password_policy
    with uow_factory() as uow:
        _check_throttle(uow, keys, rules, now)
        user = uow.users.get_by_email(normalise_email(email)) if isinstance(email, str) else None
        if user is None:
            verify_password_for_missing_user(password, policy=policy)
            raise _fail(uow, keys, now, "auth.invalid_credentials")
        password_ok = verify_password(user.password_hash, password, policy=policy)
        if not password_ok or user.disabled:
            raise _fail(uow, keys, now, "auth.invalid_credentials")
        if needs_rehash(user.password_hash, policy=policy):
            user.password_hash = hash_password(password, policy=policy)
        if user.totp_enabled and user.totp_secret:
            if not totp_code:
                uow.commit()  # keep a re-hash; no session, no failure
                raise DomainError("auth.totp_required", field="totp_code")
            step = verify_totp(
                user.totp_secret, totp_code, at=now, last_used_step=user.totp_last_step
            )
            if step is None:
                raise _fail(uow, keys, now, "auth.totp_invalid")
            user.totp_last_step = step
        uow.login_attempts.add(LoginAttempt(key=keys[0], at=now, success=True))
        token, session = open_session(uow, user, kind=kind, now=now, rules=rules.sessions)
        uow.commit()
        return LoginResult(
            token=token,
            actor=actor_for(user, session),
            expires_at=session.expires_at,
            totp_enrolment_required=needs_totp_enrolment(user),
        )


def replay_registration(
    uow_factory: UowFactory,
    *,
    email: str,
    password: str,
    key: str,
    path: str,
    request_hash: str,
    policy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
) -> StoredResponse | None:
    """A retried registration under ``key``: the stored answer, None when there is nothing to
    replay (register normally), or ``idempotency.conflict``.

    The request hash leaves the password out (a fast hash of it would undo Argon2); instead the
    password is checked against the account the first request created, so only the same
    request replays.
    """
    try:
        address = clean_email(email)
    except DomainError:
        return None
    with uow_factory() as uow:
        user = uow.users.get_by_email(address)
        record = uow.idempotency.get(user.id, key) if user is not None else None
        if user is None or record is None:
            return None
        if not verify_password(user.password_hash, password, policy=policy):
            raise DomainError("idempotency.conflict", field="Idempotency-Key")
        return replay_record(record, method="POST", path=path, request_hash=request_hash)
