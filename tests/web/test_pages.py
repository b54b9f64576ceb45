"""Every page renders in Chinese and English for the roles it is for; logged out, the pages
behind a login send the visitor to /login and back; a wrong role gets a 403 page, and an
unknown address a 404 page, in the visitor's language."""

from __future__ import annotations

import pytest

from web.world import OWNER_LENDER_NAME, make_world

HOME = {
    "owner": "/dashboard",
    "agent": "/desk",
    "supervisor": "/desk",
    "counselor": "/clients",
}
# A text each language's page must show (the logout button) and the html lang attribute.
LOGOUT = {"zh": "退出登录", "en": "Log out"}
HTML_LANG = {"zh": '<html lang="zh-CN">', "en": '<html lang="en">'}


@pytest.fixture
def world(people):
    return make_world(people)


def choose(browser, lang: str) -> None:
    response = browser.post("/lang", {"lang": lang, "next": "/"})
    assert response.status_code == 303


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path", ["/", "/login", "/signup"])
def test_the_public_pages_render_in_both_languages(web, path, lang):
    choose(web, lang)
    response = web.get(path)
    assert response.status_code == 200
    assert HTML_LANG[lang] in response.text
    assert response.headers["content-language"] == lang
    assert "text/html" in response.headers["content-type"]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("who", sorted(HOME))
def test_each_role_lands_on_its_page_and_it_renders_in_both_languages(
    world, new_browser, who, lang
):
    browser = new_browser()
    choose(browser, lang)
    landed = browser.log_in(world.people[who])
    assert landed.headers["location"] == HOME[who]
    page = browser.get(HOME[who])
    assert page.status_code == 200, page.text
    assert HTML_LANG[lang] in page.text and LOGOUT[lang] in page.text
    assert LOGOUT["en" if lang == "zh" else "zh"] not in page.text


def test_the_dashboard_shows_the_borrowers_figures_loans_at_risk_cases_and_due_dates(
    world, new_browser
):
    browser = new_browser()
    browser.log_in(world.people["owner"])
    choose(browser, "en")
    page = browser.get("/dashboard").text
    assert OWNER_LENDER_NAME in page  # the overdue private loan is at risk
    assert "overdue" in page and "Above the legal cap" in page
    assert f"Case {world.cases['owner']}" in page
    assert "¥" in page and "<meter" in page  # amounts as ¥…, the month against capacity
    assert "2 Mar 2026" in page  # today, in English words


def test_the_desk_lists_the_organisations_submitted_case_awaiting_it(world, new_browser):
    browser = new_browser()
    browser.log_in(world.people["agent"])
    choose(browser, "en")
    page = browser.get("/desk").text
    assert f"Case {world.cases['owner']}" in page
    assert "submitted" in page and "your organisation" in page


def test_the_clients_page_lists_the_borrowers_who_granted_the_counselor(world, new_browser):
    browser = new_browser()
    browser.log_in(world.people["counselor"])
    page = browser.get("/clients").text
    owner_name = world.people["owner"].email.split("@")[0]
    assert owner_name in page


@pytest.mark.parametrize("path", ["/dashboard", "/desk", "/clients"])
def test_logged_out_a_page_sends_the_visitor_to_login_and_back(web, world, path):
    response = web.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"
    who = next(k for k, v in HOME.items() if v == path)
    web.get(response.headers["location"])
    person = world.people[who]
    if person.totp_secret is None and person.role in ("agent", "supervisor"):
        web.people.enrol_totp(person)
    form = {"email": person.email, "password": person.password, "next": path}
    if person.totp_secret is not None:
        form["totp_code"] = web.people.next_code(person)
    back = web.post("/login", form)
    assert back.status_code == 303 and back.headers["location"] == path


def test_a_login_never_sends_the_visitor_to_another_site(web, world):
    web.get("/login")
    person = world.people["owner"]
    form = {"email": person.email, "password": person.password, "next": "//evil.example/x"}
    response = web.post("/login", form)
    assert response.headers["location"] == "/dashboard"


@pytest.mark.parametrize(("who", "path"), [("owner", "/desk"), ("agent", "/dashboard")])
def test_a_page_for_another_role_is_a_403_page_in_the_visitors_language(
    world, new_browser, who, path
):
    browser = new_browser()
    browser.log_in(world.people[who])
    choose(browser, "en")
    response = browser.get(path)
    assert response.status_code == 403
    assert "text/html" in response.headers["content-type"]
    assert "you are not allowed to do this" in response.text


@pytest.mark.parametrize(("lang", "words"), [("zh", "找不到该地址"), ("en", "no such address")])
def test_an_unknown_address_is_a_404_page_in_the_visitors_language(web, lang, words):
    choose(web, lang)
    response = web.get("/no/such/page")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"] and words in response.text


def test_the_api_still_answers_json_errors(web):
    response = web.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "http.not_found"
    assert web.get("/api/loans").json()["code"] == "auth.required"


def test_the_stylesheet_is_served_by_the_instance(web):
    response = web.get("/static/app.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]
    assert "WenQuanYi Micro Hei" in response.text


def test_the_desk_filters_by_state_and_overdue_without_changing_anything(world, new_browser):
    browser = new_browser()
    browser.log_in(world.people["agent"])
    choose(browser, "en")
    case = f"Case {world.cases['owner']}<"
    assert case in browser.get("/desk?state=submitted").text
    countered = browser.get("/desk?state=countered").text
    assert case not in countered and "No case matches the filter." in countered
    assert case not in browser.get("/desk?overdue=1").text  # its deadline is still ahead
    assert case in browser.get("/desk?state=no-such-state").text  # an unknown state: all
    assert '<option value="draft"' not in countered  # staff never see drafts
