"""Logging in, signing up and out through the forms: errors beside the field in the visitor's
language, what was typed kept (never the password), TOTP asked for when needed, throttling
said plainly, and a logged-out session that is over on the server."""

from __future__ import annotations

import re

WRONG = "不是这个密码-wrong-1"


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="e-{field}" role="alert">([^<]*)</p>', html)
    assert found, f"no error beside {field}"
    return found.group(1)


def test_a_bad_login_keeps_the_email_and_shows_the_error_beside_the_password(web, people):
    person = people.make("borrower")
    web.post("/lang", {"lang": "en", "next": "/login"})
    web.get("/login")
    response = web.post("/login", {"email": person.email, "password": WRONG})
    assert response.status_code == 401
    assert f'value="{person.email}"' in response.text
    assert error_of(response.text, "password") == "wrong email or password"
    assert WRONG not in response.text
    assert 'aria-invalid="true" aria-describedby="e-password"' in response.text
    assert "xs_session" not in response.headers.get("set-cookie", "")


def test_the_login_error_is_in_chinese_by_default(web, people):
    person = people.make("borrower")
    response = web.post("/login", {"email": person.email, "password": WRONG})
    assert error_of(response.text, "password") == "邮箱或密码不正确"


def test_staff_with_totp_are_asked_for_the_code_and_then_land_on_the_desk(web, people):
    lender = people.organisation("lender", "Lender T")
    agent = people.make("agent", lender)
    people.enrol_totp(agent)
    asked = web.post("/login", {"email": agent.email, "password": agent.password})
    assert asked.status_code == 400
    assert error_of(asked.text, "totp_code") == "需要输入动态验证码"
    assert 'id="f-totp_code"' in asked.text and f'value="{agent.email}"' in asked.text
    wrong = web.post(
        "/login", {"email": agent.email, "password": agent.password, "totp_code": "000000"}
    )
    assert wrong.status_code == 401 and error_of(wrong.text, "totp_code")
    code = people.next_code(agent)
    done = web.post("/login", {"email": agent.email, "password": agent.password, "totp_code": code})
    assert done.status_code == 303 and done.headers["location"] == "/desk"
    assert web.get("/desk").status_code == 200


def test_too_many_failures_say_when_to_try_again(web, people, container):
    person = people.make("borrower")
    web.post("/lang", {"lang": "en", "next": "/login"})
    for _ in range(container.settings.login_max_failures):
        web.post("/login", {"email": person.email, "password": WRONG})
    response = web.post("/login", {"email": person.email, "password": person.password})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "too many attempts" in response.text
    assert f'value="{person.email}"' in response.text


def test_signing_up_makes_a_borrower_and_lands_on_the_dashboard(web, container):
    web.get("/signup")
    response = web.post(
        "/signup",
        {
            "email": "new.person@example.com",
            "display_name": "新用户",
            "password": "还清所有借款-2026",
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    page = web.get("/dashboard")
    assert page.status_code == 200
    with container.uow() as uow:
        user = uow.users.get_by_email("new.person@example.com")
        assert user is not None and user.role == "borrower"


def test_a_weak_password_is_refused_beside_the_field_keeping_name_and_email(web):
    web.post("/lang", {"lang": "en", "next": "/signup"})
    response = web.post(
        "/signup", {"email": "weak@example.com", "display_name": "Weak", "password": "short"}
    )
    assert response.status_code == 400
    assert error_of(response.text, "password")
    assert 'value="weak@example.com"' in response.text and 'value="Weak"' in response.text


def test_an_email_already_taken_is_refused_beside_the_email(web, people):
    person = people.make("borrower")
    response = web.post(
        "/signup",
        {"email": person.email, "display_name": "Again", "password": "另一个很长的密码-2026"},
    )
    assert response.status_code == 400
    assert error_of(response.text, "email")


def test_logging_out_ends_the_session_on_the_server(web, people, container):
    person = people.make("borrower")
    web.log_in(person)
    token = web.client.cookies.get("xs_session")
    assert web.get("/dashboard").status_code == 200
    out = web.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/"
    # The old cookie, presented again, no longer opens the page.
    web.client.cookies.set("xs_session", token)
    assert web.get("/dashboard").status_code == 303


def test_an_idle_session_sends_the_visitor_back_to_login(web, people, container, clock):
    web.log_in(people.make("borrower"))
    clock.advance(minutes=container.settings.session_idle_minutes + 1)
    response = web.get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard"
