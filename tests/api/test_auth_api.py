"""Accounts over HTTP: registration, login, sessions, throttling, TOTP, personal data, admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from support.api_people import BOTH_DATABASES, PASSWORD, Clock, People
from xieshang.api.app import create_app
from xieshang.bootstrap import build_container
from xieshang.security.passwords import PasswordPolicy
from xieshang.security.totp import totp_code
from xieshang.settings import Settings

ID_NUMBER = "11010519491231002X"  # the published sample, valid check character
PHONE = "13812345678"
ACCOUNT = "6222021234567890123"


def register(api, email="li.ming@example.com", password=PASSWORD, name="李明", headers=None):
    return api.post(
        "/api/auth/register",
        json={"email": email, "password": password, "display_name": name},
        headers=headers or {},
    )


def login(api, email="li.ming@example.com", password=PASSWORD, **extra):
    return api.post("/api/auth/login", json={"email": email, "password": password, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------ register, login, me


@BOTH_DATABASES
def test_a_borrower_registers_logs_in_and_sees_their_account(api):
    r = register(api, email="  Li.Ming@Example.com ")
    assert r.status_code == 201, r.text
    assert r.json()["email"] == "li.ming@example.com"
    assert r.json()["role"] == "borrower"
    r = login(api, email="LI.MING@example.com", kind="api")
    assert r.status_code == 200, r.text
    assert r.json()["totp_enrolment_required"] is False
    me = api.get("/api/me", headers=bearer(r.json()["token"]))
    assert me.status_code == 200
    assert me.json()["user"]["display_name"] == "李明"


def test_a_taken_email_is_409_and_a_weak_password_400(api):
    assert register(api).status_code == 201
    again = register(api, email="LI.MING@example.com")
    assert (again.status_code, again.json()["code"]) == (409, "account.email_taken")
    weak = register(api, email="other@example.com", password="short")
    assert (weak.status_code, weak.json()["code"], weak.json()["field"]) == (
        400,
        "password.too_short",
        "password",
    )
    bad = register(api, email="not-an-email")
    assert (bad.status_code, bad.json()["code"]) == (400, "account.email_invalid")


def test_a_wrong_password_and_an_unknown_email_answer_exactly_alike(api):
    register(api)
    wrong = login(api, password="not the password at all")
    unknown = login(api, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "auth.invalid_credentials"
    assert "set-cookie" not in wrong.headers


def test_no_token_is_auth_required_and_a_bad_token_is_session_expired(api):
    assert api.get("/api/me").json()["code"] == "auth.required"
    r = api.get("/api/me", headers=bearer("x" * 43))
    assert (r.status_code, r.json()["code"]) == (401, "auth.session_expired")
    r = api.get("/api/me", headers={**bearer("x" * 43), "Accept-Language": "en"})
    assert r.json()["message"] == "your session has expired; please log in again"


# ------------------------------------------------------------------ throttling


@BOTH_DATABASES
def test_too_many_failures_answer_429_with_retry_after_until_the_window_passes(
    api, container, clock: Clock
):
    register(api)
    limit = container.settings.login_max_failures
    for _ in range(limit):
        assert login(api, password="wrong password!!").status_code == 401
        clock.advance(seconds=10)
    refused = login(api)  # even the right password is not tried now
    assert refused.status_code == 429
    assert refused.json()["code"] == "auth.throttled"
    window = container.settings.login_window_minutes * 60
    assert int(refused.headers["Retry-After"]) == window - 10
    clock.advance(seconds=int(refused.headers["Retry-After"]) - 1)
    assert login(api).status_code == 429
    clock.advance(seconds=1)
    assert login(api).status_code == 200


def test_one_client_trying_many_emails_is_throttled_too(api, container):
    limit = container.settings.login_max_failures * 4  # accounts.CLIENT_FAILURE_FACTOR
    for n in range(limit):
        assert login(api, email=f"guess{n}@example.com").status_code == 401
    r = login(api, email="yet-another@example.com")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


# ------------------------------------------------------------------ sessions


def test_each_login_gives_a_new_token_and_logout_kills_it_server_side(api):
    register(api)
    first = login(api, kind="api").json()["token"]
    second = login(api, kind="api").json()["token"]
    assert first != second
    assert api.post("/api/auth/logout", headers=bearer(first)).status_code == 204
    r = api.get("/api/me", headers=bearer(first))
    assert (r.status_code, r.json()["code"]) == (401, "auth.session_expired")
    assert api.get("/api/me", headers=bearer(second)).status_code == 200


def test_logout_all_ends_every_session_of_the_user(api):
    register(api)
    tokens = [login(api, kind="api").json()["token"] for _ in range(3)]
    assert api.post("/api/auth/logout-all", headers=bearer(tokens[0])).status_code == 204
    assert all(api.get("/api/me", headers=bearer(t)).status_code == 401 for t in tokens)


def test_a_session_idle_longer_than_the_idle_timeout_is_dead(api, container, clock: Clock):
    register(api)
    token = login(api, kind="api").json()["token"]
    idle = container.settings.session_idle_minutes
    for _ in range(3):  # activity keeps it alive well past one idle period
        clock.advance(minutes=idle - 1)
        assert api.get("/api/me", headers=bearer(token)).status_code == 200
    clock.advance(minutes=idle)
    assert api.get("/api/me", headers=bearer(token)).json()["code"] == "auth.session_expired"


def test_an_active_session_still_ends_at_the_absolute_timeout(api, container, clock: Clock):
    register(api)
    r = login(api, kind="api").json()
    token, start = r["token"], clock()
    end = start + timedelta(hours=container.settings.session_absolute_hours)
    while clock.advance(minutes=20) < end:
        assert api.get("/api/me", headers=bearer(token)).status_code == 200
    assert api.get("/api/me", headers=bearer(token)).json()["code"] == "auth.session_expired"


def test_the_web_login_sets_a_secure_httponly_lax_cookie_that_authenticates(api):
    register(api)
    r = login(api)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("xs_session=")
    lowered = cookie.lower()
    for flag in ("httponly", "secure", "samesite=lax", "path=/"):
        assert flag in lowered
    assert r.headers["cache-control"] == "no-store"
    assert api.get("/api/me").status_code == 200  # the client sends the cookie back
    assert api.post("/api/auth/logout").status_code == 204
    assert api.get("/api/me").status_code == 401


def test_an_api_login_sets_no_cookie(api):
    register(api)
    assert "set-cookie" not in login(api, kind="api").headers


def test_cookie_secure_off_drops_only_the_secure_flag(tmp_path, clock: Clock):
    settings = Settings(data_dir=tmp_path / "d", throwaway=True, cookie_secure=False)
    container = build_container(
        settings, migrate=True, password_policy=PasswordPolicy.cheap_for_tests(), clock=clock
    )
    try:
        with TestClient(create_app(container)) as client:
            register(client)
            cookie = login(client).headers["set-cookie"].lower()
            assert "httponly" in cookie
            assert "secure" not in cookie
    finally:
        container.close()


# ------------------------------------------------------------------ TOTP


def test_totp_enrolment_confirmation_and_login_with_a_code_that_cannot_be_replayed(
    api, clock: Clock
):
    register(api)
    token = login(api, kind="api").json()["token"]
    enrol = api.post("/api/me/totp", headers=bearer(token))
    assert enrol.status_code == 200
    assert enrol.headers["cache-control"] == "no-store"
    secret = enrol.json()["secret"]
    assert enrol.json()["provisioning_uri"].startswith("otpauth://totp/Xieshang:")
    wrong = api.post("/api/me/totp/confirm", json={"code": "000000"}, headers=bearer(token))
    if wrong.status_code != 200:  # 1 in a million the guess is right
        assert wrong.json()["code"] == "totp.code_invalid"
    ok = api.post(
        "/api/me/totp/confirm", json={"code": totp_code(secret, clock())}, headers=bearer(token)
    )
    assert ok.status_code == 200
    assert ok.json()["user"]["totp_enabled"] is True

    clock.advance(seconds=30)
    without = login(api, kind="api")
    assert (without.status_code, without.json()["code"]) == (401, "auth.totp_required")
    code = totp_code(secret, clock())
    assert login(api, kind="api", totp_code=code).status_code == 200
    replay = login(api, kind="api", totp_code=code)
    assert (replay.status_code, replay.json()["code"]) == (401, "auth.totp_invalid")
    again = api.post("/api/me/totp", headers=bearer(token))
    assert (again.status_code, again.json()["code"]) == (409, "totp.already_enabled")


def test_lender_staff_get_only_an_enrolment_session_until_they_use_totp(
    api, people: People, clock: Clock
):
    lender = people.organisation("lender", "Lender A")
    agent = people.make("agent", lender)
    r = login(api, email=agent.email, kind="api")
    assert r.status_code == 200
    assert r.json()["totp_enrolment_required"] is True
    limited = bearer(r.json()["token"])
    refused = api.get("/api/me/personal", headers=limited)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.totp_enrolment_required")
    assert api.get("/api/me", headers=limited).json()["totp_enrolment_required"] is True

    secret = api.post("/api/me/totp", headers=limited).json()["secret"]
    confirm = api.post(
        "/api/me/totp/confirm", json={"code": totp_code(secret, clock())}, headers=limited
    )
    assert confirm.status_code == 200
    assert api.get("/api/me/personal", headers=limited).status_code == 200
    clock.advance(seconds=30)
    assert login(api, email=agent.email, kind="api").json()["code"] == "auth.totp_required"
    full = login(api, email=agent.email, kind="api", totp_code=totp_code(secret, clock()))
    assert full.json()["totp_enrolment_required"] is False


def test_confirming_totp_ends_the_users_other_sessions(api, people: People, clock: Clock):
    borrower = people.make("borrower")
    here = login(api, email=borrower.email, kind="api").json()["token"]
    elsewhere = login(api, email=borrower.email, kind="api").json()["token"]
    secret = api.post("/api/me/totp", headers=bearer(here)).json()["secret"]
    api.post(
        "/api/me/totp/confirm", json={"code": totp_code(secret, clock())}, headers=bearer(here)
    )
    assert api.get("/api/me", headers=bearer(here)).status_code == 200
    assert api.get("/api/me", headers=bearer(elsewhere)).status_code == 401


# ------------------------------------------------------------------ personal data


def test_personal_data_is_masked_in_me_full_on_the_owners_endpoint_and_encrypted_on_disk(
    api, container
):
    register(api)
    token = bearer(login(api, kind="api").json()["token"])
    put = api.put(
        "/api/me/personal",
        json={"id_number": ID_NUMBER, "phone": PHONE, "bank_account": "6222 0212 3456 7890 123"},
        headers=token,
    )
    assert put.status_code == 200, put.text
    me = api.get("/api/me", headers=token).json()
    assert me["id_number"] == "110***********002X"
    assert me["phone"] == "138****5678"
    assert me["bank_account"] == "***************0123"
    full = api.get("/api/me/personal", headers=token)
    assert full.json() == {"id_number": ID_NUMBER, "phone": PHONE, "bank_account": ACCOUNT}
    assert full.headers["cache-control"] == "no-store"

    container.engine.dispose()  # let SQLite fold the WAL back; check every file anyway
    files = [p for p in container.settings.data_dir.iterdir() if p.is_file()]
    assert any(p.name.endswith(".sqlite3") for p in files)
    for path in files:
        raw = path.read_bytes()
        for secret in (ID_NUMBER, PHONE, ACCOUNT):
            assert secret.encode() not in raw, f"{secret} in {path.name}"


def test_invalid_personal_data_is_refused_by_field(api, people: People):
    person = people.logged_in("borrower")
    r = api.put(
        "/api/me/personal", json={"id_number": "110105194912310021"}, headers=person.headers
    )
    assert (r.status_code, r.json()["code"], r.json()["field"]) == (
        400,
        "personal.id_number_invalid",
        "id_number",
    )


# ------------------------------------------------------------------ administration


@pytest.mark.parametrize("role", ["borrower", "counselor", "agent", "supervisor"])
def test_admin_routes_refuse_everyone_but_admins(api, people: People, role):
    lender = people.organisation("lender", "Lender A")
    counseling = people.organisation("counseling", "Help Centre")
    org = {"counselor": counseling, "agent": lender, "supervisor": lender}.get(role)
    person = people.logged_in(role, org)
    calls = [
        api.get("/api/admin/organisations", headers=person.headers),
        api.post(
            "/api/admin/organisations",
            json={"kind": "counseling", "name": "Sneaky"},
            headers=person.headers,
        ),
        api.post(
            "/api/admin/users",
            json={
                "email": "x@example.com",
                "password": PASSWORD,
                "display_name": "X",
                "role": "admin",
            },
            headers=person.headers,
        ),
    ]
    assert [(c.status_code, c.json()["code"]) for c in calls] == [(403, "access.forbidden")] * 3
    assert api.get("/api/admin/organisations").status_code == 401


def test_an_admin_creates_organisations_and_staff_that_fit_them(api, people: People):
    admin = people.logged_in("admin")
    h = admin.headers
    lender = api.post(
        "/api/admin/organisations",
        json={"kind": "lender", "name": "某小贷公司", "licence_type": "small_loan"},
        headers=h,
    )
    assert lender.status_code == 201, lender.text
    lender_id = lender.json()["id"]
    no_licence = api.post(
        "/api/admin/organisations", json={"kind": "lender", "name": "Unlicensed"}, headers=h
    )
    assert no_licence.json()["code"] == "organisation.licence_type_required"
    taken = api.post(
        "/api/admin/organisations",
        json={"kind": "lender", "name": "某小贷公司", "licence_type": "bank"},
        headers=h,
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "organisation.name_taken")
    page = api.get("/api/admin/organisations", params={"limit": 1}, headers=h).json()
    assert (page["total"], len(page["items"])) == (1, 1)

    user = {"email": "agent@lender.example", "password": PASSWORD, "display_name": "Agent"}
    r = api.post(
        "/api/admin/users",
        json={**user, "role": "agent", "organisation_id": lender_id},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert (r.json()["role"], r.json()["organisation_id"]) == ("agent", lender_id)
    mismatch = api.post(
        "/api/admin/users",
        json={**user, "email": "c@x.example", "role": "counselor", "organisation_id": lender_id},
        headers=h,
    )
    assert mismatch.json()["code"] == "user.organisation_kind_mismatch"
    missing = api.post(
        "/api/admin/users", json={**user, "email": "s@x.example", "role": "supervisor"}, headers=h
    )
    assert missing.json()["code"] == "user.organisation_required"


# ------------------------------------------------------------------ idempotency


def test_a_retried_registration_with_the_same_key_replays_the_first_response(api):
    key = {"Idempotency-Key": "reg-7f3a"}
    first = register(api, headers=key)
    second = register(api, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    other_name = register(api, name="Somebody Else", headers=key)
    assert (other_name.status_code, other_name.json()["code"]) == (409, "idempotency.conflict")
    other_password = register(api, password="another good passphrase", headers=key)
    assert other_password.json()["code"] == "idempotency.conflict"
    no_key = register(api)
    assert no_key.json()["code"] == "account.email_taken"


def test_a_retried_organisation_creation_does_not_create_a_second_one(api, people: People):
    admin = people.logged_in("admin")
    h = {**admin.headers, "Idempotency-Key": "org-1"}
    body = {"kind": "counseling", "name": "Help Centre"}
    first = api.post("/api/admin/organisations", json=body, headers=h)
    second = api.post("/api/admin/organisations", json=body, headers=h)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    changed = api.post("/api/admin/organisations", json={**body, "name": "Other Centre"}, headers=h)
    assert changed.status_code == 409
    page = api.get("/api/admin/organisations", headers=admin.headers).json()
    assert page["total"] == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 201, "中文".encode()])
def test_a_malformed_idempotency_key_is_400(api, key):
    r = register(api, headers={"Idempotency-Key": key})
    assert (r.status_code, r.json()["code"]) == (400, "idempotency.key_invalid")


@BOTH_DATABASES
def test_people_in_every_role_can_be_made_and_logged_in_for_other_api_tests(people: People, api):
    lender = people.organisation("lender", "Lender A")
    counseling = people.organisation("counseling", "Help Centre")
    for role, org in [
        ("borrower", None),
        ("counselor", counseling),
        ("agent", lender),
        ("supervisor", lender),
        ("admin", None),
    ]:
        person = people.logged_in(role, org)
        me = api.get("/api/me", headers=person.headers).json()
        assert (me["user"]["role"], me["totp_enrolment_required"]) == (role, False)
