"""The unit of work and repositories keep one contract on SQLite, PostgreSQL and the fake."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from xieshang.domain.errors import DomainError
from xieshang.domain.loan import make_loan
from xieshang.store.convert import new_loan_row
from xieshang.store.fakes import FakeUnitOfWork
from xieshang.store.models import (
    AuthSession,
    Consent,
    ConsentScope,
    CounselorGrant,
    Document,
    IdempotencyRecord,
    LoginAttempt,
    Organisation,
    OrganisationKind,
    Role,
    SessionKind,
    StatementRow,
    User,
)
from xieshang.store.repositories import MAX_PAGE, ConflictError

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SHA = "a" * 64


def user(email: str, role: str = Role.BORROWER, **fields) -> User:
    values = {"display_name": email.split("@", maxsplit=1)[0], "password_hash": "h", "role": role}
    return User(email=email, **(values | fields))


def loan(n: int = 1):
    return make_loan(
        id=f"L{n}",
        lender="某小贷",
        lender_type="small_loan",
        contract_date=date(2024, 1, 5),
        principal=Decimal(1000 * n),
        annual_rate="0.24",
        months=6,
        method="annuity",
        start=date(2024, 1, 5),
    )


def session_row(user_id: int, token: str, **fields) -> AuthSession:
    values = {
        "kind": SessionKind.WEB,
        "created_at": T0,
        "last_seen_at": T0,
        "expires_at": T0 + timedelta(hours=12),
    }
    return AuthSession(user_id=user_id, token_hash=token, **(values | fields))


# ---------------------------------------------------------------- transactions


def test_nothing_is_kept_unless_commit_is_called(any_uow):
    with any_uow() as uow:
        uow.users.add(user("a@example.com"))
    with any_uow() as uow:
        assert uow.users.get_by_email("a@example.com") is None


def test_committed_work_is_kept_and_readable_after_the_block(any_uow):
    with any_uow() as uow:
        added = uow.users.add(user("a@example.com"))
        uow.commit()
    assert added.id is not None and added.email == "a@example.com"
    with any_uow() as uow:
        assert uow.users.get(added.id).email == "a@example.com"


def test_an_exception_rolls_back_even_after_an_earlier_commit(any_uow):
    with pytest.raises(RuntimeError), any_uow() as uow:
        uow.users.add(user("kept@example.com"))
        uow.commit()
        uow.users.add(user("lost@example.com"))
        raise RuntimeError("boom")
    with any_uow() as uow:
        assert uow.users.get_by_email("kept@example.com") is not None
        assert uow.users.get_by_email("lost@example.com") is None


def test_changes_to_a_committed_row_are_undone_without_commit(any_uow):
    with any_uow() as uow:
        uid = uow.users.add(user("a@example.com")).id
        uow.commit()
    with any_uow() as uow:
        uow.users.get(uid).display_name = "changed"
    with any_uow() as uow:
        assert uow.users.get(uid).display_name == "a"


# ---------------------------------------------------------------- constraints


def test_a_second_account_with_the_same_email_in_other_case_is_a_conflict(any_uow):
    with any_uow() as uow:
        uow.users.add(user("li@example.com"))
        uow.commit()
    with any_uow() as uow, pytest.raises(ConflictError) as refused:
        uow.users.add(user("LI@Example.com"))
    assert (refused.value.kind, refused.value.constraint) == ("unique", "uq_users_email")


@pytest.mark.parametrize(
    ("make_twice", "constraint"),
    [
        (lambda uid: session_row(uid, "tok"), "uq_sessions_token_hash"),
        (
            lambda uid: IdempotencyRecord(
                user_id=uid,
                key="k1",
                method="POST",
                path="/loans",
                request_hash="r",
                status_code=201,
                response_body="{}",
            ),
            "uq_idempotency_keys_user_id_key",
        ),
        (lambda uid: StatementRow(borrower_id=uid, adults=1), "uq_statements_borrower_id"),
    ],
)
def test_unique_constraints_are_conflicts_named_the_same_everywhere(
    any_uow, make_twice, constraint
):
    with any_uow() as uow:
        uid = uow.users.add(user("a@example.com")).id
        uow.sessions  # noqa: B018 - every repository is present
        repo = {
            "uq_sessions_token_hash": uow.sessions,
            "uq_idempotency_keys_user_id_key": uow.idempotency,
            "uq_statements_borrower_id": uow.statements,
        }[constraint]
        repo.add(make_twice(uid))
        with pytest.raises(ConflictError) as refused:
            repo.add(make_twice(uid))
        assert refused.value.constraint == constraint


def test_rows_must_point_at_existing_rows(any_uow):
    with any_uow() as uow, pytest.raises(ConflictError) as refused:
        uow.loans.add(new_loan_row(loan(), borrower_id=999))
    assert refused.value.kind == "foreign_key"


def test_deleting_a_user_takes_their_data_and_an_organisation_keeps_its_staff(any_uow):
    with any_uow() as uow:
        org = uow.organisations.add(
            Organisation(kind=OrganisationKind.LENDER, name="某小贷", licence_type="small_loan")
        )
        agent = uow.users.add(user("agent@example.com", Role.AGENT, organisation_id=org.id))
        b = uow.users.add(user("b@example.com"))
        row = uow.loans.add(new_loan_row(loan(), borrower_id=b.id, lender_organisation_id=org.id))
        uow.sessions.add(session_row(b.id, "tok"))
        uow.commit()
        ids = (org.id, agent.id, b.id, row.id)
    org_id, agent_id, b_id, loan_id = ids
    with any_uow() as uow, pytest.raises(ConflictError):
        uow.organisations.delete(uow.organisations.get(org_id))
    with any_uow() as uow:
        uow.users.delete(uow.users.get(agent_id))
        uow.organisations.delete(uow.organisations.get(org_id))
        uow.commit()
    with any_uow() as uow:
        assert uow.loans.get(loan_id).lender_organisation_id is None  # SET NULL
        uow.users.delete(uow.users.get(b_id))
        uow.commit()
    with any_uow() as uow:
        assert uow.loans.get(loan_id) is None  # CASCADE
        assert uow.sessions.get_by_token_hash("tok") is None


# ---------------------------------------------------------------- queries services need


def test_lists_are_paged_in_id_order_with_the_total(any_uow):
    with any_uow() as uow:
        b = uow.users.add(user("b@example.com"))
        other = uow.users.add(user("o@example.com"))
        ids = [uow.loans.add(new_loan_row(loan(n), borrower_id=b.id)).id for n in range(1, 6)]
        uow.loans.add(new_loan_row(loan(9), borrower_id=other.id))
        uow.commit()
    with any_uow() as uow:
        page = uow.loans.list_for_borrower(b.id, limit=2, offset=2)
        assert [r.id for r in page.items] == ids[2:4]
        assert (page.total, page.limit, page.offset, page.has_more) == (5, 2, 2, True)
        last = uow.loans.list_for_borrower(b.id, limit=2, offset=4)
        assert [r.id for r in last.items] == ids[4:] and not last.has_more
        assert uow.users.list(role=Role.BORROWER).total == 2
        with pytest.raises(DomainError) as refused:
            uow.loans.list_for_borrower(b.id, limit=MAX_PAGE + 1)
        assert refused.value.code == "page.limit_out_of_range"
        with pytest.raises(DomainError):
            uow.users.list(offset=-1)


def test_sessions_are_found_by_token_hash_and_revoked_together(any_uow):
    with any_uow() as uow:
        uid = uow.users.add(user("a@example.com")).id
        keep = uow.sessions.add(session_row(uid, "t1"))
        uow.sessions.add(session_row(uid, "t2"))
        uow.sessions.add(session_row(uid, "t3", expires_at=T0 - timedelta(minutes=1)))
        uow.commit()
    with any_uow() as uow:
        assert uow.sessions.get_by_token_hash("t2").user_id == uid
        assert uow.sessions.revoke_all_for_user(uid, at=T0, keep_id=keep.id) == 2
        assert uow.sessions.delete_expired(before=T0) == 1
        uow.commit()
    with any_uow() as uow:
        found = {s.token_hash: s.revoked_at for s in uow.sessions.list_for_user(uid)}
        assert found == {"t1": None, "t2": T0}


def test_login_failures_are_counted_per_key_within_the_window(any_uow):
    with any_uow() as uow:
        for minutes, ok in ((1, False), (2, True), (20, False), (25, False)):
            uow.login_attempts.add(
                LoginAttempt(key="li@example.com", success=ok, at=T0 + timedelta(minutes=minutes))
            )
        uow.login_attempts.add(LoginAttempt(key="x", success=False, at=T0))
        uow.commit()
    with any_uow() as uow:
        since = T0 + timedelta(minutes=10)
        assert uow.login_attempts.failures_since("li@example.com", since) == (
            T0 + timedelta(minutes=20),
            T0 + timedelta(minutes=25),
        )
        assert uow.login_attempts.prune(before=since) == 3
        uow.commit()


def test_grants_and_consents_are_active_until_revoked(any_uow):
    with any_uow() as uow:
        org = uow.organisations.add(Organisation(kind=OrganisationKind.LENDER, name="L"))
        b = uow.users.add(user("b@example.com"))
        c = uow.users.add(user("c@example.com", Role.COUNSELOR))
        grant = uow.grants.add(CounselorGrant(borrower_id=b.id, counselor_id=c.id))
        consent = uow.consents.add(
            Consent(borrower_id=b.id, organisation_id=org.id, scope=ConsentScope.STATEMENT_SUMMARY)
        )
        uow.commit()
    with any_uow() as uow:
        assert uow.grants.active(b.id, c.id).id == grant.id
        assert uow.grants.list_for_counselor(c.id).total == 1
        assert uow.consents.active(b.id, org.id, ConsentScope.STATEMENT_SUMMARY).id == consent.id
        assert uow.consents.active(b.id, org.id, ConsentScope.DOCUMENTS) is None
        assert uow.consents.list_for_organisation(org.id).total == 1
        uow.grants.get(grant.id).revoked_at = T0
        uow.consents.get(consent.id).revoked_at = T0
        uow.commit()
    with any_uow() as uow:
        assert uow.grants.active(b.id, c.id) is None
        assert uow.grants.list_for_counselor(c.id).total == 0
        assert len(uow.grants.list_for_borrower(b.id, active_only=False)) == 1
        assert uow.consents.list_for_organisation(org.id).total == 0
        assert uow.consents.list_for_borrower(b.id) == ()


def test_documents_are_listed_per_owner_and_counted_per_blob(any_uow):
    with any_uow() as uow:
        a = uow.users.add(user("a@example.com"))
        b = uow.users.add(user("b@example.com"))
        for owner in (a, a, b):
            uow.documents.add(
                Document(
                    owner_id=owner.id,
                    sha256=SHA,
                    kind="contract",
                    media_type="application/pdf",
                    size=10,
                    filename="c.pdf",
                )
            )
        uow.commit()
    with any_uow() as uow:
        assert uow.documents.list_for_owner(a.id).total == 2
        assert uow.documents.count_with_sha256(SHA) == 3
        assert uow.documents.count_with_sha256("b" * 64) == 0


def test_an_idempotency_record_is_found_by_user_and_key(any_uow):
    with any_uow() as uow:
        uid = uow.users.add(user("a@example.com")).id
        uow.idempotency.add(
            IdempotencyRecord(
                user_id=uid,
                key="k",
                method="POST",
                path="/x",
                request_hash="h",
                status_code=201,
                response_body='{"id": 1}',
                created_at=T0,
            )
        )
        uow.commit()
    with any_uow() as uow:
        assert uow.idempotency.get(uid, "k").response_body == '{"id": 1}'
        assert uow.idempotency.get(uid, "other") is None
        assert uow.idempotency.prune(before=T0 + timedelta(days=1)) == 1


def test_the_fake_records_whether_it_was_committed():
    uow = FakeUnitOfWork()
    with uow:
        uow.users.add(user("a@example.com"))
    assert not uow.committed
    with uow:
        uow.users.add(user("a@example.com"))
        uow.commit()
    assert uow.committed and uow.commits == 1
