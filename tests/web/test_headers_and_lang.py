"""Security headers on every page (a CSP with no inline script or style), HSTS only over
HTTPS; the language from the switch's cookie, else Accept-Language; no inline script or style
in any template (the CSP would block them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xieshang.i18n import catalog
from xieshang.web.lang import accept_language
from xieshang.web.session import safe_next

LABEL_CALL = re.compile(r"""\bt\(["']([a-z0-9_]+)["']\s*[,)]""")
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "xieshang" / "web" / "templates"


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/static/app.css", "/missing"])
def test_every_web_response_carries_the_security_headers(web, path):
    response = web.get(path)
    csp = response.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_hsts_is_sent_only_over_https(new_client):
    plain = new_client()
    plain.base_url = "http://testserver"
    response = plain.get("/")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers


def test_pages_are_not_cached(web):
    assert web.get("/login").headers["cache-control"] == "no-store"


def test_no_template_has_an_inline_script_style_or_event_handler():
    for template in TEMPLATES.glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        assert "<style" not in text, template.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=", text), template.name
        assert "http://" not in text and "https://" not in text, template.name


def test_every_label_a_template_names_is_in_the_catalog():
    ui = catalog()["ui"]
    used = set()
    for template in TEMPLATES.glob("*.j2"):
        used |= set(LABEL_CALL.findall(template.read_text("utf-8")))
    assert used and not sorted(used - set(ui))
    for state in ("draft", "submitted", "under_review", "countered", "agreed", "signed"):
        assert f"case_state_{state}" in ui
    assert {"web_risk_overdue", "web_risk_above_cap"} <= set(ui)


@pytest.mark.parametrize(
    ("header", "lang"),
    [("en-US,en;q=0.9", "en"), ("zh-CN", "zh"), ("fr, en;q=0.5, zh;q=0.9", "zh"), ("", "zh")],
)
def test_without_a_cookie_the_browsers_language_is_used(web, header, lang):
    response = web.get("/", headers={"Accept-Language": header, "Accept": "text/html"})
    assert response.headers["content-language"] == lang


def test_the_language_switch_sets_the_cookie_and_goes_back(web):
    response = web.post("/lang", {"lang": "en", "next": "/signup"})
    assert response.status_code == 303 and response.headers["location"] == "/signup"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("lang=en") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = web.get("/signup", headers={"Accept-Language": "zh-CN", "Accept": "text/html"})
    assert page.headers["content-language"] == "en"  # the cookie wins over the header
    assert "Create a borrower account" in page.text


def test_the_language_switch_never_leaves_the_site(web):
    response = web.post("/lang", {"lang": "zh", "next": "https://evil.example/"})
    assert response.headers["location"] == "/"


def test_an_unknown_language_sets_nothing(web):
    response = web.post("/lang", {"lang": "fr", "next": "/"})
    assert "lang=" not in response.headers.get("set-cookie", "")


@given(st.text(max_size=80))
def test_any_accept_language_header_gives_one_of_our_languages(header):
    assert accept_language(header) in ("zh", "en")


@given(st.text(max_size=60))
def test_a_next_address_is_always_a_local_path_or_nothing(value):
    found = safe_next(value)
    assert found is None or (found.startswith("/") and not found.startswith("//"))
    if found is not None:
        assert "\\" not in found and "\n" not in found and "\r" not in found
