"""Signing behind the login throttle, on SQLite and PostgreSQL: a wrong password at signing is
a failed login, so signing cannot be used to guess passwords — after the allowed failures both
signing and logging in are refused for a while, and a right password then opens again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, SQLITE_ONLY
from support.negotiated_case import PASSWORD, agreed_case
from xieshang.documents.agreement import consent_text
from xieshang.domain.errors import DomainError
from xieshang.services import accounts, agreements
from xieshang.services.accounts import AccountRules
from xieshang.services.agreement_signing import sign_with_reentry

CLIENT = "203.0.113.9"


def rules(container) -> AccountRules:
    return AccountRules.from_settings(container.settings, container.password_policy)


def sign(container, actor, case_id, *, password, now=NOW, consent=None, document=None):
    deal = agreements.get_agreement(container.uow(), actor, case_id)
    return sign_with_reentry(
        container.uow,
        container.blobs,
        actor,
        case_id,
        document_sha256=document or deal.document_sha256,
        consent=consent or consent_text(deal.lang),
        password=password,
        client_key=CLIENT,
        rules=rules(container),
        now=now,
        key=container.instance_key,
    )


def email_of(container, actor) -> str:
    with container.uow() as uow:
        return uow.users.get(actor.user_id).email


def test_wrong_passwords_at_signing_lock_signing_and_login_alike(container, world):
    made = agreed_case(container, world)
    b = world.borrower
    limit = container.settings.login_max_failures
    for _ in range(limit):
        with pytest.raises(DomainError, match=r"signature.reentry_failed"):
            sign(container, b, made.case_id, password="guess")
    with pytest.raises(DomainError, match=r"auth.throttled") as refused:
        sign(container, b, made.case_id, password=PASSWORD)
    assert refused.value.params["retry_after"] > 0
    with pytest.raises(DomainError, match=r"auth.throttled"):
        accounts.login(
            container.uow,
            email=email_of(container, b),
            password=PASSWORD,
            totp_code=None,
            client_key=CLIENT,
            rules=rules(container),
            now=NOW,
        )
    view = agreements.get_agreement(container.uow(), b, made.case_id)
    assert view.signatures == ()
    later = NOW + timedelta(minutes=container.settings.login_window_minutes + 1)
    signed = sign(container, b, made.case_id, password=PASSWORD, now=later)
    assert [s["party"] for s in signed.signatures] == ["borrower"]


@SQLITE_ONLY
def test_refusals_that_are_not_a_wrong_password_do_not_count_against_the_throttle(container, world):
    made = agreed_case(container, world)
    b = world.borrower
    for _ in range(container.settings.login_max_failures + 1):
        with pytest.raises(DomainError, match=r"signature.consent_mismatch"):
            sign(container, b, made.case_id, password="guess", consent="我同意")
        with pytest.raises(DomainError, match=r"signature.document_changed"):
            sign(container, b, made.case_id, password="guess", document="0" * 64)
    signed = sign(container, b, made.case_id, password=PASSWORD)
    assert signed.status == "awaiting_signatures" and len(signed.signatures) == 1
