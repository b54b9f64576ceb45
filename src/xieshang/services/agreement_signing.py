"""Signing an agreement from a face, with the password (or TOTP) re-entry counted like a login.

``agreements.sign_agreement`` checks the re-entered password or code.  Asked over and over, that
check would be a way around the login throttle; so here a failed re-entry is recorded as a
failed login under the signer's e-mail and the client's address, and a throttled signer is
refused before the password is even tried (``auth.throttled``, with the seconds to wait) — the
same keys and the same policy as ``accounts.login``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from xieshang.domain.errors import DomainError
from xieshang.security.signing import InstanceKey
from xieshang.store.blobs import BlobStore
from xieshang.store.unit_of_work import UnitOfWork

from .access import Actor, not_found
from .accounts import AccountRules, _check_throttle, _fail, throttle_keys
from .agreements import AgreementView, sign_agreement

REENTRY_FAILED = "signature.reentry_failed"


def sign_with_reentry(
    uow_factory: Callable[[], UnitOfWork],
    blobs: BlobStore,
    actor: Actor,
    case_id: int,
    *,
    document_sha256: str,
    consent: str,
    password: str | None = None,
    totp_code: str | None = None,
    for_platform: bool = False,
    client_key: str,
    rules: AccountRules,
    now: datetime,
    key: InstanceKey,
) -> AgreementView:
    """``agreements.sign_agreement`` behind the login throttle (see the module docstring)."""
    with uow_factory() as uow:
        user = uow.users.get(actor.user_id)
        if user is None:
            raise not_found("user")
        keys = throttle_keys(user.email, client_key)
        _check_throttle(uow, keys, rules, now)
    try:
        return sign_agreement(
            uow_factory(),
            blobs,
            actor,
            case_id,
            document_sha256=document_sha256,
            consent=consent,
            password=password,
            totp_code=totp_code,
            for_platform=for_platform,
            now=now,
            key=key,
        )
    except DomainError as error:
        if error.code != REENTRY_FAILED:
            raise
        with uow_factory() as uow:
            _fail(uow, keys, now, REENTRY_FAILED)  # records the failures and commits
        raise
