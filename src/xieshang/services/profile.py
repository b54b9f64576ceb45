"""The caller's own account: profile (masked), personal data (full, owner only), TOTP.

Personal data — ID number, phone, bank account — is stored encrypted (``EncryptedText``
columns) and shown *masked* everywhere (``me``); ``personal_data`` gives the full values to
their owner alone, for an explicit "show" action.

TOTP enrolment: ``enrol_totp`` makes a fresh secret, stores it encrypted and returns it with its
``otpauth://`` URI once; ``confirm_totp`` checks a code from the app, then enables TOTP, records
the step (no replay) and revokes the user's *other* sessions (e.g. a limited staff session
opened elsewhere).  Enrolling again before confirming replaces the secret; once enabled,
``totp.already_enabled``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from xieshang.domain.errors import DomainError
from xieshang.security.masking import mask_account, mask_id_number, mask_phone
from xieshang.security.totp import new_totp_secret, provisioning_uri, verify_totp
from xieshang.store.models import User
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor
from .accounts import UserView, user_view
from .sessions import needs_totp_enrolment

UowFactory = Callable[[], UnitOfWork]
ISSUER = "Xieshang"

_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_PHONE = re.compile(r"\+?[0-9]{5,20}")
_ACCOUNT = re.compile(r"[0-9]{8,30}")
_SEPARATORS = re.compile(r"[\s-]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True, slots=True)
class Profile:
    """``me``: the account, with personal data masked (None when not given)."""

    user: UserView
    id_number: str | None
    phone: str | None
    bank_account: str | None
    totp_enrolment_required: bool


@dataclass(frozen=True, slots=True)
class PersonalData:
    """The full values, for their owner only."""

    id_number: str | None
    phone: str | None
    bank_account: str | None


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    secret: str
    provisioning_uri: str


def clean_id_number(value: str) -> str:
    """A resident ID number: 18 characters with a valid GB 11643 check character (or the old
    15 digits); spaces and hyphens dropped, ``x`` upper-cased.

    >>> clean_id_number("11010519491231002x")
    '11010519491231002X'
    >>> clean_id_number("110105194912310021")
    Traceback (most recent call last):
    ...
    xieshang.domain.errors.DomainError: personal.id_number_invalid [id_number]
    """
    compact = _SEPARATORS.sub("", value).upper()
    if _ID15.fullmatch(compact):
        return compact
    if _ID18.fullmatch(compact):
        total = sum(int(d) * w for d, w in zip(compact[:17], _ID_WEIGHTS, strict=True))
        if _ID_CHECK[total % 11] == compact[17]:
            return compact
    raise DomainError("personal.id_number_invalid", field="id_number")


def clean_phone(value: str) -> str:
    compact = _SEPARATORS.sub("", value)
    if not _PHONE.fullmatch(compact):
        raise DomainError("personal.phone_invalid", field="phone")
    return compact


def clean_bank_account(value: str) -> str:
    compact = _SEPARATORS.sub("", value)
    if not _ACCOUNT.fullmatch(compact):
        raise DomainError("personal.bank_account_invalid", field="bank_account")
    return compact


def _own_user(uow: UnitOfWork, actor: Actor) -> User:
    user = uow.users.get(actor.user_id)
    if user is None or user.disabled:
        raise DomainError("auth.session_expired")
    return user


def _profile(user: User) -> Profile:
    return Profile(
        user=user_view(user),
        id_number=mask_id_number(user.id_number) if user.id_number else None,
        phone=mask_phone(user.phone) if user.phone else None,
        bank_account=mask_account(user.bank_account) if user.bank_account else None,
        totp_enrolment_required=needs_totp_enrolment(user),
    )


def me(uow_factory: UowFactory, actor: Actor) -> Profile:
    with uow_factory() as uow:
        return _profile(_own_user(uow, actor))


def personal_data(uow_factory: UowFactory, actor: Actor) -> PersonalData:
    """Full values — only ever the caller's own (there is no id to ask for anyone else's)."""
    with uow_factory() as uow:
        user = _own_user(uow, actor)
        return PersonalData(
            id_number=user.id_number, phone=user.phone, bank_account=user.bank_account
        )


def update_personal(
    uow_factory: UowFactory,
    actor: Actor,
    *,
    id_number: str | None,
    phone: str | None,
    bank_account: str | None,
) -> Profile:
    """Replace all three (None or "" clears one); values are checked and stored encrypted."""
    cleaned = (
        clean_id_number(id_number) if id_number else None,
        clean_phone(phone) if phone else None,
        clean_bank_account(bank_account) if bank_account else None,
    )
    with uow_factory() as uow:
        user = _own_user(uow, actor)
        user.id_number, user.phone, user.bank_account = cleaned
        uow.commit()
        return _profile(user)


def enrol_totp(uow_factory: UowFactory, actor: Actor) -> TotpEnrolment:
    """A new secret (stored encrypted, not yet enabled) and its provisioning URI, once."""
    with uow_factory() as uow:
        user = _own_user(uow, actor)
        if user.totp_enabled:
            raise DomainError("totp.already_enabled")
        secret = new_totp_secret()
        user.totp_secret = secret
        user.totp_last_step = None
        uow.commit()
        return TotpEnrolment(
            secret=secret, provisioning_uri=provisioning_uri(secret, user.email, ISSUER)
        )


def confirm_totp(uow_factory: UowFactory, actor: Actor, code: str, *, now: datetime) -> Profile:
    """Enable TOTP after one good code; other sessions of the user are revoked."""
    with uow_factory() as uow:
        user = _own_user(uow, actor)
        if user.totp_enabled:
            raise DomainError("totp.already_enabled")
        if not user.totp_secret:
            raise DomainError("totp.not_enrolled")
        step = verify_totp(user.totp_secret, code, at=now, last_used_step=user.totp_last_step)
        if step is None:
            raise DomainError("totp.code_invalid", field="code")
        user.totp_enabled = True
        user.totp_last_step = step
        uow.sessions.revoke_all_for_user(user.id, at=now, keep_id=actor.session_id)
        uow.commit()
        return _profile(user)
