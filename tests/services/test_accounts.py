"""The accounts, sessions, profile and idempotency services, below the HTTP layer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.conftest import _postgres_database, postgres_url  # noqa: F401  (fixtures)
from support.api_people import PASSWORD, START, Clock
from xieshang.bootstrap import Container, build_container
from xieshang.domain.errors import DomainError
from xieshang.security.passwords import PasswordPolicy, hash_password
from xieshang.security.totp import totp_code
from xieshang.services import accounts, idempotency, organisations, profile, sessions
from xieshang.services.access import Actor
from xieshang.settings import Settings

CHEAP = PasswordPolicy.cheap_for_tests()
ADMIN = Actor(user_id=0, role="admin")


@pytest.fixture(params=["sqlite", "postgresql"])
def container(request, tmp_path) -> Iterator[Container]:
    url = "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    clock = Clock(START)
    settings = Settings(data_dir=tmp_path / "data", database_url=url, throwaway=True)
    built = build_container(settings, migrate=True, password_policy=CHEAP, clock=clock)
    yield built
    built.close()


@pytest.fixture
def clock(container: Container) -> Clock:
    assert isinstance(container.clock, Clock)
    return container.clock


def rules(container: Container) -> accounts.AccountRules:
    return accounts.AccountRules.from_settings(container.settings, CHEAP)


def borrower(container: Container, email: str = "li.ming@example.com") -> accounts.UserView:
    return accounts.register_borrower(
        container.uow, email=email, password=PASSWORD, display_name="李明", policy=CHEAP,
        now=container.clock(),
    )  # fmt: skip


def log_in(container: Container, email="li.ming@example.com", password=PASSWORD, **kw):
    kw.setdefault("totp_code", None)
    kw.setdefault("client_key", "198.51.100.7")
    return accounts.login(
        container.uow, email=email, password=password, rules=rules(container),
        now=container.clock(), **kw,
    )  # fmt: skip


def code_of(error: pytest.ExceptionInfo[DomainError]) -> str:
    return error.value.code


def test_registration_normalises_the_email_and_makes_a_borrower(container):
    view = borrower(container, "  Li.Ming@EXAMPLE.com")
    assert (view.email, view.role, view.organisation_id) == (
        "li.ming@example.com",
        "borrower",
        None,
    )
    with pytest.raises(DomainError) as e:
        borrower(container, "LI.MING@example.com")
    assert code_of(e) == "account.email_taken"


def test_a_stored_hash_with_old_parameters_is_upgraded_at_login(container):
    view = borrower(container)
    old = PasswordPolicy(time_cost=1, memory_kib=16)
    with container.uow() as uow:
        user = uow.users.get(view.id)
        assert user is not None
        user.password_hash = hash_password(PASSWORD, policy=old)
        uow.commit()
    log_in(container)
    with container.uow() as uow:
        user = uow.users.get(view.id)
        assert user is not None
        assert "m=8," in user.password_hash  # the cheap policy's memory


def test_a_disabled_account_cannot_log_in_even_with_the_right_password(container):
    view = borrower(container)
    token = log_in(container).token
    with container.uow() as uow:
        user = uow.users.get(view.id)
        assert user is not None
        user.disabled = True
        uow.commit()
    with pytest.raises(DomainError) as e:
        log_in(container)
    assert code_of(e) == "auth.invalid_credentials"
    with pytest.raises(DomainError) as e:
        sessions.authenticate(
            container.uow, token, now=container.clock(), rules=rules(container).sessions
        )
    assert code_of(e) == "auth.session_expired"


def test_failures_are_recorded_for_the_email_and_the_client_and_successes_for_the_email(
    container,
):
    borrower(container)
    with pytest.raises(DomainError):
        log_in(container, password="wrong password!!")
    log_in(container)
    since = START - timedelta(days=1)
    with container.uow() as uow:
        assert len(uow.login_attempts.failures_since("email:li.ming@example.com", since)) == 1
        assert len(uow.login_attempts.failures_since("client:198.51.100.7", since)) == 1


def test_the_lock_lifts_exactly_one_window_after_the_tripping_failure(container, clock):
    borrower(container)
    limit = container.settings.login_max_failures
    for _ in range(limit):
        with pytest.raises(DomainError):
            log_in(container, password="wrong password!!")
    tripped = clock()
    with pytest.raises(DomainError) as e:
        log_in(container)
    assert code_of(e) == "auth.throttled"
    window = timedelta(minutes=container.settings.login_window_minutes)
    assert e.value.params["retry_after"] == window.total_seconds()
    clock.now = tripped + window - timedelta(microseconds=1)
    with pytest.raises(DomainError):
        log_in(container)
    clock.now = tripped + window
    assert log_in(container).actor.role == "borrower"


def test_a_correct_password_without_a_needed_code_is_not_counted_as_a_failure(container, clock):
    view = borrower(container)
    actor = Actor(view.id, "borrower")
    secret = profile.enrol_totp(container.uow, actor).secret
    profile.confirm_totp(container.uow, actor, totp_code(secret, clock()), now=clock())
    for _ in range(container.settings.login_max_failures + 1):
        with pytest.raises(DomainError) as e:
            log_in(container)
        assert code_of(e) == "auth.totp_required"
    clock.advance(seconds=30)
    assert log_in(container, totp_code=totp_code(secret, clock())).token


def test_sessions_store_only_the_token_hash_and_touch_last_seen_at_most_once_a_minute(
    container, clock
):
    borrower(container)
    result = log_in(container)
    session_rules = rules(container).sessions
    with container.uow() as uow:
        (row,) = uow.sessions.list_for_user(result.actor.user_id)
        assert row.token_hash != result.token and len(row.token_hash) == 64
        assert row.expires_at == START + session_rules.absolute
    clock.advance(seconds=30)
    sessions.authenticate(container.uow, result.token, now=clock(), rules=session_rules)
    with container.uow() as uow:
        assert uow.sessions.list_for_user(result.actor.user_id)[0].last_seen_at == START
    clock.advance(seconds=30)
    sessions.authenticate(container.uow, result.token, now=clock(), rules=session_rules)
    with container.uow() as uow:
        assert uow.sessions.list_for_user(result.actor.user_id)[0].last_seen_at == clock()


def test_totp_confirmation_needs_enrolment_and_a_right_code(container, clock):
    actor = Actor(borrower(container).id, "borrower")
    with pytest.raises(DomainError) as e:
        profile.confirm_totp(container.uow, actor, "123456", now=clock())
    assert code_of(e) == "totp.not_enrolled"
    secret = profile.enrol_totp(container.uow, actor).secret
    wrong = "000000" if totp_code(secret, clock()) != "000000" else "111111"
    with pytest.raises(DomainError) as e:
        profile.confirm_totp(container.uow, actor, wrong, now=clock())
    assert code_of(e) == "totp.code_invalid"
    with container.uow() as uow:
        user = uow.users.get(actor.user_id)
        assert user is not None and user.totp_secret == secret and not user.totp_enabled


def test_personal_data_round_trips_encrypted_and_is_cleared_by_null(container):
    actor = Actor(borrower(container).id, "borrower")
    shown = profile.update_personal(
        container.uow, actor, id_number="11010519491231002x", phone="138-1234-5678",
        bank_account=None,
    )  # fmt: skip
    assert (shown.id_number, shown.phone, shown.bank_account) == (
        "110***********002X",
        "138****5678",
        None,
    )
    full = profile.personal_data(container.uow, actor)
    assert (full.id_number, full.phone) == ("11010519491231002X", "13812345678")
    with container.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT id_number, phone FROM users").one()
    assert "11010519491231002X" not in str(raw) and "13812345678" not in str(raw)
    profile.update_personal(container.uow, actor, id_number=None, phone="", bank_account=None)
    assert profile.personal_data(container.uow, actor) == profile.PersonalData(None, None, None)


def test_staff_must_belong_to_an_organisation_of_the_right_kind(container):
    lender = organisations.create_organisation(
        container.uow, ADMIN, kind="lender", name="Lender A", licence_type="bank",
        now=container.clock(),
    )  # fmt: skip
    cases = [
        ("agent", None, "user.organisation_required"),
        ("counselor", lender.id, "user.organisation_kind_mismatch"),
        ("borrower", lender.id, "user.organisation_not_allowed"),
        ("agent", 9999, "access.not_found"),
        ("wizard", None, "user.role_invalid"),
    ]
    for n, (role, org, code) in enumerate(cases):
        with pytest.raises(DomainError) as e:
            accounts.create_user(
                container.uow, ADMIN, email=f"u{n}@example.com", password=PASSWORD,
                display_name="U", role=role, organisation_id=org, policy=CHEAP,
                now=container.clock(),
            )  # fmt: skip
        assert code_of(e) == code, role
    with pytest.raises(DomainError) as e:
        accounts.create_user(
            container.uow, Actor(1, "supervisor", lender.id), email="x@example.com",
            password=PASSWORD, display_name="X", role="agent", organisation_id=lender.id,
            policy=CHEAP, now=container.clock(),
        )  # fmt: skip
    assert code_of(e) == "access.forbidden"


def test_organisations_check_kind_and_licence_type():
    organisations.check_organisation("counseling", None)
    organisations.check_organisation("lender", "consumer_finance")
    for kind, licence, code in [
        ("bank", None, "organisation.kind_invalid"),
        ("lender", None, "organisation.licence_type_required"),
        ("lender", "casino", "organisation.licence_type_invalid"),
        ("counseling", "bank", "organisation.licence_type_not_allowed"),
    ]:
        with pytest.raises(DomainError) as e:
            organisations.check_organisation(kind, licence)
        assert code_of(e) == code


def test_an_idempotent_call_produces_once_replays_and_refuses_a_different_request(container):
    actor = Actor(borrower(container).id, "borrower")
    calls: list[int] = []

    def produce() -> tuple[int, dict[str, int]]:
        calls.append(1)
        return 201, {"id": len(calls)}

    def run(request_hash: str, key: str | None = "k1") -> idempotency.StoredResponse:
        return idempotency.run_idempotent(
            container.uow, actor, key, "POST", "/api/things", request_hash, produce,
            now=container.clock(),
        )  # fmt: skip

    first, again = run("h1"), run("h1")
    assert (first.body, first.replayed) == ({"id": 1}, False)
    assert (again.status, again.body, again.replayed) == (201, {"id": 1}, True)
    with pytest.raises(DomainError) as e:
        run("h2")
    assert code_of(e) == "idempotency.conflict"
    assert run("h1", key=None).body == {"id": 2}
    assert len(calls) == 2


def test_a_second_writer_of_the_same_key_answers_with_the_first_response(container):
    actor = Actor(borrower(container).id, "borrower")
    common = {"method": "POST", "path": "/p", "request_hash": "h", "now": container.clock()}
    idempotency.remember(container.uow, actor.user_id, "k", status=201, body={"n": 1}, **common)
    late = idempotency.remember(
        container.uow, actor.user_id, "k", status=201, body={"n": 2}, **common
    )
    assert (late.body, late.replayed) == ({"n": 1}, True)


WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_an_id_number_is_accepted_exactly_when_its_check_character_is_right(body, check):
    expected = "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]
    if check == expected:
        assert profile.clean_id_number(body + check.lower()) == body + check
    else:
        with pytest.raises(DomainError):
            profile.clean_id_number(body + check)
