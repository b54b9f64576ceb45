"""Every state-changing form needs this browser's token: without it, or with a wrong or
another session's token, the request is refused with a 403 page in the visitor's language
and nothing changes."""

from __future__ import annotations

import re

import pytest

from web.conftest import csrf_token_of, page_routes


def page_posts(app) -> list[str]:
    """Every POST page route, with each path parameter filled in (``{id}`` → ``1``)."""
    posts = (path for method, path in page_routes(app) if method == "POST")
    return sorted(re.sub(r"\{[^}]+\}", "1", path) for path in posts)


def test_every_web_form_is_csrf_checked_by_these_tests(web):
    assert {"/lang", "/login", "/logout", "/signup", "/totp/confirm"} <= set(
        page_posts(web.client.app)
    )


@pytest.mark.parametrize("token", [None, "0" * 64, ""])
def test_a_form_without_the_right_token_is_refused(web, token):
    for path in page_posts(web.client.app):
        web.get("/")
        form = {} if token is None else {"csrf_token": token}
        response = web.post(path, form, csrf=False)
        assert response.status_code == 403, path
        assert "text/html" in response.headers["content-type"], path
        assert "未作任何更改" in response.text, path


def test_the_refusal_speaks_the_visitors_language(web):
    web.post("/lang", {"lang": "en", "next": "/"})
    response = web.post("/logout", {"csrf_token": "nope"}, csrf=False)
    assert response.status_code == 403 and "nothing was changed" in response.text


def test_a_refused_logout_leaves_the_session_open(web, people):
    web.log_in(people.make("borrower"))
    assert web.post("/logout", csrf=False).status_code == 403
    assert web.get("/dashboard").status_code == 200


def test_a_refused_signup_creates_no_account(web, container):
    form = {"email": "csrf@example.com", "display_name": "X", "password": "一个足够长的密码-2026"}
    assert web.post("/signup", form, csrf=False).status_code == 403
    with container.uow() as uow:
        assert uow.users.get_by_email("csrf@example.com") is None


def test_a_refused_language_switch_sets_no_cookie(web):
    response = web.post("/lang", {"lang": "en", "csrf_token": "bad"}, csrf=False)
    assert response.status_code == 403
    assert "lang=" not in response.headers.get("set-cookie", "")


def test_another_sessions_token_does_not_work_here(new_browser, people):
    alice, bob = new_browser(), new_browser()
    alice.log_in(people.make("borrower"))
    bob.log_in(people.make("borrower"))
    alices_token = csrf_token_of(alice.get("/dashboard").text)
    assert bob.post("/logout", {"csrf_token": alices_token}).status_code == 403
    assert bob.get("/dashboard").status_code == 200


def test_logging_in_changes_the_token(web, people):
    before = csrf_token_of(web.get("/login").text)
    web.log_in(people.make("borrower"))
    after = csrf_token_of(web.get("/dashboard").text)
    assert before != after
