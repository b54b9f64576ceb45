"""Lender staff set up two-step login in the browser: their first login leads to the set-up
page, showing it changes nothing, the secret is made by a POST, a wrong code is refused beside
the field, and the first good code turns it on and opens the desk."""

from __future__ import annotations

import re

from xieshang.security.totp import totp_code


def secret_on(html: str) -> str:
    found = re.search(r'name="secret" value="([A-Z2-7]+)"', html)
    assert found, "no secret on the page"
    return found.group(1)


def stored_secret(container, user_id: int) -> tuple[str | None, bool]:
    with container.uow() as uow:
        user = uow.users.get(user_id)
        return user.totp_secret, bool(user.totp_enabled)


def test_a_new_agent_sets_up_two_step_login_and_reaches_the_desk(web, people, container, clock):
    lender = people.organisation("lender", "Lender New")
    agent = people.make("agent", lender)
    web.get("/login")
    landed = web.post("/login", {"email": agent.email, "password": agent.password})
    assert landed.status_code == 303 and landed.headers["location"] == "/totp"
    assert web.get("/desk").headers["location"] == "/totp"  # nothing else until it is set up

    page = web.get("/totp")
    assert page.status_code == 200 and 'action="/totp/secret"' in page.text
    assert stored_secret(container, agent.id) == (None, False)  # showing it changed nothing

    made = web.post("/totp/secret")
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    secret = secret_on(made.text)
    assert stored_secret(container, agent.id) == (secret, False)

    wrong = web.post("/totp/confirm", {"code": "000000", "secret": secret})
    assert wrong.status_code == 400
    assert 'id="e-code"' in wrong.text and secret_on(wrong.text) == secret

    done = web.post("/totp/confirm", {"code": totp_code(secret, clock()), "secret": secret})
    assert done.status_code == 303 and done.headers["location"] == "/desk"
    assert stored_secret(container, agent.id) == (secret, True)
    assert web.get("/desk").status_code == 200


def test_the_set_up_page_needs_a_login(web):
    response = web.get("/totp")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/totp"


def test_someone_already_enrolled_cannot_replace_their_secret_from_the_page(
    new_browser, people, container
):
    browser = new_browser()
    lender = people.organisation("lender", "Lender Old")
    agent = people.make("agent", lender)
    browser.log_in(agent)  # enrols through the service first
    before = stored_secret(container, agent.id)
    browser.get("/totp")
    response = browser.post("/totp/secret")
    assert response.status_code == 409 and "text/html" in response.headers["content-type"]
    assert stored_secret(container, agent.id) == before
