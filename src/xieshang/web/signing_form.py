"""Signing the agreement from a page — the borrower's (or the platform's, recorded by the
borrower) and the lender staff's: the digest shown, the consent sentence confirmed, and the
password or a one-time code typed again, behind the login throttle."""

from __future__ import annotations

from starlette.requests import Request

from xieshang.domain.errors import DomainError
from xieshang.services.access import Actor
from xieshang.services.accounts import AccountRules
from xieshang.services.agreement_signing import sign_with_reentry

from .session import client_key, container_of

MAX_CONSENT = 4000
MAX_PASSWORD = 1024
MAX_CODE = 8


def sign_from_form(
    request: Request,
    actor: Actor,
    case_id: int,
    *,
    document_sha256: str,
    consent: str,
    password: str,
    totp_code: str,
    for_platform: bool = False,
) -> None:
    """Sign as ``actor``; a refusal is a ``DomainError`` naming ``consent``, ``password`` or
    ``totp_code`` (a throttled signer gets ``auth.throttled``)."""
    if not consent.strip():
        raise DomainError("signature.consent_mismatch", field="consent")
    container = container_of(request)
    sign_with_reentry(
        container.uow,
        container.blobs,
        actor,
        case_id,
        document_sha256=document_sha256.strip()[:64],
        consent=consent[:MAX_CONSENT],
        password=password[:MAX_PASSWORD] or None,
        totp_code=totp_code.strip()[:MAX_CODE] or None,
        for_platform=for_platform,
        client_key=client_key(request),
        rules=AccountRules.from_settings(container.settings, container.password_policy),
        now=container.clock(),
        key=container.instance_key,
    )
