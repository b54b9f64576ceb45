"""Sharing, on SQLite and PostgreSQL: counselor grants and per-organisation consents are
explicit, recorded with their times, revocable (the row stays, with ``revoked_at``) and only the
borrower gives them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.data_world import NOW, add_user
from xieshang.domain.errors import DomainError
from xieshang.services.access import may_read
from xieshang.services.sharing import (
    give_consent,
    grant_counselor,
    list_consents,
    list_grants,
    revoke_consent,
    revoke_grant,
)

LATER = NOW + timedelta(days=3)


def reads(container, actor, borrower_id, scope="loans") -> bool:
    with container.uow() as uow:
        return may_read(uow, actor, borrower_id, scope)


def test_a_grant_by_email_lets_the_counselor_in_until_revoked_and_the_row_stays(container, world):
    me = world.borrower
    grant, created = grant_counselor(
        container.uow(), me, now=NOW, counselor_email="  Zhao.Counsel@Example.com "
    )
    assert created and grant.active and grant.granted_at == NOW
    assert (grant.counselor_id, grant.counselor_name) == (world.counselor.user_id, "zhao.counsel")
    assert reads(container, world.counselor, me.user_id)
    again, created_again = grant_counselor(
        container.uow(), me, now=LATER, counselor_id=world.counselor.user_id
    )
    assert not created_again and again.id == grant.id
    revoked = revoke_grant(container.uow(), me, grant.id, now=LATER)
    assert revoked.revoked_at == LATER and not revoked.active
    assert not reads(container, world.counselor, me.user_id)
    history = list_grants(container.uow(), me, limit=10, offset=0, include_revoked=True)
    assert [(g.id, g.revoked_at) for g in history.items] == [(grant.id, LATER)]
    assert list_grants(container.uow(), me, limit=10, offset=0).total == 0


def test_a_counselor_lists_their_borrowers_and_may_step_back(container, world):
    grant, _ = grant_counselor(
        container.uow(), world.borrower, now=NOW, counselor_id=world.counselor.user_id
    )
    grant_counselor(
        container.uow(), world.other_borrower, now=NOW, counselor_id=world.counselor.user_id
    )
    mine = list_grants(container.uow(), world.counselor, limit=10, offset=0)
    assert {g.borrower_id for g in mine.items} == {
        world.borrower.user_id,
        world.other_borrower.user_id,
    }
    revoke_grant(container.uow(), world.counselor, grant.id, now=LATER)
    assert not reads(container, world.counselor, world.borrower.user_id)
    assert reads(container, world.counselor, world.other_borrower.user_id)


def test_only_a_counselor_can_be_granted_and_only_a_borrower_grants(container, world):
    for kwargs in (
        {"counselor_email": "agent@lender-a.example"},
        {"counselor_email": "nobody@example.com"},
        {"counselor_id": 9999},
    ):
        with pytest.raises(DomainError) as caught:
            grant_counselor(container.uow(), world.borrower, now=NOW, **kwargs)
        assert caught.value.code == "access.not_found"
    with pytest.raises(DomainError) as neither:
        grant_counselor(container.uow(), world.borrower, now=NOW)
    assert neither.value.code == "sharing.counselor_required"
    with pytest.raises(DomainError) as not_borrower:
        grant_counselor(
            container.uow(), world.agent_a, now=NOW, counselor_id=world.counselor.user_id
        )
    assert not_borrower.value.code == "access.forbidden"


def test_someone_elses_grant_or_consent_cannot_be_revoked(container, world):
    grant, _ = grant_counselor(
        container.uow(), world.borrower, now=NOW, counselor_id=world.counselor.user_id
    )
    consent, _ = give_consent(
        container.uow(), world.borrower, organisation_id=world.org_a, scope="loans", now=NOW
    )
    intruder = add_user(container, "other.counsel@example.com", "counselor")
    for actor in (world.other_borrower, intruder, world.agent_a):
        with pytest.raises(DomainError) as caught:
            revoke_grant(container.uow(), actor, grant.id, now=LATER)
        assert caught.value.code == "access.not_found"
        with pytest.raises(DomainError) as caught:
            revoke_consent(container.uow(), actor, consent.id, now=LATER)
        assert caught.value.code == "access.not_found"
    assert reads(container, world.counselor, world.borrower.user_id)
    assert reads(container, world.agent_a, world.borrower.user_id)


def test_a_consent_opens_one_scope_to_one_organisation_until_withdrawn(container, world):
    me = world.borrower.user_id
    consent, created = give_consent(
        container.uow(),
        world.borrower,
        organisation_id=world.org_a,
        scope="statement_summary",
        now=NOW,
    )
    assert created and consent.organisation_name == "Lender A"
    assert reads(container, world.agent_a, me, "statement_summary")
    assert not reads(container, world.agent_a, me, "loans")
    assert not reads(container, world.agent_a, me, "documents")
    assert not reads(container, world.agent_b, me, "statement_summary")
    staff_view = list_consents(container.uow(), world.agent_a, limit=10, offset=0)
    assert [c.borrower_id for c in staff_view.items] == [me]
    assert list_consents(container.uow(), world.agent_b, limit=10, offset=0).total == 0
    withdrawn = revoke_consent(container.uow(), world.borrower, consent.id, now=LATER)
    assert withdrawn.revoked_at == LATER
    assert not reads(container, world.agent_a, me, "statement_summary")
    history = list_consents(
        container.uow(), world.borrower, limit=10, offset=0, include_revoked=True
    )
    assert [c.revoked_at for c in history.items] == [LATER]


def test_consents_name_a_known_scope_and_a_lender_organisation(container, world):
    with pytest.raises(DomainError) as scope:
        give_consent(
            container.uow(),
            world.borrower,
            organisation_id=world.org_a,
            scope="everything",
            now=NOW,
        )
    assert (scope.value.code, scope.value.field) == ("sharing.scope_unknown", "scope")
    with pytest.raises(DomainError) as org:
        give_consent(container.uow(), world.borrower, organisation_id=4242, scope="loans", now=NOW)
    assert org.value.code == "access.not_found"
    with pytest.raises(DomainError) as staff:
        give_consent(
            container.uow(), world.agent_a, organisation_id=world.org_a, scope="loans", now=NOW
        )
    assert staff.value.code == "access.forbidden"
